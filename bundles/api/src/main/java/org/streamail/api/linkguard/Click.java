package org.streamail.api.linkguard;

import java.time.Instant;
import java.util.Objects;

/**
 * One click on a rewritten link. Immutable.
 *
 * @param id        the click id
 * @param at        when
 * @param messageId the gateway id of the message the link was in
 * @param recipient the recipient the link was rewritten for
 * @param url       the original URL
 * @param clientIp  the clicking workstation (after trusted-proxy handling)
 * @param mac       its MAC from the neighbour table, or {@code ""} when not on the same network
 * @param blocked   whether the click was refused (block page) rather than redirected
 * @param reason    why it was blocked (the rule that fired), or {@code ""}
 */
public record Click(String id, Instant at, String messageId, String recipient, String url, String clientIp, String mac,
        boolean blocked, String reason) {

    public Click {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        messageId = messageId == null ? "" : messageId;
        recipient = recipient == null ? "" : recipient;
        Objects.requireNonNull(url, "url");
        clientIp = clientIp == null ? "" : clientIp;
        mac = mac == null ? "" : mac;
        reason = reason == null ? "" : reason;
    }

    /**
     * This click as a read-only user may see it: the URL without its user information, query and fragment,
     * where password-reset and magic-login links carry their secrets ({@code "?…"} marks what was cut).
     * Administrators see the whole URL.
     *
     * @since 1.1
     */
    public Click redacted() {
        return new Click(id, at, messageId, recipient, redactedUrl(url), clientIp, mac, blocked, reason);
    }

    /** {@code url} without user information, query and fragment; {@code "?…"} marks a cut query or fragment. */
    public static String redactedUrl(String url) {
        int cut = url.length();
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '?' || c == '#') {
                cut = i;
                break;
            }
        }
        String head = url.substring(0, cut);
        int authority = head.indexOf("://");
        if (authority >= 0) {
            int start = authority + 3;
            int end = start;
            while (end < head.length() && head.charAt(end) != '/' && head.charAt(end) != '\\') {
                end++;
            }
            int at = head.lastIndexOf('@', end - 1);
            if (at >= start) {
                head = head.substring(0, start) + head.substring(at + 1);
            }
        }
        return cut < url.length() ? head + "?\u2026" : head;
    }
}
