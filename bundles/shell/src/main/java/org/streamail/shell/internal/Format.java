package org.streamail.shell.internal;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;

/** Text formatting shared by the commands. Stateless. */
final class Format {

    /** Longest cell printed in list tables; the rest is cut with an ellipsis so rows stay one line. */
    static final int MAX_CELL = 60;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.of("UTC"));

    private Format() {
    }

    static String time(Instant instant) {
        return instant == null ? "" : TIME.format(instant) + "Z";
    }

    static String score(double score) {
        return String.format(Locale.ROOT, "%.1f", score);
    }

    static String categories(List<Category> categories) {
        return categories.isEmpty() ? "-" : categories.stream().map(Enum::name).collect(Collectors.joining(", "));
    }

    static String recipients(Envelope envelope) {
        return String.join(", ", envelope.recipients());
    }

    static String sender(Envelope envelope) {
        return envelope.sender().isEmpty() ? "<>" : envelope.sender();
    }

    /** The recipients a copy of a quarantined message was released to one by one, sorted, made visible. */
    static String releasedTo(QuarantineEntry e) {
        return visible(e.releasedTo().stream().sorted().collect(Collectors.joining(", ")));
    }

    /** A quarantine entry's status for a table: {@code HELD}, or {@code HELD, released to: bob@...}. */
    static String status(QuarantineEntry e) {
        return e.status().name() + (e.releasedTo().isEmpty() ? "" : ", released to: " + releasedTo(e));
    }

    /** Cut to {@link #MAX_CELL} characters, control characters (from hostile subjects) made visible. */
    static String cell(String text) {
        String clean = visible(text);
        return clean.length() <= MAX_CELL ? clean : clean.substring(0, MAX_CELL - 1) + "…";
    }

    /**
     * Replaces with '?' what could rewrite the operator's terminal or hide text: control characters (ANSI
     * escapes), line and paragraph separators, and invisible formatting characters such as the bidi override
     * U+202E, which makes {@code invoice\u202Efdp.exe} read as {@code invoiceexe.pdf} in a table.
     */
    static String visible(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> sb.appendCodePoint(hidden(c) ? '?' : c));
        return sb.toString();
    }

    private static boolean hidden(int c) {
        int t = Character.getType(c);
        return Character.isISOControl(c) || t == Character.FORMAT || t == Character.LINE_SEPARATOR
                || t == Character.PARAGRAPH_SEPARATOR || t == Character.SURROGATE;
    }

    /** A findings table: detector/rule, score, category, part, detail. */
    static void findings(Verdict verdict, PrintStream out) {
        if (verdict.findings().isEmpty()) {
            out.println("Findings:   none");
            return;
        }
        out.println("Findings:");
        ShellTable table = new ShellTable();
        table.column("Detector/Rule");
        table.column("Score").alignRight();
        table.column("Category");
        table.column("Part");
        table.column("Detail");
        for (Finding f : verdict.findings()) {
            table.addRow().addContent(visible(f.qualifiedRule()), score(f.score()), f.category().name(),
                    visible(f.part()), visible(f.detail()));
        }
        table.print(out);
    }

    /** Every field of a quarantined message, then its findings. */
    static void quarantineEntry(QuarantineEntry e, PrintStream out) {
        out.println("Id:          " + e.id());
        out.println("Status:      " + e.status()
                + (e.actedBy().isEmpty() ? "" : " by " + visible(e.actedBy()) + " at " + time(e.actedAt())));
        if (!e.releasedTo().isEmpty()) {
            out.println("Released to: " + releasedTo(e));
        }
        out.println("Quarantined: " + time(e.quarantinedAt()));
        out.println("Message-ID:  " + visible(e.messageId()));
        out.println("Subject:     " + visible(e.subject()));
        out.println("From:        " + visible(sender(e.envelope())));
        out.println("To:          " + visible(recipients(e.envelope())));
        out.println("Client:      " + visible(e.envelope().clientIp() == null ? "" : e.envelope().clientIp())
                + (e.envelope().helo() == null ? "" : " (HELO " + visible(e.envelope().helo()) + ")"));
        out.println("Size:        " + e.size() + " bytes");
        verdict(e.verdict(), out);
    }

    /** Action, score, categories, reason, findings. */
    static void verdict(Verdict v, PrintStream out) {
        out.println("Action:      " + v.action());
        out.println("Score:       " + score(v.score()));
        out.println("Categories:  " + categories(v.categories()));
        out.println("Reason:      " + visible(v.reason()));
        findings(v, out);
    }
}
