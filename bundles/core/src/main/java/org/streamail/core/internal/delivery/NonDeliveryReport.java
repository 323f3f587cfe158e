package org.streamail.core.internal.delivery;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.api.model.Envelope;
import org.streamail.core.internal.parse.MailContext;

/**
 * Builds a non-delivery report (RFC 3464 delivery status notification, RFC 6522 {@code multipart/report}) for
 * a message the gateway accepted with 250 but could not deliver to some recipients.
 *
 * <p>Three parts: a human-readable {@code text/plain} naming each failed recipient and why, a
 * {@code message/delivery-status} with one block per failed recipient, and a {@code text/rfc822-headers} with
 * the original's header only (at most {@value #MAX_HEADER_BYTES} bytes, never the body, without
 * {@code X-Streamail-*} fields). What the sender reads never names the next hop: its configured host names,
 * host names under the same parent domain and IP addresses in a reply become "the next mail server", and a
 * failure that was not an SMTP reply (connection refused, timeout) is described generically.
 *
 * <p>Built with Jakarta Mail from parts made of prepared bytes, so writing it needs no activation
 * {@code DataContentHandler} (unreliable inside OSGi): {@code MimeMultipart} writes the boundaries and part
 * headers, {@code MimeMessage} the top-level header. Stateless and thread-safe; every method is static.
 */
final class NonDeliveryReport {

    static final String SUBJECT = "Undelivered Mail Returned to Sender";
    /** How much of the original's header is returned. */
    static final int MAX_HEADER_BYTES = 64 * 1024;
    /** Longest reply text in a Diagnostic-Code or the human-readable part. */
    static final int MAX_DIAGNOSTIC = 500;
    static final String NEXT_HOP = "the next mail server";

