package org.streamail.detect.clamav.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;

/**
 * The {@code clamav} detector: streams every attachment and body of a message to clamd, then the raw message
 * as a whole (clamd's own MIME, uuencode and archive parsing sees what our parser kept as text or cut), and
 * reports what it finds; a signature already reported for a part is not reported again for the message.
 * When clamd cannot be reached it reports one {@code ERROR} finding {@code clamd-unavailable} instead of
 * failing, so the policy decides (quarantine, or deliver when clamav is not mandatory).
 *
 * <p>Lifecycle: DS component, configuration PID {@code org.streamail.detect.clamav}; a change re-creates
 * it. One daemon watchdog thread per instance, and for a TCP host name at most
 * {@value HostLookup#MAX_LOOKUPS} daemon lookup threads, stopped on deactivation (the watchdog once the kill
 * tasks of scans still running have fired: they keep their deadlines); a finished scan's kill task leaves its
 * queue at once. Threading: {@link #inspect} runs on several pipeline threads at once; each scan uses
 * its own connection.
 */
@Component(service = Detector.class, configurationPid = ClamavDetector.PID, property = "detector=clamav")
@Designate(ocd = ClamavDetector.Config.class)
public final class ClamavDetector implements Detector {
    public static final String PID = "org.streamail.detect.clamav";
    static final String NAME = "clamav";
    private static final System.Logger LOG = System.getLogger(ClamavDetector.class.getName());

    @ObjectClassDefinition(name = "Streamail ClamAV detector", description = "Scans parts with clamd (INSTREAM).")
    @interface Config {
        @AttributeDefinition(description = "clamd TCP host")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "clamd TCP port")
        int port() default 3310;

        @AttributeDefinition(description = "clamd unix socket path; preferred over TCP when set")
        String socket() default "";

        @AttributeDefinition(description = "Time allowed for one part, in ms (the pipeline deadline also applies)")
        long timeout_ms() default 10_000;

        @AttributeDefinition(description = "Largest part streamed, in bytes; keep <= clamd's StreamMaxLength")
        long max_stream() default 25L * 1024 * 1024;

        @AttributeDefinition(description = "Score of a signature match")
        double score() default 10;

        @AttributeDefinition(description = "Also stream the raw message as a whole, after its parts")
        boolean scan_message() default true;

        @AttributeDefinition(description = "Report a part larger than max.stream as a POLICY finding scored "
                + "oversize.score instead of an ERROR finding with score 0")
        boolean oversize_alert() default false;

