package org.streamail.retention.internal;

import static org.streamail.retention.internal.RetentionHeaders.*;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.streamail.retention.internal.RetentionPeriods.RetentionPeriod;

/**
 * Decides a message's expiry from its headers, its INTERNALDATE and the policy. Pure: no I/O, no clock
 * (the caller compares with now). Thread-safe.
 *
 * <p>Trust, in order:
 * <ol>
 *   <li>a valid gateway signature bound to the message's Message-ID: its term and its modification grant;</li>
 *   <li>otherwise, unsigned headers only if the From domain is in {@code trusted.domains} (and not internal,
 *       whose mail must be signed), and {@code trusted.unsigned} is on; never a modification grant;</li>
 *   <li>otherwise nothing: a stranger cannot make mail vanish by adding a header.</li>
 * </ol>
 * Periods count from INTERNALDATE (the server's receipt), never from {@code Date:}. The result is clamped
 * to [INTERNALDATE + min.age, INTERNALDATE + max.age], so a 1970 date becomes the floor and 2099 the ceiling.
 */
final class ExpiryCalculator {

    /**
     * The decision for one message.
     *
     * @param expiry     when it expires, or {@code null} when no trusted retention applies
     * @param rule       what decided (or why nothing applies), for the audit
     * @param modifiable whether a valid signature grants the recipient the right to change it
     */
    record Decision(Instant expiry, String rule, boolean modifiable) {

        boolean applies() {
            return expiry != null;
        }

        boolean expiredAt(Instant now) {
            return expiry != null && !expiry.isAfter(now);
        }

        static Decision none(String why) {
            return new Decision(null, why, false);
        }
    }

    private final Signer signer;
    private final Policy policy;
    private final Set<String> internalDomains;

    /**
     * @param internalDomains the configured internal domains plus the Directory's protected ones, lower case
     */
    ExpiryCalculator(Signer signer, Policy policy, Set<String> internalDomains) {
        this.signer = signer;
        this.policy = policy;
        this.internalDomains = Set.copyOf(internalDomains);
    }

    Policy policy() {
        return policy;
    }

    Signer signer() {
        return signer;
    }

    /**
     * @param headers      header values by name (case-insensitive lookup by the caller), never null lists
     * @param internalDate the IMAP INTERNALDATE; without it periods cannot be counted, so nothing applies
     */
    Decision decide(Function<String, List<String>> headers, Instant internalDate) {
        if (internalDate == null) {
            return Decision.none("ignored:no INTERNALDATE");
        }
        String messageId = single(headers, MESSAGE_ID).orElse("");
        List<String> sigs = headers.apply(SIGNATURE);
        if (sigs.size() > 1) {
            return Decision.none("ignored:several signatures");
        }
        if (sigs.size() == 1) {
            Optional<Signer.SignedClaim> claim = signer.verify(sigs.get(0), messageId);
            if (claim.isPresent()) {
                return signed(claim.get(), internalDate);
            }
            // A bad signature is a forgery or a transplant: it must not lend trust, but a trusted external
            // domain's unsigned headers still count below, exactly as if it were absent.
        }
        String domain = fromDomain(single(headers, FROM).orElse(""));
        if (internalDomains.contains(domain)) {
            return Decision.none(sigs.isEmpty() ? "ignored:unsigned internal sender" : "ignored:invalid signature");
        }
        if (!policy.trustUnsigned() || !Policy.domainIn(domain, policy.trustedDomains())) {
            return Decision.none(sigs.isEmpty() ? "ignored:untrusted sender" : "ignored:invalid signature");
        }
        return unsigned(headers, internalDate);
    }

    private Decision signed(Signer.SignedClaim claim, Instant internalDate) {
        Instant wanted;
        Optional<RetentionPeriod> period = RetentionPeriods.parse(claim.term());
        if (period.isPresent()) {
            wanted = period.get().after(internalDate);
        } else {
            try {
                wanted = Instant.parse(claim.term());
            } catch (DateTimeException e) {
                return Decision.none("ignored:signed term unreadable");
            }
        }
        return clamped(internalDate, wanted, "signed:" + claim.term(), claim.modifiable());
    }

    private Decision unsigned(Function<String, List<String>> headers, Instant internalDate) {
        for (String name : List.of(PERIOD, EXPIRES, EXPIRY_DATE)) {
            List<String> values = headers.apply(name);
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() > 1) {
                return Decision.none("ignored:several " + name + " headers");
            }
            String value = values.get(0).strip();
            Optional<Instant> wanted = name.equals(PERIOD)
                    ? RetentionPeriods.parse(value).map(p -> p.after(internalDate))
                    : RetentionDates.parse(value);
            if (wanted.isEmpty()) {
                return Decision.none("ignored:unreadable " + name);
            }
            return clamped(internalDate, wanted.get(), "trusted:" + name + "=" + cut(value), false);
        }
        return Decision.none("ignored:no retention header");
    }

    private Decision clamped(Instant internalDate, Instant wanted, String rule, boolean modifiable) {
        Policy.Clamped c = policy.clamp(internalDate, wanted);
        return new Decision(c.expiry(), c.bound() == null ? rule : rule + " clamped:" + c.bound(), modifiable);
    }

    private static Optional<String> single(Function<String, List<String>> headers, String name) {
        List<String> v = headers.apply(name);
        return v.isEmpty() ? Optional.empty() : Optional.ofNullable(v.get(0)).map(String::strip);
    }

    /** The domain of the first address in a From header, lower case, or "" (bounded, lenient). */
    static String fromDomain(String from) {
        if (from == null || from.length() > 998) {
            return "";
        }
        String f = from;
        int lt = f.lastIndexOf('<');
        int gt = f.lastIndexOf('>');
        if (lt >= 0 && gt > lt) {
            f = f.substring(lt + 1, gt);
        }
        int at = f.lastIndexOf('@');
        if (at < 0) {
            return "";
        }
        String d = f.substring(at + 1).strip();
        int end = 0;
        while (end < d.length() && (Character.isLetterOrDigit(d.charAt(end)) || d.charAt(end) == '.'
                || d.charAt(end) == '-')) {
            end++;
        }
        d = d.substring(0, end);
        while (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.toLowerCase(Locale.ROOT);
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
