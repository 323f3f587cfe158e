package org.streamail.detect.content.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.parser.Parser;

/**
 * HTML rules on bodies and HTML/SVG attachments, judged on jsoup's parse tree (what a browser would build,
 * not what a regular expression guesses): scripts, event handlers, embedded frames and plug-ins, forms
 * posting elsewhere, meta refresh, active {@code data:} URIs, script in CSS, HTML smuggling and overlays.
 * Element and attribute visits are bounded. Belongs to one scan; not thread-safe.
 */
final class HtmlInspector {
    private static final int MAX_ELEMENTS = 200_000;
    /**
     * The target of a meta refresh. The white space runs are possessive: with an optional quote between two of
     * them, backtracking would try every split of a long run of spaces, quadratic in its length.
     */
    static final Pattern META_URL = Pattern.compile("(?i)url\\s*+=\\s*+['\"]?+\\s*+([^'\"\\s;]+)");
    private static final Pattern CSS_POSITION = Pattern.compile("(?i)position\\s*:\\s*(fixed|absolute)");
    private static final Pattern CSS_COVER = Pattern.compile(
            "(?i)(?:^|;|\\s)(?:width|height|min-width|min-height)\\s*:\\s*(?:100(?:\\.0+)?\\s*(?:%|vw|vh)|[2-9]\\d{3,}px)");
    private static final Pattern CSS_INSET_ZERO = Pattern.compile("(?i)inset\\s*:\\s*0");
    private static final Pattern CSS_INVISIBLE = Pattern.compile(
            "(?i)opacity\\s*:\\s*0(?:\\.0\\d*)?\\s*(?:;|$|!)|visibility\\s*:\\s*hidden");
    private static final Pattern CSS_ZINDEX = Pattern.compile("(?i)z-index\\s*:\\s*(\\d{3,})");
    /**
     * Script in CSS, matched on {@link #css(String) normalised} CSS: IE's {@code expression()}, Firefox's XBL
     * {@code -moz-binding: url(…)}, IE behaviours loaded from a file ({@code behavior: url(x.htc)}; the built-in
     * {@code url(#default#VML)} of Word-made HTML is not), {@code javascript:}/{@code vbscript:} in {@code url()}.
     * Every white space run is possessive, as in {@link #META_URL}: {@code url(} followed by 200 000 spaces took
     * minutes when {@code \s*['"]?\s*} could split the run anywhere.
     */
    static final Pattern CSS_SCRIPT = Pattern.compile("expression\\s*+\\(|-moz-binding\\s*+:\\s*+url\\s*+\\("
            + "|behavior\\s*+:\\s*+url\\s*+\\(\\s*+['\"]?+\\s*+[^#'\"\\s]"
            + "|url\\s*+\\(\\s*+['\"]?+\\s*+(?:javascript|vbscript):");
    private static final Pattern ACTIVE_DATA = Pattern.compile(
            "(?i)^\\s*data:\\s*(text/html|application/xhtml|image/svg\\+xml|text/javascript|application/javascript"
                    + "|application/ecmascript|text/vbscript|application/x-|application/octet-stream|application/hta)");

    private final ScanContext ctx;

    HtmlInspector(ScanContext ctx) {
        this.ctx = ctx;
    }

