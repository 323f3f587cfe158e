package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.CountingText;

class MimeTextTest {

    @Test
    void attachmentsAreHashedOverTheirDecodedBytes() {
        byte[] pdf = "%PDF-1.4 fake invoice".getBytes(StandardCharsets.US_ASCII);
        MimeText.Extracted e = MimeText.read(Mail.withAttachment("a@b.example", "Invoice", "see attached", "inv.pdf", pdf));
        assertThat(e.parts()).singleElement().satisfies(p -> {
            assertThat(p.sha256()).isEqualTo(MimeText.sha256(pdf));
            assertThat(p.fileName()).isEqualTo("inv.pdf");
            assertThat(p.type()).isEqualTo("application/pdf");
        });
        assertThat(e.text()).contains("see attached");
    }

    @Test
    void htmlBecomesVisibleTextAndItsLinksAreCollected() {
        String raw = "Subject: =?utf-8?B?w6ljb25vbWll?=\r\nContent-Type: text/html; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "<html><style>p{color:red}</style><p>Cheap &amp; fast=\r\n pills</p>"
                + "<a href=3D\"http://Pills.Example.NET/buy?x=3D1\">here</a><script>evil()</script></html>\r\n";
        MimeText.Extracted e = MimeText.read(raw.getBytes(StandardCharsets.UTF_8));
        assertThat(e.header("subject")).isEqualTo("économie");
        assertThat(e.text()).contains("Cheap & fast pills").doesNotContain("color").doesNotContain("evil");
        assertThat(e.linkHosts()).containsExactly("pills.example.net");
        assertThat(e.htmlTags()).contains("html", "p", "a");
    }

