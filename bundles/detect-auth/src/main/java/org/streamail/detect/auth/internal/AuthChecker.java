package org.streamail.detect.auth.internal;

import java.net.IDN;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Finding;
import org.streamail.api.model.GatewayReceived;
import org.streamail.api.model.MailAddress;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;
import org.streamail.api.net.IpLiteral;
import org.streamail.detect.auth.internal.dkim.ArcResult;
import org.streamail.detect.auth.internal.dkim.ArcVerifier;
import org.streamail.detect.auth.internal.dkim.DkimResult;
import org.streamail.detect.auth.internal.dkim.DkimSignatureResult;
import org.streamail.detect.auth.internal.dkim.DkimVerifier;
import org.streamail.detect.auth.internal.dmarc.DmarcEvaluator;
import org.streamail.detect.auth.internal.dmarc.DmarcOutcome;
import org.streamail.detect.auth.internal.dmarc.DmarcResult;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.Names;
import org.streamail.detect.auth.internal.spf.SpfEvaluator;
import org.streamail.detect.auth.internal.spf.SpfOutcome;
import org.streamail.detect.auth.internal.spf.SpfResult;

/**
 * SPF, DKIM and DMARC of one inbound message, turned into findings. The {@code results} finding (score 0) always
 * comes first when the message was checked: its detail is the RFC 8601 result list that
 * {@link AuthResultsTransformer} puts into the Authentication-Results header, so the header says what the
 * detector saw at receipt (before the link guard or the HTML disarming changed the body and broke the
 * signatures for the mailbox server).
 *
 * <p>Not checked: outbound mail and mail of an SMTP AUTH session (the organisation's own, the core's
 * submissions). For a client in {@code trusted.relays} (it forwards others' mail) SPF judges the host that handed
 * the message to the relays, as their Received fields name it ({@link #hopBeforeRelays}); when they name none, and
 * without a client address ({@code POST /scan} without {@code client_ip}), SPF is not checked: DKIM still is, and
 * DMARC then passes on an aligned signature but never fails, since the unchecked SPF might have passed. DMARC never fails either when SPF or a
 * signature ended in a temporary error. Thread-safe: no state but the immutable settings and the thread-safe
 * evaluators.
 */
final class AuthChecker {

    static final String DETECTOR = "auth";
    static final String RESULTS = "results";
    static final String DMARC_FAIL = "dmarc-fail";
    static final String SPF_FAIL = "spf-fail";
    static final String SPF_SOFTFAIL = "spf-softfail";
    static final String DKIM_INVALID = "dkim-invalid";
    /** The sender is on {@code welcome.senders} and authenticated (score 0; the policy reads it). */
    static final String WELCOME = "welcome";

    /** The reason of a DMARC result left at none because SPF could not be asked. */
    static final String SPF_NOT_CHECKED = "SPF not checked";

    /** At most this many distinct From domains are evaluated (RFC 7489 6.6.1 lets a receiver judge each). */
    static final int MAX_FROM_DOMAINS = 3;


    private final AuthSettings settings;
    private final SpfEvaluator spf;
    private final DkimVerifier dkim;
    private final DmarcEvaluator dmarc;
    private final ArcVerifier arc;
    private final Clock clock;

    AuthChecker(AuthSettings settings, Dns dns, Clock clock) {
        this.settings = settings;
        this.spf = new SpfEvaluator(dns, settings.authservId(), clock);
        this.dkim = new DkimVerifier(dns, settings.dkimMaxSignatures(), settings.dkimMinRsaBits());
        this.dmarc = new DmarcEvaluator(dns);
        this.arc = new ArcVerifier(dns, settings.dkimMinRsaBits());
        this.clock = clock;
    }

