package org.streamail.digest.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.streamail.api.model.Category;

/**
 * The digest mail of one user: plain text only, listing when, from whom and why each message was held, with the
 * user's personal link to the quarantine page. It names no subject and quotes no text of the held mail: the digest
 * goes through the gateway's own detectors like any mail, and a list of spam subjects would read as spam and be held
 * itself. The page behind the link shows the subjects, served by the gateway, never mailed. Stateless.
 */
final class DigestMail {

    static final String SUBJECT_PREFIX = "Quarantine: ";
    /** How a digest marks itself, so that a digest held by a detector is never listed in the next one. */
    static final String MARK_FIELD = "X-Streamail-Digest";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("d MMM yyyy HH:mm", Locale.ROOT);
    private static final int MAX_SENDER = 120;

    private DigestMail() {
    }

    /**
     * One held message as the digest lists it.
     *
     * @param party for a message held for the user, its envelope sender; for one the user sent, its first envelope
     *              recipient
     * @param others for one the user sent, how many more recipients it had; 0 otherwise
     */
    record Item(String quarantineId, Instant heldAt, String party, int others, List<Category> categories) {
        Item(String quarantineId, Instant heldAt, String sender, List<Category> categories) {
            this(quarantineId, heldAt, sender, 0, categories);
        }
    }

    /**
     * The messages one user sent that were held in the window: listed in their digest so they learn it from the
     * gateway rather than from a recipient who is still waiting. Only the IT department releases them: no link.
     *
     * @param items the messages listed, newest first (already cut to {@code max.entries})
     * @param more  messages beyond those listed
     */
    record Outgoing(List<Item> items, int more) {
        static final Outgoing NONE = new Outgoing(List.of(), 0);

        int total() {
            return items.size() + more;
        }
    }

    /**
     * @param items        the messages held for the user, newest first (already cut to {@code max.entries}); may be
     *                     empty when the digest is only about mail the user sent
     * @param more         messages held in the window beyond those listed
     * @param link         the personal page's URL, or {@code ""} when no base URL is configured (or nothing is held
     *                     for the user)
     * @param linkExpires  when the link stops working (ignored without a link)
     * @param outgoing     what the user sent that was held
     * @param messageIdTag unique local part of the Message-ID
     */
    static byte[] build(String from, String to, Instant now, ZoneId zone, Instant since, List<Item> items, int more,
            String link, Instant linkExpires, Outgoing outgoing, String messageIdTag) {
        if (!Texts.isAddress(from) || !Texts.isAddress(to)) {
            throw new IllegalArgumentException("the digest needs plain local@domain addresses");
        }
        int total = items.size() + more;
        int sent = outgoing.total();
        String domain = from.substring(from.lastIndexOf('@') + 1);
        StringBuilder h = new StringBuilder(512);
        h.append("Date: ").append(DATE.format(now.atZone(zone))).append("\r\n");
        h.append("From: Streamail quarantine <").append(from).append(">\r\n");
        h.append("To: <").append(to).append(">\r\n");
        h.append("Message-ID: <").append(messageIdTag).append('@').append(domain).append(">\r\n");
        h.append("Subject: ").append(SUBJECT_PREFIX).append(subject(total, sent)).append("\r\n");
        // RFC 3834: automatic mail; responders must not answer it (Exchange reads the X- field).
        h.append("Auto-Submitted: auto-generated\r\n");
        h.append("X-Auto-Response-Suppress: All\r\n");
        h.append(MARK_FIELD).append(": ").append(Texts.oneLine(to, 254)).append("\r\n");
        h.append("MIME-Version: 1.0\r\n");
        h.append("Content-Type: text/plain; charset=UTF-8\r\n");
        return encoded(h, body(to, now, zone, since, items, more, link, linkExpires, outgoing));
    }

    /** "2 messages held for you", "1 message you sent held", or both. */
    static String subject(int held, int sent) {
        String forYou = held + (held == 1 ? " message" : " messages") + " held for you";
        String yours = sent + (sent == 1 ? " message" : " messages") + " you sent held";
        return held > 0 && sent > 0 ? forYou + ", " + sent + " you sent" : held > 0 ? forYou : yours;
    }

