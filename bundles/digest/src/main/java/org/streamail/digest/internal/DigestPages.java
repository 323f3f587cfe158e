package org.streamail.digest.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.streamail.api.store.QuarantineEntry;

/**
 * The HTML pages of the digest link. Everything variable (addresses, subjects, ids, categories) is made one harmless
 * line ({@link Texts#oneLine}: no line breaks, no bidi overrides) and then HTML-escaped: a subject is written by
 * whoever sent the mail. The only style is one inline {@code <style>} element allowed by its hash in the
 * Content-Security-Policy; no script, image or frame can load, and forms may only post back to this gateway
 * ({@code form-action 'self'}), which is where the release buttons post. Stateless.
 */
final class DigestPages {

    private static final String STYLE = "body{font-family:sans-serif;max-width:48em;margin:3em auto;padding:0 1em;"
            + "color:#222}h1{font-size:1.4em}.done{background:#eef6ee;padding:.5em}ul{list-style:none;padding:0}"
            + "li{border-top:1px solid #ddd;padding:.6em 0}.subject{font-weight:bold;word-break:break-word}"
            + ".meta{color:#555;font-size:.9em;word-break:break-all}form{margin:.4em 0 0}";
    /** The Content-Security-Policy of every page: the one style block, and forms posting to this origin only. */
    static final String CSP = "default-src 'none'; style-src '" + hash(STYLE) + "'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    static final String RELEASE_LABEL = "Release";
    static final String ASK_LABEL = "Ask the administrators to release it";
    static final int MAX_SUBJECT = 200;
    private static final int MAX_ADDRESS = 254;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);

    private DigestPages() {
    }

    /**
     * The list of what is held for {@code recipient}.
     *
     * @param held  newest first, as {@link ReleaseDesk#heldFor} returned it
     * @param limit the most that were asked for: a full list says that older ones are not shown
     * @param done  the outcome of the action just taken, or {@code null}
     */
    static byte[] list(String recipient, List<ReleaseDesk.Held> held, int limit, ZoneId zone,
            ReleaseDesk.Outcome done) {
        StringBuilder b = new StringBuilder(1024 + held.size() * 512);
        if (done != null) {
            b.append("<p class=\"done\">").append(esc(outcome(done), 300)).append("</p>");
        }
        b.append("<p>Messages held in quarantine for <strong>").append(esc(recipient, MAX_ADDRESS))
                .append("</strong>. They were not delivered because they looked dangerous or unwanted.</p>");
        if (held.isEmpty()) {
            b.append("<p>Nothing is held for you right now.</p>");
        } else {
            b.append("<ul>");
            for (ReleaseDesk.Held h : held) {
                item(b, h, zone);
            }
            b.append("</ul>");
            if (held.size() >= limit) {
                b.append("<p>Only the newest ").append(limit).append(" messages are shown.</p>");
            }
        }
        b.append("<p>Release only what you expected and trust: a released message is delivered as it is.</p>");
        return page("Your quarantined messages", b.toString());
    }

    private static void item(StringBuilder b, ReleaseDesk.Held h, ZoneId zone) {
        QuarantineEntry e = h.entry();
        String sender = e.envelope().sender().isEmpty() ? "(no sender)" : e.envelope().sender();
        String subject = e.subject().isBlank() ? "(no subject)" : e.subject();
        String categories = DigestMail.reason(e.verdict().categories()); // the digest mail's words
        b.append("<li><div class=\"subject\">").append(esc(subject, MAX_SUBJECT)).append("</div>")
                .append("<div class=\"meta\">From ").append(esc(sender, MAX_ADDRESS))
                .append(" &middot; held ").append(esc(WHEN.format(e.quarantinedAt().atZone(zone)), 40))
                .append(" &middot; ").append(esc(categories, 100)).append("</div>")
                .append("<form method=\"post\"><input type=\"hidden\" name=\"id\" value=\"")
                .append(esc(e.id(), ReleaseDesk.MAX_ID_CHARS)).append("\"><button type=\"submit\">")
                .append(h.selfRelease() ? RELEASE_LABEL : ASK_LABEL).append("</button></form></li>");
    }

    /** The line shown at the top after an action. */
    static String outcome(ReleaseDesk.Outcome o) {
        return switch (o) {
            case RELEASED -> "The message was released. It will reach your mailbox in a few minutes.";
            case REQUESTED -> "Your request was sent to the administrators. They will release the message if it is"
                    + " safe.";
            case ALREADY_REQUESTED -> "You already asked for this message; the administrators have your request.";
            case GONE -> "This message is no longer held for you: it may have been released or deleted already.";
            case UNAVAILABLE -> "Nothing could be done right now. Please try again in a few minutes.";
        };
    }

    static byte[] invalidLink() {
        return page("Link not valid", "<p>This link is not valid or has expired. Each daily digest brings a new one:"
                + " open the link in your latest quarantine digest, or ask your IT department.</p>");
    }

    static byte[] unavailable() {
        return page("Quarantine unavailable", "<p>Your quarantined messages cannot be shown right now. Please try"
                + " again in a few minutes.</p>");
    }

    static byte[] methodNotAllowed() {
        return page("Not allowed", "<p>This address only shows your quarantined messages and takes your choices.</p>");
    }

    static byte[] badRequest() {
        return page("Not understood", "<p>That request was not understood, and nothing was changed. Go back to your"
                + " list and use its buttons.</p>");
    }

    static byte[] tooLarge() {
        return page("Too large", "<p>That request was too large, and nothing was changed.</p>");
    }

    private static String esc(String s, int max) {
        return Texts.html(Texts.oneLine(s, max));
    }

    private static byte[] page(String title, String body) {
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Texts.html(title)
                + "</title><meta name=\"viewport\" content=\"width=device-width\"><style>" + STYLE + "</style></head>"
                + "<body><h1>" + Texts.html(title) + "</h1>" + body + "</body></html>\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String hash(String style) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(style.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JRE", e);
        }
    }
}