    List<Finding> check(Inspection in) {
        if (!settings.enabled() || in.envelope().direction() == Direction.OUTBOUND
                || in.envelope().authenticatedUser() != null) {
            return List.of();
        }
        Instant now = clock.instant();
        Instant budgetEnd = now.plus(settings.budget());
        Instant deadline = budgetEnd.isBefore(in.deadline()) ? budgetEnd : in.deadline();

        // SPF: the client, the MAIL FROM (or HELO for a bounce)
        Optional<InetAddress> client = in.envelope().clientIp() == null ? Optional.empty()
                : IpLiteral.parse(in.envelope().clientIp()).map(IpLiteral::unmapped);
        SpfOutcome spfOutcome;
        String spfNote = null;
        InetAddress spfClient = client.orElse(null);
        if (client.isEmpty()) {
            spfOutcome = null;
            spfNote = "no client address";
        } else if (IpBlocks.anyContains(settings.trustedRelays(), client.get())) {
            Optional<Hop> hop = hopBeforeRelays(in.message().headers("Received"), settings.trustedRelays());
            if (hop.isPresent()) {
                spfClient = hop.get().ip();
                spfOutcome = spf.checkMailFrom(spfClient, in.envelope().sender(), hop.get().helo(), deadline);
            } else {
                spfOutcome = null;
                spfNote = "client is a trusted relay";
            }
        } else {
            spfOutcome = spf.checkMailFrom(client.get(), in.envelope().sender(), in.envelope().helo(), deadline);
        }

        byte[] raw = in.raw().toByteArray();
        List<DkimSignatureResult> signatures = dkim.verify(raw, now, deadline);

        // DMARC for each distinct From domain
        String spfPassDomain = spfOutcome != null && spfOutcome.result() == SpfResult.PASS
                ? spfOutcome.domain().toLowerCase(Locale.ROOT) : null;
        List<String> dkimPass = new ArrayList<>();
        for (DkimSignatureResult s : signatures) {
            // DMARC counts only signatures over the whole body: with l=, anyone can append a lure to a signed newsletter
            if (s.vouches() && !s.domain().isEmpty()) {
                dkimPass.add(s.domain().toLowerCase(Locale.ROOT));
            }
        }
        Set<String> fromDomains = new LinkedHashSet<>();
        boolean badFrom = false;
        boolean unevaluatedFrom = false;
        for (MailAddress a : in.message().from()) {
            String d = asciiDomain(a.domain());
            if (d == null) {
                badFrom = true;
            } else if (fromDomains.size() < MAX_FROM_DOMAINS) {
                fromDomains.add(d);
            } else if (!fromDomains.contains(d)) {
                unevaluatedFrom = true;
            }
        }
        int bucket = sampleBucket(in.message().messageId().isEmpty() ? in.id() : in.message().messageId());
        // an SPF or DKIM check that could not finish might have been the aligned pass: DMARC cannot fail then
        boolean unfinished = (spfOutcome != null && spfOutcome.result() == SpfResult.TEMPERROR)
                || signatures.stream().anyMatch(s -> s.result() == DkimResult.TEMPERROR);
        List<DmarcOutcome> dmarcOutcomes = new ArrayList<>();
        for (String d : fromDomains) {
            DmarcOutcome o;
            if (!clock.instant().isBefore(deadline)) {
                o = new DmarcOutcome(DmarcResult.TEMPERROR, d, "", "", "none", false, false, "time-out");
            } else {
                o = dmarc.evaluate(d, spfPassDomain, dkimPass, bucket);
                if (o.result() == DmarcResult.FAIL && unfinished) {
                    o = new DmarcOutcome(DmarcResult.TEMPERROR, d, o.policyDomain(), o.policy(), "none", false, false,
                            "SPF or DKIM could not be checked to the end");
                } else if (o.result() == DmarcResult.FAIL && spfOutcome == null) {
                    // SPF was not asked (a forwarding relay, a scan without the client's address): the sender may
                    // well be allowed, so only an aligned signature can say anything; without one, no verdict
                    o = new DmarcOutcome(DmarcResult.NONE, d, o.policyDomain(), o.policy(), "none", false, false,
                            SPF_NOT_CHECKED);
                }
            }
            dmarcOutcomes.add(o);
        }

        // ARC: verified when the message carries it; a trusted sealer's chain lifts what the forwarding broke
        ArcResult arcResult = in.message().header("ARC-Seal").isPresent() ? arc.verify(raw, now, deadline) : null;
        String vouching = trustedSealer(arcResult);
        Set<String> lifted = new LinkedHashSet<>();
        if (vouching != null) {
            for (DmarcOutcome o : dmarcOutcomes) {
                if (o.result() == DmarcResult.FAIL && sealerSawDmarcPass(arcResult.authResults(), o.fromDomain())) {
                    lifted.add(o.fromDomain());
                }
            }
        }
        // the sealer vouches for the whole message when every DMARC failure here passed at its hop and it saw one
        boolean vouched = vouching != null && !lifted.isEmpty() && dmarcOutcomes.stream()
                .noneMatch(o -> o.result() == DmarcResult.FAIL && !lifted.contains(o.fromDomain()));

        List<Finding> findings = new ArrayList<>();
        findings.add(new Finding(DETECTOR, RESULTS, 0, Category.INFO,
                results(spfOutcome, spfNote, in.envelope().sender(), signatures, dmarcOutcomes, badFrom, fromDomains,
                        arcResult, lifted.isEmpty() ? null : vouching, lifted)));
        String welcomed = badFrom || unevaluatedFrom ? null : welcomed(dmarcOutcomes, spfPassDomain, dkimPass);
        if (welcomed != null) {
            findings.add(new Finding(DETECTOR, WELCOME, 0, Category.INFO, welcomed));
        }
        for (DmarcOutcome o : dmarcOutcomes) {
            if (o.result() != DmarcResult.FAIL || lifted.contains(o.fromDomain())) {
                continue;
            }
            double score = switch (o.applied()) {
                case "reject" -> settings.dmarcRejectScore();
                case "quarantine" -> settings.dmarcQuarantineScore();
                default -> settings.dmarcNoneScore();
            };
            findings.add(new Finding(DETECTOR, DMARC_FAIL, score, Category.PHISHING,
                    "The sender is not authenticated for the From domain " + o.fromDomain() + ", whose DMARC policy is "
                            + o.applied() + (o.applied().equals(o.policy()) ? "" : " (published " + o.policy() + ")")
                            + ": " + why(spfOutcome, spfNote, signatures)));
        }
        if (vouched) {
            return findings; // what the forwarding broke (SPF for the author's domain, the signatures) is not held against it
        }
        if (spfOutcome != null && spfOutcome.result() == SpfResult.FAIL) {
            findings.add(new Finding(DETECTOR, SPF_FAIL, settings.spfFailScore(), Category.SPAM,
                    "The domain " + spfOutcome.domain() + " does not allow " + IpLiteral.canonical(spfClient)
                            + " to send its mail (SPF fail, " + spfOutcome.explanation() + ")"));
        } else if (spfOutcome != null && spfOutcome.result() == SpfResult.SOFTFAIL) {
            findings.add(new Finding(DETECTOR, SPF_SOFTFAIL, settings.spfSoftfailScore(), Category.SPAM,
                    "The domain " + spfOutcome.domain() + " does not expect " + IpLiteral.canonical(spfClient)
                            + " to send its mail (SPF softfail, " + spfOutcome.explanation() + ")"));
        }
        if (!signatures.isEmpty() && dkimPass.isEmpty()) {
            List<String> broken = new ArrayList<>();
            for (DkimSignatureResult s : signatures) {
                // a domain testing DKIM is treated as unsigned, even when its signature fails (RFC 6376 3.6.1)
                if ((s.result() == DkimResult.FAIL || s.result() == DkimResult.PERMERROR) && !s.testing()) {
                    broken.add((s.domain().isEmpty() ? "?" : s.domain()) + ": " + s.reason());
                }
            }
            if (!broken.isEmpty()) {
                findings.add(new Finding(DETECTOR, DKIM_INVALID, settings.dkimFailScore(), Category.SPAM,
                        "No DKIM signature of the message verifies (" + String.join("; ", broken) + ")"));
            }
        }
        return findings;
    }

