package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.UUID;

/**
 * The small message the click endpoint scans to judge one URL with the whole pipeline (phishing link rules,
 * block lists, reported campaigns): one HTML body with a single link whose visible text is the URL itself,
 * so that no text/target mismatch rule fires on our own construction. Base64-encoded UTF-8, so a long URL
 * cannot break a line limit. Stateless.
 */
final class ProbeMessage {

    private ProbeMessage() {
    }

    static byte[] of(String url) {
        String e = Pages.escape(url);
        String html = "<!DOCTYPE html><html><body><p><a href=\"" + e + "\">" + e + "</a></p></body></html>\r\n";
        String b64 = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                .encodeToString(html.getBytes(StandardCharsets.UTF_8));
        String msg = "From: Streamail link guard <linkguard@streamail.invalid>\r\n"
                + "To: <linkguard@streamail.invalid>\r\n"
                + "Subject: Link check\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@linkguard.streamail.invalid>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/html; charset=UTF-8\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "\r\n"
                + b64 + "\r\n";
        return msg.getBytes(StandardCharsets.US_ASCII);
    }
}
