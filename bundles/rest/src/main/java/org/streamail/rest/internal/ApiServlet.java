package org.streamail.rest.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.metatype.annotations.Designate;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.service.Scanner;
import org.streamail.api.store.Directory;
import org.streamail.api.store.MessageLog;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.ResponseWriter;

/**
 * The REST API servlet: {@code /streamail/api/v1/*} in the {@code streamail} servlet context, whose helper
 * has already authenticated the caller. It adapts the servlet API to {@link RestApi}. The gateway services
 * are optional, dynamic references so that updating the core or the store bundle does not take the API
 * down: their endpoints answer 503 meanwhile. Thread-safe (the web server calls it concurrently).
 */
@Component(service = Servlet.class, configurationPid = RestConfiguration.PID)
@Designate(ocd = RestConfiguration.class)
@HttpWhiteboardContextSelect("(" + "osgi.http.whiteboard.context.name" + "=" + StreamailContextHelper.CONTEXT_NAME + ")")
@HttpWhiteboardServletPattern(ApiServlet.PATTERN)
@HttpWhiteboardServletName("streamail-api-v1")
public class ApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The servlet's pattern inside the {@code /streamail} context. */
    static final String PATTERN = "/api/v1/*";

    /** Largest {@code body.read.timeout.seconds}: an hour. */
    static final int MAX_BODY_TIMEOUT_SECONDS = 3600;

    /** Largest {@code response.write.timeout.seconds}: an hour. */
    static final int MAX_WRITE_TIMEOUT_SECONDS = 3600;

    /** {@code response.write.timeout.seconds} when a test does not say. */
    static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(300);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Scanner scanner;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile QuarantineService quarantine;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile GatewayStatus status;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MessageLog messageLog;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Directory directory;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RetentionService retention;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile RetentionAuditStore retentionAudit;

    private final transient RestApi api;
    private final transient Duration bodyTimeout;
    private final transient ResponseWriter writer;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse (a size such as
     *                                  {@code 25MB}); SCR logs it and the servlet stays unregistered
     */
    @Activate
    public ApiServlet(RestConfiguration config, Map<String, Object> properties) {
        // Same PID as StreamailContextHelper, which logs the unknown keys once: only the values are checked here.
        ConfigCheck.check(RestConfiguration.PID, RestConfiguration.class, properties);
        this.api = new RestApi(
                new Services(() -> scanner, () -> quarantine, () -> status, () -> messageLog, () -> directory,
                        () -> retention, () -> retentionAudit),
                new RestApi.Limits(Math.max(1, config.max_message_size()), Math.max(1024, config.max_json_size())));
        this.bodyTimeout = bodyTimeout(config.body_read_timeout_seconds());
        this.writer = new ResponseWriter(writeTimeout(config.response_write_timeout_seconds()));
    }

    /** For tests: an API over given services. */
    ApiServlet(RestApi api) {
        this(api, ApiRequest.DEFAULT_BODY_TIMEOUT);
    }

    /** For tests: an API over given services and a body timeout. */
    ApiServlet(RestApi api, Duration bodyTimeout) {
        this(api, bodyTimeout, DEFAULT_WRITE_TIMEOUT);
    }

    /** For tests: an API over given services, a body timeout and a response write timeout. */
    ApiServlet(RestApi api, Duration bodyTimeout, Duration writeTimeout) {
        this.api = api;
        this.bodyTimeout = bodyTimeout;
        this.writer = new ResponseWriter(writeTimeout);
    }

    static Duration bodyTimeout(int seconds) {
        if (seconds < 1 || seconds > MAX_BODY_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("body.read.timeout.seconds must be between 1 and "
                    + MAX_BODY_TIMEOUT_SECONDS + ", got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    static Duration writeTimeout(int seconds) {
        if (seconds < 1 || seconds > MAX_WRITE_TIMEOUT_SECONDS) {
            throw new IllegalArgumentException("response.write.timeout.seconds must be between 1 and "
                    + MAX_WRITE_TIMEOUT_SECONDS + ", got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object user = req.getAttribute(StreamailContextHelper.USER_ATTRIBUTE);
        ApiRequest request = new ApiRequest(req.getMethod(), req.getPathInfo(), req.getQueryString(),
                req::getHeader, req.getContentLengthLong(), req.getInputStream(),
                user instanceof AuthenticatedUser u ? u : null, bodyTimeout);
        // HEAD is answered as GET (the router runs the GET route, RFC 9110 9.3.2) without the body
        write(api.handle(request), req, resp, !request.method().equals("HEAD"));
    }

    private void write(ApiResponse response, HttpServletRequest req, HttpServletResponse resp, boolean withBody)
            throws IOException {
        resp.setStatus(response.status());
        // API answers concern mail and users: no caching anywhere; no content sniffing of raw messages.
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        response.headers().forEach(resp::setHeader);
        if (response.status() == 408) {
            // the rest of a slow body is still coming: do not wait for it to keep the connection
            resp.setHeader("Connection", "close");
        }
        byte[] body;
        if (response.json() != null) {
            resp.setContentType("application/json");
            body = api.mapper().writeValueAsBytes(response.json());
        } else {
            body = response.bytes();
            if (response.contentType() != null) {
                resp.setContentType(response.contentType());
            }
        }
        if (body == null) {
            resp.setContentLength(0);
            return;
        }
        resp.setContentLength(body.length);
        if (!withBody) {
            return; // Content-Length says what GET would send
        }
        // Within response.write.timeout.seconds from here, else the connection is closed (a slow reader would
        // hold this thread for as long as it keeps reading a byte within each idle timeout).
        writer.write(body, resp.getOutputStream(), () -> clientAddress(req), req::getRequestURI);
    }

    private static String clientAddress(HttpServletRequest req) {
        Object resolved = req.getAttribute(StreamailContextHelper.CLIENT_ADDRESS_ATTRIBUTE);
        return resolved instanceof String s ? s : req.getRemoteAddr();
    }
}