    /**
     * The detail of the {@code results} finding among a verdict's findings (what was verified at receipt), or null when
     * there is none or it is not 1 to 4,000 printable ASCII characters (what goes into a header field of ours).
     */
    static String resultsOf(List<Finding> findings) {
        for (Finding f : findings) {
            if (DETECTOR.equals(f.detector()) && RESULTS.equals(f.rule())) {
                return f.detail().matches("[\\x20-\\x7e]{1,4000}") ? f.detail() : null;
            }
        }
        return null;
    }

    /**
     * Why the message is from a welcome sender ({@code welcome.senders}), or {@code null} when it is not: every From
     * domain (at least one) is a listed domain or under one, and is authenticated — DMARC passed, or the domain
     * publishes no DMARC record and the SPF pass or a whole-body DKIM signature's domain has its organisational
     * domain (relaxed alignment, RFC 7489 3.1). A From the sender did not authenticate is never welcome: anyone can
     * write it. A failure that a trusted ARC sealer lifted is not a pass either.
     */
    private String welcomed(List<DmarcOutcome> outcomes, String spfPassDomain, List<String> dkimPass) {
        if (settings.welcomeSenders().isEmpty() || outcomes.isEmpty()) {
            return null;
        }
        List<String> why = new ArrayList<>();
        for (DmarcOutcome o : outcomes) {
            String d = o.fromDomain();
            String listed = null;
            for (String w : settings.welcomeSenders()) {
                if (d.equals(w) || d.endsWith("." + w)) {
                    listed = w;
                    break;
                }
            }
            if (listed == null) {
                return null;
            }
            String how;
            if (o.result() == DmarcResult.PASS) {
                how = "DMARC pass (aligned " + (o.dkimAligned() ? "DKIM" : "SPF") + ")";
            } else if (o.result() == DmarcResult.NONE && o.policy().isEmpty()) {
                String org = DmarcEvaluator.organisationalDomain(d);
                String signer = dkimPass.stream().filter(k -> DmarcEvaluator.organisationalDomain(k).equals(org))
                        .findFirst().orElse(null);
                if (signer != null) {
                    how = "DKIM pass d=" + signer + ", no DMARC record";
                } else if (spfPassDomain != null && DmarcEvaluator.organisationalDomain(spfPassDomain).equals(org)) {
                    how = "SPF pass for " + spfPassDomain + ", no DMARC record";
                } else {
                    return null;
                }
            } else {
                return null;
            }
            why.add(d + " (welcome.senders " + listed + "; " + how + ")");
        }
        return "The sender is welcome: " + String.join(", ", why)
                + "; the policy does not count its spam findings below reject.score";
    }

