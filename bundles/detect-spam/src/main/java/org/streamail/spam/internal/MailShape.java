package org.streamail.spam.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A cheap look at whether bytes handed in as a message to report are mail at all: the first line (after an
 * optional mbox {@code From } separator) must be a header field, and the header must hold at least one field
 * every message carries. Binary data, an empty body or an ordinary text file (a configuration file, a
 * password file) is refused instead of training the shared classifier. Lenient on purpose past that: the
 * header ends at the first line that is not a field, as mail readers do, so a spam with a broken header line
 * is still accepted. Only the first 256 KiB are looked at.
 */
final class MailShape {

    private static final int LOOK = 256 * 1024;
    private static final Set<String> USUAL = Set.of("from", "sender", "to", "cc", "subject", "date", "message-id",
            "received", "return-path", "reply-to", "mime-version", "content-type");

    private MailShape() {
    }

    /** Why {@code raw} is not a mail message, or empty when it may be one. */
    static Optional<String> problem(byte[] raw) {
        int end = Math.min(raw.length, LOOK);
        int i = 0;
        if (startsWith(raw, "From ")) {
            i = lineEnd(raw, 0, end) + 1;
        }
        boolean usual = false;
        boolean first = true;
        while (i < end) {
            int eol = lineEnd(raw, i, end);
            int len = eol - i;
            if (len > 0 && raw[eol - 1] == '\r') {
                len--;
            }
            if (len == 0) {
                break; // the empty line that ends the header
            }
            if (raw[i] == ' ' || raw[i] == '\t') {
                if (first) {
                    return Optional.of("not a mail message: it starts with a continuation line, not a header field");
                }
            } else {
                int colon = fieldName(raw, i, i + len);
                if (colon < 0) {
                    if (first) {
                        return Optional.of("not a mail message: it does not start with a header field such as "
                                + "\"From: ...\" or \"Subject: ...\"");
                    }
                    break; // a broken line ends the header, as it does for mail readers
                }
                String name = new String(raw, i, colon - i, StandardCharsets.US_ASCII).strip().toLowerCase(Locale.ROOT);
                usual |= USUAL.contains(name);
            }
            first = false;
            i = eol + 1;
        }
        if (first) {
            return Optional.of("not a mail message: the header is empty");
        }
        return usual ? Optional.empty() : Optional.of("not a mail message: its header has none of the fields "
                + "From, To, Subject, Date, Message-ID or Received");
    }

    /** The index of the colon ending a field name that starts at {@code from} ("Name:" or "Name :"), or -1. */
    private static int fieldName(byte[] raw, int from, int to) {
        int k = from;
        while (k < to && k - from <= 76) {
            int b = raw[k] & 0xff;
            if (b == ':') {
                return k > from ? k : -1;
            }
            if (b < 33 || b > 126) {
                break;
            }
            k++;
        }
        if (k == from) {
            return -1;
        }
        while (k < to && (raw[k] == ' ' || raw[k] == '\t')) {
            k++;
        }
        return k < to && raw[k] == ':' ? k : -1;
    }

    private static int lineEnd(byte[] raw, int from, int end) {
        for (int k = from; k < end; k++) {
            if (raw[k] == '\n') {
                return k;
            }
        }
        return end;
    }

    private static boolean startsWith(byte[] raw, String prefix) {
        if (raw.length < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (raw[k] != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
