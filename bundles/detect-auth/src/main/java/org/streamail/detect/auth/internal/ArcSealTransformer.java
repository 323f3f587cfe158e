package org.streamail.detect.auth.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.detect.auth.internal.dkim.ArcSealer;
import org.streamail.detect.auth.internal.sign.SealingKey;

/**
 * Seals delivered inbound mail with an ARC set (RFC 8617) when {@code arc.seal.key} is set: the results the {@code auth}
 * detector verified at receipt (its {@code results} finding, as in the Authentication-Results field), an
 * ARC-Message-Signature over the message as delivered, and an ARC-Seal ({@link ArcSealer}). The link guard and the HTML
 * disarming change the body, which breaks the senders' DKIM signatures for the mailbox server behind the gateway; a
 * mailbox service told to trust this sealer (Microsoft 365's "trusted ARC sealers", Google Workspace) reads these
 * results instead of failing DMARC on what the gateway changed.
 *
 * <p>Ranking {@value #RANKING}: after every other transformer (the link guard is -100), so the signature covers the
 * delivered bytes; the set goes below the gateway's own Authentication-Results field ({@link AuthResultsTransformer}
 * keeps that field on top and recognises it there when it runs again), and the delivery's own Received and verdict
 * fields go above both afterwards and are not signed. Not sealed: outbound mail, mail the detector did not check (an
 * authenticated session, a scan without it), a chain that ended before ({@code cv=fail} on top) or has 50 sets, and
 * mail delivered while the key file cannot be used (its change is logged once, WARN, by the file's reader; the mail
 * goes on unsealed, never held). Idempotent: a second pass (the core routes a message again from its transformed
 * bytes when a delivery hand-over failed) finds its own set on top, below the results field, and adds nothing; with
 * the results transformer before it, the message comes out the same. Thread-safe: immutable but for the key file's
 * re-reading.
 */
@Component(service = MessageTransformer.class, configurationPid = AuthConfig.PID,
        property = {Constants.SERVICE_RANKING + ":Integer=" + ArcSealTransformer.RANKING,
            "transformer=" + ArcSealTransformer.NAME})
public final class ArcSealTransformer implements MessageTransformer {

    private static final Logger LOG = LoggerFactory.getLogger(ArcSealTransformer.class);
    static final String NAME = "arc-seal";
    static final int RANKING = -1000;
    static final String PROPERTY = "arc.seal.key";
    /** The detector's ARC result in its results: a chain that validated at receipt. */
    private static final Pattern ARC_PASS = Pattern.compile("(^|; )arc=pass( |;|$)");

    private final AuthSettings settings;
    private final SealingKey key;
    private final Clock clock;

    @Activate
    public ArcSealTransformer(AuthConfig config, Map<String, Object> properties) {
        ConfigCheck.check(AuthConfig.PID, AuthConfig.class, properties, java.util.Set.of("transformer"));
        this.settings = AuthSettings.from(config);
        String entry = config.arc_seal_key() == null ? "" : config.arc_seal_key().strip();
        this.key = entry.isEmpty() ? null : SealingKey.of(AuthConfig.PID, PROPERTY, entry);
        this.clock = Clock.systemUTC();
        if (key != null) {
            org.streamail.api.dkim.DkimRecord record = key.key().record();
            LOG.info("ARC sealing of delivered inbound mail on: d={} s={} (authserv-id {}); receivers validate it with"
                    + " the record {} IN TXT \"{}\"", key.domain(), key.selector(), settings.authservId(), record.name(),
                    record.text());
        }
    }

    ArcSealTransformer(AuthSettings settings, SealingKey key, Clock clock) {
        this.settings = settings;
        this.key = key;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Content transform(Transformation t) {
        if (key == null || !settings.enabled() || t.envelope().direction() == Direction.OUTBOUND) {
            return t.raw();
        }
        String results = AuthChecker.resultsOf(t.verdict().findings());
        if (results == null) {
            return t.raw(); // not checked at receipt: nothing to vouch for
        }
        byte[] raw = t.raw().toByteArray();
        // our set goes below the gateway's own Authentication-Results field, which its transformer keeps on top (and
        // recognises there on a second pass); for ARC the order of the fields does not matter
        int top = AuthResultsTransformer.ownField(raw, settings.authservId());
        org.streamail.detect.auth.internal.dkim.SigningKey signing;
        try {
            signing = key.key();
        } catch (IllegalStateException e) {
            // the file changed and cannot be used now: its reading logged that once (WARN); delivered unsealed
            return t.raw();
        }
        ArcSealer.Sealed sealed = ArcSealer.seal(raw, top, signing, settings.authservId(), results,
                ARC_PASS.matcher(results).find(), clock.instant());
        if (sealed.fields().isEmpty()) {
            LOG.debug("Message {}: not ARC-sealed: {}", t.id(), sealed.skipped());
            return t.raw();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 4096);
        out.write(raw, 0, top);
        for (String field : sealed.fields()) {
            out.writeBytes(field.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(raw, top, raw.length - top);
        return Content.of(out.toByteArray());
    }
}