    static String body(String to, Instant now, ZoneId zone, Instant since, List<Item> items, int more, String link,
            Instant linkExpires, Outgoing outgoing) {
        int total = items.size() + more;
        String window = " between " + SHOWN.format(since.atZone(zone)) + " and " + SHOWN.format(now.atZone(zone))
                + " (" + zone.getId() + ")";
        StringBuilder b = new StringBuilder(256 + 100 * (items.size() + outgoing.items().size()));
        b.append("Hello,\r\n\r\n");
        if (total > 0) {
            b.append(total == 1 ? "1 message" : total + " messages").append(" addressed to ").append(to)
                    .append(total == 1 ? " was" : " were").append(" held in quarantine").append(window)
                    .append(":\r\n\r\n");
            for (Item i : items) {
                b.append("  ").append(SHOWN.format(i.heldAt().atZone(zone))).append("  from ").append(party(i))
                        .append("  (").append(reason(i.categories())).append(")  ref ")
                        .append(Texts.oneLine(i.quarantineId(), 64)).append("\r\n");
            }
            if (more > 0) {
                b.append("  and ").append(more).append(" more\r\n");
            }
            b.append("\r\n");
        }
        if (outgoing.total() > 0) {
            int n = outgoing.total();
            b.append(n == 1 ? "1 message" : n + " messages").append(" you sent from ").append(to)
                    .append(n == 1 ? " was" : " were").append(" held").append(window)
                    .append(n == 1 ? " and has" : " and have").append(" not been delivered:\r\n\r\n");
            for (Item i : outgoing.items()) {
                b.append("  ").append(SHOWN.format(i.heldAt().atZone(zone))).append("  to ").append(party(i))
                        .append(i.others() > 0 ? " and " + i.others() + " more" : "").append("  (")
                        .append(reason(i.categories())).append(")  ref ").append(Texts.oneLine(i.quarantineId(), 64))
                        .append("\r\n");
            }
            if (outgoing.more() > 0) {
                b.append("  and ").append(outgoing.more()).append(" more\r\n");
            }
            b.append("\r\nIf one of them should go out, ask your IT department, quoting its ref; if you did not send"
                    + " it, tell them too: your account may be used by someone else.\r\n\r\n");
        }
        if (total == 0) {
            b.append("\r\n-- \r\nStreamail\r\n");
            return b.toString();
        }
        if (link.isEmpty()) {
            b.append("If you need one of them, ask your IT department to release it, quoting its ref.\r\n");
        } else {
            b.append("To see them and release what you were waiting for, open your quarantine page:\r\n\r\n")
                    .append(link).append("\r\n\r\n")
                    .append("The link is yours alone: do not forward this message. It works until ")
                    .append(SHOWN.format(linkExpires.atZone(zone))).append(".\r\n")
                    .append("Messages held as dangerous can only be released by your IT department; the page lets you"
                            + " ask them.\r\n");
        }
        b.append("\r\n-- \r\nStreamail\r\n");
        return b.toString();
    }

