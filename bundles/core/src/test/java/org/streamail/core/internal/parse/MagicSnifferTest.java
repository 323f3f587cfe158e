package org.streamail.core.internal.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MagicSnifferTest {

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static byte[] a(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void recognisesTheCommonMagicNumbers() {
        assertThat(MagicSniffer.sniff(a("%PDF-1.7"))).isEqualTo("application/pdf");
        assertThat(MagicSniffer.sniff(a("PK\3\4....word/document.xml[Content_Types].xml")))
                .isEqualTo("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        assertThat(MagicSniffer.sniff(a("PK\3\4....a.txt"))).isEqualTo("application/zip");
        assertThat(MagicSniffer.sniff(b(0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0))).isEqualTo("application/x-ole-storage");
        assertThat(MagicSniffer.sniff(a("MZ\u0090\0"))).isEqualTo("application/x-msdownload");
        assertThat(MagicSniffer.sniff(b(0x7F, 'E', 'L', 'F', 2))).isEqualTo("application/x-executable");
        assertThat(MagicSniffer.sniff(b(0xCF, 0xFA, 0xED, 0xFE, 7))).isEqualTo("application/x-mach-o-executable");
        assertThat(MagicSniffer.sniff(a("GIF89a.."))).isEqualTo("image/gif");
        assertThat(MagicSniffer.sniff(b(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A))).isEqualTo("image/png");
        assertThat(MagicSniffer.sniff(b(0xFF, 0xD8, 0xFF, 0xE0))).isEqualTo("image/jpeg");
        assertThat(MagicSniffer.sniff(a("{\\rtf1\\ansi"))).isEqualTo("application/rtf");
        assertThat(MagicSniffer.sniff(b(0x1F, 0x8B, 8))).isEqualTo("application/gzip");
        assertThat(MagicSniffer.sniff(b('7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0))).isEqualTo("application/x-7z-compressed");
        assertThat(MagicSniffer.sniff(a("Rar!\u001a\u0007\0"))).isEqualTo("application/vnd.rar");
        assertThat(MagicSniffer.sniff(a("\n  <!DOCTYPE html><html>"))).isEqualTo("text/html");
        assertThat(MagicSniffer.sniff("Grüße\r\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("text/plain");
        assertThat(MagicSniffer.sniff(b(0, 1, 2, 3, 0xFE))).isEqualTo("application/octet-stream");
        assertThat(MagicSniffer.sniff(new byte[0])).isEqualTo("application/octet-stream");
    }
}
