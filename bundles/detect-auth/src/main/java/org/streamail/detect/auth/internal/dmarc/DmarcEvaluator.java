package org.streamail.detect.auth.internal.dmarc;

import com.google.common.net.InternetDomainName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.DnsTemporaryException;

/**
 * DMARC (RFC 7489) for one message, from the SPF and DKIM results already known: finds the policy record
 * (6.6.3: the From domain, then its organisational domain), checks identifier alignment (3.1) and says what the
 * policy asks for that message (p=, sp=, pct=). Reporting (rua=, ruf=) is not done; those tags are only read.
 *
 * <p>Several DMARC records at one name end discovery with {@link DmarcResult#NONE}, as RFC 7489 6.6.3 step 5 says.
 * A record without a valid p= (or with an invalid sp=) counts as p=none when it has an rua= URI, else as no record
 * (6.6.3 step 6). Stateless apart from the {@link Dns} it asks; thread-safe when that is.
 */
public final class DmarcEvaluator {

    private static final int MAX_RECORDS = 100;
    private static final int MAX_TAGS = 32;
    private static final int MAX_DKIM_DOMAINS = 100;
    private static final Pattern URI_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:\\S+");

    private final Dns dns;

    public DmarcEvaluator(Dns dns) {
        this.dns = Objects.requireNonNull(dns, "dns");
    }

    /** A parsed policy record; {@code sp} and the alignment modes already defaulted. */
    private record Policy(String p, String sp, boolean strictDkim, boolean strictSpf, int pct) {
    }

    /** What discovery found at one name: nothing, one policy, one unusable record, or too many. */
    private record Found(Policy policy, String problem, int count) {
        static final Found NOTHING = new Found(null, null, 0);
    }

    /**
     * @param fromDomain the RFC5322.From domain (lower-case ASCII/A-label)
     * @param spfPassDomain the MAIL FROM (or HELO) domain SPF passed for, null if SPF did not pass
     * @param dkimPassDomains d= of the DKIM signatures that passed
     * @param sampleBucket 0..99, compared with pct= (the caller derives it from the message)
     */
    public DmarcOutcome evaluate(String fromDomain, String spfPassDomain, List<String> dkimPassDomains,
            int sampleBucket) {
        String from = normalise(fromDomain);
        if (from == null) {
            String shown = fromDomain == null ? "" : fromDomain.substring(0, Math.min(253, fromDomain.length()));
            return new DmarcOutcome(DmarcResult.PERMERROR, shown, "", "", "none", false, false,
                    "no valid From domain");
        }
        String org = organisationalDomain(from);
        String policyDomain = from;
        Found found;
        try {
            found = discover(from);
            if (found.count() == 0 && !org.equals(from)) {
                policyDomain = org;
                found = discover(org);
            }
        } catch (DnsTemporaryException e) {
            return new DmarcOutcome(DmarcResult.TEMPERROR, from, "", "", "none", false, false,
                    "DMARC record look-up failed: " + e.getMessage());
        }
        if (found.count() == 0) {
            return new DmarcOutcome(DmarcResult.NONE, from, "", "", "none", false, false,
                    "no DMARC record for " + from + (org.equals(from) ? "" : " or " + org));
        }
        if (found.count() > 1) {
            return new DmarcOutcome(DmarcResult.NONE, from, "", "", "none", false, false,
                    found.count() + " DMARC records at _dmarc." + policyDomain + ": none applies");
        }
        if (found.policy() == null) {
            return new DmarcOutcome(DmarcResult.NONE, from, "", "", "none", false, false,
                    "invalid record at _dmarc." + policyDomain + ": " + found.problem());
        }
        Policy policy = found.policy();
        boolean spfAligned = spfPassDomain != null && aligned(from, normalise(spfPassDomain), policy.strictSpf());
        boolean dkimAligned = false;
        if (dkimPassDomains != null) {
            int seen = 0;
            for (String d : dkimPassDomains) {
                if (++seen > MAX_DKIM_DOMAINS) {
                    break;
                }
                if (d != null && aligned(from, normalise(d), policy.strictDkim())) {
                    dkimAligned = true;
                    break;
                }
            }
        }
        if (spfAligned || dkimAligned) {
            return new DmarcOutcome(DmarcResult.PASS, from, policyDomain, policy.p(), "none", spfAligned,
                    dkimAligned, "aligned " + (dkimAligned ? "DKIM" : "SPF") + " pass");
        }
        boolean subdomain = !policyDomain.equals(from);
        String requested = subdomain && policy.sp() != null ? policy.sp() : policy.p();
        int bucket = Math.max(0, Math.min(99, sampleBucket));
        String applied = requested;
        if (bucket >= policy.pct()) {
            applied = requested.equals("reject") ? "quarantine" : "none";
        }
        String reason = "no aligned SPF or DKIM pass; " + (subdomain && policy.sp() != null ? "sp=" : "p=")
                + requested + (applied.equals(requested) ? "" : ", pct=" + policy.pct() + " sampled out: " + applied);
        return new DmarcOutcome(DmarcResult.FAIL, from, policyDomain, policy.p(), applied, false, false, reason);
    }

