package org.streamail.detect.auth.internal.spf;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.streamail.api.net.IpLiteral;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.Names;
import org.streamail.detect.auth.internal.dns.DnsTemporaryException;

/**
 * RFC 7208 SPF: check_host() over a {@link Dns}.
 *
 * <p>Limits (RFC 7208 4.6.4): at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect) per
 * evaluation, nested records included, and at most 2 void look-ups (an empty answer), else PERMERROR; at most 10
 * MX names per mx (more is a PERMERROR) and 10 PTR names per ptr (the rest ignored). The lookup limit is also
 * what ends include and redirect loops. Past the deadline the next look-up is not made: TEMPERROR ("time-out").
 *
 * <p>Choices the RFC leaves open: %{p} is always "unknown" (7.3), so no PTR look-up is made for it; the exp
 * modifier is parsed but its explanation is never fetched; a and mx query only the client's address family;
 * a name built by macro expansion may hold any visible ASCII character but the backslash in its labels (a local
 * part such as "a+b"), its last label letters, digits and hyphens.
 *
 * <p>Thread-safe: each call evaluates on its own state.
 */
public final class SpfEvaluator {

    static final int MAX_DNS_LOOKUPS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_MX_NAMES = 10;
    static final int MAX_PTR_NAMES = 10;
    static final int MAX_EXPLANATION = 200;

    private final Dns dns;
    private final String receiver;
    private final Clock clock;

    /** @param receiver the receiving host name for the %{r} macro (e.g. "mx.example.org"; "unknown" if null/blank) */
    public SpfEvaluator(Dns dns, String receiver) {
        this(dns, receiver, Clock.systemUTC());
    }

    /** With the clock the deadline is read from and %{t} expands to. */
    public SpfEvaluator(Dns dns, String receiver, Clock clock) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.receiver = receiver == null || receiver.isBlank() ? "unknown" : receiver.strip();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * RFC 7208 check_host(). {@code sender} is the full MAIL FROM ("user@domain", or "postmaster@helo" built by
     * the caller); without a local part, "postmaster" is used. An invalid {@code domain} (empty label, a label over
     * 63 characters, over 253 characters, not letters/digits/hyphens, a single label) gives NONE.
     */
    public SpfOutcome checkHost(InetAddress ip, String domain, String sender, String helo, Instant deadline) {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(deadline, "deadline");
        String d = domain == null ? "" : stripDot(domain.strip());
        if (!validInitialDomain(d)) {
            return outcome(SpfResult.NONE, d, "invalid domain", 0);
        }
        String s = sender == null || sender.isBlank() ? "" : sender.strip();
        int at = s.lastIndexOf('@');
        String local = at <= 0 ? "postmaster" : s.substring(0, at);
        String senderDomain = at < 0 ? d : stripDot(s.substring(at + 1));
        if (senderDomain.isEmpty()) {
            senderDomain = d;
        }
        InetAddress client = IpLiteral.unmapped(ip);
        SpfMacro.Values values = new SpfMacro.Values(local + "@" + senderDomain, local, senderDomain,
                client.getAddress(), helo == null || helo.isBlank() ? "unknown" : helo.strip(), receiver,
                clock.instant().getEpochSecond());
        Evaluation ev = new Evaluation(client.getAddress(), values, deadline);
        try {
            Verdict v = ev.evaluate(d);
            return outcome(v.result(), d, v.explanation(), ev.lookups);
        } catch (SpfException e) {
            return outcome(e.result(), d, e.getMessage(), ev.lookups);
        }
    }

    /**
     * The MAIL FROM identity: for an empty (null) reverse-path, "postmaster@<helo>" and the HELO domain
     * (RFC 7208 2.4); a HELO that is an address literal / not a domain gives NONE. A sender without '@' gets the
     * local part "postmaster".
     */
    public SpfOutcome checkMailFrom(InetAddress ip, String mailFrom, String helo, Instant deadline) {
        String from = mailFrom == null ? "" : mailFrom.strip();
        if (from.startsWith("<") && from.endsWith(">")) {
            from = from.substring(1, from.length() - 1).strip();
        }
        if (from.isEmpty()) {
            String h = helo == null ? "" : stripDot(helo.strip());
            return checkHost(ip, h, "postmaster@" + h, helo, deadline);
        }
        int at = from.lastIndexOf('@');
        String domain = at < 0 ? from : from.substring(at + 1);
        String local = at <= 0 ? "postmaster" : from.substring(0, at);
        return checkHost(ip, domain, local + "@" + domain, helo, deadline);
    }

    private record Verdict(SpfResult result, String explanation) {
    }

