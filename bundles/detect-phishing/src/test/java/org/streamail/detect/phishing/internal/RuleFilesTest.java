package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.detect.phishing.ImportReport;

/** Rule files as data: defaults, hot reload, refused edits, lists, imports, multipliers. */
class RuleFilesTest {

    @TempDir
    Path dir;

    static Set<String> fired(PhishingDetector d, Msg m) {
        return d.inspect(m.build()).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        // move the clock forward: some file systems keep mtime in whole seconds
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    }

    static void await(Duration max, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aNewRuleWrittenToTheFolderShouldApplyWithoutRecreatingTheComponent() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 100);
        try {
            Msg m = msg().text("Claim your quantum refund today");
            assertThat(fired(d, m)).isEmpty();
            append(dir.resolve("intents.rules"), "\nrefund-scam | 9 | en | quantum refund\n");
            await(Duration.ofSeconds(5), () -> fired(d, m).contains("intent-refund-scam"));
            Finding f = d.inspect(m.build()).get(0);
            assertThat(f.score()).isEqualTo(9.0);
            assertThat(f.detail()).contains("'refund-scam'").contains("\"quantum refund\"");
        } finally {
            d.deactivate();
        }
    }

    /** A signals.rules written before a signal existed (an upgrade) is named in a WARN with the line to add. */
    @Test
    void signalsTheFileDoesNotScoreAreNamedWithTheirBundledLine() throws Exception {
        assertThat(RuleStore.unscoredSignals(RuleStore.loadDefaults())).isEmpty();
        Path f = dir.resolve("signals.rules");
        RuleStore.copyDefaults(dir);
        Files.writeString(f, Files.readString(f).replaceAll("(?m)^intent-disguised.*$", ""));
        Map<String, String> files = new java.util.HashMap<>();
        for (String name : RuleParser.FILES) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                files.put(name, Files.readString(p));
            }
        }
        assertThat(RuleStore.unscoredSignals(new RuleParser().parse(files, "test"))).isEqualTo("'intent-disguised | 3'");
    }

    @Test
    void aBadEditShouldKeepThePreviousRulesAndReportFileAndLine() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            long lines = Files.readAllLines(dir.resolve("intents.rules")).size();
            RuleSet before = d.rules();
            append(dir.resolve("intents.rules"), "credential | lots | en | give me your password\n");
            assertThat(d.store().reload()).isFalse();
            assertThat(d.store().lastError()).contains("intents.rules:" + (lines + 1)).contains("'lots'");
            assertThat(fired(d, msg().text("Verify your account"))).contains("intent-credential");
            assertThat(d.rules()).as("the previous snapshot stays in force").isSameAs(before);
            // fixing the line makes the folder load again
            Path f = dir.resolve("intents.rules");
            Files.writeString(f, Files.readString(f).replace("| lots |", "| 4 |"));
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
            assertThat(d.store().reload()).isTrue();
            assertThat(d.store().lastError()).isEmpty();
            assertThat(d.rules()).isNotSameAs(before);
        } finally {
            d.deactivate();
        }
    }

    /**
     * "(.|\\n)*", a common way of writing "anything", makes Java's regex engine recurse once per character: on a long
     * message it overflows the stack. That rule gives up on that message (an ERROR finding names it); the other
     * rules' findings are kept, nothing escapes the detector.
     */
    @Test
    void aRegexThatRecursesTooDeeplyOnALongMessageLosesOnlyItself() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            append(dir.resolve("intents.rules"), "\nlure | 3 | en | re:click here(.|\\n)*password\n");
            assertThat(d.store().reload()).isTrue();
            assertThat(fired(d, msg().text("Click here to keep your password"))).contains("intent-lure");
            String text = "Verify your account. Click here " + "and then ".repeat(20_000) + " your password.";
            java.util.List<Finding> f = d.inspect(msg().text(text).from("PayPal <x@paypa1.com>").build());
            assertThat(f).extracting(Finding::rule).contains("intent-credential", "sender-lookalike-domain",
                    "incomplete").doesNotContain("intent-lure");
            assertThat(f).filteredOn(x -> x.rule().equals("incomplete")).singleElement()
                    .satisfies(x -> assertThat(x.detail()).contains("intents.rules:"));
        } finally {
            d.deactivate();
        }
    }

    /** A phrase of wildcards only ("*") has no word to look for: refused, not a rule that fires on every message. */
    @Test
    void aPhraseOfWildcardsOnlyIsRefused() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            long lines = Files.readAllLines(dir.resolve("intents.rules")).size();
            append(dir.resolve("intents.rules"), "credential | 4 | en | *\n");
            assertThat(d.store().reload()).isFalse();
            assertThat(d.store().lastError()).contains("intents.rules:" + (lines + 1));
            assertThat(fired(d, msg().text("Lunch on Friday?"))).isEmpty();
            Files.writeString(dir.resolve("intents.rules"), Files.readString(dir.resolve("intents.rules"))
                    .replace("credential | 4 | en | *\n", ""));
            long brandLines = Files.readAllLines(dir.resolve("brands.rules")).size();
            append(dir.resolve("brands.rules"), "Fabrikam | fabrikam.com | fabrikam, *\n");
            assertThat(d.store().reload()).isFalse();
            assertThat(d.store().lastError()).contains("brands.rules:" + (brandLines + 1)).contains("'*'");
            assertThat(RuleParser.phrase("verify * account").matcher("verify your account").find())
                    .as("a wildcard word between words still stands for one word").isTrue();
        } finally {
            d.deactivate();
        }
    }

    /** A file saved in Latin-1 (a French rule edited in a Windows editor) is refused with its name and line. */
    @Test
    void aFileThatIsNotUtf8IsRefusedNamingTheFileAndLine() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            Path f = dir.resolve("intents.rules");
            long lines = Files.readAllLines(f).size();
            RuleSet before = d.rules();
            Files.write(f, "credential | 4 | fr | v\u00e9rifiez vos acc\u00e8s\n".getBytes(StandardCharsets.ISO_8859_1),
                    StandardOpenOption.APPEND);
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
            assertThat(d.store().reload()).isFalse();
            assertThat(d.store().lastError()).contains("intents.rules:" + (lines + 1)).contains("UTF-8");
            assertThat(d.rules()).isSameAs(before);
        } finally {
            d.deactivate();
        }
    }

    @Test
    void missingFilesShouldBeWrittenFromTheDefaultsButAnAdminsFileNeverOverwritten() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("signals.rules"), "# mine\nlink-shortener | 0.5\n");
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            assertThat(Files.readString(dir.resolve("signals.rules"))).isEqualTo("# mine\nlink-shortener | 0.5\n");
            for (String name : RuleParser.FILES) {
                assertThat(dir.resolve(name)).exists();
            }
            Finding f = d.inspect(msg().link("https://bit.ly/x").build()).get(0);
            assertThat(f.score()).isEqualTo(0.5);
            assertThat(fired(d, msg().link("https://192.0.2.1/"))).as("unscored rules are off").isEmpty();
        } finally {
            d.deactivate();
        }
    }

    @Test
    void parserErrorsShouldNameEveryBadLine() {
        RuleParser p = new RuleParser();
        assertThatThrownBy(() -> p.parse(Map.of(
                RuleParser.SIGNALS, "link-shortner | 2\n",
                RuleParser.COMBOS, "# c\ncombo-a | 1 | combo-b & link-shortener\nnot-combo | 1 | a & b\n",
                RuleParser.BRANDS, "Acme | not a domain | acme\n",
                RuleParser.INTENTS, "x | 1 | klingon | hello\ny | 1 | en | re:(unclosed\ndisguised | 2 | en | hello\n"), "t"))
                .isInstanceOf(RuleFileException.class);
        assertThat(p.errors()).anySatisfy(e -> assertThat(e).startsWith("signals.rules:1: unknown rule 'link-shortner'"))
                .anySatisfy(e -> assertThat(e).startsWith("combos.rules:2: bad term 'combo-b'"))
                .anySatisfy(e -> assertThat(e).startsWith("combos.rules:3:"))
                .anySatisfy(e -> assertThat(e).startsWith("brands.rules:1: not a domain name"))
                .anySatisfy(e -> assertThat(e).startsWith("intents.rules:1: unknown language 'klingon'"))
                .anySatisfy(e -> assertThat(e).startsWith("intents.rules:2: bad regular expression"))
                .anySatisfy(e -> assertThat(e).startsWith("intents.rules:3: intent name 'disguised' is reserved"));
    }

    @Test
    void theBundledDefaultsShouldParse() {
        RuleSet r = RuleStore.loadDefaults();
        assertThat(r.signals().keySet()).containsExactlyInAnyOrderElementsOf(Rules.SIGNALS);
        assertThat(r.intents().stream().map(RuleSet.IntentPattern::intent).collect(Collectors.toSet()))
                .contains("credential", "remote-access", "exfiltration", "forward-contacts", "payment-change",
                        "urgency", "secrecy", "mfa-code");
        assertThat(r.intents().stream().map(RuleSet.IntentPattern::lang).collect(Collectors.toSet())).contains("en", "fr");
    }

    @Test
    void anImportedFeedShouldBeSavedAppliedAtOnceAndReportBadLines() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            String feed = "phish_id,url,phish_detail_url\n"
                    + "123,http://login.evil-bank.example/secure/,http://detail/123\n"
                    + "# comment\n\n"
                    + "bad-domain.example\n"
                    + "https://drop.example.org/kit/index.php?x=1\n"
                    + "not a url at all\n"
                    + "bad-domain.example\n";
            ImportReport r = d.importKnownBad(new ByteArrayInputStream(feed.getBytes(StandardCharsets.UTF_8)), "feed.csv");
            assertThat(r.added()).isEqualTo(3);
            assertThat(r.duplicates()).isEqualTo(1);
            assertThat(r.rejectedCount()).isEqualTo(1);
            assertThat(r.rejected()).containsExactly("line 7: neither a URL nor a domain: not a url at all");
            assertThat(d.isKnownBad("https://www.bad-domain.example/x")).isTrue();
            assertThat(d.isKnownBad("https://drop.example.org/kit/index.php?x=1#top")).isTrue();
            assertThat(d.isKnownBad("https://drop.example.org/other")).isFalse();
            // the same URL written another way a browser requests alike
            for (String same : new String[] {"HTTPS://Drop.Example.Org./kit/index.php?x=1",
                "https://someone@drop.example.org:443/kit/index.php?x=1", "https:\\\\drop.example.org\\kit\\index.php?x=1",
                "https:drop.example.org/kit/index.php?x=1", "https://%64rop.example.org/kit/index.php?x=1",
                " https://drop.example.org:0443/kit/index.php?x=1 "}) {
                assertThat(d.isKnownBad(same)).as(same).isTrue();
                assertThat(fired(d, msg().anchor(same.strip(), "Open"))).as(same).contains(Rules.KNOWN_BAD);
            }
            for (String other : new String[] {"https://drop.example.org:8443/kit/index.php?x=1",
                "https://drop.example.org/kit/index.php?x=2", "https://drop.example.org/KIT/index.php?x=1",
                "https://drop.example.org@evil.example/kit/index.php?x=1"}) {
                assertThat(d.isKnownBad(other)).as(other).isFalse();
            }
            assertThat(d.knownBadCount()).isEqualTo(3);

            Finding f = d.inspect(msg().anchor("https://cdn.bad-domain.example/a", "Open").build()).stream()
                    .filter(x -> x.rule().equals(Rules.KNOWN_BAD)).findFirst().orElseThrow();
            assertThat(f.score()).isEqualTo(10.0);
            assertThat(fired(d, msg().link("https://notbad-domain.example/"))).doesNotContain(Rules.KNOWN_BAD);
            assertThat(fired(d, msg().from("X <x@bad-domain.example>"))).contains(Rules.KNOWN_BAD);

            ImportReport again = d.importKnownBad(new ByteArrayInputStream(feed.getBytes(StandardCharsets.UTF_8)), "feed.csv");
            assertThat(again.added()).isZero();
            assertThat(again.duplicates()).isEqualTo(4);
        } finally {
            d.deactivate();
        }
        PhishingDetector restarted = Fixtures.detector(dir, 0);
        try {
            assertThat(restarted.isKnownBad("bad-domain.example")).as("persisted").isTrue();
        } finally {
            restarted.deactivate();
        }
    }

    @Test
    void theAllowListShouldOverrideEveryRule() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            Msg phishy = msg().from("PayPal <service@paypa1.com>").text("Verify your account within 24 hours")
                    .anchor("https://bit.ly/x", "paypal.com");
            assertThat(fired(d, phishy)).isNotEmpty();
            append(dir.resolve("allow.list"), "paypa1.com\nbit.ly\n");
            assertThat(d.store().reload()).isTrue();
            assertThat(d.inspect(phishy.build())).singleElement().satisfies(f -> {
                assertThat(f.rule()).isEqualTo(Rules.ALLOW_LISTED);
                assertThat(f.category()).isEqualTo(Category.INFO);
                assertThat(f.score()).isZero();
            });
            assertThat(fired(d, msg().anchor("https://bit.ly/y", "Go"))).as("allowed link").isEmpty();
            assertThat(d.isAllowed("https://bit.ly/zz")).isTrue();
        } finally {
            d.deactivate();
        }
    }

    @Test
    void aCatastrophicallyBacktrackingPatternShouldCostOneBoundedScanNotAThread() throws Exception {
        PhishingDetector d = Fixtures.detector(dir, 0);
        try {
            append(dir.resolve("intents.rules"), "redos | 1 | en | re:(a+)+b\n");
            assertThat(d.store().reload()).isTrue();
            long t0 = System.nanoTime();
            var findings = d.inspect(msg().text("a".repeat(5_000)).deadline(Instant.now().plusMillis(300)).build());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isLessThan(3_000);
            assertThat(findings).anySatisfy(f -> assertThat(f.rule()).isEqualTo("incomplete"));
        } finally {
            d.deactivate();
        }
    }

    @Test
    void theScoreMultiplierShouldScaleEveryFinding() {
        PhishingDetector d = new PhishingDetector(Fixtures.config(dir, 0, 2.0));
        try {
            Finding f = d.inspect(msg().link("https://bit.ly/x").build()).get(0);
            assertThat(f.score()).isEqualTo(3.0);
        } finally {
            d.deactivate();
        }
    }

    @Test
    void withoutAFolderTheBundledDefaultsShouldStillScan() {
        String etc = System.clearProperty("karaf.etc");
        PhishingDetector d = new PhishingDetector(Fixtures.config(null, 0));
        try {
            assertThat(fired(d, msg().link("https://bit.ly/x"))).contains(Rules.LINK_SHORTENER);
            assertThatThrownBy(() -> d.importKnownBad(new ByteArrayInputStream(new byte[0]), "x"))
                    .isInstanceOf(IOException.class).hasMessageContaining("no rules folder");
        } finally {
            d.deactivate();
            if (etc != null) {
                System.setProperty("karaf.etc", etc);
            }
        }
    }
}