    /**
     * The organisational domain (Guava InternetDomainName.topPrivateDomain, PSL incl. private part); the name itself
     * when it has none.
     */
    public static String organisationalDomain(String domain) {
        String d = normalise(domain);
        if (d == null) {
            return domain == null ? "" : domain.toLowerCase(Locale.ROOT);
        }
        InternetDomainName name = InternetDomainName.from(d);
        return name.isUnderPublicSuffix() ? name.topPrivateDomain().toString() : d;
    }

    /** The name lower-case without the trailing dot, or null when it is not a valid domain name. */
    private static String normalise(String domain) {
        if (domain == null) {
            return null;
        }
        String d = domain.trim().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        // Guava accepts a trailing dot: "x.." would pass as "x." and then align with "x"
        if (d.isEmpty() || d.length() > 253 || d.endsWith(".") || !InternetDomainName.isValid(d)) {
            return null;
        }
        return d;
    }

    private static boolean aligned(String from, String other, boolean strict) {
        if (other == null) {
            return false;
        }
        return strict ? from.equals(other) : organisationalDomain(from).equals(organisationalDomain(other));
    }

    private Found discover(String domain) throws DnsTemporaryException {
        List<String> records = dns.txt("_dmarc." + domain);
        List<String> dmarc = new ArrayList<>();
        int seen = 0;
        for (String r : records) {
            if (++seen > MAX_RECORDS) {
                break;
            }
            if (r != null && isDmarc(r)) {
                dmarc.add(r);
            }
        }
        if (dmarc.size() != 1) {
            return new Found(null, null, dmarc.size());
        }
        return parse(dmarc.get(0));
    }

    /** Starts with the tag {@code v=DMARC1} (the tag name in any case, the value exactly), then ends or a ';'. */
    private static boolean isDmarc(String record) {
        int semi = record.indexOf(';');
        String first = semi < 0 ? record : record.substring(0, semi);
        int eq = first.indexOf('=');
        return eq > 0 && first.substring(0, eq).trim().equalsIgnoreCase("v")
                && first.substring(eq + 1).trim().equals("DMARC1");
    }

    private static Found parse(String record) {
        Map<String, String> tags = new HashMap<>();
        String[] parts = record.split(";", MAX_TAGS + 1);
        for (int i = 1; i < Math.min(parts.length, MAX_TAGS); i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                continue; // empty part (trailing ';') or no tag: lenient
            }
            String tag = parts[i].substring(0, eq).trim().toLowerCase(Locale.ROOT);
            tags.putIfAbsent(tag, parts[i].substring(eq + 1).trim());
        }
        String p = requestPolicy(tags.get("p"));
        String sp = tags.containsKey("sp") ? requestPolicy(tags.get("sp")) : null;
        boolean spInvalid = tags.containsKey("sp") && sp == null;
        if (p == null || spInvalid) {
            String problem = p == null ? "p=" + shorten(tags.get("p")) + " is not none, quarantine or reject"
                    : "sp=" + shorten(tags.get("sp")) + " is not none, quarantine or reject";
            if (!hasReportUri(tags.get("rua"))) {
                return new Found(null, problem, 1);
            }
            // 6.6.3 step 6: with a report address, act as if the record said p=none
            p = "none";
            sp = null;
        }
        return new Found(new Policy(p, sp, "s".equalsIgnoreCase(tags.get("adkim")),
                "s".equalsIgnoreCase(tags.get("aspf")), percent(tags.get("pct"))), null, 1);
    }

    private static String requestPolicy(String value) {
        if (value == null) {
            return null;
        }
        String v = value.toLowerCase(Locale.ROOT);
        return v.equals("none") || v.equals("quarantine") || v.equals("reject") ? v : null;
    }

    private static boolean hasReportUri(String rua) {
        if (rua == null) {
            return false;
        }
        for (String uri : rua.split(",", 16)) {
            if (URI_SCHEME.matcher(uri.trim()).matches()) {
                return true;
            }
        }
        return false;
    }

    /** pct=: 0..100; absent, not a number or out of range is 100 (RFC 7489 6.3: the default). */
    private static int percent(String value) {
        if (value == null || value.isEmpty() || value.length() > 3
                || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 100;
        }
        int n = Integer.parseInt(value);
        return n > 100 ? 100 : n;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "(missing)";
        }
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
