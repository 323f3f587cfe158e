package org.streamail.workbench.internal.views;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessagePreviewTest {

    private static MessagePreview.Preview preview(String raw) {
        return MessagePreview.of(raw.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void htmlIsReducedToTextWithoutScriptsAndItsLinksAreListedWithTheirRealTargets() {
        var p = preview("""
                From: a@b.example
                Subject: =?UTF-8?B?Q2hlY2sgeW91ciDDqWxldmF0aW9u?=
                Content-Type: text/html; charset=UTF-8

                <p>Hello <b>you</b></p><script>steal()</script><iframe src="http://evil.example/"></iframe>
                <a href="http://evil.example/login">https://bank.example</a><img src="http://t.example/p.gif">
                """);
        assertThat(p.headers()).contains(new MessagePreview.Header("Subject", "Check your élevation"));
        assertThat(p.text()).contains("Hello you").doesNotContain("steal()").doesNotContain("<");
        assertThat(p.links()).containsExactly("https://bank.example → http://evil.example/login");
    }

    @Test
    void alternativePartsShowThePlainTextButStillListTheHtmlLinks() {
        var p = preview("""
                Content-Type: multipart/alternative; boundary="x"

                --x
                Content-Type: text/plain; charset=ISO-8859-1
                Content-Transfer-Encoding: quoted-printable

                Caf=E9 au lait, soft=
                 break
                --x
                Content-Type: text/html

                <a href="http://hidden.example/">click</a>
                --x--
                """);
        assertThat(p.text()).isEqualTo("Café au lait, soft break");
        assertThat(p.links()).containsExactly("click → http://hidden.example/");
    }

    @Test
    void attachmentsAreNamedButNeverDecoded() {
        var p = preview("""
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/plain

                see attached
                --b
                Content-Type: application/octet-stream; name="run.exe"
                Content-Disposition: attachment; filename="run.exe"
                Content-Transfer-Encoding: base64

                TVqQAAMAAAAEAAAA
                --b--
                """);
        assertThat(p.text()).isEqualTo("see attached");
        assertThat(p.attachments()).singleElement().asString().startsWith("run.exe (application/octet-stream");
        assertThat(p.render()).contains("Attachments (not opened): run.exe");
    }

    @Test
    void deeplyNestedMultipartsStopAtTheDepthLimitWithAProblemNoted() {
        StringBuilder b = new StringBuilder("Content-Type: multipart/mixed; boundary=b0\n\n");
        int depth = MessagePreview.MAX_DEPTH + 5;
        for (int i = 0; i < depth; i++) {
            b.append("--b").append(i).append("\nContent-Type: multipart/mixed; boundary=b").append(i + 1).append("\n\n");
        }
        b.append("--b").append(depth).append("\nContent-Type: text/plain\n\ndeep text\n");
        var p = preview(b.toString());
        assertThat(p.problems()).anyMatch(s -> s.contains("nesting deeper"));
        assertThat(p.text()).doesNotContain("deep text");
    }

    @Test
    void garbageGivesAPreviewNotAnException() {
        for (String raw : new String[] {"", "\r\n\r\n", "no headers at all", "Content-Type: multipart/mixed\n\nx",
            "Content-Type: text/plain; charset=\"no-such-charset\"\n\nbody", " \r\n \r\n\r\n"}) {
            var p = MessagePreview.of(raw.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(p.render()).isNotNull();
        }
        assertThat(preview("Content-Type: text/plain; charset=\"no-such-charset\"\n\nbody").problems())
                .anyMatch(s -> s.contains("unknown charset"));
    }

    @Test
    void theTextIsCutAtItsBound() {
        String big = "x".repeat(MessagePreview.MAX_TEXT_CHARS + 5000);
        var p = MessagePreview.of(("Content-Type: text/plain\r\n\r\n" + big).getBytes(StandardCharsets.US_ASCII));
        assertThat(p.text().length()).isLessThan(MessagePreview.MAX_TEXT_CHARS + 200);
        assertThat(p.text()).endsWith("characters]");
    }
    @Test
    void bidiOverridesAndLineBreaksFromTheMessageAreShownNotObeyed() {
        // RLO makes "http://evil.example/\u202Emoc.knab" read as "http://evil.example/bank.com"; a Q-encoded line
        // break in the subject would add a forged From: line to the preview
        var p = preview("""
                From: attacker@evil.example
                Subject: =?UTF-8?Q?Payroll=0D=0AFrom:_ceo@acme.example?=
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/html; charset=UTF-8

                <p>Pay \u202Eyadot\u202C now</p><a href="http://evil.example/\u202Emoc.knab">bank</a>
                --b
                Content-Type: application/octet-stream; name="=?UTF-8?Q?invoice=E2=80=AEfdp.exe?="

                AAAA
                --b--
                """.replace("\u202E", "\u00E2\u0080\u00AE").replace("\u202C", "\u00E2\u0080\u00AC"));
        String shown = p.render();
        assertThat(shown).doesNotContain("\u202E").doesNotContain("\u202C")
                .contains("Subject: Payroll[U+000D][U+000A]From: ceo@acme.example\n")
                .contains("bank → http://evil.example/[U+202E]moc.knab")
                .contains("invoice[U+202E]fdp.exe")
                .contains("Pay [U+202E]yadot[U+202C] now");
        assertThat(shown.lines().filter(l -> l.startsWith("From:"))).containsExactly("From: attacker@evil.example");
    }

    @Test
    void visibleCutsHugeValuesAndKeepsLineBreaksOnlyInText() {
        assertThat(Visible.cell("a\tb\r\nc\u0000\u2028")).isEqualTo("a[U+0009]b[U+000D][U+000A]c[U+0000][U+2028]");
        assertThat(Visible.text("a\tb\r\nc\rd\u2067")).isEqualTo("a\tb\r\nc[U+000D]d[U+2067]");
        assertThat(Visible.cell("x".repeat(5000))).hasSize(Visible.MAX_CELL_CHARS + 1).endsWith("x…");
        assertThat(Visible.cell("ok")).isEqualTo("ok");
    }
}
