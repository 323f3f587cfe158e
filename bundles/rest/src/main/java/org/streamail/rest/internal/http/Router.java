package org.streamail.rest.internal.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Dispatches a request on method and path template ({@code /quarantine/{id}/raw}): a template segment in
 * braces matches any one non-empty path segment and is passed as a path parameter. Adding an endpoint is
 * one {@link #add} call. A HEAD request runs the GET route (the servlet drops the body). Answers 404 for an
 * unknown path, 405 (with {@code Allow}) for a known path with another method, 401/403 when the caller may
 * not use the route. Routes are added during construction of
 * the API and never after, so dispatch is lock-free and thread-safe.
 */
public final class Router {

    /** Paths with more segments than this match nothing (templates are short). */
    static final int MAX_SEGMENTS = 16;

    private record Route(String method, String[] segments, Permission permission, Handler handler) {
    }

    private final List<Route> routes = new ArrayList<>();

    /**
     * Adds a route.
     *
     * @param method     HTTP method
     * @param template   path below the API root, e.g. {@code /quarantine/{id}}
     * @param permission what the caller needs
     * @param handler    the code that answers
     * @return this router
     */
    public Router add(String method, String template, Permission permission, Handler handler) {
        String[] segments = split(template);
        if (segments == null) {
            throw new IllegalArgumentException("bad template " + template);
        }
        routes.add(new Route(method.toUpperCase(Locale.ROOT), segments, permission, handler));
        return this;
    }

    /** Finds the route for the request and runs it; client errors come back as {@link ApiException}. */
    public ApiResponse dispatch(ApiRequest request) {
        String[] path = split(request.path());
        if (path == null) {
            throw ApiException.notFound("no such resource: " + ApiRequest.abbreviate(request.path()));
        }
        Set<String> allowed = new LinkedHashSet<>();
        // HEAD is GET without the body (RFC 9110 9.3.2): same route, same checks, same status and headers
        String method = request.method().equals("HEAD") ? "GET" : request.method();
        for (Route route : routes) {
            Map<String, String> params = match(route.segments(), path);
            if (params == null) {
                continue;
            }
            if (!route.method().equals(method)) {
                allowed.add(route.method());
                if (route.method().equals("GET")) {
                    allowed.add("HEAD");
                }
                continue;
            }
            if (request.user() == null) {
                throw new ApiException(401, "authentication required");
            }
            if (!route.permission().allows(request.user())) {
                throw new ApiException(403, "user '" + request.user().name() + "' may not "
                        + method + " " + ApiRequest.abbreviate(request.path())
                        + (route.permission() == Permission.ADMIN ? " (admin role required)" : ""));
            }
            request.pathParams(params);
            return route.handler().handle(request);
        }
        if (!allowed.isEmpty()) {
            throw new MethodNotAllowed(method, allowed); // HEAD: GET's answer (only its length is sent)
        }
        throw ApiException.notFound("no such resource: " + ApiRequest.abbreviate(request.path()));
    }

    /** 405 carrying the methods the path does allow, for the {@code Allow} header. */
    public static final class MethodNotAllowed extends ApiException {
        private static final long serialVersionUID = 1L;
        private final String allow;

        MethodNotAllowed(String method, Set<String> allowed) {
            super(405, "method " + method + " not allowed here; allowed: " + String.join(", ", allowed));
            this.allow = String.join(", ", allowed);
        }

        public String allow() {
            return allow;
        }
    }

    private static Map<String, String> match(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.length() > 2 && t.startsWith("{") && t.endsWith("}")) {
                if (params == null) {
                    params = new LinkedHashMap<>();
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    /** Non-empty segments of a path; a trailing slash is ignored; {@code null} when too deep. */
    private static String[] split(String path) {
        List<String> segments = new ArrayList<>();
        int start = 0;
        int n = path.length();
        while (start <= n) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? n : slash;
            if (end > start) {
                if (segments.size() == MAX_SEGMENTS) {
                    return null;
                }
                segments.add(path.substring(start, end));
            }
            start = end + 1;
        }
        return segments.toArray(String[]::new);
    }
}
