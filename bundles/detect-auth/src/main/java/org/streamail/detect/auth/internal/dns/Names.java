package org.streamail.detect.auth.internal.dns;

import java.util.function.IntPredicate;

/** The shape of DNS names as SPF, DKIM and DMARC check them. Stateless. */
public final class Names {

    /** Letters, digits and hyphens: what a host name's labels hold. */
    public static final IntPredicate LDH = c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-';

    /** {@link #LDH} and the underscore of service labels ({@code _spf}, {@code _domainkey}, a DKIM selector). */
    public static final IntPredicate LDH_UNDERSCORE = c -> LDH.test(c) || c == '_';

    private Names() {
    }

    /** 1 to 253 characters, without a trailing dot, in labels of 1 to 63 characters that {@code allowed} accepts. */
    public static boolean valid(String name, IntPredicate allowed) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        int label = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (label == 0) {
                    return false;
                }
                label = 0;
            } else if (!allowed.test(c) || ++label > 63) {
                return false;
            }
        }
        return label > 0;
    }
}