        @AttributeDefinition(description = "Score of part-too-large when oversize.alert is true")
        double oversize_score() default 8;
    }

    private final ClamdClient client;
    final ScheduledThreadPoolExecutor watchdog;
    private final long timeoutMillis;
    private final long maxStream;
    private final double score;
    private final boolean scanMessage;
    private final boolean oversizeAlert;
    private final double oversizeScore;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse (a port such as
     *                                  {@code 3310/tcp}) or is out of range; DS logs it and the detector stays
     *                                  inactive until the configuration is fixed
     */
    @Activate
    public ClamavDetector(Config c, Map<String, Object> properties) {
        this(checked(c, properties).socket(), c.host(), c.port(), c.timeout_ms(), c.max_stream(), c.score(),
                c.scan_message(), c.oversize_alert(), c.oversize_score(), InetAddress::getByName);
    }

    /** Checks the raw properties ({@link #checkProperties}) before any config method is read; returns config. */
    private static Config checked(Config config, Map<String, Object> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * Checks the raw properties strictly before DS converts them ({@code timeout.ms = 10s} would fail without
     * naming the property) and logs each key nothing reads (a probable typo). The component's own
     * {@code detector} property is known. Returns the unknown keys.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(PID, Config.class, properties, Set.of("detector"));
        unknown.forEach(k -> LOG.log(System.Logger.Level.WARNING,
                "{0}: unknown property ''{1}'' ignored (misspelled?)", PID, k));
        return unknown;
    }

    ClamavDetector(String socket, String host, int port, long timeoutMillis, long maxStream, double score) {
        this(socket, host, port, timeoutMillis, maxStream, score, true);
    }

    ClamavDetector(String socket, String host, int port, long timeoutMillis, long maxStream, double score,
            boolean scanMessage) {
        this(socket, host, port, timeoutMillis, maxStream, score, scanMessage, false, 0, InetAddress::getByName);
    }

    /** @param resolver looks the TCP host name up (tests put in one that hangs; see {@link HostLookup}) */
    ClamavDetector(String socket, String host, int port, long timeoutMillis, long maxStream, double score,
            boolean scanMessage, boolean oversizeAlert, double oversizeScore, HostLookup.Resolver resolver) {
        if (timeoutMillis < 1 || maxStream < 1 || port < 1 || port > 65535 || !Double.isFinite(score)
                || !Double.isFinite(oversizeScore)) {
            throw new IllegalArgumentException(
                    "clamav: timeout.ms, max.stream, port, score or oversize.score out of range");
        }
        // A .cfg file keeps the spaces after a value: "host = clamd.example " was looked up as is and every
        // scan answered clamd-unavailable. Spaces are never part of a host name or of a socket path here.
        socket = socket == null ? "" : socket.strip();
        host = host == null ? "" : host.strip();
        if (socket.isEmpty() && host.isEmpty()) {
            throw new IllegalArgumentException("clamav: host is empty and no socket is set");
        }
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "streamail-clamd-watchdog");
            t.setDaemon(true);
            return t;
        });
        // Without this a cancelled kill task (every finished scan) stays queued, holding its channel, until
        // its timeout passes: rate x timeout.ms of them.
        watchdog.setRemoveOnCancelPolicy(true);
        this.client = new ClamdClient(socket, host, port, watchdog, resolver, Duration.ofMillis(timeoutMillis));
        this.timeoutMillis = timeoutMillis;
        this.maxStream = maxStream;
        this.score = score;
        this.scanMessage = scanMessage;
        this.oversizeAlert = oversizeAlert;
        this.oversizeScore = oversizeScore;
    }

    /** The client's host lookup, {@code null} over a unix socket (for tests). */
    HostLookup lookup() {
        return client.lookup();
    }

    @Deactivate
    void deactivate() {
        // shutdown, not shutdownNow: a configuration change deactivates this instance while pipeline threads
        // are still scanning with it; shutdownNow dropped their kill tasks, and a silent clamd then held those
        // threads for good. The queued kill tasks still fire at their deadlines; new scans are refused.
        watchdog.shutdown();
        client.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        ParsedMessage m = inspection.message();
        List<Finding> findings = new ArrayList<>();
        List<Object[]> parts = new ArrayList<>();
        if (!m.textBody().isEmpty()) {
            parts.add(new Object[] {"text body", Content.ofUtf8(m.textBody())});
        }
        if (!m.htmlBody().isEmpty()) {
            parts.add(new Object[] {"html body", Content.ofUtf8(m.htmlBody())});
        }
        for (Attachment a : m.attachments()) {
            parts.add(new Object[] {a.displayName(), a.content()});
        }
        Set<String> found = new HashSet<>();
        for (Object[] p : parts) {
            String part = (String) p[0];
            Content content = (Content) p[1];
            if (content.size() > maxStream) {
                String detail = part + " has " + content.size() + " bytes, more than max.stream " + maxStream
                        + "; not scanned";
                findings.add(oversizeAlert
                        ? new Finding(NAME, "part-too-large", oversizeScore, Category.POLICY, detail, part)
                        : new Finding(NAME, "part-too-large", 0, Category.ERROR, detail, part));
                continue;
            }
            if (!scan(inspection, part, part, content, found, findings)) {
                return findings;
            }
        }
        Content raw = inspection.raw();
        if (scanMessage && raw.size() > 0) {
            if (raw.size() > maxStream) {
                findings.add(new Finding(NAME, "message-too-large", 0, Category.INFO, "the whole message has "
                        + raw.size() + " bytes, more than max.stream " + maxStream + "; only its parts were scanned"));
            } else {
                scan(inspection, "the whole message", "", raw, found, findings);
            }
        }
        return findings;
    }

    /**
     * Scans one part ({@code part} is the findings' part, {@code ""} for the whole message) and adds its
     * findings; a signature in {@code found} is not reported again for the whole message. Returns false when
     * the message's scan must stop (deadline, clamd unavailable).
     */
    private boolean scan(Inspection inspection, String label, String part, Content content, Set<String> found,
            List<Finding> findings) {
        if (inspection.expired()) {
            findings.add(new Finding(NAME, "timeout", 0, Category.ERROR, "deadline reached before " + label
                    + " was scanned", part));
            return false;
        }
        Duration budget = Duration.ofMillis(Math.min(timeoutMillis, Math.max(1, inspection.remaining().toMillis())));
        ClamdClient.Reply reply;
        try {
            reply = client.scan(content.openStream(), budget);
        } catch (IOException e) {
            findings.add(new Finding(NAME, "clamd-unavailable", 0, Category.ERROR, "clamd at " + client.describe()
                    + " could not scan " + label + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), part));
            return false;
        }
        if (reply.signature() != null) {
            if (found.add(reply.signature()) || !part.isEmpty()) {
                findings.add(new Finding(NAME, "virus", score, Category.MALWARE, "clamd: " + reply.signature(), part));
            }
        } else if (reply.error() != null) {
            findings.add(new Finding(NAME, "clamd-error", 0, Category.ERROR, "clamd: " + reply.error(), part));
        }
        return true;
    }
}
