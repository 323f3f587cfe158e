package org.streamail.linkguard.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.store.Directory;

/**
 * The {@code linkguard} {@link MessageTransformer}: rewrites the links of inbound mail to the signed click
 * endpoint with a {@link LinkRewriter}, and records the original URLs of each delivery in the
 * {@link LinkStore} (so a campaign found bad later can be traced to every copy).
 *
 * <p>What is signed: the gateway message id, the original URL, and the recipient when the envelope has
 * exactly one; with several recipients the recipient is {@code ""} because the gateway delivers one copy for
 * all of them (it never splits a message per recipient), so a click cannot be tied to one of them.
 *
 * <p>Left unchanged (the input {@link Content} itself returned): {@code enabled=false}, outbound mail
 * (links going to the Internet must not point at an internal gateway address), a message without a link to
 * rewrite. A MIME structure beyond {@link MimeTree}'s bounds is rewritten as far as the bounds go.
 * Idempotent: a link already pointing at a click endpoint is never rewritten again.
 *
 * <p>Lifecycle: a DS component on PID {@code org.streamail.linkguard}; a bad property fails activation with
 * a message naming it; the key file is read (or created) at activation. Ranking {@value #RANKING}, the lowest
 * of the transformers, so it runs last and rewrites what the others produced (the disarmed HTML, say).
 * References: {@link Directory} (optional, static greedy: the internal domains), {@link LinkStore}
 * (optional, dynamic: absent means links are rewritten but not recorded). Threading: thread-safe.
 */
@Component(service = MessageTransformer.class, configurationPid = LinkGuardConfig.PID,
        property = {Constants.SERVICE_RANKING + ":Integer=" + LinkGuardTransformer.RANKING,
            "transformer=" + LinkGuardTransformer.NAME})
@Designate(ocd = LinkGuardConfig.class)
public final class LinkGuardTransformer implements MessageTransformer {

    private static final Logger LOG = LoggerFactory.getLogger(LinkGuardTransformer.class);
    static final String NAME = "linkguard";
    static final int RANKING = -100;
    /** The document kinds whose links are rewritten when {@code rewrite.documents} is on. */
    static final List<DocumentLinks> DOCUMENTS = List.of(new PdfLinks(), new OfficeLinks(), new OpenDocumentLinks(),
            new RtfLinks());

    private final Settings settings;
    private final LinkRewriter rewriter;
    private final Directory directory;
    private final Clock clock;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile LinkStore linkStore;

    @Activate
    public LinkGuardTransformer(LinkGuardConfig config, Map<String, Object> properties,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
            Directory directory) {
        this(Settings.from(checked(config, properties)), directory, null, Clock.systemUTC());
    }

    /**
     * Checks the raw properties strictly before any config method is read (DS would read {@code enabled = yes}
     * as false and switch rewriting off), and logs each key nothing reads. Returns {@code config}.
     */
    static LinkGuardConfig checked(LinkGuardConfig config, Map<String, Object> properties) {
        ConfigCheck.check(LinkGuardConfig.PID, LinkGuardConfig.class, properties, Set.of("transformer"))
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", LinkGuardConfig.PID, k));
        return config;
    }

    /** For tests: settings given, the key read from {@code settings.keyFile()}. */
    LinkGuardTransformer(Settings settings, Directory directory, LinkStore store, Clock clock) {
        this.settings = settings;
        this.rewriter = new LinkRewriter(new LinkTokens(KeyFile.load(settings.keyFile())), settings.baseUrl(),
                settings.exemptDomains(), settings.maxLinks(), settings.rewriteAttachments(),
                settings.rewriteSigned(), settings.rewriteDocuments() ? DOCUMENTS : List.of());
        this.directory = directory;
        this.linkStore = store;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Content transform(Transformation t) {
        if (!settings.enabled() || t.envelope().direction() == Direction.OUTBOUND) {
            return t.raw();
        }
        List<String> recipients = t.envelope().recipients();
        String recipient = recipients.size() == 1 ? recipients.get(0) : "";
        LinkRewriter.Result result = rewriter.rewrite(t.raw().toByteArray(), t.id(), recipient, internalDomains());
        if (!result.changed()) {
            return t.raw();
        }
        LinkStore store = linkStore;
        if (store == null) {
            LOG.debug("Message {}: no LinkStore, {} links rewritten but not recorded", t.id(), result.urls().size());
        } else {
            try {
                store.recordLinks(t.id(), recipients, result.urls(), clock.instant());
            } catch (RuntimeException e) {
                // The token carries everything a click needs; only campaign tracing loses this delivery.
                LOG.warn("Message {}: links rewritten but not recorded: {}", t.id(), e.toString());
            }
        }
        LOG.debug("Message {}: {} distinct links rewritten", t.id(), result.urls().size());
        return Content.of(result.raw());
    }

    private Set<String> internalDomains() {
        Directory d = directory;
        if (d == null) {
            return Set.of();
        }
        try {
            return Settings.domainsLenient(d.protectedDomains());
        } catch (RuntimeException e) {
            LOG.warn("Directory unavailable; internal domains not exempted: {}", e.toString());
            return Set.of();
        }
    }
}
