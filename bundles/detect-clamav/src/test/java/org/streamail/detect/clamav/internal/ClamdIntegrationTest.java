package org.streamail.detect.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;

/**
 * Against a real clamd (Debian package {@code clamav-daemon}) over both the unix socket and TCP. Skipped when
 * clamd is not installed, unless {@code STREAMAIL_REQUIRE_CLAMD=true}.
 */
class ClamdIntegrationTest {
    private static Clamd clamd;

    @BeforeAll
    static void startClamd() throws Exception {
        if (!Clamd.installed()) {
            if (Clamd.required()) {
                fail("STREAMAIL_REQUIRE_CLAMD=true but " + Clamd.BINARY + " is missing: apt-get install clamav-daemon");
            }
            assumeTrue(false, "clamd not installed");
        }
        clamd = new Clamd();
    }

    @AfterAll
    static void stopClamd() throws Exception {
        if (clamd != null) {
            clamd.close();
        }
    }

    static Inspection inspection(String text, Attachment... attachments) {
        ParsedMessage m = new ParsedMessage("id", "s", List.of(), List.of(), List.of(), List.of(), List.of(), text, "",
                List.of(), List.of(attachments), 100, false, List.of());
        return new Inspection("id", Envelope.inbound("a@b.example", List.of("c@d.example"), "127.0.0.1", "h"), m,
                Content.empty(), Instant.now().plusSeconds(20));
    }

    static Attachment attachment(String name, byte[] data) {
        return new Attachment("2", name, name, "application/octet-stream", null, "attachment", List.of(),
                Content.of(data), "");
    }

    ClamavDetector overUnixSocket() {
        return new ClamavDetector(clamd.socket.toString(), "127.0.0.1", 1, 10_000, 1024 * 1024, 10);
    }

    ClamavDetector overTcp() {
        return new ClamavDetector("", "127.0.0.1", clamd.port, 10_000, 1024 * 1024, 10);
    }

    @Test
    void aBodySignatureInAnAttachmentIsFoundOverTheUnixSocket() throws Exception {
        byte[] data = ("some text before " + new String(Clamd.marker(), StandardCharsets.US_ASCII) + " and after")
                .getBytes(StandardCharsets.US_ASCII);
        List<Finding> f = overUnixSocket().inspect(inspection("hello", attachment("notes.txt", data)));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.detector()).isEqualTo("clamav");
            assertThat(x.rule()).isEqualTo("virus");
            assertThat(x.category()).isEqualTo(Category.MALWARE);
            assertThat(x.score()).isEqualTo(10.0);
            assertThat(x.detail()).contains("Streamail.Test.Split-1");
            assertThat(x.part()).isEqualTo("notes.txt");
        });
    }

    @Test
    void aHashSignatureIsFoundOverTcpAndBodiesAreScannedToo() throws Exception {
        String body = "see " + new String(Clamd.marker(), StandardCharsets.US_ASCII);
        List<Finding> f = overTcp().inspect(inspection(body, attachment("a.bin", Clamd.HASHED)));
        assertThat(f).extracting(Finding::part, Finding::detail).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("text body", "clamd: Streamail.Test.Split-1.UNOFFICIAL"),
                org.assertj.core.groups.Tuple.tuple("a.bin", "clamd: Streamail.Test.Hash-1.UNOFFICIAL"));
    }

    @Test
    void cleanPartsGiveNoFindingsAndLargeStreamsAreChunked() {
        byte[] big = new byte[700 * 1024];
        java.util.Arrays.fill(big, (byte) 'a');
        assertThat(overTcp().inspect(inspection("hello", attachment("big.txt", big)))).isEmpty();
        assertThat(overUnixSocket().inspect(inspection("hello", attachment("x.txt", "x".getBytes())))).isEmpty();
    }

    @Test
    void aPartOverMaxStreamIsReportedNotSent() {
        ClamavDetector d = new ClamavDetector(clamd.socket.toString(), "127.0.0.1", 1, 10_000, 100, 10);
        assertThat(d.inspect(inspection("", attachment("a.bin", new byte[101])))).singleElement()
                .satisfies(x -> assertThat(x.rule()).isEqualTo("part-too-large"));
    }

    @Test
    void clamdsOwnStreamLimitIsAnErrorFinding() {
        ClamavDetector d = new ClamavDetector(clamd.socket.toString(), "127.0.0.1", 1, 10_000, 10L << 20, 10);
        List<Finding> f = d.inspect(inspection("", attachment("huge.bin", new byte[3 * 1024 * 1024])));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.category()).isEqualTo(Category.ERROR);
            assertThat(x.rule()).isEqualTo("clamd-error");
            assertThat(x.detail()).contains("size limit");
        });
    }
}