    /** The state of one check_host() call: the counters its limits apply to. */
    private final class Evaluation {

        private final byte[] ip;
        private final SpfMacro.Values values;
        private final Instant deadline;
        private int lookups;
        private int voids;

        Evaluation(byte[] ip, SpfMacro.Values values, Instant deadline) {
            this.ip = ip;
            this.values = values;
            this.deadline = deadline;
        }

        /** check_host() for one domain: the top one, an include's or a redirect's target. */
        Verdict evaluate(String domain) throws SpfException {
            List<String> txts = query(() -> dns.txt(domain), domain, false);
            String found = null;
            for (String txt : txts) {
                if (txt != null && SpfRecord.isSpf(txt)) {
                    if (found != null) {
                        throw SpfException.perm("more than one SPF record for " + domain);
                    }
                    found = txt;
                }
            }
            if (found == null) {
                return new Verdict(SpfResult.NONE, "no SPF record for " + domain);
            }
            SpfRecord record = SpfRecord.parse(found);
            for (SpfRecord.Mechanism m : record.mechanisms()) {
                if (matches(m, domain)) {
                    return new Verdict(m.qualifier(), m.text());
                }
            }
            if (record.redirect() != null) {
                countLookup();
                String target = target(record.redirect(), domain);
                Verdict v = evaluate(target);
                if (v.result() == SpfResult.NONE) {
                    throw SpfException.perm("redirect=" + target + ": no SPF record");
                }
                return new Verdict(v.result(), "redirect=" + target + ": " + v.explanation());
            }
            return new Verdict(SpfResult.NEUTRAL, "no mechanism matched");
        }

        private boolean matches(SpfRecord.Mechanism m, String domain) throws SpfException {
            switch (m.kind()) {
                case ALL:
                    return true;
                case IP4:
                case IP6:
                    return Ip.inNetwork(ip, m.network(), ip.length == 4 ? m.cidr4() : m.cidr6());
                case INCLUDE: {
                    countLookup();
                    String target = target(m.domainSpec(), domain);
                    Verdict v = evaluate(target);
                    return switch (v.result()) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case NONE -> throw SpfException.perm(SpfRecord.clip(m.text()) + ": no SPF record");
                        // evaluate() throws for these two; kept for completeness
                        case TEMPERROR -> throw SpfException.temp(v.explanation());
                        case PERMERROR -> throw SpfException.perm(v.explanation());
                    };
                }
                case A: {
                    countLookup();
                    String target = m.domainSpec() == null ? domain : target(m.domainSpec(), domain);
                    List<InetAddress> addresses = addresses(target);
                    if (addresses.isEmpty()) {
                        countVoid();
                    }
                    return anyInNetwork(addresses, m);
                }
                case MX: {
                    countLookup();
                    String target = m.domainSpec() == null ? domain : target(m.domainSpec(), domain);
                    List<String> names = query(() -> dns.mx(target), target, false);
                    if (names.isEmpty()) {
                        countVoid();
                    }
                    if (names.size() > MAX_MX_NAMES) {
                        throw SpfException.perm("more than " + MAX_MX_NAMES + " MX names for " + target);
                    }
                    for (String name : names) {
                        if (name != null && !name.isEmpty() && anyInNetwork(addresses(stripDot(name)), m)) {
                            return true;
                        }
                    }
                    return false;
                }
                case PTR: {
                    countLookup();
                    String target = m.domainSpec() == null ? domain : target(m.domainSpec(), domain);
                    return ptr(target);
                }
                case EXISTS: {
                    countLookup();
                    String target = target(m.domainSpec(), domain);
                    // exists always asks for A, whatever the client's family (RFC 7208 5.7)
                    List<InetAddress> found = query(() -> dns.a(target), target, false);
                    if (found.isEmpty()) {
                        countVoid();
                        return false;
                    }
                    return true;
                }
                default:
                    throw new IllegalStateException(m.kind().toString());
            }
        }

