package org.streamail.retention.internal;

import static org.streamail.retention.internal.RetentionHeaders.*;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
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
 *       whose mail must be signed), and {@code trusted.unsigned} is on; never a modification grant. The From
 *       domain counts only when there is exactly one From header holding exactly one address, parsed strictly
 *       by Jakarta Mail (see {@link #sender});</li>
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
        Sender sender = sender(headers.apply(FROM));
        if (sender.domain() == null) {
            // No single, well-formed From address: no domain can be trusted (nor recognised as internal).
            return Decision.none((sigs.isEmpty() ? "ignored:untrusted sender (" : "ignored:invalid signature (")
                    + sender.refusal() + ")");
        }
        String domain = sender.domain();
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

    /** Longest From field read (unfolded); a longer one is refused rather than parsed. */
    static final int MAX_FROM_LENGTH = 2048;

    /**
     * The author's domain from the From field, or why there is none that could be trusted.
     *
     * @param domain  the lower-case domain of the one From address, or {@code null} when refused
     * @param refusal a fixed, short reason (never header text) when {@code domain} is {@code null}
     */
    record Sender(String domain, String refusal) {

        static Sender refused(String why) {
            return new Sender(null, why);
        }
    }

    /**
     * The domain of the single author address in the From field(s), parsed strictly with Jakarta Mail's
     * {@link InternetAddress#parseHeader(String, boolean)}: comments and display names are not addresses.
     * Refused (no domain) when there is no From field or more than one, when it holds no address or more than
     * one, a group, a source route, a domain that is not a host name, or anything the parser rejects. A
     * reader could show any of several addresses as the author, so none of them may lend trust.
     *
     * @param fromFields the values of every From field, in order; never null
     */
    static Sender sender(List<String> fromFields) {
        if (fromFields.isEmpty()) {
            return Sender.refused("no From header");
        }
        if (fromFields.size() > 1) {
            return Sender.refused("several From headers");
        }
        String value = fromFields.get(0);
        if (value == null || value.isBlank()) {
            return Sender.refused("empty From header");
        }
        if (value.length() > MAX_FROM_LENGTH) {
            return Sender.refused("From header too long");
        }
        InternetAddress[] addresses;
        try {
            addresses = InternetAddress.parseHeader(value, true);
        } catch (AddressException | RuntimeException e) {
            // The parser's message quotes the header: the sender's text stays out of the audit rule.
            return Sender.refused("unreadable From header");
        }
        if (addresses.length == 0) {
            return Sender.refused("no address in From");
        }
        if (addresses.length > 1) {
            return Sender.refused("several addresses in From");
        }
        if (addresses[0].isGroup()) {
            return Sender.refused("group in From");
        }
        String address = addresses[0].getAddress();
        int at = address == null ? -1 : address.lastIndexOf('@');
        if (at <= 0 || address.startsWith("@")) {
            return Sender.refused(address != null && address.startsWith("@") ? "source route in From"
                    : "no domain in From address");
        }
        String domain = address.substring(at + 1);
        if (domain.isEmpty() || !domain.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '.' || ch == '-')) {
            return Sender.refused("From domain is not a host name");
        }
        return new Sender(domain.toLowerCase(Locale.ROOT), null);
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
