package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.Samples.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

class ExecutableDetectionTest {

    static Finding only(List<Finding> findings, String rule) {
        List<Finding> f = findings.stream().filter(x -> x.rule().equals(rule)).toList();
        assertThat(f).as("findings %s should contain %s", findings, rule).isNotEmpty();
        return f.get(0);
    }

    @Test
    void peDisguisedAsPdfIsFoundByContentWithMalwareCategory() {
        List<Finding> f = scanAttachment("report.pdf", "application/pdf", pe());
        Finding exe = only(f, "executable");
        assertThat(exe.category()).isEqualTo(Category.MALWARE);
        assertThat(exe.detector()).isEqualTo("content");
        assertThat(exe.part()).isEqualTo("report.pdf");
        assertThat(exe.detail()).contains("PE");
        assertThat(exe.score()).isEqualTo(10.0);
        assertThat(rules(f)).contains("type-mismatch");
    }

    @Test
    void elfMachOAndJavaClassAreExecutables() {
        byte[] macho = new byte[64];
        macho[0] = (byte) 0xCF;
        macho[1] = (byte) 0xFA;
        macho[2] = (byte) 0xED;
        macho[3] = (byte) 0xFE;
        byte[] cls = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 0, 0, 0};
        assertThat(only(scanAttachment("a", "application/octet-stream", elf()), "executable").detail()).contains("ELF");
        assertThat(only(scanAttachment("b", "application/octet-stream", macho), "executable").detail())
                .contains("Mach-O");
        assertThat(only(scanAttachment("c", "application/octet-stream", cls), "executable").detail())
                .contains("Java class");
    }

    @Test
    void windowsShortcutIsAnExecutable() {
        byte[] lnk = new byte[76];
        byte[] sig = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
        System.arraycopy(sig, 0, lnk, 0, sig.length);
        assertThat(only(scanAttachment("photo.jpg", "image/jpeg", lnk), "executable").detail()).contains(".lnk");
    }

    @Test
    void msiIsFoundByItsCompoundFileClassId() {
        byte[] clsid = {(byte) 0x84, 0x10, 0x0C, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
        byte[] msi = new CfbWriter().rootClsid(clsid).stream("\u4840\u3f3f", utf8("tables")).build();
        assertThat(only(scanAttachment("update.dat", "application/octet-stream", msi), "executable").detail())
                .contains("Installer");
    }

    @Test
    void scriptsAreExecutablesByNameAndEncodedVbsByContent() {
        assertThat(only(scanAttachment("invoice.vbs", "text/plain", utf8("MsgBox 1")), "executable").detail())
                .contains(".vbs");
        assertThat(only(scanAttachment("notes.txt", "text/plain", utf8("#@~^XXXAAA==^#~@")), "executable").detail())
                .contains("encoded");
        assertThat(only(scanAttachment("a.txt", "text/plain",
                utf8("<html><head><HTA:APPLICATION id=x></head></html>")), "executable").detail()).contains("HTA");
        // run-on-click types an audit found missing from the list
        for (String name : List.of("launch.jnlp", "prices.iqy", "sheet.slk", "x.settingcontent-ms", "docs.library-ms",
                "share.searchconnector-ms", "tools.xlam", "deck.ppam", "fix.diagcab", "update.appinstaller")) {
            assertThat(rules(scanAttachment(name, "application/octet-stream", utf8("<x/>")))).as(name)
                    .contains("executable");
        }
    }

    @Test
    void oneNoteWithAnEmbeddedFileIsReportedAndTheFileScanned() {
        byte[] header = {(byte) 0xE4, 0x52, 0x5C, 0x7B, (byte) 0x8C, (byte) 0xD8, (byte) 0xA7, 0x4D, (byte) 0xAE,
                (byte) 0xB1, 0x53, 0x78, (byte) 0xD0, 0x29, (byte) 0x96, (byte) 0xD3};
        byte[] fds = {(byte) 0xE7, 0x16, (byte) 0xE3, (byte) 0xBD, 0x65, 0x26, 0x11, 0x45, (byte) 0xA4, (byte) 0xC4,
                (byte) 0x8D, 0x4D, 0x0B, 0x7A, (byte) 0x9E, (byte) 0xAC};
        byte[] payload = pe();
        var b = le(200 + 36 + payload.length);
        b.put(header).position(100).put(fds).putLong(payload.length).putInt(0).putLong(0).put(payload);
        List<Finding> f = scanAttachment("notes.one", "application/onenote", b.array());
        assertThat(rules(f)).contains("onenote-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("notes.one!/embedded-1");
    }

    @Test
    void diskImagesAreReportedByContent() {
        byte[] iso = new byte[0x9000];
        System.arraycopy(utf8("CD001"), 0, iso, 0x8001, 5);
        assertThat(only(scanAttachment("scan.pdf", "application/pdf", iso), "disk-image").detail()).contains("ISO");
        byte[] vhd = new byte[4096];
        System.arraycopy(utf8("conectix"), 0, vhd, vhd.length - 512, 8);
        assertThat(only(scanAttachment("data.bin", "application/octet-stream", vhd), "disk-image").detail())
                .contains("VHD");
    }

    @Test
    void aPlainImageAndPlainTextAreClean() {
        byte[] png = Arrays.copyOf(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, 500);
        assertThat(scanAttachment("logo.png", "image/png", png)).isEmpty();
        assertThat(scanAttachment("notes.txt", "text/plain",
                utf8("Meeting notes: bring the MZ-700 manual and the PE teacher's form."))).isEmpty();
    }
}
