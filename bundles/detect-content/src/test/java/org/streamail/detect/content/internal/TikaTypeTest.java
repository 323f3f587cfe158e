package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

class TikaTypeTest {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0};

    /** A DOS "MZ" program: no PE header and no stub text, so only Tika's magic knows it. */
    static byte[] dosProgram() {
        byte[] b = new byte[600];
        b[0] = 'M';
        b[1] = 'Z';
        for (int i = 2; i < b.length; i++) {
            b[i] = (byte) (i * 37 % 251);
        }
        b[0x3C] = 0;
        b[0x3D] = 0;
        b[0x3E] = 0;
        b[0x3F] = 0;
        return b;
    }

    /** An uncompressed Flash movie header followed by binary data. */
    static byte[] flash() {
        byte[] b = new byte[300];
        b[0] = 'F';
        b[1] = 'W';
        b[2] = 'S';
        b[3] = 10;
        for (int i = 4; i < b.length; i++) {
            b[i] = (byte) (i * 13 % 7);
        }
        return b;
    }

    @Test
    void tikaNamesWhatOurSnifferLeavesUndecided() {
        assertThat(Sniffer.sniff(dosProgram(), null)).isEqualTo(Kind.UNKNOWN);
        assertThat(TikaTypes.detect(dosProgram(), null)).isEqualTo("application/x-msdownload");
        assertThat(TikaTypes.detect(flash(), null)).isEqualTo("application/x-shockwave-flash");
        assertThat(TikaTypes.detect(new byte[] {1, 2, 3, 0, 9}, null)).isEmpty();
        // With a name, the glob decides when the magic does not.
        assertThat(TikaTypes.detect(new byte[] {1, 2, 3, 0, 9}, "setup.exe")).isEqualTo("application/x-dosexec");
        assertThat(TikaTypes.family("application/x-msdownload")).isEqualTo("executable");
        assertThat(TikaTypes.family("audio/mpeg")).isEqualTo("audio");
    }

    @Test
    void aPngNamedPdfIsATypeMismatch() {
        Finding f = only(scanAttachment("invoice.pdf", "application/octet-stream", PNG), "type-mismatch");
        assertThat(f.detail()).isEqualTo("named .pdf but the content is a image");
    }

    @Test
    void anExeRenamedTxtIsAnExecutableByContent() {
        List<Finding> f = scanAttachment("readme.txt", "text/plain", pe());
        assertThat(only(f, "executable").detail()).contains("found by content");
        assertThat(rules(f)).contains("type-mismatch");
    }

    @Test
    void aDosProgramRenamedTxtIsFoundByTikaAsExecutableAndMismatched() {
        List<Finding> f = scanAttachment("readme.txt", "text/plain", dosProgram());
        assertThat(only(f, "executable").detail())
                .isEqualTo("executable found by content (application/x-msdownload, detected by Apache Tika)");
        assertThat(only(f, "type-mismatch").detail())
                .isEqualTo("declared text/plain but the content is application/x-msdownload (detected by Apache Tika)");
    }

    @Test
    void aDosProgramInsideAZipIsFoundByTika() {
        List<Finding> f = scanAttachment("docs.zip", "application/zip", zip("docs/readme.txt", dosProgram()));
        assertThat(only(f, "executable").part()).isEqualTo("docs.zip!/docs/readme.txt");
    }

    @Test
    void flashDeclaredAsAnImageIsATypeMismatchOnlyTikaCouldName() {
        Finding f = only(scanAttachment("banner.png", "image/png", flash()), "type-mismatch");
        assertThat(f.detail()).contains("application/x-shockwave-flash (detected by Apache Tika)");
    }

    @Test
    void typesTikaRecognisesAsWhatTheyClaimDoNotFire() {
        byte[] utf16 = "\uFEFFplain words".getBytes(StandardCharsets.UTF_16BE);
        assertThat(scanAttachment("notes.txt", "text/plain", utf16)).isEmpty();
        byte[] mp3 = {'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(scanAttachment("song.mp3", "audio/mpeg", mp3)).isEmpty();
    }
}
