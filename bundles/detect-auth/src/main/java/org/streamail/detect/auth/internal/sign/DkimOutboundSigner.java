package org.streamail.detect.auth.internal.sign;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.delivery.OutboundMessage;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.detect.auth.internal.dkim.DkimSigner;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * Signs outbound mail with DKIM for the From domain ({@link FromDomain}): with its own key, else with the key of its
 * closest parent domain that has one (relaxed DMARC alignment, RFC 7489 3.1.1: {@code d=example.org} is aligned with
 * {@code From: …@news.example.org}); without a key, or without a single From address, the message leaves unsigned
 * (the latter said at INFO). Never for the envelope sender's domain alone.
 *
 * <p>One signature per key of that domain, on top: one, or two when the domain has an RSA and an Ed25519 key (RFC 8463
 * 8), the RSA signature topmost (a receiver that looks at the first signature only most likely knows RSA). Both are
 * made over the message as it came, with the same fields, body hash and time; neither signs the other
 * ({@link DkimSigner}). A DKIM-Signature already in the message is left as it is, whatever its
 * {@code d=} and {@code s=}: it is the inside's (a signature made by the organisation's server before the gateway hid
 * the internal hops; it may no longer verify, and receivers judge each signature on its own, RFC 6376 6.1). The
 * delivery attempts of one message are signed anew each (a release from the quarantine, a retry), so {@code t=} is
 * the time the message left.
 *
 * <p>Failure means the message waits: a key file that cannot be used now (either of a pair: never sent with less than
 * configured), a pair that holds two keys of one algorithm, a header too large to read, a key that does not sign
 * throw, and the core defers the message rather than send it unsigned. Thread-safe: immutable but for the key files,
 * which are.
 */
final class DkimOutboundSigner implements OutboundSigner {

    static final String NAME = "dkim";
    private static final Logger LOG = LoggerFactory.getLogger(DkimOutboundSigner.class);

    private final SignSettings settings;
    private final Map<String, DomainKeys> domains;
    private final DkimSigner signer;
    private final Clock clock;

    /**
     * @param domains the key files of each configured domain, read already ({@link KeyFile#load})
     */
    DkimOutboundSigner(SignSettings settings, Map<String, DomainKeys> domains, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.domains = new LinkedHashMap<>(domains);
        this.signer = new DkimSigner(settings.relaxedHeader(), settings.relaxedBody(), settings.headers(),
                settings.oversign(), settings.expiry());
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @throws IllegalStateException    when a key for the From domain cannot be used now (the message names the key
     *                                  file, never its content), the domain's two keys are of one algorithm, or a key
     *                                  does not sign
     * @throws IllegalArgumentException when the header is too large to read
     */
    @Override
    public List<String> sign(OutboundMessage message) throws IOException {
        if (!settings.enabled()) {
            return List.of();
        }
        try (InputStream in = message.raw().openStream()) {
            DkimSigner.Message m = DkimSigner.read(in);
            FromDomain from = FromDomain.of(m.values("from"));
            if (from.domain() == null) {
                LOG.info("Outbound {} not signed: {}", message.id(), from.reason());
                return List.of();
            }
            List<SignSettings.Key> entries = settings.keysFor(from.domain());
            if (entries.isEmpty()) {
                LOG.debug("Outbound {} not signed: no key for {}", message.id(), from.domain());
                return List.of();
            }
            List<SigningKey> keys = domains.get(entries.get(0).domain()).keys();
            List<String> fields = signer.sign(m, keys, clock.instant());
            if (LOG.isDebugEnabled()) {
                LOG.debug("Outbound {} signed for {} with {} (selectors {})", message.id(), from.domain(),
                        keys.get(0).domain(), keys.stream().map(k -> k.selector() + " " + k.algorithm()).toList());
            }
            return fields;
        }
    }
}
