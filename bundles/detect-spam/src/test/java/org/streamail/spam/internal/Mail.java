package org.streamail.spam.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Builds small raw messages for the tests. */
final class Mail {

    private Mail() {
    }

    static byte[] text(String from, String subject, String body) {
        return ("From: " + from + "\r\nTo: alice@example.org\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + Math.abs((subject + body).hashCode()) + "@mailer.example>\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] withAttachment(String from, String subject, String body, String fileName, byte[] content) {
        String b64 = Base64.getMimeEncoder().encodeToString(content);
        return ("From: " + from + "\r\nTo: alice@example.org\r\nSubject: " + subject + "\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "preamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body + "\r\n"
                + "--b1\r\nContent-Type: application/pdf; name=\"" + fileName + "\"\r\n"
                + "Content-Disposition: attachment; filename=\"" + fileName + "\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b1--\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A campaign text with per-recipient parts: the name, a tracking id and an order number. */
    static String campaign(String name, String trackingId, int order) {
        return "Dear " + name + ",\n\n"
                + "Congratulations! You have been selected to receive an exclusive discount on our premium "
                + "collection of luxury watches and designer handbags. This offer is only available to a "
                + "handful of our most valued customers and expires at the end of this week.\n\n"
                + "Your personal order reference is " + order + " and your coupon code is " + trackingId + ".\n\n"
                + "Visit https://deals.shop-example.biz/claim?uid=" + trackingId + "&r=" + order
                + " to claim your gift before stocks run out. Free shipping worldwide on every order placed today.\n\n"
                + "If you no longer wish to receive our special offers, simply reply with remove in the subject "
                + "line and we will take you off our list within ten business days.\n";
    }
}
