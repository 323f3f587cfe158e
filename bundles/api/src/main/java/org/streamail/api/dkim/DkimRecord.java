package org.streamail.api.dkim;

import java.util.List;
import java.util.Objects;

/**
 * The DNS TXT record that publishes a DKIM public key.
 *
 * @param name    where it goes: {@code <selector>._domainkey.<domain>}, without the trailing dot
 * @param strings its text ({@code v=DKIM1; k=rsa; p=...}) cut into character-strings of at most 255 bytes, the
 *                most one string of a TXT record may hold (RFC 1035 3.3.14); verifiers join them again
 */
public record DkimRecord(String name, List<String> strings) {

    public DkimRecord {
        Objects.requireNonNull(name, "name");
        strings = List.copyOf(strings);
    }

    /** The record's text, its strings joined as a verifier reads it. */
    public String text() {
        return String.join("", strings);
    }

    /** One zone-file line: {@code name IN TXT "..." "..."}. */
    public String zoneLine() {
        StringBuilder b = new StringBuilder(name).append(" IN TXT");
        for (String s : strings) {
            b.append(" \"").append(s).append('"');
        }
        return b.toString();
    }
}
