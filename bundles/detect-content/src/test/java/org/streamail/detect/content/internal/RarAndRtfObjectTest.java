package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

class RarAndRtfObjectTest {

    static byte[] rar4(String name, boolean encrypted) {
        byte[] n = utf8(name);
        var b = le(7 + 13 + 32 + n.length + 10);
        b.put(utf8("Rar!\u001a\u0007\u0000"));
        b.putShort((short) 0).put((byte) 0x73).putShort((short) 0).putShort((short) 13).put(new byte[6]);
        b.putShort((short) 0).put((byte) 0x74).putShort((short) (0x8000 | (encrypted ? 4 : 0)))
                .putShort((short) (32 + n.length)).putInt(10).putInt(10).put((byte) 2).putInt(0).putInt(0)
                .put((byte) 29).put((byte) 0x30).putShort((short) n.length).putInt(0x20).put(n).put(new byte[10]);
        return b.array();
    }

    static byte[] rar5(String name, boolean encrypted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8("Rar!\u001a\u0007\u0001\u0000"));
        out.writeBytes(new byte[] {0, 0, 0, 0, 3, 1, 0, 0}); // main header: size 3, type 1, flags 0, archive flags 0
        byte[] n = utf8(name);
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        byte[] extra = encrypted ? new byte[] {2, 1} : new byte[0]; // record: size 2, type 1 (encryption), 1 byte
        h.write(2); // type: file
        h.write(encrypted ? 3 : 2); // flags: extra area (1) + data area (2)
        if (encrypted) {
            h.write(extra.length);
        }
        h.write(5); // data size
        h.write(0); // file flags
        h.write(5); // unpacked size
        h.write(0x20); // attributes
        h.write(0); // compression
        h.write(0); // host OS
        h.write(n.length);
        h.writeBytes(n);
        h.writeBytes(extra);
        out.writeBytes(new byte[4]);
        out.write(h.size());
        out.writeBytes(h.toByteArray());
        out.writeBytes(new byte[5]);
        return out.toByteArray();
    }

    @Test
    void rarFileNamesAreJudgedInBothFormats() {
        for (byte[] rar : List.of(rar4("docs\\invoice.pdf.exe", false), rar5("docs/invoice.pdf.exe", false))) {
            List<Finding> f = scanAttachment("a.rar", "application/vnd.rar", rar);
            assertThat(only(f, "executable").part()).isEqualTo("a.rar!/docs/invoice.pdf.exe");
            assertThat(rules(f)).contains("double-extension", "unscannable-archive").doesNotContain("encrypted-archive");
        }
    }

    @Test
    void encryptedRarIsAnEncryptedArchive() {
        assertThat(rules(scanAttachment("a.rar", "application/vnd.rar", rar4("a.txt", true))))
                .contains("encrypted-archive");
        assertThat(rules(scanAttachment("a.rar", "application/vnd.rar", rar5("a.txt", true))))
                .contains("encrypted-archive");
    }

    @Test
    void aPackageInsideRtfObjdataIsUnpackedAndScanned() {
        byte[] payload = pe();
        byte[] label = utf8("readme.exe\0");
        byte[] src = utf8("C:\\readme.exe\0");
        var nat = le(4 + 2 + label.length + src.length + 8 + src.length + 4 + payload.length);
        nat.putInt(0).putShort((short) 2).put(label).put(src).putInt(0x00030000).putInt(src.length).put(src)
                .putInt(payload.length).put(payload);
        byte[] cls = utf8("Package\0");
        var ole1 = le(8 + 4 + cls.length + 8 + nat.capacity());
        ole1.putInt(0x0501).putInt(2).putInt(cls.length).put(cls).putInt(0).putInt(0).put(nat.array());
        String hex = HexFormat.of().formatHex(ole1.array());
        String rtf = "{\\rtf1{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata " + hex.substring(0, 40) + "\n"
                + hex.substring(40) + "}}}";
        List<Finding> f = scanAttachment("doc.rtf", "application/rtf", utf8(rtf));
        assertThat(rules(f)).contains("rtf-object", "ole-package");
        assertThat(only(f, "executable").part()).isEqualTo("doc.rtf!/object-1!/readme.exe");
    }
}