        /**
         * RFC 7208 5.5: a PTR name of the client counts when it is the target or under it and one of its addresses
         * is the client. DNS errors here only make the mechanism not match.
         */
        private boolean ptr(String target) throws SpfException {
            InetAddress client = address(ip);
            List<String> names = query(() -> dns.ptr(client), "PTR of the client", true);
            if (names == null) {
                return false;
            }
            if (names.isEmpty()) {
                countVoid();
                return false;
            }
            String suffix = "." + target.toLowerCase(Locale.ROOT);
            int n = 0;
            for (String raw : names) {
                if (n++ >= MAX_PTR_NAMES) {
                    break;
                }
                if (raw == null) {
                    continue;
                }
                String name = stripDot(raw).toLowerCase(Locale.ROOT);
                // checking the name first spares the address look-ups of names that could not match anyway
                if (!name.equals(target.toLowerCase(Locale.ROOT)) && !name.endsWith(suffix)) {
                    continue;
                }
                List<InetAddress> addresses = ip.length == 4 ? query(() -> dns.a(name), name, true)
                        : query(() -> dns.aaaa(name), name, true);
                if (addresses != null) {
                    for (InetAddress a : addresses) {
                        if (a != null && java.util.Arrays.equals(IpLiteral.unmapped(a).getAddress(), ip)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        private List<InetAddress> addresses(String name) throws SpfException {
            return ip.length == 4 ? query(() -> dns.a(name), name, false) : query(() -> dns.aaaa(name), name, false);
        }

        private boolean anyInNetwork(List<InetAddress> addresses, SpfRecord.Mechanism m) {
            int prefix = ip.length == 4 ? m.cidr4() : m.cidr6();
            for (InetAddress a : addresses) {
                if (a != null && Ip.inNetwork(ip, IpLiteral.unmapped(a).getAddress(), prefix)) {
                    return true;
                }
            }
            return false;
        }

        /** The domain a domain-spec names: expanded, truncated to 253 characters from the left, valid (4.8). */
        private String target(String spec, String domain) throws SpfException {
            String name = stripDot(SpfMacro.expand(spec, domain, values, false));
            while (name.length() > 253) {
                int dot = name.indexOf('.');
                if (dot < 0) {
                    throw SpfException.perm("invalid domain after macro expansion");
                }
                name = name.substring(dot + 1);
            }
            if (!validTarget(name)) {
                throw SpfException.perm("invalid domain after macro expansion: " + SpfRecord.clip(name));
            }
            return name;
        }

        private void countLookup() throws SpfException {
            if (++lookups > MAX_DNS_LOOKUPS) {
                throw SpfException.perm("more than " + MAX_DNS_LOOKUPS + " DNS look-ups");
            }
        }

        private void countVoid() throws SpfException {
            if (++voids > MAX_VOID_LOOKUPS) {
                throw SpfException.perm("more than " + MAX_VOID_LOOKUPS + " void look-ups");
            }
        }

        /**
         * One DNS query, unless the deadline has passed (TEMPERROR). A temporary DNS failure is a TEMPERROR, or
         * null when {@code tolerant}. Never answers a null list otherwise.
         */
        private <T> List<T> query(Lookup<T> lookup, String name, boolean tolerant) throws SpfException {
            if (!clock.instant().isBefore(deadline)) {
                throw SpfException.temp("time-out");
            }
            try {
                List<T> answer = lookup.get();
                return answer == null ? List.of() : answer;
            } catch (DnsTemporaryException e) {
                if (tolerant) {
                    return null;
                }
                throw SpfException.temp("DNS temporary failure for " + SpfRecord.clip(name));
            }
        }
    }

    @FunctionalInterface
    private interface Lookup<T> {
        List<T> get() throws DnsTemporaryException;
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes are always an address
        }
    }

    /** The initial domain: valid labels, at least two of them, and a last label that is not all digits (4.3). */
    static boolean validInitialDomain(String d) {
        if (!validLabels(d)) {
            return false;
        }
        int dot = d.lastIndexOf('.');
        if (dot < 0) {
            return false;
        }
        String top = d.substring(dot + 1);
        return !top.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * A name a mechanism or modifier targets after expansion (4.8, domain-end): labels of 1 to 63 visible ASCII
     * characters but the backslash (a local part such as {@code a+b} in {@code exists:%{l}._spf.%{d}} is a valid DNS
     * label), and a last label of letters, digits and hyphens that is not all digits.
     */
    static boolean validTarget(String name) {
        if (!Names.valid(name, c -> c > ' ' && c < 0x7f && c != '\\')) {
            return false;
        }
        String top = name.substring(name.lastIndexOf('.') + 1);
        return Names.valid(top, Names.LDH) && !top.chars().allMatch(Character::isDigit);
    }

    /** 1 to 253 characters, labels of 1 to 63 letters, digits, '-' or '_'. */
    static boolean validLabels(String name) {
        return Names.valid(name, Names.LDH_UNDERSCORE);
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static SpfOutcome outcome(SpfResult result, String domain, String explanation, int lookups) {
        return new SpfOutcome(result, clean(domain, 253), clean(explanation, MAX_EXPLANATION), lookups);
    }

    /** Control characters replaced, cut to {@code max} characters: explanations end up in headers and logs. */
    static String clean(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        if (s.length() > max) {
            sb.setLength(max - 3);
            sb.append("...");
        }
        return sb.toString();
    }
}
