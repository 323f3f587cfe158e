package org.streamail.api.model;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A link found in a message body.
 *
 * @param href   the target as written (entity-decoded, trimmed); never {@code null}
 * @param text   the visible text of an HTML anchor, or {@code ""} for links found in plain text
 * @param source where the link was found
 * @param part   the MIME part path it was found in (e.g. {@code "1.2"}), never {@code null}
 */
public record Link(String href, String text, Source source, String part) {

    /** Where in the content a link was found. */
    public enum Source {
        /** {@code <a href>} or {@code <area href>} in HTML. */
        HTML_ANCHOR,
        /** {@code <form action>} in HTML. */
        HTML_FORM,
        /** Any other HTML reference that loads or navigates: img src, iframe src, meta refresh. */
        HTML_RESOURCE,
        /** A URL written in plain text. */
        TEXT
    }

    public Link {
        Objects.requireNonNull(href, "href");
        text = text == null ? "" : text;
        Objects.requireNonNull(source, "source");
        part = part == null ? "" : part;
    }

    /** The URI scheme in lower case ({@code "https"}, {@code "mailto"}, {@code "data"}), or {@code ""}. */
    public String scheme() {
        int colon = href.indexOf(':');
        if (colon <= 0) {
            return "";
        }
        String s = href.substring(0, colon);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return "";
            }
        }
        return s.toLowerCase(Locale.ROOT);
    }

    /** The host of a hierarchical URL, lower case, without brackets for IPv6; empty if none can be read. */
    public Optional<String> host() {
        try {
            String h = URI.create(href.replace(" ", "%20")).getHost();
            if (h == null) {
                return Optional.empty();
            }
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            return Optional.of(h.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