    /** Inspects HTML; {@code bytes} (may be {@code null}) lets jsoup honour a declared charset. */
    void inspect(String path, String source, byte[] bytes) {
        Document doc;
        if (bytes != null) {
            try {
                doc = Jsoup.parse(new ByteArrayInputStream(bytes), null, "", Parser.htmlParser());
            } catch (IOException e) {
                doc = Jsoup.parse(Texts.latin1(bytes, 0, bytes.length));
            }
        } else {
            doc = Jsoup.parse(source);
        }
        int visited = 0;
        int positioned = 0;
        StringBuilder scripts = new StringBuilder();
        for (Element e : doc.getAllElements()) {
            if (++visited > MAX_ELEMENTS) {
                ctx.report(Rule.SCAN_INCOMPLETE, path, "HTML has more than " + MAX_ELEMENTS + " elements");
                break;
            }
            if ((visited & 1023) == 0) {
                ctx.checkTime(path);
            }
            String tag = e.normalName();
            switch (tag) {
                case "script" -> {
                    String src = e.attr("src");
                    ctx.report(Rule.HTML_SCRIPT, path, src.isEmpty() ? "inline <script>" : "<script src=" + src + ">");
                    if (scripts.length() < 1_000_000) {
                        scripts.append(e.data()).append('\n');
                    }
                }
                case "iframe", "frame", "frameset", "object", "embed", "applet", "portal" ->
                        ctx.report(Rule.HTML_EMBED, path, "<" + tag + "> element" + src(e));
                case "form" -> form(path, e.attr("action"), "form");
                case "meta" -> {
                    if (e.attr("http-equiv").equalsIgnoreCase("refresh")) {
                        Matcher m = META_URL.matcher(e.attr("content"));
                        String target = m.find() ? m.group(1) : refreshTarget(e.attr("content"));
                        if (target != null) {
                            ctx.report(Rule.HTML_META_REFRESH, path, "meta refresh to " + Texts.clip(target, 150));
                        }
                    }
                }
                case "base" -> {
                    if (!e.attr("href").isEmpty()) {
                        ctx.report(Rule.HTML_EMBED, path, "<base href> re-targets every relative link to "
                                + Texts.clip(e.attr("href"), 100));
                    }
                }
                case "style" -> {
                    overlayStyleSheet(path, e.data());
                    cssScript(path, e.data(), "<style> sheet");
                }
                default -> {
                }
            }
            for (Attribute a : e.attributes()) {
                String name = a.getKey().toLowerCase(Locale.ROOT);
                String value = a.getValue();
                if (name.startsWith("on") && name.length() > 2) {
                    ctx.report(Rule.HTML_EVENT_HANDLER, path, "<" + tag + " " + name + "> event handler");
                    if (scripts.length() < 1_000_000) {
                        scripts.append(value).append('\n');
                    }
                }
                String v = url(value);
                if (v.startsWith("javascript:") || v.startsWith("vbscript:")) {
                    ctx.report(Rule.HTML_SCRIPT, path, "<" + tag + " " + name + "=" + Texts.clip(v, 40) + "> script URL");
                } else if (v.startsWith("data:") && ACTIVE_DATA.matcher(v).find()) {
                    ctx.report(Rule.HTML_DATA_URI, path, "<" + tag + " " + name + "> holds " + Texts.clip(value, 60));
                    if (tag.equals("a") && e.hasAttr("download")) {
                        ctx.report(Rule.HTML_SMUGGLING, path, "download link carrying a data: payload ("
                                + Texts.clip(e.attr("download"), 60) + ")");
                    }
                }
                if (name.equals("formaction")) {
                    form(path, value, tag + " formaction");
                }
                if (name.equals("style")) {
                    cssScript(path, value, "<" + tag + " style>");
                }
                if (name.equals("style") && positioned < 1000 && CSS_POSITION.matcher(value).find()) {
                    positioned++; // each check selects the element's links: bound the total work
                    overlayInline(path, e, value);
                }
            }
        }
        smuggling(path, scripts.toString());
    }