    @Test
    void nestingBeyondTheDepthLimitIsReadAsTextSoNothingHidesThere() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("\"\r\n\r\n--b").append(i).append("\r\n");
        }
        sb.append("Content-Type: text/plain\r\n\r\ndeep text\r\n");
        MimeText.Extracted e = MimeText.read(sb.toString().getBytes(StandardCharsets.US_ASCII));
        // beyond MAX_DEPTH the rest is read as one text body: no recursion, and spam cannot hide down there
        assertThat(e.text()).contains("deep text");
    }

    @Test
    void garbageNeverThrows() {
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[r.nextInt(2000)];
            r.nextBytes(junk);
            MimeText.read(junk);
        }
        MimeText.read(" \r\n \r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        MimeText.read("Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n".getBytes(StandardCharsets.US_ASCII));
        MimeText.read("Content-Transfer-Encoding: base64\r\n\r\n!!!!=\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void anMboxSeparatorLineIsNotAHeader() {
        MimeText.Extracted e = MimeText.read("From x@y Thu Aug 22 13:17:22 2002\nSubject: hi\n\nbody\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(e.header("Subject")).isEqualTo("hi");
        assertThat(e.text()).contains("body");
    }

    /** A search to the end of the text for each '&' made a megabyte of '&' take 15 s. */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void htmlFullOfAmpersandsIsReadInLinearTime() {
        String html = "&".repeat(2_000_000);
        MimeText.Extracted m = MimeText.read(("Content-Type: text/html\r\n\r\n" + html).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(m.text()).startsWith("&&&&");
        assertThat(MimeText.htmlToText("a&amp;b&lt;&#65;&#x1F600;&#x1F6000;&;&nbsp"))
                .isEqualTo("a&b<A\uD83D\uDE00&#x1F6000;&;&nbsp");
    }

    @Test
    void longRunsOfCombiningMarksOrSpacesAreReadOnceForLinks() {
        // seeds SpamFuzzTestInputs/featuresOfRepeatedFragment/combining-marks and headerAndHtmlScans/href-spaces: \b
        // walked back over a run of marks at every position, and "href=" then spaces was split at every point
        String marks = "\u0301".repeat(5_000);
        for (java.util.regex.Pattern p : new java.util.regex.Pattern[] {MimeText.URL, Fuzzy.URL}) {
            CountingText t = new CountingText("x" + marks + " no link");
            assertThat(p.matcher(t).find()).isFalse();
            assertThat(t.reads()).as(p.pattern()).isLessThan(20L * t.length());
        }
        CountingText href = new CountingText("<a href=" + " ".repeat(5_000) + ">");
        assertThat(MimeText.HREF.matcher(href).find()).isFalse();
        assertThat(href.reads()).isLessThan(20L * href.length());

        // the links are read as before: after a mark, not glued to a word, behind spaces and a quote
        MimeText.Extracted text = MimeText.read(("Content-Type: text/plain; charset=utf-8\r\n\r\nx" + marks
                + "https://a.example/ xhttps://b.example/").getBytes(StandardCharsets.UTF_8));
        assertThat(text.linkHosts()).containsExactly("a.example");
        MimeText.Extracted html = MimeText.read(("Content-Type: text/html\r\n\r\n<a href = ' " + " ".repeat(5_000)
                + "https://c.example/x'>c</a>").getBytes(StandardCharsets.UTF_8));
        assertThat(html.linkHosts()).containsExactly("c.example");
    }

    private static byte[] concat(String head, byte[] body) {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    private static final String JAPANESE = "突然のメール失礼いたします。今後この広告がご不要な方は、その旨をご連絡下さい。"
            + "出会いの広場では、女性は無料でご利用いただけます。お試しポイントをプレゼントしております。";

    @Test
    void undeclaredEastAsianTextIsReadInTheCharsetItWasWrittenIn() {
        for (String charset : new String[] {"Shift_JIS", "EUC-JP", "ISO-2022-JP"}) {
            byte[] raw = concat("Subject: x\r\nContent-Type: text/plain\r\n\r\n", JAPANESE.getBytes(java.nio.charset.Charset.forName(charset)));
            assertThat(MimeText.read(raw).text()).as(charset).contains("出会いの広場");
        }
        String chinese = "第十一届中国国际电子设备及元器件表面贴装展览会将于明年四月在深圳会展中心隆重举行，欢迎各界人士参观洽谈。";
        byte[] gbk = concat("Subject: x\r\nContent-Type: text/plain; charset=unknown-8bit\r\n\r\n", chinese.getBytes(java.nio.charset.Charset.forName("GBK")));
        assertThat(MimeText.read(gbk).text()).contains("展览会");
        byte[] utf8 = concat("Subject: x\r\n\r\n", "Grüße aus München, à bientôt".getBytes(StandardCharsets.UTF_8));
        assertThat(MimeText.read(utf8).text()).contains("Grüße aus München");
    }

    @Test
    void undeclaredWesternTextStaysLatin1AndADeclaredCharsetIsObeyed() {
        String french = "Votre commande a été expédiée. Merci de votre fidélité, à bientôt pour de nouvelles idées.";
        byte[] latin1 = concat("Subject: x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", french.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(MimeText.read(latin1).text()).contains("été expédiée", "fidélité");
        // declared: the Shift_JIS bytes read as Latin-1 when the sender said Latin-1 (the guess never overrides)
        byte[] declared = concat("Subject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n", JAPANESE.getBytes(java.nio.charset.Charset.forName("Shift_JIS")));
        assertThat(MimeText.read(declared).text()).doesNotContain("出会い");
        // =3D left in a header by a broken quoted-printable encoder, and gb2312 read as GBK (here a GBK-only letter)
        byte[] qp = concat("Subject: x\r\nContent-Type: text/plain; charset=3Dgb2312\r\n\r\n", "您的满意是我们追求的目标 镕".getBytes(java.nio.charset.Charset.forName("GBK")));
        assertThat(MimeText.read(qp).text()).contains("您的满意是我们追求的目标 镕");
    }

    @Test
    void rawEightBitHeadersAreReadLikeTheBody() {
        byte[] raw = concat("", ("Subject: 요즘 뜨는 직종 자격증 따기 열풍\r\nFrom: 광고 <ad@example.kr>\r\n\r\n요즘 뜨는 직종\r\n")
                .getBytes(java.nio.charset.Charset.forName("EUC-KR")));
        assertThat(MimeText.read(raw).header("Subject")).isEqualTo("요즘 뜨는 직종 자격증 따기 열풍");
        byte[] utf8 = concat("", "Subject: Grüße\r\n\r\nhallo\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(MimeText.read(utf8).header("Subject")).isEqualTo("Grüße");
    }

    @Test
    void validUtf8IsToldFromOtherBytes() {
        assertThat(MimeText.validUtf8("aé€😀".getBytes(StandardCharsets.UTF_8), 0, 10, false)).isTrue();
        assertThat(MimeText.validUtf8("café".getBytes(StandardCharsets.ISO_8859_1), 0, 4, false)).isFalse();
        assertThat(MimeText.validUtf8("café!".getBytes(StandardCharsets.ISO_8859_1), 0, 5, false)).isFalse();
        assertThat(MimeText.validUtf8(new byte[] {(byte) 0xc0, (byte) 0x80}, 0, 2, false)).as("overlong").isFalse();
        assertThat(MimeText.validUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, 0, 3, false)).as("surrogate").isFalse();
        assertThat(MimeText.validUtf8(new byte[] {'a', (byte) 0xe2, (byte) 0x82}, 0, 3, true)).as("cut by the sample").isTrue();
        assertThat(MimeText.validUtf8(new byte[] {'a', (byte) 0xe2, (byte) 0x82}, 0, 3, false)).as("cut at the end").isFalse();
    }

    @Test
    void theCharsetGuessReadsABoundedShareOfAMessage() {
        StringBuilder head = new StringBuilder("Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        raw.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 12; i++) {
            raw.writeBytes(("--b\r\nContent-Type: text/plain\r\n\r\npart" + i + " ").getBytes(StandardCharsets.US_ASCII));
            raw.writeBytes((JAPANESE.repeat(120) + "\r\n").getBytes(java.nio.charset.Charset.forName("Shift_JIS")));
        }
        // the budget bounds the detector only: UTF-8 after it is still read as UTF-8
        raw.writeBytes("--b\r\nContent-Type: text/plain\r\n\r\nGrüße aus München\r\n".getBytes(StandardCharsets.UTF_8));
        raw.writeBytes("--b--\r\n".getBytes(StandardCharsets.US_ASCII));
        String text = MimeText.read(raw.toByteArray()).text();
        // each part is over 16 KiB: eight of them use up the 128 KiB the guesses may read, the rest stay Latin-1
        for (int i = 0; i < 12; i++) {
            assertThat(text.contains("part" + i + " 突然のメール")).as("part " + i).isEqualTo(i < 8);
        }
        assertThat(text).contains("Grüße aus München");
    }
}
