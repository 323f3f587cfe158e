package org.streamail.retention.internal;

import static org.streamail.retention.internal.RetentionHeaders.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

/**
 * Stamps mail passing through the gateway: a pure function from (raw message, envelope) to the stamped raw
 * message. Meant for the core's delivery hook (a message transformer, not in the API yet).
 *
 * <ul>
 *   <li>Every message loses any {@code X-Streamail-Retention-Sig} it arrived with: only this gateway signs,
 *       and an old signature must not ride along on a forwarded copy.</li>
 *   <li>Mail from an internal sender (sender domain internal, and the message outbound or sent by an
 *       authenticated user, so a forged MAIL FROM from outside does not count) gets the sender's own
 *       retention header, or else the first matching {@code default.rules} period, signed together with
 *       the sender's {@code X-Retention-Modifiable: yes}.</li>
 *   <li>Inbound mail whose envelope sender and From are both in {@code trusted.domains} gets its retention
 *       header signed as well, so the sweeper need not trust a From header.</li>
 *   <li>Everything else passes with only the forged signature removed. A message without a header section
 *       we can read is returned unchanged (the pipeline judges malformed mail, not this), except that any
 *       line another reader could take for a signature field is renamed to {@link #NEUTRALISED}; the same
 *       happens to signature fields this parser cannot see (after a bare CR, or {@code Name : value}).</li>
 * </ul>
 * Thread-safe; no I/O.
 */
final class Stamper {

    /** The stamped message and what was done, for the log. */
    record Stamped(byte[] raw, String outcome) {
    }

    private final Signer signer;
    private final Policy policy;
    private final Set<String> internalDomains;

    Stamper(Signer signer, Policy policy, Set<String> internalDomains) {
        this.signer = signer;
        this.policy = policy;
        this.internalDomains = Set.copyOf(internalDomains);
    }

    /**
     * What a signature field that must not reach a mailbox is renamed to when it cannot simply be removed
     * (same length as {@link RetentionHeaders#SIGNATURE}, so the rest of the message keeps its bytes).
     */
    static final String NEUTRALISED = "X-Streamail-Retention-Old";

    Stamped stamp(byte[] raw, Envelope envelope) {
        HeaderBlock headers;
        try {
            headers = HeaderBlock.parse(raw);
        } catch (HeaderBlock.MalformedMessageException e) {
            // Unreadable here is not unreadable for the IMAP server or Jakarta Mail (e.g. "Subject : x"): a
            // signature copied from a genuine message must not ride along, or the stranger's mail self-destructs.
            byte[] safe = HeaderBlock.rename(raw, SIGNATURE, NEUTRALISED);
            return new Stamped(safe, "unchanged: " + e.getMessage() + (safe == raw ? "" : "; foreign signature neutralised"));
        }
        if (HeaderBlock.occurrences(raw, SIGNATURE) > headers.values(SIGNATURE).size()) {
            // A signature field hidden from this parser but not from others (after a bare CR, or written
            // "Name : value"): rename every one, then handle the message as one without a signature.
            raw = HeaderBlock.rename(raw, SIGNATURE, NEUTRALISED);
            try {
                headers = HeaderBlock.parse(raw);
            } catch (HeaderBlock.MalformedMessageException e) {
                return new Stamped(raw, "unchanged: " + e.getMessage() + "; foreign signature neutralised");
            }
            Stamped s = stamp(raw, headers, envelope);
            return new Stamped(s.raw(), s.outcome() + "; hidden foreign signature neutralised");
        }
        return stamp(raw, headers, envelope);
    }

    private Stamped stamp(byte[] raw, HeaderBlock headers, Envelope envelope) {
        boolean hadSignature = !headers.values(SIGNATURE).isEmpty();
        String senderDomain = envelope.senderDomain();
        boolean internal = internalDomains.contains(senderDomain)
                && (envelope.direction() == Direction.OUTBOUND || envelope.authenticatedUser() != null);
        boolean trustedExternal = !internal && envelope.direction() == Direction.INBOUND
                && Policy.domainIn(senderDomain, policy.trustedDomains())
                && Policy.domainIn(ExpiryCalculator.sender(headers.values(FROM)).domain(), policy.trustedDomains());
        if (!internal && !trustedExternal) {
            return strip(raw, headers, hadSignature, "not stamped: sender neither internal nor trusted");
        }
        List<String> added = new ArrayList<>();
        String term;
        String source;
        Optional<String> period = single(headers, PERIOD).flatMap(p -> RetentionPeriods.parse(p)).map(p -> p.text());
        Optional<Instant> date = period.isPresent() ? Optional.empty()
                : single(headers, EXPIRES).flatMap(RetentionDates::parse)
                        .or(() -> single(headers, EXPIRY_DATE).flatMap(RetentionDates::parse));
        if (period.isPresent()) {
            term = period.get();
            source = "sender's " + PERIOD;
        } else if (date.isPresent()) {
            term = date.get().toString();
            source = "sender's expiry date";
        } else if (internal && policy.ruleFor(envelope.sender()).isPresent()) {
            Policy.Rule rule = policy.ruleFor(envelope.sender()).get();
            term = rule.period();
            source = "rule " + rule.text();
            added.add(PERIOD + ": " + term);
        } else {
            return strip(raw, headers, hadSignature, "not stamped: no valid retention header or rule");
        }
        boolean modifiable = single(headers, MODIFIABLE).map(v -> v.strip().equalsIgnoreCase("yes")).orElse(false);
        List<String> ids = headers.values(MESSAGE_ID);
        String messageId;
        if (ids.isEmpty()) {
            // The signature binds the Message-ID; a message without one gets one here, as a submission
            // server would (RFC 5322 3.6.4 says it SHOULD have one).
            messageId = "<" + UUID.randomUUID() + ".retention@" + (senderDomain.isEmpty() ? "streamail.invalid"
                    : senderDomain) + ">";
            added.add(MESSAGE_ID + ": " + messageId);
        } else if (ids.size() == 1 && Signer.signableMessageId(ids.get(0).strip())) {
            messageId = ids.get(0).strip();
        } else {
            return strip(raw, headers, hadSignature, "not stamped: Message-ID missing, repeated or unsuitable");
        }
        added.add(SIGNATURE + ": " + signer.sign(term, modifiable, messageId));
        return new Stamped(headers.rewrite(List.of(SIGNATURE), added),
                "stamped from " + source + ": t=" + term + " m=" + (modifiable ? "yes" : "no"));
    }

    private static Stamped strip(byte[] raw, HeaderBlock headers, boolean hadSignature, String outcome) {
        if (!hadSignature) {
            return new Stamped(raw, outcome);
        }
        return new Stamped(headers.rewrite(List.of(SIGNATURE), List.of()), outcome + "; foreign signature removed");
    }

    private static Optional<String> single(HeaderBlock h, String name) {
        List<String> v = h.values(name);
        return v.size() == 1 ? Optional.of(v.get(0)) : Optional.empty();
    }

}
