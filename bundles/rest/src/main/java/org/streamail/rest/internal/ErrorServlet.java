package org.streamail.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.RequestDispatcher;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletErrorPage;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.rest.internal.json.JsonMapping;

/**
 * The error page of the {@code streamail} servlet context: whatever the web server itself answers there (a path no
 * servlet serves, a method it does not allow, an exception that escaped a servlet) comes back as the API's JSON
 * error ({@code {"error": "...", "status": n}}) instead of Jetty's HTML page. Scripts and the workbench parse
 * every answer as JSON, and the HTML page names the server and may carry an exception's text.
 *
 * <p>The message is chosen from the status alone: an exception's text is logged, never sent. Stateless and
 * thread-safe. Errors Jetty answers before a request reaches a context (a malformed request line or URI, header
 * fields too large) are out of reach of any servlet context and keep Jetty's plain answer.
 */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect("(" + "osgi.http.whiteboard.context.name" + "=" + StreamailContextHelper.CONTEXT_NAME + ")")
@HttpWhiteboardServletErrorPage(errorPage = {"4xx", "5xx", "java.lang.Throwable"})
@HttpWhiteboardServletName("streamail-errors")
public class ErrorServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(ErrorServlet.class);

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        Object thrown = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        int status = code instanceof Integer i && i >= 400 && i <= 599 ? i : 500;
        if (thrown instanceof Throwable t) {
            status = 500;
            Object uri = req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            LOG.error("REST request {} {} failed", req.getMethod(), printable(String.valueOf(uri)), t);
        }
        write(resp, status);
    }

    /** Writes the JSON error for {@code status}; the body is small and never depends on the request. */
    static void write(HttpServletResponse resp, int status) throws IOException {
        if (resp.isCommitted()) {
            return; // part of an answer is already out: nothing sensible can be added to it
        }
        resp.resetBuffer();
        byte[] body = JsonMapping.error(status, message(status)).toString().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /** A short, fixed text per status: what the client did wrong, or that the server failed. */
    static String message(int status) {
        return switch (status) {
            case 400 -> "bad request";
            case 401 -> "authentication required";
            case 403 -> "forbidden";
            case 404 -> "no such resource; the API is under /streamail/api/v1";
            case 405 -> "method not allowed";
            case 406 -> "not acceptable";
            case 408 -> "request timed out";
            case 411 -> "length required";
            case 413 -> "request too large";
            case 414 -> "URI too long";
            case 415 -> "unsupported media type";
            case 429 -> "too many requests";
            case 431 -> "request header fields too large";
            case 503 -> "service unavailable; retry";
            default -> status < 500 ? "request refused" : "internal error; see the gateway log";
        };
    }

    /** The URI as it may appear in a log line: control characters replaced, at most 200 characters. */
    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
