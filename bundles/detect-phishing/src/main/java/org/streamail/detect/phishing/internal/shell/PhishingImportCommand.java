package org.streamail.detect.phishing.internal.shell;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.streamail.detect.phishing.ImportReport;
import org.streamail.detect.phishing.PhishingLists;

/**
 * {@code streamail:phishing-import <file>}: merges a known-bad feed (URLs, domains, or a PhishTank/OpenPhish
 * CSV export) into the phishing detector's {@code known-bad.list}; effective for the next message.
 */
@Command(scope = "streamail", name = "phishing-import",
        description = "Imports known-bad URLs/domains (one per line, or a phishing feed CSV export) into the phishing detector")
@Service
public class PhishingImportCommand implements Action {

    @Argument(index = 0, name = "file", description = "The feed file", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Reference(optional = true)
    PhishingLists lists;

    @Override
    public Object execute() throws IOException {
        if (lists == null) {
            throw new IllegalStateException("The phishing detector is not running");
        }
        Path path = Path.of(file);
        ImportReport r;
        try (InputStream in = Files.newInputStream(path)) {
            r = lists.importKnownBad(in, path.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("No such file: " + file);
        }
        System.out.println(format(r, lists.knownBadCount()));
        return null;
    }

    /** The report as printed: counts, then the first rejected lines. */
    static String format(ImportReport r, int total) {
        StringBuilder b = new StringBuilder();
        b.append("Imported ").append(r.source()).append(": ").append(r.linesRead()).append(" lines read, ")
                .append(r.added()).append(" added, ").append(r.duplicates()).append(" already listed, ")
                .append(r.rejectedCount()).append(" rejected; ").append(total).append(" entries now on the known-bad list");
        for (String line : r.rejected()) {
            b.append(System.lineSeparator()).append("  rejected: ").append(line);
        }
        return b.toString();
    }
}
