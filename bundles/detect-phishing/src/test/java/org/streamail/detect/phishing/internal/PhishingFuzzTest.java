package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Header;
import org.streamail.api.model.Link;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;
import org.streamail.testsupport.LinearWork;

/**
 * Fuzzes the URL and host reading ({@link Hosts}), the look-alike folding ({@link Homoglyphs}) and the analyzer behind {@link PhishingDetector#inspect} with
 * hostile parsed messages (the fields the core's parser fills: addresses, subject, headers, text, HTML, links, HTML
 * attachments). In {@code mvn test} the seeds under {@code src/test/resources/.../PhishingFuzzTestInputs/<method>/}
 * run as regression tests; {@code JAZZER_FUZZ=1 mvn test -Dtest=PhishingFuzzTest#<method>} fuzzes. Nothing may
 * escape the detector, and what it returns is its own findings.
 *
 * <p>{@link #homoglyphsAndDisplayNames} grows one fuzzed fragment (look-alike letters, invisible characters,
 * combining marks: whatever the fuzzer makes) into a text of up to 128 Ki characters (within the 200 000 the analyzer reads, so a quadratic reading shows in the ratio), used as the message text and
 * the sender's display name. The folding must be bounded (no more examples than {@link Homoglyphs#MAX_EXAMPLES},
 * each a word of the vocabulary), the same text must give the same result and the same findings twice, and the
 * work must grow linearly: the text is read with the fragment repeated {@code n} and {@code n / 8} times, and the
 * larger read may not take more than 24 times the smaller (a ratio, not a wall-clock limit: a linear reading takes
 * about 8 times, a quadratic one 64). Fuzz it with Jazzer's regex hooks off:
 * {@code JAZZER_DISABLED_HOOKS=com.code_intelligence.jazzer.sanitizers.RegexRoadblocks:com.code_intelligence.jazzer.sanitizers.RegexInjection}.
 */
class PhishingFuzzTest {

    private static final PhishingDetector DETECTOR;

