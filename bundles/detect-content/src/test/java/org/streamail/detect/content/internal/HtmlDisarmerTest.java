package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlDisarmerTest {
    private final HtmlDisarmer disarmer = new HtmlDisarmer();

    @Test
    void activeContentIsRemovedAndABannerSaysWhat() {
        String html = "<html><head><meta http-equiv=refresh content='0;url=https://evil.example'>"
                + "<script>steal()</script></head><body onload='go()'><p onclick='x()'>Hello <b>you</b></p>"
                + "<form action='https://evil.example/login'><input type=password name=p></form>"
                + "<iframe src='https://evil.example/f'></iframe><img src='https://tracker.example/p.gif'>"
                + "<img src='cid:logo@x'><a href='javascript:alert(1)'>bad</a>"
                + "<a href='https://good.example/'>good</a>"
                + "<div style='position:fixed;top:0;width:100%'>cover</div></body></html>";
        HtmlDisarmer.Result r = disarmer.disarm(html);
        String out = r.html().toLowerCase();
        assertThat(out).doesNotContain("<script", "steal()", "onload", "onclick", "<form", "<input", "<iframe",
                "tracker.example", "javascript:", "http-equiv", "position:fixed");
        assertThat(out).contains("hello <b>you</b>", "href=\"https://good.example/\"", "src=\"cid:logo@x\"");
        assertThat(r.removed()).contains("1 script", "2 event handlers", "1 form", "1 frame or plug-in",
                "1 remote image", "1 script link", "1 active or positioning style");
        assertThat(out.indexOf("streamail removed active content")).isLessThan(out.indexOf("hello"));
        assertThat(out).contains("quarantine");
    }

    @Test
    void aDisarmedCopyHasNothingLeftForTheDetectorToFind() {
        String html = "<p>x</p><script>a()</script><img src=x onerror=y()><iframe src=//e></iframe>"
                + "<form action='https://e.example'></form><a href='data:text/html,<script>1</script>'>d</a>";
        String out = disarmer.disarm(html).html();
        assertThat(Samples.scan(Samples.message("", out))).isEmpty();
    }

    @Test
    void plainMarkupSurvivesAndBrokenMarkupDoesNotThrow() {
        assertThat(disarmer.disarm("<table><tr><td>a</td></tr></table>").html()).contains("<td>a</td>");
        assertThat(disarmer.disarm("<<<>>><div <p onclick=").html()).contains("Streamail");
        assertThat(disarmer.disarm(null).removed()).isEmpty();
    }

    @Test
    void scriptInCssIsRemovedWhateverItsSpelling() {
        for (String style : new String[] {"width:e\\xpression(alert(1))", "width:\\65 xpression(alert(1))",
                "width:expr/**/ession(alert(1))", "behavior:url(x.htc)",
                "width:\uFF45\uFF58\uFF50\uFF52\uFF45\uFF53\uFF53\uFF49\uFF4F\uFF4E(alert(1))",
                "width:exp\u0280ess\u026Ao\u0274\uFF08alert(1))",
                "background:\uFF55\uFF52\uFF4C(\uFF4A\uFF41\uFF56\uFF41\uFF53\uFF43\uFF52\uFF49\uFF50\uFF54:alert(1))"}) {
            String out = disarmer.disarm("<div style=\"" + style + "\">x</div>").html();
            assertThat(out).as(style).doesNotContain("alert", "htc");
            assertThat(Samples.scan(Samples.message("", out))).as(style).isEmpty();
        }
    }

    @Test
    void fullWidthTextInAStyleThatRunsNothingIsKept() {
        String style = "font-family:'\uFF2D\uFF33 \uFF30\u30B4\u30B7\u30C3\u30AF';color:#333";
        String out = disarmer.disarm("<p style=\"" + style + "\">x</p>").html();
        assertThat(out).contains("\uFF2D\uFF33 \uFF30\u30B4\u30B7\u30C3\u30AF");
    }
}
