package org.streamail.detect.phishing.internal;

import java.util.Locale;
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
        if (s.contains("://")) {
            return matchesLink(s);
        }
        return matchHost(Hosts.toAscii(s)).isPresent();
    }

    /**
     * A URL in comparable form: scheme and host lower case, fragment removed, trailing slash removed.
     * Path and query keep their case (servers treat them case-sensitively).
     */
    static String normalizeUrl(String href) {
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
