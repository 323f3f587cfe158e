package org.streamail.detect.auth.internal.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (RFC 7208 section 4.6, 5, 6). The whole record is parsed before any term is evaluated,
 * because a syntax error anywhere makes the result PERMERROR (4.6).
 */
record SpfRecord(List<Mechanism> mechanisms, String redirect, String exp) {

    /** The mechanism kinds of RFC 7208 section 5. */
    enum Kind { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * One mechanism. {@code domainSpec} is null when the mechanism takes the current domain; {@code network} is
     * set for ip4/ip6 only; {@code cidr4}/{@code cidr6} are the prefix lengths of ip4, ip6, a and mx.
     */
    record Mechanism(SpfResult qualifier, Kind kind, String domainSpec, byte[] network, int cidr4, int cidr6,
                     String text) {
    }

    /** More than any legitimate record holds; keeps a hostile record's parse and evaluation small. */
    static final int MAX_TERMS = 512;

    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
    /** a and mx arguments: [":" domain-spec] [ip4-cidr-length] ["/" ip6-cidr-length]. */
    private static final Pattern DUAL_CIDR = Pattern.compile("(?::(.+?))?(?:/(\\d{1,4}))?(?://(\\d{1,4}))?",
            Pattern.DOTALL);
    private static final Pattern TOPLABEL =
            Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");

    /** True when a TXT record is an SPF record: "v=spf1" (any case) followed by a space or the end (4.5). */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /** Parses a record {@link #isSpf} accepted; a syntax error is a PERMERROR. */
    static SpfRecord parse(String txt) throws SpfException {
        List<Mechanism> mechanisms = new ArrayList<>();
        String redirect = null;
        String exp = null;
        int count = 0;
        for (String term : txt.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue; // terms are separated by 1*SP
            }
            if (++count > MAX_TERMS) {
                throw SpfException.perm("record has too many terms");
            }
            Matcher m = MODIFIER.matcher(term);
            if (m.matches()) {
                String name = m.group(1).toLowerCase(Locale.ROOT);
                String value = m.group(2);
                if (name.equals("redirect") || name.equals("exp")) {
                    if ((name.equals("redirect") ? redirect : exp) != null) {
                        throw SpfException.perm("more than one " + name + " modifier");
                    }
                    checkDomainSpec(value, term);
                    if (name.equals("redirect")) {
                        redirect = value;
                    } else {
                        exp = value;
                    }
                } else {
                    SpfMacro.check(value, false); // unknown modifiers are ignored, but must be well-formed
                }
                continue;
            }
            mechanisms.add(mechanism(term));
        }
        return new SpfRecord(List.copyOf(mechanisms), redirect, exp);
    }

    private static Mechanism mechanism(String term) throws SpfException {
        SpfResult qualifier = switch (term.charAt(0)) {
            case '+' -> SpfResult.PASS;
            case '-' -> SpfResult.FAIL;
            case '~' -> SpfResult.SOFTFAIL;
            case '?' -> SpfResult.NEUTRAL;
            default -> null;
        };
        int start = qualifier == null ? 0 : 1;
        if (qualifier == null) {
            qualifier = SpfResult.PASS;
        }
        int end = start;
        while (end < term.length() && term.charAt(end) != ':' && term.charAt(end) != '/') {
            end++;
        }
        String name = term.substring(start, end).toLowerCase(Locale.ROOT);
        String rest = term.substring(end);
        Kind kind = switch (name) {
            case "all" -> Kind.ALL;
            case "include" -> Kind.INCLUDE;
            case "a" -> Kind.A;
            case "mx" -> Kind.MX;
            case "ptr" -> Kind.PTR;
            case "ip4" -> Kind.IP4;
            case "ip6" -> Kind.IP6;
            case "exists" -> Kind.EXISTS;
            default -> throw SpfException.perm("unknown mechanism '" + clip(term) + "'");
        };
        switch (kind) {
            case ALL -> {
                if (!rest.isEmpty()) {
                    throw bad(term);
                }
                return new Mechanism(qualifier, kind, null, null, 32, 128, term);
            }
            case INCLUDE, EXISTS -> {
                if (!rest.startsWith(":")) {
                    throw bad(term);
                }
                String spec = rest.substring(1);
                checkDomainSpec(spec, term);
                return new Mechanism(qualifier, kind, spec, null, 32, 128, term);
            }
            case PTR -> {
                String spec = null;
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw bad(term);
                    }
                    spec = rest.substring(1);
                    checkDomainSpec(spec, term);
                }
                return new Mechanism(qualifier, kind, spec, null, 32, 128, term);
            }
            case A, MX -> {
                Matcher m = DUAL_CIDR.matcher(rest);
                if (!m.matches()) {
                    throw bad(term);
                }
                String spec = m.group(1);
                if (spec != null) {
                    checkDomainSpec(spec, term);
                }
                int cidr4 = m.group(2) == null ? 32 : cidr(m.group(2), 32, term);
                int cidr6 = m.group(3) == null ? 128 : cidr(m.group(3), 128, term);
                return new Mechanism(qualifier, kind, spec, null, cidr4, cidr6, term);
            }
            default -> {
                // ip4, ip6: ":" address ["/" length]
                if (!rest.startsWith(":")) {
                    throw bad(term);
                }
                String arg = rest.substring(1);
                int slash = arg.indexOf('/');
                String address = slash < 0 ? arg : arg.substring(0, slash);
                boolean v4 = kind == Kind.IP4;
                int max = v4 ? 32 : 128;
                int length = slash < 0 ? max : cidr(arg.substring(slash + 1), max, term);
                byte[] network = v4 ? Ip.parse4(address) : Ip.parse6(address);
                if (network == null) {
                    throw SpfException.perm("bad address in '" + clip(term) + "'");
                }
                return new Mechanism(qualifier, kind, null, network, v4 ? length : 32, v4 ? 128 : length, term);
            }
        }
    }

    /** A CIDR length: "0" or digits without a leading zero, at most {@code max} (RFC 7208 5.6). */
    private static int cidr(String s, int max, String term) throws SpfException {
        boolean ok = !s.isEmpty() && s.length() <= 3 && s.chars().allMatch(c -> c >= '0' && c <= '9')
                && (s.length() == 1 || s.charAt(0) != '0');
        if (!ok || Integer.parseInt(s) > max) {
            throw SpfException.perm("bad CIDR length in '" + clip(term) + "'");
        }
        return Integer.parseInt(s);
    }

    /**
     * domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (RFC 7208 7.1).
     * A literal end must therefore be a multi-label name whose last label is not all digits.
     */
    private static void checkDomainSpec(String spec, String term) throws SpfException {
        if (spec.isEmpty()) {
            throw SpfException.perm("empty domain in '" + clip(term) + "'");
        }
        if (SpfMacro.check(spec, false)) {
            return;
        }
        String s = spec.endsWith(".") ? spec.substring(0, spec.length() - 1) : spec;
        int dot = s.lastIndexOf('.');
        if (dot <= 0 || !TOPLABEL.matcher(s.substring(dot + 1)).matches()) {
            throw SpfException.perm("bad domain in '" + clip(term) + "'");
        }
    }

    private static SpfException bad(String term) {
        return SpfException.perm("bad mechanism '" + clip(term) + "'");
    }

    /** A term short enough to quote in an explanation. */
    static String clip(String term) {
        return term.length() <= 80 ? term : term.substring(0, 77) + "...";
    }
}