    private static final DateTimeFormatter RFC5322 = DateTimeFormatter
            .ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** An SMTP reply as Delivery records it: three digits, then a space, a dash or the end. */
    private static final Pattern SMTP_REPLY = Pattern.compile("^[2-5]\\d\\d(?:[ -].*)?$", Pattern.DOTALL);
    /** The RFC 3463 enhanced status code right after the reply code. */
    private static final Pattern ENHANCED = Pattern.compile("^[2-5]\\d\\d[ -]([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\w.])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\w.])");
    /** IPv6 candidates; only those with "::" or at least five colons are replaced (not times like 10:00:00). */
    private static final Pattern IPV6 = Pattern.compile("(?i)(?<![\\w:])(?:ipv6:)?[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\\w:])");
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9-]{1,63}");

    private NonDeliveryReport() {
    }

    /** Why a recipient failed. */
    enum Kind {
        /** The next hop answered 5xx. */
        REFUSED,
        /** The address could not even be given to the next hop (bad syntax). */
        INVALID,
        /** Still not delivered when {@code retry.give.up} ran out. */
        EXPIRED
    }

    /**
     * One recipient the message did not reach.
     *
     * @param recipient the envelope recipient
     * @param reply     the next hop's reply (or our own error text); may be empty, never {@code null}
     * @param kind      why it failed
     */
    record Failure(String recipient, String reply, Kind kind) {
        Failure {
            Objects.requireNonNull(recipient, "recipient");
            reply = reply == null ? "" : reply;
            Objects.requireNonNull(kind, "kind");
        }
    }

    /**
     * The report as bytes (CRLF lines, 7bit).
     *
     * @param messageId   the report's gateway id (its Message-ID is {@code <messageId@hostname>})
     * @param hostname    this gateway's name: Reporting-MTA and the From domain
     * @param originalId  the original's gateway id (the sender saw it in "250 Ok queued as ...")
     * @param original    the original's envelope: its sender is the report's To, its arrival the Arrival-Date
     * @param header      the original's header as {@link #header} returns it
     * @param failures    the failed recipients, in order; not empty
     * @param hidden      next-hop host names never to name to the sender
     * @param giveUp      the retry period, for the text of EXPIRED failures
     * @param now         the report's Date
     */
    static byte[] build(String messageId, String hostname, String originalId, Envelope original, byte[] header,
            List<Failure> failures, Collection<String> hidden, Duration giveUp, Instant now)
            throws MessagingException, IOException {
        if (failures.isEmpty()) {
            throw new IllegalArgumentException("a non-delivery report needs at least one failed recipient");
        }
        try {
            return MailContext.<byte[], Exception>call(() -> write(messageId, hostname, originalId, original, header,
                    failures, hidden, giveUp, now));
        } catch (MessagingException | IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // write declares nothing else
        }
    }

    private static byte[] write(String messageId, String hostname, String originalId, Envelope original,
            byte[] header, List<Failure> failures, Collection<String> hidden, Duration giveUp, Instant now)
            throws MessagingException, IOException {
        Session session = Session.getInstance(new Properties());
        MimeMultipart report = new ReportMultipart();
        report.addBodyPart(textPart(text(hostname, originalId, original, failures, hidden, giveUp)));
        report.addBodyPart(part("message/delivery-status", "7bit",
                status(hostname, original, failures, hidden).getBytes(StandardCharsets.US_ASCII)));
        boolean plain = isSevenBit(header);
        report.addBodyPart(part("text/rfc822-headers", plain ? "7bit" : "quoted-printable",
                plain ? header : encode(header, "quoted-printable")));
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096 + header.length * 2);
        report.writeTo(body);

        ReportMessage m = new ReportMessage(session, "<" + messageId + "@" + hostname + ">", body.toByteArray(),
                report.getContentType());
        m.setFrom(new InternetAddress("MAILER-DAEMON@" + hostname, "Mail Delivery System",
                StandardCharsets.US_ASCII.name()));
        setTo(m, original.sender());
        m.setSubject(SUBJECT, StandardCharsets.US_ASCII.name());
        m.setSentDate(Date.from(now));
        m.setHeader("Auto-Submitted", "auto-replied");
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 1024);
        m.writeTo(out);
        return out.toByteArray();
    }

    /** The original sender as To, when it is a plain address; else an empty group (the envelope matters). */
    private static void setTo(MimeMessage m, String sender) throws MessagingException {
        boolean printable = !sender.isEmpty() && sender.length() <= 320
                && sender.chars().allMatch(c -> c > 0x20 && c < 0x7F);
        if (printable) {
            try {
                m.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(sender, true));
                return;
            } catch (AddressException e) {
                // not a plain address (e.g. a quoted local part Jakarta Mail does not take): fall through
            }
        }
        m.setHeader("To", "undisclosed-recipients:;");
    }

    // ------------------------------------------------------------------ the three parts

    static String text(String hostname, String originalId, Envelope original, List<Failure> failures,
            Collection<String> hidden, Duration giveUp) {
        StringBuilder b = new StringBuilder(512 + failures.size() * 200);
        b.append("This is the mail system at ").append(hostname).append(".\r\n\r\n")
                .append("Your message could not be delivered to the following recipient")
                .append(failures.size() == 1 ? "" : "s").append(". It will not be tried again.\r\n");
        for (Failure f : failures) {
            b.append("\r\n<").append(printable(f.recipient(), 320)).append(">: ");
            String reply = sanitise(f.reply(), hidden);
            boolean smtp = SMTP_REPLY.matcher(reply).matches();
            switch (f.kind()) {
                case INVALID -> b.append("the address is not valid.\r\n");
                case REFUSED -> b.append(NEXT_HOP).append(" refused it permanently")
                        .append(smtp ? ":\r\n    " + reply : ".").append("\r\n");
                case EXPIRED -> b.append("it could not be delivered within ").append(human(giveUp)).append("; ")
                        .append(smtp ? NEXT_HOP + " last answered:\r\n    " + reply
                                : NEXT_HOP + " could not be reached.")
                        .append("\r\n");
            }
        }
        b.append("\r\nOur reference for your message is ").append(printable(originalId, 64))
                .append(", received ").append(RFC5322.format(original.receivedAt())).append(".\r\n")
                .append("Its header is attached; the message itself is not returned.\r\n");
        return b.toString();
    }

    static String status(String hostname, Envelope original, List<Failure> failures, Collection<String> hidden) {
        StringBuilder b = new StringBuilder(256 + failures.size() * 200);
        b.append("Reporting-MTA: dns; ").append(hostname).append("\r\n")
                .append("Arrival-Date: ").append(RFC5322.format(original.receivedAt())).append("\r\n");
        for (Failure f : failures) {
            b.append("\r\nFinal-Recipient: ").append(recipientField(f.recipient())).append("\r\n")
                    .append("Action: failed\r\n")
                    .append("Status: ").append(statusCode(f)).append("\r\n");
            String reply = sanitise(f.reply(), hidden);
            if (f.kind() != Kind.INVALID && SMTP_REPLY.matcher(reply).matches()) {
                b.append("Diagnostic-Code: smtp; ").append(reply).append("\r\n");
            }
        }
        return b.toString();
    }

    /**
     * The original's header as returned: up to the blank line, at most {@link #MAX_HEADER_BYTES} (cut at a line
     * end), CRLF line ends, without {@code X-Streamail-*} fields and their continuation lines.
     *
     * @param head the first bytes of the original message: all of it, or more than {@link #MAX_HEADER_BYTES}
     *             (only those are read; more says the message goes on)
     */
    static byte[] header(byte[] head) {
        int limit = Math.min(head.length, MAX_HEADER_BYTES);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit + 1024, MAX_HEADER_BYTES + 4096));
        boolean skipping = false;
        int start = 0;
        while (start < limit) {
            int lf = -1;
            for (int i = start; i < limit; i++) {
                if (head[i] == '\n') {
                    lf = i;
                    break;
                }
            }
            // A line not ended within the limit is cut off (unless the message ends there: a header-only message).
            int end = lf >= 0 ? lf : (limit == head.length ? limit : -1);
            if (end < 0) {
                break;
            }
            int contentEnd = end > start && head[end - 1] == '\r' ? end - 1 : end;
            if (contentEnd == start) {
                break; // the blank line: the body follows, and is never returned
            }
            boolean continuation = head[start] == ' ' || head[start] == '\t';
            if (!continuation) {
                skipping = startsWithIgnoreCase(head, start, contentEnd, "X-Streamail-");
            }
            if (!skipping) {
                for (int i = start; i < contentEnd; i++) {
                    out.write(head[i] == '\r' ? ' ' : head[i]); // a stray CR would end the line for some readers
                }
                out.write('\r');
                out.write('\n');
            }
            start = end + 1;
        }
        return out.toByteArray();
    }

    private static boolean startsWithIgnoreCase(byte[] b, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) (b[from + i] & 0xFF)) != Character.toLowerCase(prefix.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ fields

    /**
     * RFC 3463 status: a permanent reply's own 5.x.x; 5.0.0 when it has none; 5.1.3 for an address that is not
     * valid; 5.4.7 (delivery time expired) when retries ran out, since the last reply there was a 4.x.x.
     */
    static String statusCode(Failure f) {
        return switch (f.kind()) {
            case INVALID -> "5.1.3";
            case EXPIRED -> "5.4.7";
            case REFUSED -> {
                Matcher m = ENHANCED.matcher(f.reply().strip());
                yield m.find() && m.group(1).equals("5") ? "5." + m.group(2) + "." + m.group(3) : "5.0.0";
            }
        };
    }

    /** {@code rfc822; addr}, or RFC 6533 {@code utf-8; } with \x{HEX} escapes when it is not printable ASCII. */
    static String recipientField(String address) {
        String a = address.length() > 320 ? address.substring(0, 320) : address;
        boolean ascii = a.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '\\');
        if (ascii) {
            return "rfc822; " + a;
        }
        StringBuilder b = new StringBuilder(a.length() + 32).append("utf-8; ");
        a.codePoints().forEach(c -> {
            if (c > 0x20 && c < 0x7F && c != '\\') {
                b.append((char) c);
            } else {
                b.append("\\x{").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append('}');
            }
        });
        return b.toString();
    }

    /**
     * A reply as the sender may read it: one line of printable ASCII, at most {@link #MAX_DIAGNOSTIC}
     * characters, with the next hop's host names (and names under the same parent domain) and IP addresses
     * replaced by {@value #NEXT_HOP}.
     */
    static String sanitise(String reply, Collection<String> hidden) {
        if (reply == null || reply.isBlank()) {
            return "";
        }
        // Bounded before the regexes run: a reply is at most a few hundred characters as Delivery records it.
        String s = reply.length() > 4 * MAX_DIAGNOSTIC ? reply.substring(0, 4 * MAX_DIAGNOSTIC) : reply;
        StringBuilder p = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            p.append(c >= 0x20 && c < 0x7F ? c : (c < 0x20 || c == 0x7F ? ' ' : '?'));
        }
        s = p.toString().replaceAll(" {2,}", " ").strip();
        for (String host : hidden) {
            if (host == null || host.isBlank()) {
                continue;
            }
            String h = host.strip();
            s = s.replaceAll("(?i)(?<![\\w.@-])" + Pattern.quote(h) + "(?![\\w-])", NEXT_HOP);
            String parent = parentDomain(h);
            if (parent != null) {
                // mx2.corp.internal when relay.host is mx1.corp.internal; never the domain of an address (the @)
                s = s.replaceAll("(?i)(?<![\\w.@-])(?:[a-z0-9-]{1,63}\\.)+" + Pattern.quote(parent) + "(?![\\w-])",
                        NEXT_HOP);
            }
        }
        s = IPV4.matcher(s).replaceAll(NEXT_HOP);
        Matcher m = IPV6.matcher(s);
        StringBuilder v6 = new StringBuilder(s.length());
        while (m.find()) {
            String g = m.group();
            boolean address = g.contains("::") || g.chars().filter(c -> c == ':').count() >= 5;
            m.appendReplacement(v6, Matcher.quoteReplacement(address ? NEXT_HOP : g));
        }
        m.appendTail(v6);
        s = v6.toString();
        return s.length() > MAX_DIAGNOSTIC ? s.substring(0, MAX_DIAGNOSTIC) + "..." : s;
    }

    /** The parent of a DNS name with at least three labels (a.b.c gives b.c), else {@code null}. */
    private static String parentDomain(String host) {
        String[] labels = host.split("\\.", -1);
        if (labels.length < 3) {
            return null;
        }
        for (String l : labels) {
            if (!DNS_LABEL.matcher(l).matches() || l.chars().allMatch(Character::isDigit)) {
                return null; // not a name (an IPv4 address, or a trailing dot)
            }
        }
        return host.substring(host.indexOf('.') + 1);
    }

    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return b.toString();
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return plural(Math.max(d.toMillis(), 0), "millisecond"); // tests only: retry.give.up is at least 1 s
        }
        if (s >= 86_400 && s % 86_400 == 0) {
            return plural(s / 86_400, "day");
        }
        if (s >= 3600 && s % 3600 == 0) {
            return plural(s / 3600, "hour");
        }
        if (s >= 60 && s % 60 == 0) {
            return plural(s / 60, "minute");
        }
        return plural(s, "second");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    // ------------------------------------------------------------------ MIME

    /** UTF-8 text, quoted-printable when it is not plain ASCII. */
    private static MimeBodyPart textPart(String text) throws MessagingException, IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        boolean plain = isSevenBit(utf8);
        return part("text/plain; charset=utf-8", plain ? "7bit" : "quoted-printable",
                plain ? utf8 : encode(utf8, "quoted-printable"));
    }

    /** A body part whose content is already encoded: written as it is, no content handler involved. */
    private static MimeBodyPart part(String contentType, String transferEncoding, byte[] content)
            throws MessagingException {
        InternetHeaders h = new InternetHeaders();
        h.setHeader("Content-Type", contentType);
        h.setHeader("Content-Transfer-Encoding", transferEncoding);
        return new MimeBodyPart(h, content);
    }

    private static byte[] encode(byte[] raw, String encoding) throws MessagingException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 3 / 2 + 16);
        try (OutputStream enc = MimeUtility.encode(out, encoding)) {
            enc.write(raw);
        }
        return out.toByteArray();
    }

    /** Whether the bytes can go as 7bit: ASCII without NUL and lines of at most 998 bytes. */
    private static boolean isSevenBit(byte[] b) {
        int line = 0;
        for (byte x : b) {
            if (x < 0 || x == 0) {
                return false;
            }
            line = x == '\n' ? 0 : line + 1;
            if (line > 998) {
                return false;
            }
        }
        return true;
    }

    /** {@code multipart/report; report-type=delivery-status} (RFC 6522). */
    private static final class ReportMultipart extends MimeMultipart {
        ReportMultipart() throws MessagingException {
            super("report");
            ContentType ct = new ContentType(contentType);
            ct.setParameter("report-type", "delivery-status");
            contentType = ct.toString();
        }
    }

    /**
     * A message whose body is the written multipart. {@link #updateHeaders()} is narrowed to what it sets
     * besides the content headers (MIME-Version, Message-ID): the default would read the content through a
     * DataHandler, which needs activation's mailcap.
     */
    private static final class ReportMessage extends MimeMessage {
        private final String id;

        ReportMessage(Session session, String id, byte[] body, String contentType) throws MessagingException {
            super(session);
            this.id = id;
            this.content = body;
            setHeader("Content-Type", MimeUtility.fold(14, contentType));
            setHeader("Content-Transfer-Encoding", "7bit");
        }

        @Override
        protected void updateHeaders() throws MessagingException {
            setHeader("MIME-Version", "1.0");
            updateMessageID();
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", id);
        }
    }
}
