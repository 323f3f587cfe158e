package org.streamail.store.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/** Syntax of what the directory registers: plain ASCII {@code local@domain}. Stateless. */
final class Addresses {

    /**
     * Dot-atom local part. Left out on purpose although RFC 5322 allows them: {@code %} and {@code !}
     * (percent hack and bang paths are relay tricks), quotes and backslashes (quoted local parts).
     */
    private static final Pattern LOCAL = Pattern.compile("[a-z0-9#$&'*+/=?^_`{|}~-]+(\\.[a-z0-9#$&'*+/=?^_`{|}~-]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    static final int MAX_LOCAL = 64;
    static final int MAX_DOMAIN = 253;
    static final int MAX_ADDRESS = 320;

    private Addresses() {
    }

    /** Trimmed and lower case; {@code ""} for {@code null}. */
    static String normalize(String address) {
        return address == null ? "" : address.strip().toLowerCase(Locale.ROOT);
    }

    /** The part after the last {@code @}, or {@code ""}. */
    static String domainOf(String normalized) {
        int at = normalized.lastIndexOf('@');
        return at < 0 ? "" : normalized.substring(at + 1);
    }

    /** Whether {@code domain} (lower case) is a plain DNS name with at least two labels. */
    static boolean isDomain(String domain) {
        return domain.length() <= MAX_DOMAIN && DOMAIN.matcher(domain).matches();
    }

    /**
     * Checks a normalized address; returns {@code null} when valid, else why not (for the exception).
     */
    static String problem(String normalized) {
        if (normalized.isEmpty()) {
            return "the address is empty";
        }
        if (normalized.length() > MAX_ADDRESS) {
            return "the address is longer than " + MAX_ADDRESS + " characters";
        }
        int at = normalized.indexOf('@');
        if (at < 0 || at != normalized.lastIndexOf('@')) {
            return "the address must contain exactly one @";
        }
        String local = normalized.substring(0, at);
        String domain = normalized.substring(at + 1);
        if (local.isEmpty() || local.length() > MAX_LOCAL || !LOCAL.matcher(local).matches()) {
            return "the local part '" + local + "' is not a plain dot-atom of at most " + MAX_LOCAL
                    + " characters (no quotes, %, ! or spaces)";
        }
        if (!isDomain(domain)) {
            return "'" + domain + "' is not a domain name";
        }
        return null;
    }
}
