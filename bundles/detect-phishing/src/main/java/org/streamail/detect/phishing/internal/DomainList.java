package org.streamail.detect.phishing.internal;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable list of domains (matching themselves and their subdomains) and URLs (matching exactly,
 * after {@link #normalizeUrl}), used for the known-bad list and the allow-list. Thread-safe.
 */
final class DomainList {

    static final DomainList EMPTY = new DomainList(Set.of(), Set.of());

    private final Set<String> domains;
    private final Set<String> urls;

    DomainList(Set<String> domains, Set<String> urls) {
        this.domains = Set.copyOf(domains);
        this.urls = Set.copyOf(urls);
    }

    Set<String> domains() {
        return domains;
    }

    Set<String> urls() {
        return urls;
    }

    int size() {
        return domains.size() + urls.size();
    }

    /** The listed domain that {@code host} is or is under, if any. Walks at most 127 labels. */
    Optional<String> matchHost(String host) {
        if (host == null || host.isEmpty() || domains.isEmpty()) {
            return Optional.empty();
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (int i = 0; i < 127; i++) {
            if (domains.contains(h)) {
                return Optional.of(h);
            }
            int dot = h.indexOf('.');
            if (dot < 0) {
                break;
            }
            h = h.substring(dot + 1);
        }
        return Optional.empty();
    }

    /** Whether the href is a listed URL or its host is under a listed domain. */
    boolean matchesLink(String href) {
        if (!urls.isEmpty() && urls.contains(normalizeUrl(href))) {
            return true;
        }
        return Hosts.hostOf(href).flatMap(this::matchHost).isPresent();
    }

    /** Whether a URL or a bare domain is listed. */
    boolean matches(String urlOrDomain) {
        String s = urlOrDomain.strip();
        if (s.contains("://") || DEFAULT_PORTS.containsKey(Hosts.scheme(Hosts.clean(s)))) {
            return matchesLink(s);
        }
        return matchHost(Hosts.toAscii(s)).isPresent();
    }

    /**
     * A URL in comparable form, as a browser would request it: for http(s) and ftp the host as {@link Hosts#hostOf}
     * reads it (any slashes or backslashes after the colon, user info dropped, lower case, percent-escapes decoded,
     * no trailing dot, IDN as ASCII), the default port dropped, {@code \} in the path read as {@code /}, an empty
     * query dropped; for other schemes the scheme and authority lower case. In every case the fragment and trailing
     * slashes are removed; path and query keep their case (servers treat them case-sensitively).
     */
    static String normalizeUrl(String href) {
        String web = webUrl(Hosts.clean(href));
        return web != null ? web : legacyUrl(href);
    }

    /** Whether {@link #normalizeUrl} reads {@code href} as a web URL a browser would request (else as written). */
    static boolean isWebUrl(String href) {
        return webUrl(Hosts.clean(href)) != null;
    }

    private static final Map<String, String> DEFAULT_PORTS = Map.of("http", "80", "https", "443", "ftp", "21");

    private static String webUrl(String s) {
        String scheme = Hosts.scheme(s);
        if (!DEFAULT_PORTS.containsKey(scheme)) {
            return null;
        }
        String authority = Hosts.authority(s);
        Optional<String> host = Hosts.hostOf(s);
        if (authority == null || host.isEmpty()) {
            return null;
        }
        String h = Hosts.toAscii(host.get());
        if (h.isEmpty() || h.chars().anyMatch(c -> c <= ' ' || c == 0x7f || "/?#\\@%[]".indexOf(c) >= 0)) {
            return null; // no host a browser would request (control characters, spaces, delimiters decoded from %xx)
        }
        int at = scheme.length() + 1;
        while (at < s.length() && (s.charAt(at) == '/' || s.charAt(at) == '\\')) {
            at++;
        }
        String rest = s.substring(Math.min(s.length(), at + authority.length()));
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        int restEnd = rest.length();
        while (restEnd > 0 && rest.charAt(restEnd - 1) <= ' ') {
            restEnd--; // spaces and controls in front of a fragment (a browser trims the URL's ends)
        }
        rest = rest.substring(0, restEnd);
        int query = rest.indexOf('?');
        String path = (query < 0 ? rest : rest.substring(0, query)).replace('\\', '/');
        path = path.isEmpty() ? "/" : path; // "https://host?x" requests "/?x"
        String q = query < 0 || query == rest.length() - 1 ? "" : rest.substring(query);
        if (q.isEmpty()) {
            int end = path.length();
            while (end > 0 && (path.charAt(end - 1) == '/' || path.charAt(end - 1) <= ' ')) {
                end--; // trailing slashes are ignored, as the list has always ignored them
            }
            path = path.substring(0, end);
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        String port = "";
        int close = hostPort.lastIndexOf(']');
        int colon = hostPort.lastIndexOf(':');
        if (colon > close && colon + 1 < hostPort.length()) {
            port = hostPort.substring(colon + 1);
            if (port.length() > 10 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null; // not a port: a browser refuses the URL
            }
            port = port.replaceFirst("^0+(?=\\d)", "");
            if (port.equals(DEFAULT_PORTS.get(scheme))) {
                port = "";
            }
        }
        return scheme + "://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + (port.isEmpty() ? "" : ":" + port) + path
                + q;
    }

    private static String legacyUrl(String href) {
        String s = href.strip();
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int scheme = s.indexOf("://");
        if (scheme > 0) {
            int pathStart = s.length();
            for (int i = scheme + 3; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '/' || c == '?') {
                    pathStart = i;
                    break;
                }
            }
            s = s.substring(0, pathStart).toLowerCase(Locale.ROOT) + s.substring(pathStart);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