    /**
     * The administrators' summary of one run: how many messages were held in the window, why, for whom (the users
     * with the most first, at most {@code maxUsers}), and what the run sent. No subject, as for the users' digests.
     *
     * @param byReason held entries per {@link #reason} text
     * @param byUser   held entries per recipient
     */
    static byte[] buildSummary(String from, String to, Instant now, ZoneId zone, Instant since, int entries,
            int outbound, boolean outgoingNoticed, java.util.Map<String, Integer> byReason, java.util.Map<String, Integer> byUser, int maxUsers,
            int sent, int failed, boolean truncated, String messageIdTag) {
        if (!Texts.isAddress(from) || !Texts.isAddress(to)) {
            throw new IllegalArgumentException("the summary needs plain local@domain addresses");
        }
        String domain = from.substring(from.lastIndexOf('@') + 1);
        StringBuilder b = new StringBuilder(512);
        b.append("Quarantine between ").append(SHOWN.format(since.atZone(zone))).append(" and ")
                .append(SHOWN.format(now.atZone(zone))).append(" (").append(zone.getId()).append("):\r\n\r\n");
        b.append("  ").append(entries).append(" inbound messages held").append(truncated
                ? " (more than max.scan: the oldest were not read)" : "").append("\r\n");
        if (outbound > 0) {
            b.append("  ").append(outbound).append(" outgoing messages held").append(outgoingNoticed
                    ? " (listed in their senders' digests)" : " (not in the users' digests)").append("\r\n");
        }
        b.append("  ").append(sent).append(" digests sent to users").append(failed > 0 ? ", " + failed + " failed" : "")
                .append("\r\n\r\n");
        if (!byReason.isEmpty()) {
            b.append("Why:\r\n");
            byReason.entrySet().stream().sorted(java.util.Map.Entry.<String, Integer>comparingByValue().reversed()
                    .thenComparing(java.util.Map.Entry.comparingByKey()))
                    .forEach(e -> b.append("  ").append(e.getValue()).append("  ").append(e.getKey()).append("\r\n"));
            b.append("\r\n");
        }
        if (!byUser.isEmpty()) {
            b.append("For whom:\r\n");
            byUser.entrySet().stream().sorted(java.util.Map.Entry.<String, Integer>comparingByValue().reversed()
                    .thenComparing(java.util.Map.Entry.comparingByKey())).limit(maxUsers)
                    .forEach(e -> b.append("  ").append(e.getValue()).append("  ").append(Texts.oneLine(e.getKey(), 254))
                            .append("\r\n"));
            if (byUser.size() > maxUsers) {
                b.append("  and ").append(byUser.size() - maxUsers).append(" more users\r\n");
            }
            b.append("\r\n");
        }
        b.append("The held messages are in the quarantine (streamail:quarantine-list, GET /quarantine);"
                + " users' release requests arrive as release-request alerts.\r\n\r\n-- \r\nStreamail\r\n");
        StringBuilder h = new StringBuilder(512);
        h.append("Date: ").append(DATE.format(now.atZone(zone))).append("\r\n");
        h.append("From: Streamail quarantine <").append(from).append(">\r\n");
        h.append("To: <").append(to).append(">\r\n");
        h.append("Message-ID: <").append(messageIdTag).append('@').append(domain).append(">\r\n");
        h.append("Subject: Quarantine summary: ").append(entries).append(entries == 1 ? " message" : " messages")
                .append(" held\r\n");
        h.append("Auto-Submitted: auto-generated\r\n");
        h.append("X-Auto-Response-Suppress: All\r\n");
        h.append(MARK_FIELD).append(": summary\r\n");
        h.append("MIME-Version: 1.0\r\n");
        h.append("Content-Type: text/plain; charset=UTF-8\r\n");
        return encoded(h, b.toString());
    }

    private static String party(Item i) {
        return i.party() == null || i.party().isEmpty() ? "<>" : Texts.oneLine(i.party(), MAX_SENDER);
    }

    private static byte[] encoded(StringBuilder h, String body) {
        if (body.chars().allMatch(c -> c < 128)) {
            h.append("Content-Transfer-Encoding: 7bit\r\n\r\n").append(body);
            return h.toString().getBytes(StandardCharsets.US_ASCII);
        }
        h.append("Content-Transfer-Encoding: base64\r\n\r\n");
        h.append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(body.getBytes(StandardCharsets.UTF_8)))
                .append("\r\n");
        return h.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The categories in words, as users read them; INFO (a signal, never a reason to hold) is not named. */
    static String reason(List<Category> categories) {
        List<Category> reasons = categories == null ? List.of()
                : categories.stream().filter(c -> c != Category.INFO).distinct().toList();
        if (reasons.isEmpty()) {
            return "held";
        }
        return reasons.stream().map(c -> switch (c) {
            case MALWARE -> "dangerous content";
            case PHISHING -> "phishing or fraud";
            case SPAM -> "spam";
            case MALFORMED -> "unreadable";
            case POLICY -> "blocked by a rule";
            case ERROR -> "could not be checked";
            case INFO -> "held";
        }).distinct().collect(Collectors.joining(", "));
    }
}
