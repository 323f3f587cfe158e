package org.streamail.digest.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertService;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.config.KeyFiles;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.spam.ReportService;

/**
 * {@code /streamail/digest/<token>}: the page a user's digest link opens, in the unauthenticated
 * {@link DigestContextHelper} context. {@code GET} lists what is held for the token's recipient and never changes
 * anything (mail scanners and link previews fetch links before the user does); {@code POST} with one {@code id} acts
 * on one message through {@link ReleaseDesk}, then answers {@code 303 See Other} back to the list, so a reload shows
 * the result instead of posting again. Every answer is an HTML page that no cache, referrer, frame or script can leak
 * the token through.
 *
 * <p>Lifecycle: a DS component on PID {@value DigestConfig#PID}; the configuration and the key file are read at
 * activation and at each modification (a new key makes every earlier link invalid). The services are optional dynamic
 * references read at each request. Threading: the container calls it concurrently; the state is one immutable
 * snapshot behind a volatile field.
 */
@Component(service = Servlet.class, configurationPid = DigestConfig.PID)
@HttpWhiteboardContextSelect("(osgi.http.whiteboard.context.name=" + DigestContextHelper.NAME + ")")
@HttpWhiteboardServletPattern("/*")
@HttpWhiteboardServletName("streamail-digest")
public class DigestServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DigestServlet.class);
    /** Largest form body read; the form has one short field. */
    static final int MAX_BODY_BYTES = 4096;
    static final String ALLOW = "GET, HEAD, POST";
    private static final String FORM_TYPE = "application/x-www-form-urlencoded";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile QuarantineService quarantineService;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AlertService alertService;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile ReportService reportService;

    /** What the configuration says, with its key: replaced as a whole on a modification. */
    private record State(DigestSettings settings, DigestTokens tokens, ReleaseDesk desk) {
    }

    private final transient Supplier<QuarantineService> quarantine;
    private final transient Clock clock;
    private transient volatile State state;

    /** For Declarative Services: the state comes with {@link #activate}. */
    public DigestServlet() {
        this.quarantine = () -> quarantineService;
        this.clock = Clock.systemUTC();
    }

    /** For tests: the servlet without OSGi, on these services and this clock. */
    DigestServlet(DigestSettings settings, byte[] key, Supplier<QuarantineService> quarantine,
            Supplier<AlertService> alerts, Supplier<ReportService> reports, Clock clock) {
        this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = new State(settings, new DigestTokens(key), new ReleaseDesk(quarantine, alerts, reports,
                settings.selfRelease()));
    }

    @Activate
    @Modified
    void activate(DigestConfig config, Map<String, Object> properties) {
        ConfigCheck.check(DigestConfig.PID, DigestConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", DigestConfig.PID, k));
        DigestSettings settings = DigestSettings.from(config);
        if (settings.keyFile() == null) {
            throw new IllegalArgumentException(DigestConfig.PID + ": key.file is not set and karaf.data is not"
                    + " defined, so the digest links have no key; set key.file to a file every node shares");
        }
        KeyFiles.Loaded k = KeyFiles.loadOrCreate(settings.keyFile(), "key.file", DigestTokens.MIN_KEY_BYTES);
        if (k.created()) {
            LOG.info("Generated a new digest link key in {} (mode 0600); every gateway node must use the same key",
                    settings.keyFile());
        }
        this.state = new State(settings, new DigestTokens(k.key()),
                new ReleaseDesk(quarantine, () -> alertService, () -> reportService, settings.selfRelease()));
    }

    /**
     * Neither {@code getParameter} nor the container's form parsing is used: the body is read here, bounded, and only
     * on {@code POST}; the query string is only compared with the known outcomes.
     */
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String method = req.getMethod();
        boolean head = "HEAD".equals(method);
        if (!"GET".equals(method) && !head && !"POST".equals(method)) {
            resp.setHeader("Allow", ALLOW);
            answer(req, resp, HttpServletResponse.SC_METHOD_NOT_ALLOWED, DigestPages.methodNotAllowed());
            return;
        }
        State s = state;
        if (s == null) {
            answer(req, resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, DigestPages.unavailable());
            return;
        }
        Optional<DigestTokens.Claim> claim = token(req.getPathInfo()).flatMap(t -> s.tokens().verify(t,
                clock.instant()));
        if (claim.isEmpty()) {
            answer(req, resp, HttpServletResponse.SC_NOT_FOUND, DigestPages.invalidLink());
            return;
        }
        String recipient = claim.get().recipient();
        try {
            if ("POST".equals(method)) {
                post(req, resp, s, recipient);
            } else {
                get(req, resp, s, recipient);
            }
        } catch (RuntimeException e) {
            // A store failure or a refused alert: the user sees "try again", the administrator the cause.
            LOG.warn("Digest page of {}: {} failed: {}", recipient, method, e.toString());
            answer(req, resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, DigestPages.unavailable());
        }
    }

    private void get(HttpServletRequest req, HttpServletResponse resp, State s, String recipient) throws IOException {
        if (quarantine.get() == null) {
            answer(req, resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, DigestPages.unavailable());
            return;
        }
        int limit = s.settings().maxEntries();
        byte[] page;
        try {
            page = DigestPages.list(recipient, s.desk().heldFor(recipient, limit), limit, s.settings().zone(),
                    done(req.getQueryString()));
        } catch (IllegalStateException gone) { // the quarantine went away between the check and the call
            answer(req, resp, HttpServletResponse.SC_SERVICE_UNAVAILABLE, DigestPages.unavailable());
            return;
        }
        answer(req, resp, HttpServletResponse.SC_OK, page);
    }

    private void post(HttpServletRequest req, HttpServletResponse resp, State s, String recipient)
            throws IOException {
        String type = req.getContentType();
        if (type == null || !type.strip().toLowerCase(Locale.ROOT).startsWith(FORM_TYPE)) {
            refuseBody(req, resp, HttpServletResponse.SC_BAD_REQUEST, DigestPages.badRequest());
            return;
        }
        if (req.getContentLengthLong() > MAX_BODY_BYTES) {
            refuseBody(req, resp, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, DigestPages.tooLarge());
            return;
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            refuseBody(req, resp, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, DigestPages.tooLarge());
            return;
        }
        Optional<String> id = formId(new String(body, StandardCharsets.US_ASCII));
        if (id.isEmpty()) {
            answer(req, resp, HttpServletResponse.SC_BAD_REQUEST, DigestPages.badRequest());
            return;
        }
        ReleaseDesk.Outcome outcome = s.desk().act(recipient, id.get());
        // The token is base64url and the dots of its format: nothing in it needs escaping in a header.
        String token = req.getPathInfo().substring(1);
        resp.setHeader("Location", req.getContextPath() + "/" + token + "?done="
                + outcome.name().toLowerCase(Locale.ROOT));
        answer(req, resp, HttpServletResponse.SC_SEE_OTHER, new byte[0]);
    }

    /**
     * The token of a path {@code /<token>}: one non-empty segment of at most {@link DigestTokens#MAX_TOKEN_CHARS}
     * characters.
     */
    static Optional<String> token(String pathInfo) {
        if (pathInfo == null || pathInfo.length() < 2 || pathInfo.length() > DigestTokens.MAX_TOKEN_CHARS + 1
                || pathInfo.charAt(0) != '/' || pathInfo.indexOf('/', 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(pathInfo.substring(1));
    }

    /**
     * The one {@code id} of a form body, ASCII as browsers encode it: exactly one field, named {@code id}, with a
     * value of 1..{@value ReleaseDesk#MAX_ID_CHARS} characters without control characters. Anything else is empty.
     */
    static Optional<String> formId(String body) {
        if (body.indexOf('&') >= 0 || !body.startsWith("id=") || body.chars().anyMatch(c -> c > 0x7E || c < 0x20)) {
            return Optional.empty();
        }
        String value;
        try {
            value = URLDecoder.decode(body.substring(3), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (value.isEmpty() || value.length() > ReleaseDesk.MAX_ID_CHARS
                || value.chars().anyMatch(Character::isISOControl) || value.contains("\uFFFD")) {
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /** The outcome a {@code ?done=} names, or {@code null} for no query or anything else. */
    static ReleaseDesk.Outcome done(String query) {
        if (query == null || !query.startsWith("done=")) {
            return null;
        }
        String v = query.substring(5);
        for (ReleaseDesk.Outcome o : ReleaseDesk.Outcome.values()) {
            if (o.name().toLowerCase(Locale.ROOT).equals(v)) {
                return o;
            }
        }
        return null;
    }

    /** Answers without reading the body, and drops the connection rather than reading the rest of it to reuse it. */
    private static void refuseBody(HttpServletRequest req, HttpServletResponse resp, int status, byte[] page)
            throws IOException {
        resp.setHeader("Connection", "close");
        answer(req, resp, status, page);
    }

    private static void answer(HttpServletRequest req, HttpServletResponse resp, int status, byte[] page)
            throws IOException {
        resp.setStatus(status);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Content-Security-Policy", DigestPages.CSP);
        resp.setHeader("Content-Type", "text/html; charset=UTF-8");
        resp.setContentLength(page.length);
        if (page.length > 0 && !"HEAD".equals(req.getMethod())) {
            resp.getOutputStream().write(page);
        }
    }
}