    /**
     * The newest sealer when the ARC chain validates and that sealer is a domain of {@code arc.trusted.sealers} (or a
     * subdomain of one); else {@code null}.
     */
    private String trustedSealer(ArcResult a) {
        if (a == null || !a.chain().equals("pass") || settings.arcTrustedSealers().isEmpty()) {
            return null;
        }
        String sealer = safeDomain(a.sealer());
        if (sealer == null) {
            return null;
        }
        for (String trusted : settings.arcTrustedSealers()) {
            if (sealer.equals(trusted) || sealer.endsWith("." + trusted)) {
                return sealer;
            }
        }
        return null;
    }

    /**
     * Whether the sealer's own ARC-Authentication-Results hold a {@code dmarc=pass} result for {@code fromDomain}
     * ({@code dmarc=pass ... header.from=<domain>} in one resinfo): DMARC passed when the message reached it, and it
     * changed the message afterwards (a list's footer, a subject tag), which is why DKIM and DMARC fail here.
     */
    static boolean sealerSawDmarcPass(String authResults, String fromDomain) {
        String[] parts = authResults.toLowerCase(Locale.ROOT).split(";", 51);
        for (int i = 0; i < Math.min(parts.length, 50); i++) {
            Matcher m = DMARC_PASS_FROM.matcher(parts[i]);
            if (m.find() && m.group(1).equals(fromDomain)) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern DMARC_PASS_FROM = Pattern.compile(
            "^\\s*dmarc\\s*=\\s*pass\\b.*?\\bheader\\.from\\s*=\\s*([a-z0-9.-]{1,253})", Pattern.DOTALL);

    /** The host that handed a message to the trusted relays, as the first of them recorded it. */
    record Hop(InetAddress ip, String helo) {
    }

    /** At most this many Received fields are read through a chain of trusted relays. */
    static final int MAX_RELAY_HOPS = 10;

    private static final Pattern RECEIVED_FROM = Pattern.compile("^\\s*from\\s+(\\S{1,255})(.{0,1000}?)\\sby\\s",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern BRACKETED_IP = Pattern.compile("\\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\\]",
            Pattern.CASE_INSENSITIVE);
    /** Exchange's form: {@code from host (192.0.2.1) by ...}, the address alone in parentheses. */
    private static final Pattern PARENTHESISED_IP = Pattern.compile("\\(([0-9A-Fa-f:.]{2,45})\\)");
    private static final Pattern HELO_IN_COMMENT = Pattern.compile("\\(helo=([^)\\s]{1,255})\\)",
            Pattern.CASE_INSENSITIVE);

    /**
     * The hop before a chain of trusted relays, read from the Received fields they wrote: the first field (on top)
     * is the last relay's, naming where it got the message from ({@code from helo (rdns [ip]) by relay ...},
     * Exim's {@code from [ip] (helo=name) by ...} or Exchange's {@code from host (ip) by ...}); while that address is a trusted relay too, the next field is
     * read. Empty when a field does not name an address: fields below the relays' own are the sender's to write,
     * so nothing further down is believed. The gateway's own Received field (never there at inspection, but a
     * re-scan may see it) is skipped.
     */
    static Optional<Hop> hopBeforeRelays(List<String> received, List<IpBlock> relays) {
        int read = 0;
        for (String value : received) {
            if (value.contains(GatewayReceived.MARK)) {
                continue;
            }
            if (++read > MAX_RELAY_HOPS) {
                return Optional.empty();
            }
            Matcher m = RECEIVED_FROM.matcher(value.length() > 2000 ? value.substring(0, 2000) : value);
            if (!m.find()) {
                return Optional.empty();
            }
            String from = m.group(1);
            String rest = m.group(2);
            Matcher ip = BRACKETED_IP.matcher(rest);
            Optional<InetAddress> address = ip.find() ? IpLiteral.parse(ip.group(1)) : Optional.empty();
            if (address.isEmpty()) {
                Matcher literal = BRACKETED_IP.matcher(from);
                address = literal.matches() ? IpLiteral.parse(literal.group(1)) : Optional.empty();
            }
            if (address.isEmpty()) {
                Matcher bare = PARENTHESISED_IP.matcher(rest);
                address = bare.find() ? IpLiteral.parse(bare.group(1)) : Optional.empty();
            }
            if (address.isEmpty()) {
                return Optional.empty();
            }
            InetAddress a = IpLiteral.unmapped(address.get());
            if (!IpBlocks.anyContains(relays, a)) {
                Matcher helo = HELO_IN_COMMENT.matcher(rest);
                String name = helo.find() ? helo.group(1) : from.startsWith("[") ? null : from;
                return Optional.of(new Hop(a, name));
            }
        }
        return Optional.empty();
    }

    /** The RFC 8601 result list ({@code spf=pass smtp.mailfrom=example.org; dkim=...; dmarc=...}). */
    private static String results(SpfOutcome spf, String spfNote, String sender, List<DkimSignatureResult> signatures,
            List<DmarcOutcome> dmarcOutcomes, boolean badFrom, Set<String> fromDomains, ArcResult arc,
            String vouching, Set<String> lifted) {
        List<String> parts = new ArrayList<>();
        if (spf == null) {
            parts.add("spf=none (" + spfNote + ")");
        } else {
            String domain = safeDomain(spf.domain());
            String property = sender.isEmpty() ? "smtp.helo" : "smtp.mailfrom";
            parts.add("spf=" + spf.result().token() + (domain == null ? "" : " " + property + "=" + domain));
        }
        if (signatures.isEmpty()) {
            parts.add("dkim=none");
        }
        for (DkimSignatureResult s : signatures) {
            String d = safeDomain(s.domain());
            String sel = s.selector().matches("[A-Za-z0-9._-]{1,63}") ? s.selector() : null;
            List<String> notes = new ArrayList<>();
            if (s.result() != DkimResult.PASS) {
                notes.add(comment(s.reason()));
            }
            if (s.testing()) {
                notes.add(s.result() == DkimResult.PASS ? "key in testing mode, t=y"
                        : "key in testing mode, t=y: not held against the message");
            }
            if (s.result() == DkimResult.PASS && s.unsigned() > 0) {
                notes.add("l= leaves " + s.unsigned() + " body bytes unsigned: not used for DMARC");
            }
            String reason = notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")";
            parts.add("dkim=" + s.result().token() + reason + (d == null ? "" : " header.d=" + d)
                    + (sel == null ? "" : " header.s=" + sel));
        }
        if (fromDomains.isEmpty()) {
            parts.add("dmarc=" + (badFrom ? "permerror (no valid From domain)" : "none (no From domain)"));
        }
        for (DmarcOutcome o : dmarcOutcomes) {
            String policy = o.result() == DmarcResult.FAIL || o.result() == DmarcResult.PASS
                    ? " (p=" + o.policy() + (o.applied().equals(o.policy()) || o.result() != DmarcResult.FAIL
                            ? "" : " applied " + o.applied()) + ")" : "";
            if (SPF_NOT_CHECKED.equals(o.reason())) {
                policy = " (p=" + o.policy() + ", SPF not checked, no aligned DKIM pass)";
            } else if (o.result() == DmarcResult.FAIL && lifted.contains(o.fromDomain())) {
                policy = " (p=" + o.policy() + ", overridden: ARC sealed by trusted " + vouching + ")";
            }
            parts.add("dmarc=" + o.result().token() + policy + " header.from=" + o.fromDomain());
        }
        if (arc != null) {
            String sealer = safeDomain(arc.sealer());
            parts.add("arc=" + arc.chain() + (arc.chain().equals("pass") && sealer != null
                    ? " (" + arc.instances() + (arc.instances() == 1 ? " set" : " sets") + ", sealed by " + sealer + ")"
                    : arc.chain().equals("fail") ? " (" + comment(arc.reason()) + ")" : ""));
        }
        return String.join("; ", parts);
    }

    private static String why(SpfOutcome spf, String spfNote, List<DkimSignatureResult> signatures) {
        String s = spf == null ? "SPF not checked (" + spfNote + ")"
                : "SPF " + spf.result().token() + " for " + spf.domain()
                        + (spf.result() == SpfResult.PASS ? " (not aligned)" : "");
        List<String> d = new ArrayList<>();
        for (DkimSignatureResult sig : signatures) {
            d.add(sig.result().token() + " for " + (sig.domain().isEmpty() ? "?" : sig.domain())
                    + (sig.result() == DkimResult.PASS ? " (not aligned)" : ""));
        }
        return s + ", DKIM " + (d.isEmpty() ? "none" : String.join(", ", d));
    }

    /** A comment's text for the header: printable ASCII without parentheses or backslashes, at most 100 chars. */
    private static String comment(String text) {
        String t = text == null ? "" : text.replaceAll("[^\\x20-\\x7e]|[()\\\\]", " ").strip();
        return t.length() > 100 ? t.substring(0, 100) : t;
    }

    private static String safeDomain(String d) {
        if (d == null) {
            return null;
        }
        String l = d.toLowerCase(Locale.ROOT);
        return Names.valid(l, Names.LDH) ? l : null;
    }

    /** The From domain as DMARC compares it: A-labels, lower case; {@code null} when it is not a domain name. */
    static String asciiDomain(String domain) {
        if (domain == null || domain.isBlank()) {
            return null;
        }
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return d.indexOf('.') > 0 ? safeDomain(d) : null;
    }

    /** 0..99 from the message's id, so one message always gets the same pct= sampling on every node. */
    static int sampleBucket(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            int v = ((h[0] & 0xff) << 8) | (h[1] & 0xff);
            return v % 100;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
