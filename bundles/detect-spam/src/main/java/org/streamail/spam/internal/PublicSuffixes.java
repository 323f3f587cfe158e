package org.streamail.spam.internal;

import com.google.common.net.InternetDomainName;
import java.util.Optional;

/**
 * Which domains are public suffixes: names under which anyone can register a domain of their own, as listed by
 * the Public Suffix List ({@code com}, {@code co.uk}, {@code gouv.fr}, and private entries such as
 * {@code github.io} or {@code blogspot.com}). A block rule for one of them would refuse mail from, or with links
 * to, countless unrelated organisations, so it is refused when the rule is added.
 *
 * <p>The list is the one compiled into Guava ({@link InternetDomainName}); a newer Guava brings a newer list.
 * Stateless and thread-safe.
 */
final class PublicSuffixes {

    private PublicSuffixes() {
    }

    /**
     * Why {@code domain} may not be a rule value, or empty when it may.
     *
     * @param domain a lower-case domain name without a trailing dot, already checked for syntax
     * @return the reason, naming the suffix kind and what to block instead, or empty
     */
    static Optional<String> tooBroad(String domain) {
        if (!InternetDomainName.isValid(domain)) {
            return Optional.empty(); // not a name Guava can judge; the caller's own syntax check decides
        }
        InternetDomainName name = InternetDomainName.from(domain);
        if (!name.isPublicSuffix()) {
            return Optional.empty();
        }
        String kind = name.isRegistrySuffix() ? "a public suffix" : "a shared hosting suffix";
        return Optional.of("'" + domain + "' is " + kind + " (anyone can register a name under it): too broad; "
                + "block the registered domain instead, e.g. example." + domain);
    }
}