    static {
        try {
            Path rules = Files.createTempDirectory("phishing-fuzz");
            rules.toFile().deleteOnExit();
            DETECTOR = Fixtures.detector(rules, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String[] HOSTS = {"contoso.com", "contoso.fr", "paypal.com", "microsoft.com", "gmail.com",
            "xn--pypal-4ve.com", "bit.ly", "192.168.0.1", "[::1]", ""};

    @FuzzTest(maxDuration = "60s")
    void hostsNeverThrow(String href) {
        if (href == null) {
            return; // Jazzer's String mutator also tries null; hrefs are never null
        }
        Hosts.clean(href);
        Hosts.scheme(href);
        Hosts.hasUserInfo(href);
        Hosts.hostOf(href).ifPresent(host -> {
            assertThat(host).isNotEmpty();
            Hosts.isIpLiteral(host);
            Hosts.tld(host);
            String registrable = Hosts.registrable(host);
            Hosts.label(registrable);
            Hosts.within(host, registrable);
            Hosts.toUnicode(host);
            Hosts.toAscii(host);
            Confusables.skeleton(host);
            Confusables.mixedScript(Hosts.label(registrable));
            Confusables.distance(Hosts.label(registrable), "paypal", 3);
        });
        Hosts.toAscii(href);
        Hosts.toUnicode(href);
        Hosts.registrable(href);
        Hosts.hasPublicSuffix(href);
        // a normalised web URL is its own normal form: a list entry and a link agree however often it is applied
        String url = DomainList.normalizeUrl(href);
        if (DomainList.isWebUrl(href)) {
            assertThat(DomainList.normalizeUrl(url)).as(href).isEqualTo(url);
        }
        assertThat(TextNormalizer.asDisplayed(href)).hasSizeLessThanOrEqualTo(href.length());
        // the unwrapper, on the input and on the input inside each wrapper form: bounded, never throws
        for (String wrapped : new String[] {href, "https://nam12.safelinks.protection.outlook.com/?url=" + href,
                "https://urldefense.com/v3/__" + href, "https://urldefense.proofpoint.com/v2/url?u=" + href,
                "https://www.google.com/url?q=" + href}) {
            List<String> chain = Unwrap.chain(wrapped);
            assertThat(chain).hasSizeBetween(1, 1 + Unwrap.MAX_LEVELS).first().isEqualTo(wrapped);
            chain.stream().skip(1).forEach(u -> assertThat(Hosts.hostOf(u)).isPresent());
            Unwrap.wrapperName(wrapped);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void analyzerNeverThrows(FuzzedDataProvider in) {
        MailAddress from = new MailAddress(in.consumeString(80) + "@" + in.pickValue(HOSTS), in.consumeString(60));
        List<MailAddress> replyTo = in.consumeBoolean()
                ? List.of(new MailAddress(in.consumeString(60), in.consumeString(30))) : List.of();
        String subject = in.consumeString(200);
        List<Header> headers = new ArrayList<>();
        for (int i = in.consumeInt(0, 3); i > 0; i--) {
            headers.add(new Header(in.pickValue(new String[] {"Received", "Authentication-Results", "Reply-To",
                    "Return-Path", "X-Mailer"}), in.consumeString(200)));
        }
        List<Link> links = new ArrayList<>();
        for (int i = in.consumeInt(0, 6); i > 0; i--) {
            links.add(new Link(in.consumeString(200), in.consumeString(100), in.pickValue(Link.Source.values()), "1"));
        }
        List<Attachment> attachments = new ArrayList<>();
        if (in.consumeBoolean()) {
            attachments.add(new Attachment("2", "a.html", "a.html", "text/html", "text/html", "attachment", List.of(),
                    Content.ofUtf8(in.consumeString(2000)), ""));
        }
        String text = in.consumeString(2000);
        String html = in.consumeRemainingAsString();
        Homoglyphs.Result unmasked = Homoglyphs.unmask(text, java.util.Set.of("password", "verify"));
        assertThat(unmasked.disguised()).hasSizeLessThanOrEqualTo(Homoglyphs.MAX_EXAMPLES);
        ParsedMessage m = new ParsedMessage("id@test", subject, List.of(from), replyTo,
                List.of(new MailAddress("marie.dupont@contoso.com", "")), List.of(), headers, text, html, links,
                attachments, text.length() + html.length(), false, List.of());
        Envelope env = new Envelope(from.address(), List.of("marie.dupont@contoso.com"), "203.0.113.9",
                "mx.example.net", false, Instant.now(), Direction.INBOUND, null);
        List<Finding> findings = DETECTOR.inspect(new Inspection("t", env, m, Content.empty(),
                Instant.now().plusSeconds(30)));
        assertThat(findings).isNotNull().allMatch(f -> f.detector().equals("phishing"));
    }

    private static final int MAX_GROWN = 128 * 1024;
    private static final java.util.Set<String> VOCABULARY = java.util.Set.of("password", "verify", "account",
            "login", "urgent", "invoice", "paypal");
    /** Fragments the fuzzer starts from: look-alike words, a colleague's name, invisible and combining characters. */
    private static final String[] OPENINGS = {"v\u0435rify your p\u0430ssword ", "\u0440\u0430\u0455\u0455\u051d\u043e\u0433\u0501",
        "Mari\u0435 Dupont", "P\u0430ypal Support", "\u03a4\u039f\u039d ", "a\u200d\u0301\u00ad", "\ud835\udc00\u0435",
        "Jean Martin <jean.martin@contoso.fr>", "\u1d20\u1d07\u0280\u026a\ua730\u028f \u0251\u13aa\ua4ee\u2c9f",
        "\ud800\udea0ssword Hesab\u0131n\u0131z", ""};

    @FuzzTest(maxDuration = "60s")
    void homoglyphsAndDisplayNames(FuzzedDataProvider in) {
        String host = in.pickValue(HOSTS);
        String opening = in.pickValue(OPENINGS);
        int reps = 1 << in.consumeInt(0, 18);
        String head = in.consumeString(in.consumeInt(0, 128));
        String unit = in.consumeString(in.consumeInt(1, 32));
        String tail = in.consumeRemainingAsString();
        String small = grown(opening + head, unit.isEmpty() ? "\u0430" : unit, reps, 8, tail);
        String large = grown(opening + head, unit.isEmpty() ? "\u0430" : unit, reps, 1, tail);
        LinearWork.check("chars", small.length(), () -> checkFolding(host, small),
                large.length(), () -> checkFolding(host, large));
    }

    private static String grown(String head, String unit, int reps, int divisor, String tail) {
        StringBuilder b = new StringBuilder(head);
        int n = Math.min(reps, (MAX_GROWN - b.length()) / unit.length()) / divisor;
        for (int i = 0; i < n; i++) {
            b.append(unit);
        }
        return b.append(tail).toString();
    }

    private static void checkFolding(String host, String text) {
        Homoglyphs.Result r = Homoglyphs.unmask(text, VOCABULARY);
        assertThat(r.disguised()).hasSizeLessThanOrEqualTo(Homoglyphs.MAX_EXAMPLES)
                .allMatch(d -> VOCABULARY.contains(d.reads()));
        assertThat(r.count()).isGreaterThanOrEqualTo(r.disguised().size());
        // NFKC expands a character to at most 18; folding and removing invisible characters only shorten
        assertThat(r.text().length()).isLessThanOrEqualTo(18 * text.length());
        assertThat(Homoglyphs.unmask(text, VOCABULARY)).as("the same text folded again").isEqualTo(r);

        MailAddress from = new MailAddress("it@" + host, text);
        ParsedMessage m = new ParsedMessage("id@test", "Subject", List.of(from), List.of(),
                List.of(new MailAddress("marie.dupont@contoso.com", "")), List.of(), List.of(), text, "", List.of(),
                List.of(), text.length(), false, List.of());
        Envelope env = new Envelope(from.address(), List.of("marie.dupont@contoso.com"), "203.0.113.9",
                "mx.example.net", false, Instant.EPOCH, Direction.INBOUND, null);
        Inspection inspection = new Inspection("t", env, m, Content.empty(), Instant.now().plusSeconds(600));
        List<Finding> findings = DETECTOR.inspect(inspection);
        assertThat(findings).isNotNull().allMatch(f -> f.detector().equals("phishing"));
        assertThat(DETECTOR.inspect(inspection)).as("the same message inspected again").isEqualTo(findings);
    }
}
