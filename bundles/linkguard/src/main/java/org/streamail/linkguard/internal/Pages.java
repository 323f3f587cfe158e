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

    static byte[] unavailable() {
        return page("Unable to check this link", "<p>The link could not be checked right now. Please try again "
                + "in a few minutes.</p>");
    }

    static byte[] methodNotAllowed() {
        return page("Not allowed", "<p>This address only opens links.</p>");
    }

    static byte[] blocked(String url, String reason, boolean isolating) {
        String shown = url.length() > MAX_SHOWN_URL ? url.substring(0, MAX_SHOWN_URL) + "\u2026" : url;
        return page("This link was blocked",
                "<p>The link you opened leads to a site found to be dangerous. It was not opened.</p>"
                        + "<p class=\"url\">" + escape(shown) + "</p>"
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
