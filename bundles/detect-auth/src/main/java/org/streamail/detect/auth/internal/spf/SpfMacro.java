package org.streamail.detect.auth.internal.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * RFC 7208 section 7 macro strings: syntax check and expansion. One pass serves both, so a string that passed
 * the check at parse time cannot fail differently when it is expanded.
 */
final class SpfMacro {

    /** Bounds what hostile records can make us build (e.g. hundreds of %{s}); far above any real domain-spec. */
    static final int MAX_EXPANSION = 8192;

    private static final String DELIMITERS = ".-+,/_=";
    private static final String UNRESERVED = "-._~";

    /** The values of the macro letters for one check_host() evaluation. */
    record Values(String sender, String localPart, String senderDomain, byte[] ip, String helo, String receiver,
                  long epochSeconds) {
    }

    private SpfMacro() {
    }

    /**
     * Checks {@code spec}'s syntax (PERMERROR if bad). {@code explanation}: the letters c, r and t are allowed only
     * in explanation text (RFC 7208 7.2). Answers whether the string ends with a macro-expand, which the
     * domain-spec grammar needs (domain-end).
     */
    static boolean check(String spec, boolean explanation) throws SpfException {
        return run(spec, explanation, null, null, null);
    }

    /** Expands {@code spec} with {@code domain} as %{d}. */
    static String expand(String spec, String domain, Values values, boolean explanation) throws SpfException {
        StringBuilder out = new StringBuilder(Math.min(spec.length() * 2, MAX_EXPANSION));
        run(spec, explanation, domain, values, out);
        return out.toString();
    }

    private static boolean run(String s, boolean explanation, String domain, Values values, StringBuilder out)
            throws SpfException {
        boolean endsWithMacro = false;
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c != '%') {
                // explain-string = *( macro-string / SP ) (RFC 7208 6.2)
                if ((c < 0x21 || c > 0x7e) && !(explanation && c == ' ')) {
                    throw SpfException.perm("invalid character in macro string");
                }
                append(out, String.valueOf(c));
                endsWithMacro = false;
                i++;
                continue;
            }
            if (i + 1 >= n) {
                throw SpfException.perm("bad macro: '%' at the end");
            }
            char next = s.charAt(i + 1);
            endsWithMacro = true;
            switch (next) {
                case '%' -> append(out, "%");
                case '_' -> append(out, " ");
                case '-' -> append(out, "%20");
                case '{' -> {
                    int close = s.indexOf('}', i + 2);
                    if (close < 0) {
                        throw SpfException.perm("bad macro: no '}'");
                    }
                    letter(s.substring(i + 2, close), explanation, domain, values, out);
                    i = close + 1;
                    continue;
                }
                default -> throw SpfException.perm("bad macro: '%" + next + "'");
            }
            i += 2;
        }
        return endsWithMacro;
    }

    /** One %{...} body: letter, transformers (digits, 'r'), delimiters. */
    private static void letter(String body, boolean explanation, String domain, Values values, StringBuilder out)
            throws SpfException {
        if (body.isEmpty()) {
            throw SpfException.perm("bad macro: empty %{}");
        }
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if ("slodiphv".indexOf(lower) < 0 && !(explanation && "crt".indexOf(lower) >= 0)) {
            throw SpfException.perm("bad macro letter '" + printable(letter) + "'");
        }
        int k = 1;
        int keep = 0;
        boolean hasDigits = false;
        while (k < body.length() && body.charAt(k) >= '0' && body.charAt(k) <= '9') {
            hasDigits = true;
            // saturate: any count beyond the 128 labels a name can have keeps everything
            keep = Math.min(keep * 10 + (body.charAt(k) - '0'), 1000);
            k++;
        }
        if (hasDigits && keep == 0) {
            throw SpfException.perm("bad macro: zero labels");
        }
        boolean reverse = false;
        if (k < body.length() && (body.charAt(k) == 'r' || body.charAt(k) == 'R')) {
            reverse = true;
            k++;
        }
        String delimiters = body.substring(k);
        for (int j = 0; j < delimiters.length(); j++) {
            if (DELIMITERS.indexOf(delimiters.charAt(j)) < 0) {
                throw SpfException.perm("bad macro delimiter '" + printable(delimiters.charAt(j)) + "'");
            }
        }
        if (out == null) {
            return;
        }
        String value = transform(value(lower, domain, values), delimiters.isEmpty() ? "." : delimiters, keep,
                reverse);
        append(out, Character.isUpperCase(letter) ? urlEscape(value) : value);
    }

    private static String value(char letter, String domain, Values v) {
        return switch (letter) {
            case 's' -> v.sender();
            case 'l' -> v.localPart();
            case 'o' -> v.senderDomain();
            case 'd' -> domain;
            case 'i' -> Ip.macroForm(v.ip());
            // RFC 7208 7.3 allows "unknown" in place of the validated name; its look-ups are not worth it
            case 'p' -> "unknown";
            case 'v' -> v.ip().length == 4 ? "in-addr" : "ip6";
            case 'h' -> v.helo();
            case 'c' -> Ip.readable(v.ip());
            case 'r' -> v.receiver();
            case 't' -> Long.toString(v.epochSeconds());
            default -> throw new IllegalStateException("letter " + letter);
        };
    }

    /** Splits on the delimiters, optionally reverses, keeps the right-most {@code keep} parts, joins with dots. */
    static String transform(String value, String delimiters, int keep, boolean reverse) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep > 0 && keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        return String.join(".", parts);
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters (upper-case macro letters, 7.3). */
    static String urlEscape(String value) {
        StringBuilder sb = new StringBuilder(value.length() * 3);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || UNRESERVED.indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder out, String s) throws SpfException {
        if (out == null) {
            return;
        }
        if (out.length() + s.length() > MAX_EXPANSION) {
            throw SpfException.perm("macro expansion too long");
        }
        out.append(s);
    }

    private static String printable(char c) {
        return c >= 0x21 && c <= 0x7e ? String.valueOf(c) : "?";
    }
}