    /**
     * The target of a refresh written without {@code url=} ({@code 0;https://x}, {@code 0, 'https://x'},
     * {@code 0 https://x}), read as the HTML standard's declarative refresh steps do: a delay of digits and
     * dots, then white space, {@code ;} or {@code ,}, then the URL, optionally quoted; {@code null} when there
     * is none. One pass, no backtracking.
     */
    static String refreshTarget(String content) {
        int n = content.length();
        int i = skipSpace(content, 0);
        int digits = i;
        while (i < n && content.charAt(i) >= '0' && content.charAt(i) <= '9') {
            i++;
        }
        if (i == digits && (i >= n || content.charAt(i) != '.')) {
            return null;
        }
        while (i < n && (content.charAt(i) >= '0' && content.charAt(i) <= '9' || content.charAt(i) == '.')) {
            i++;
        }
        if (i >= n) {
            return null;
        }
        char sep = content.charAt(i);
        if (sep != ';' && sep != ',' && !isSpace(sep)) {
            return null;
        }
        i = skipSpace(content, i);
        if (i < n && (content.charAt(i) == ';' || content.charAt(i) == ',')) {
            i = skipSpace(content, i + 1);
        }
        if (content.regionMatches(true, i, "url", 0, 3) && skipSpace(content, i + 3) < n
                && content.charAt(skipSpace(content, i + 3)) == '=') {
            return null; // the url= form, read by META_URL
        }
        if (i < n && (content.charAt(i) == '\'' || content.charAt(i) == '"')) {
            char quote = content.charAt(i++);
            int close = content.indexOf(quote, i);
            content = content.substring(i, close < 0 ? n : close);
        } else {
            content = content.substring(i);
        }
        String target = content.strip();
        return target.isEmpty() ? null : target;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * An attribute value as a browser's URL parser reads it: tabs and line breaks removed anywhere
     * ({@code java&#x09;script:} runs), leading and trailing control characters and spaces dropped; lower case.
     */
    static String url(String value) {
        StringBuilder b = new StringBuilder(Math.min(value.length(), 4096));
        for (int i = 0; i < value.length() && b.length() < 4096; i++) {
            char c = value.charAt(i);
            if (c != '\t' && c != '\n' && c != '\r') {
                b.append(c);
            }
        }
        return b.toString().trim().toLowerCase(Locale.ROOT);
    }

    private void cssScript(String path, String css, String where) {
        if (css.indexOf('(') < 0 && css.indexOf('\uFF08') < 0 && css.indexOf('\u207D') < 0
                && css.indexOf('\u208D') < 0) {
            return; // every CSS_SCRIPT form calls a function (old IE also took these look-alikes of '(')
        }
        Matcher m = CSS_SCRIPT.matcher(css(css));
        if (m.find()) {
            ctx.report(Rule.HTML_CSS_SCRIPT, path, where + " runs script from CSS: " + Texts.clip(m.group(), 40));
        }
    }

    /**
     * CSS as an old browser reads it, for matching: comments removed (IE joined {@code expr/**}{@code /ession}),
     * escapes decoded ({@code \65 xpression}, {@code e\xpression}; {@code \0} dropped), the look-alikes IE 6/7
     * took for ASCII folded ({@link #foldIe}: full-width {@code ｅｘｐｒｅｓｓｉｏｎ（}, small capitals
     * {@code expʀessɪoɴ}), lower case; the first 200 000 characters.
     */
    static String css(String s) {
        int n = Math.min(s.length(), 200_000);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int close = s.indexOf("*/", i + 2);
                i = close < 0 ? n : close + 1;
            } else if (c == '\\' && i + 1 < n) {
                int j = i + 1;
                int cp = 0;
                while (j < n && j < i + 7 && hex(s.charAt(j)) >= 0) {
                    cp = cp * 16 + hex(s.charAt(j));
                    j++;
                }
                if (j == i + 1) {
                    b.append(s.charAt(j)); // "\x" is "x"
                    i = j;
                    continue;
                }
                if (cp > 0 && cp <= Character.MAX_CODE_POINT) {
                    b.appendCodePoint(cp);
                }
                // one white space after a hex escape belongs to it
                i = j < n && Character.isWhitespace(s.charAt(j)) ? j : j - 1;
            } else {
                b.append(c);
            }
        }
        for (int i = 0; i < b.length(); i++) {
            b.setCharAt(i, foldIe(b.charAt(i)));
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * The ASCII character old IE is reported to have read in CSS for {@code c}, else {@code c}: the full-width
     * forms U+FF01–U+FF5E ({@code ｅｘｐｒｅｓｓｉｏｎ（…）}) and a few small capitals and super/subscripts
     * (ʀ ɴ ⁿ ʟ ɪ, ⁽ ₍), as long-standing HTML sanitizers (MediaWiki's, Trac's) fold them before they look for
     * {@code expression} and {@code url}. {@code expression()} ran up to IE 7 and in the IE 5/7 document modes of
     * later versions. Current engines keep these as other characters (inert text): folded here only so the
     * detector and the disarmer find what such an engine would run.
     */
    static char foldIe(char c) {
        if (c >= '\uFF01' && c <= '\uFF5E') {
            return (char) (c - 0xFEE0);
        }
        return switch (c) {
            case '\u0280' -> 'r';
            case '\u0274', '\u207F' -> 'n';
            case '\u029F' -> 'l';
            case '\u026A' -> 'i';
            case '\u207D', '\u208D' -> '(';
            default -> c;
        };
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : -1;
    }

    private static String src(Element e) {
        String s = e.hasAttr("src") ? e.attr("src") : e.hasAttr("data") ? e.attr("data") : "";
        return s.isEmpty() ? "" : " loading " + Texts.clip(s, 100);
    }

    /** A form in a mail posts wherever its action points: any absolute target is "elsewhere". */
    private void form(String path, String action, String what) {
        String a = url(action);
        if (a.startsWith("http:") || a.startsWith("https:") || a.startsWith("//") || a.startsWith("ftp:")
                || a.startsWith("data:") || a.startsWith("mailto:")) {
            ctx.report(Rule.HTML_FORM_EXTERNAL, path, what + " posts to " + Texts.clip(action, 150));
        }
    }

    /**
     * An element positioned over the page (fixed/absolute and viewport-sized, or pinned at a high
     * z-index) or an invisible positioned link: the classic overlay that puts an attacker's click target
     * over a genuine-looking page. Hidden preheader text (display:none) is normal in newsletters and not
     * judged.
     */
    private void overlayInline(String path, Element e, String style) {
        if (!CSS_POSITION.matcher(style).find()) {
            return;
        }
        boolean covers = CSS_COVER.matcher(style).find() || CSS_INSET_ZERO.matcher(style).find();
        Matcher z = CSS_ZINDEX.matcher(style);
        boolean high = z.find() && Long.parseLong(z.group(1).substring(0, Math.min(9, z.group(1).length()))) >= 1000;
        boolean invisible = CSS_INVISIBLE.matcher(style).find();
        boolean link = e.normalName().equals("a") || !e.select("a[href]").isEmpty();
        if (covers && (high || link || invisible) || invisible && link) {
            ctx.report(Rule.HTML_OVERLAY, path, "<" + e.normalName() + "> positioned over the page"
                    + (invisible ? ", invisible" : "") + (link ? ", with a link" : ""));
        }
    }

    private void overlayStyleSheet(String path, String css) {
        String c = css.length() > 200_000 ? css.substring(0, 200_000) : css;
        int from = 0;
        for (int k = 0; k < 10_000; k++) {
            int open = c.indexOf('{', from);
            int close = open < 0 ? -1 : c.indexOf('}', open);
            if (close < 0) {
                return;
            }
            String body = c.substring(open + 1, close);
            if (CSS_POSITION.matcher(body).find() && (CSS_COVER.matcher(body).find() || CSS_INSET_ZERO.matcher(body)
                    .find())) {
                Matcher z = CSS_ZINDEX.matcher(body);
                boolean high = z.find()
                        && Long.parseLong(z.group(1).substring(0, Math.min(9, z.group(1).length()))) >= 1000;
                if (high || CSS_INVISIBLE.matcher(body).find()) {
                    ctx.report(Rule.HTML_OVERLAY, path, "style sheet positions an element over the whole page");
                    return;
                }
            }
            from = close + 1;
        }
    }

    /** Script that builds a blob from embedded data and makes the browser save it. */
    private void smuggling(String path, String js) {
        if (js.isEmpty()) {
            return;
        }
        String s = js.length() > 2_000_000 ? js.substring(0, 2_000_000) : js;
        boolean blob = s.contains("Blob(") || s.contains("new Blob") || s.contains("File(");
        boolean url = s.contains("createObjectURL") || s.contains("msSaveOrOpenBlob") || s.contains("msSaveBlob");
        boolean fire = s.contains(".download") || s.contains("'download'") || s.contains("\"download\"")
                || s.contains(".click()") || s.contains("msSave");
        boolean decode = s.contains("atob(") || s.contains("Uint8Array") || s.contains("charCodeAt")
                || s.contains("fromCharCode");
        if (blob && url && (fire || decode)) {
            ctx.report(Rule.HTML_SMUGGLING, path, "script assembles a Blob and hands it to the browser as a download");
        }
    }
}
