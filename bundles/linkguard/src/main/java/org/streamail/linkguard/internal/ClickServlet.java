package org.streamail.linkguard.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.streamail.api.alert.AlertService;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.service.Scanner;

/**
 * {@code GET} and {@code POST /streamail/click/<token>}: the servlet side of {@link ClickHandler}, in the unauthenticated
 * {@link ClickContextHelper} context. Every service is an optional dynamic reference read at each request.
 * Campaign recalls run on a small bounded executor (2 threads, 64 queued; more are dropped with a log line),
 * shut down at deactivation.
 *
 * <p>Lifecycle: a DS component on PID {@code org.streamail.linkguard} (re-created on a configuration
 * change); the key file is read at activation. Threading: the servlet container calls it concurrently.
 */
@Component(service = Servlet.class, configurationPid = LinkGuardConfig.PID)
@HttpWhiteboardContextSelect("(osgi.http.whiteboard.context.name=" + ClickContextHelper.NAME + ")")
@HttpWhiteboardServletPattern("/*")
@HttpWhiteboardServletName("streamail-click")
public class ClickServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final int RECALL_THREADS = 2;
    private static final int RECALL_QUEUE = 64;
    /** Isolations waiting for the one isolation thread; beyond it a click isolates nobody (logged). */
    private static final int ISOLATION_QUEUE = 1024;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile Scanner scanner;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile LinkStore linkStore;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile AlertService alertService;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile IsolationService isolationService;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile CampaignService campaignService;

    private final transient ThreadPoolExecutor recalls;
    private final transient ThreadPoolExecutor isolations;
    private final transient ClickHandler handler;

    @Activate
    public ClickServlet(LinkGuardConfig config, Map<String, Object> properties) {
        // Same PID as LinkGuardTransformer, which logs the unknown keys once: only the values are checked here.
        ConfigCheck.check(LinkGuardConfig.PID, LinkGuardConfig.class, properties);
        Settings settings = Settings.from(config);
        AtomicInteger n = new AtomicInteger();
        this.recalls = new ThreadPoolExecutor(RECALL_THREADS, RECALL_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(RECALL_QUEUE), r -> {
                    Thread t = new Thread(r, "streamail-linkguard-recall-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.recalls.allowCoreThreadTimeOut(true);
        this.isolations = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ISOLATION_QUEUE),
                r -> {
                    Thread t = new Thread(r, "streamail-linkguard-isolation");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.isolations.allowCoreThreadTimeOut(true);
        ClickHandler.Services services = new ClickHandler.Services() {
            @Override
            public Scanner scanner() {
                return scanner;
            }

            @Override
            public LinkStore store() {
                return linkStore;
            }

            @Override
            public AlertService alerts() {
                return alertService;
            }

            @Override
            public IsolationService isolation() {
                return isolationService;
            }

            @Override
            public CampaignService campaigns() {
                return campaignService;
            }
        };
        this.handler = new ClickHandler(settings, new LinkTokens(KeyFile.load(settings.keyFile())), services,
                new NeighbourTable(Path.of("/proc/net/arp"), NeighbourTable.systemIpProgram()), recalls, isolations,
                Clock.systemUTC());
    }

    /** For tests: the servlet around {@code handler} (which brings its own executors). */
    ClickServlet(ClickHandler handler) {
        this.recalls = null;
        this.isolations = null;
        this.handler = handler;
    }

    @Deactivate
    void deactivate() {
        if (recalls != null) {
            recalls.shutdown();
        }
        if (isolations != null) {
            isolations.shutdown(); // the queued ones still run: a click that was blocked still isolates its host
        }
    }

    /**
     * Neither the body nor the query string nor any parameter is read ({@code getParameter} would parse a form
     * body): a form submission brings what the user typed, passwords included, and the gateway needs none of it. A
     * request with a body is answered with {@code Connection: close}, so the container drops the connection instead
     * of reading the rest of the body to reuse it.
     */
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> xff = Collections.list(req.getHeaders("X-Forwarded-For"));
        ClickHandler.Response r = handler.handle(
                new ClickHandler.Request(req.getMethod(), req.getPathInfo(), req.getRemoteAddr(), xff));
        resp.setStatus(r.status());
        if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
            resp.setHeader("Connection", "close");
        }
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            resp.setHeader(h.getKey(), h.getValue());
        }
        resp.setContentLength(r.body().length);
        if (r.body().length > 0 && !"HEAD".equals(req.getMethod())) {
            resp.getOutputStream().write(r.body());
        }
    }
}
