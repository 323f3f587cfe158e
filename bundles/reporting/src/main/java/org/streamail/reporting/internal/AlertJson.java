package org.streamail.reporting.internal;

import org.streamail.api.alert.Alert;

/**
 * An alert as the webhook's JSON object. Writing JSON (not parsing it) is a few lines, so the bundle
 * carries no JSON library; every string is escaped per RFC 8259 (plus U+2028/U+2029 for JavaScript
 * consumers). Stateless.
 */
final class AlertJson {

    private AlertJson() {
    }

    static String of(Alert a) {
        StringBuilder b = new StringBuilder(256 + a.detail().length());
        b.append("{\"event\":\"alert\"");
        field(b, "id", a.id());
        field(b, "createdAt", a.createdAt().toString());
        field(b, "severity", a.severity().name());
        field(b, "kind", a.kind());
        field(b, "subject", a.subject());
        field(b, "messageId", a.messageId());
        field(b, "recipient", a.recipient());
        field(b, "title", a.title());
        field(b, "detail", a.detail());
        b.append(",\"occurrences\":").append(a.occurrences()).append('}');
        return b.toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":");
        string(b, value);
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
