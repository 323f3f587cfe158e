package org.streamail.detect.content.internal;

import java.util.Locale;
import org.streamail.api.model.Category;

/**
 * Every rule the content detector can report, with its default category and score. The kebab-case
 * {@link #id()} is the stable name policies refer to as {@code content/<id>}; scores can be overridden per
 * rule through the {@code rule.scores} property of PID {@code org.streamail.detect.content}.
 */
public enum Rule {
    EXECUTABLE(Category.MALWARE, 10),
    DISK_IMAGE(Category.MALWARE, 6),
    ONENOTE_EMBEDDED_FILE(Category.MALWARE, 8),
    ARCHIVE_BOMB(Category.MALWARE, 10),
    ENCRYPTED_ARCHIVE(Category.POLICY, 5),
    UNSCANNABLE_ARCHIVE(Category.POLICY, 2),
    OFFICE_MACRO(Category.MALWARE, 6),
    EXCEL4_MACRO(Category.MALWARE, 8),
    DDE(Category.MALWARE, 8),
    OLE_PACKAGE(Category.MALWARE, 6),
    REMOTE_TEMPLATE(Category.MALWARE, 8),
    RTF_OBJECT(Category.MALWARE, 5),
    PDF_JAVASCRIPT(Category.MALWARE, 6),
    PDF_OPEN_ACTION(Category.MALWARE, 3),
    PDF_LAUNCH(Category.MALWARE, 8),
    PDF_EMBEDDED_FILE(Category.MALWARE, 4),
    PDF_SUBMIT_FORM(Category.MALWARE, 4),
    PDF_XFA(Category.MALWARE, 3),
    HTML_SCRIPT(Category.MALWARE, 5),
    HTML_CSS_SCRIPT(Category.MALWARE, 5),
    HTML_EVENT_HANDLER(Category.MALWARE, 3),
    HTML_EMBED(Category.MALWARE, 4),
    HTML_FORM_EXTERNAL(Category.MALWARE, 4),
    HTML_META_REFRESH(Category.MALWARE, 3),
    HTML_DATA_URI(Category.MALWARE, 4),
    HTML_SMUGGLING(Category.MALWARE, 10),
    HTML_OVERLAY(Category.MALWARE, 4),
    DOUBLE_EXTENSION(Category.POLICY, 6),
    BIDI_FILENAME(Category.POLICY, 8),
    NAME_MISMATCH(Category.POLICY, 3),
    TYPE_MISMATCH(Category.POLICY, 3),
    EICAR(Category.MALWARE, 10),
    BASE64_EXECUTABLE(Category.MALWARE, 8),
    BASE64_ARCHIVE(Category.MALWARE, 5),
    COMMAND_LINE(Category.MALWARE, 6),
    MALFORMED_PART(Category.POLICY, 1),
    SCAN_INCOMPLETE(Category.ERROR, 0);

    private final Category category;
    private final double defaultScore;
    private final String id;

    Rule(Category category, double defaultScore) {
        this.category = category;
        this.defaultScore = defaultScore;
        this.id = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public Category category() {
        return category;
    }

    public double defaultScore() {
        return defaultScore;
    }

    /** The kebab-case rule name, e.g. {@code archive-bomb}. */
    public String id() {
        return id;
    }

    /** The rule with the given kebab-case name, or {@code null}. */
    public static Rule byId(String id) {
        for (Rule r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        return null;
    }
}
