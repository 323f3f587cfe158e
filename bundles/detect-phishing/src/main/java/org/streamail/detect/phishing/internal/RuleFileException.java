package org.streamail.detect.phishing.internal;

/** A rule file that cannot be used, with the file name and 1-based line number for the log. */
final class RuleFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;

    RuleFileException(String file, int line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
        this.file = file;
        this.line = line;
    }

    String file() {
        return file;
    }

    int line() {
        return line;
    }
}
