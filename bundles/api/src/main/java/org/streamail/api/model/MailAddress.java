package org.streamail.api.model;

import java.util.Locale;
import java.util.Objects;

/**
 * An address from a header such as From or Reply-To.
 *
 * @param address     the addr-spec ({@code local@domain}); may be syntactically odd when the header was,
 *                    never {@code null}
 * @param displayName the decoded display name, or {@code ""} when there is none
 */
public record MailAddress(String address, String displayName) {
    public MailAddress {
        Objects.requireNonNull(address, "address");
        displayName = displayName == null ? "" : displayName;
    }

    /** The domain part, lower case, or {@code ""} when the address has none. */
    public String domain() {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }
}
