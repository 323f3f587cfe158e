package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The HTML pages of the click endpoint. Every piece of variable text is HTML-escaped; the only style is
 * one inline {@code <style>} element allowed by its hash in the Content-Security-Policy, so nothing else
 * (scripts, images, frames, forms) can run or load. Stateless.
 */
final class Pages {

    private static final String STYLE = "body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;"
            + "color:#222}h1{font-size:1.4em}.url{font-family:monospace;word-break:break-all;background:#f4f4f4;"
            + "padding:.5em}";
    /** The Content-Security-Policy of every page: nothing but the one style block. */
    static final String CSP = "default-src 'none'; style-src '" + hash(STYLE) + "'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";
    private static final int MAX_SHOWN_URL = 300;

    private Pages() {
    }

    static byte[] badToken() {
        return page("Invalid link", "<p>This link is not valid. It may have been changed or cut short when it "
                + "was copied. Open it again from the original message, or ask your IT department.</p>");
    }

    static byte[] unchecked() {
        return page("Link not opened", "<p>This link could not be checked, so it was not opened: it was too long, "
                + "or the message had more links than are checked. If you need it, ask your IT department.</p>");
    }

    /** The unchecked page for a form submitted to it: the form target was not guarded, and nothing was sent. */
    static byte[] uncheckedForm() {
        return page("Form not sent", "<p>This form could not be checked, so what you typed was not sent: its address "
                + "was too long, or the message had more links than are checked. If you need it, ask your IT "
                + "department.</p>");
    }

    /**
     * What a form in a mail submitted to a target that was checked and is not known bad gets: nothing was sent (the
     * gateway never relays what was typed), and a plain link to the target's origin, to open in the browser (where
     * the address bar shows the site) rather than typing into the mail. No link to the form target itself.
     */
    static byte[] formNotSent(String url) {
        String host = Urls.hostOf(url);
        String origin = Urls.originOf(url);
        return page("Form not sent", "<p>This form in an e-mail would have sent what you typed to</p>"
                + "<p class=\"url\">" + escape(shown(host)) + "</p>"
                + "<p>Streamail did not send it. Forms in e-mail messages are a common way to steal passwords, so what "
                + "you type into them is never passed on.</p>"
                + (origin.isEmpty() ? "" : "<p>If you trust " + escape(shown(host)) + ", open it in your browser and "
                        + "enter the information there: <a href=\"" + escape(origin) + "\" rel=\"noreferrer\">"
                        + escape(shown(origin)) + "</a></p>"));
    }

    private static String shown(String s) {
        return s.length() > MAX_SHOWN_URL ? s.substring(0, MAX_SHOWN_URL) + "\u2026" : s;
    }

    static byte[] unavailable() {
        return page("Unable to check this link", "<p>The link could not be checked right now. Please try again "
                + "in a few minutes.</p>");
    }

    static byte[] methodNotAllowed() {
        return page("Not allowed", "<p>This address only opens links and checks forms.</p>");
    }

    static byte[] blocked(String url, String reason, boolean isolating) {
        return blocked(url, reason, isolating, false);
    }

    /** @param form whether a form was submitted (what was typed into it was not sent) rather than a link opened */
    static byte[] blocked(String url, String reason, boolean isolating, boolean form) {
        return page(form ? "This form was blocked" : "This link was blocked",
                (form ? "<p>The form you filled in sends what you typed to a site found to be dangerous. What you "
                        + "typed was not sent.</p>"
                        : "<p>The link you opened leads to a site found to be dangerous. It was not opened.</p>")
                        + "<p class=\"url\">" + escape(shown(url)) + "</p>"
                        + "<p>Why: " + escape(reason) + "</p>"
                        + "<p>Your IT department has been alerted."
                        + (isolating ? " As a precaution your computer may be disconnected from the network until "
                                + "IT has checked it." : "")
                        + " Do not enter passwords or other information on pages opened from this message.</p>");
    }

    private static byte[] page(String title, String body) {
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title><meta name=\"viewport\" content=\"width=device-width\"><style>" + STYLE + "</style></head>"
                + "<body><h1>" + escape(title) + "</h1>" + body + "</body></html>\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** HTML-escapes text for element content and quoted attribute values. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return out.toString();
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
