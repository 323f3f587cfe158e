package org.streamail.detect.phishing.internal.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.detect.phishing.ImportReport;
import org.streamail.detect.phishing.PhishingLists;

class PhishingImportCommandTest {

    @TempDir
    Path dir;

    /** Records what it was fed; counts lines with a dot as entries, the rest as rejected. */
    static final class RecordingLists implements PhishingLists {
        final List<String> entries = new ArrayList<>();

        @Override
        public ImportReport importKnownBad(InputStream in, String source) throws IOException {
            List<String> rejected = new ArrayList<>();
            int read = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                read++;
                if (line.contains(".")) {
                    entries.add(line.strip());
                } else {
                    rejected.add(line);
                }
            }
            return new ImportReport(source, read, entries.size(), 0, rejected, rejected.size());
        }

        @Override
        public boolean isKnownBad(String urlOrDomain) {
            return entries.contains(urlOrDomain);
        }

        @Override
        public boolean isAllowed(String urlOrDomain) {
            return false;
        }

        @Override
        public int knownBadCount() {
            return entries.size();
        }
    }

    private String run(PhishingImportCommand c) throws IOException {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            c.execute();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void importFeedsTheFileToTheListsAndPrintsTheCountsAndRejectedLines() throws Exception {
        Path feed = dir.resolve("feed.txt");
        Files.writeString(feed, "http://paypa1-secure.example/login\nbad-line\nevil.example\n");
        RecordingLists lists = new RecordingLists();
        PhishingImportCommand c = new PhishingImportCommand();
        c.file = feed.toString();
        c.lists = lists;

        String printed = run(c);

        assertThat(lists.entries).containsExactly("http://paypa1-secure.example/login", "evil.example");
        assertThat(printed).contains("Imported feed.txt: 3 lines read, 2 added", "2 entries now on the known-bad list",
                "rejected: bad-line");
    }

    @Test
    void aMissingFileOrAStoppedDetectorIsAClearError() {
        PhishingImportCommand c = new PhishingImportCommand();
        c.file = dir.resolve("absent.txt").toString();
        assertThatThrownBy(c::execute).hasMessageContaining("not running");
        c.lists = new RecordingLists();
        assertThatThrownBy(c::execute).hasMessageContaining("No such file");
    }
}
