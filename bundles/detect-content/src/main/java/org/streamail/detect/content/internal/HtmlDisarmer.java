package org.streamail.detect.content.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.safety.Cleaner;
import org.jsoup.safety.Safelist;

/**
 * Produces a disarmed copy of an HTML body: scripts, event handlers, forms, frames, plug-ins and
 * remote-content loads (remote images, style sheets, CSS {@code url()}) removed with jsoup's {@link Cleaner}
 * and a relaxed {@link Safelist}, and a banner prepended that says what was removed and that the original
 * is held in quarantine. Links stay (the link guard rewrites them). Used by {@link HtmlDisarmTransformer} on
 * the delivery path; not exported. Immutable and thread-safe.
 */
public final class HtmlDisarmer {
    private static final Pattern DANGEROUS_CSS = Pattern.compile(
            "(?i)url\\s*\\(|expression\\s*\\(|behavior\\s*:|-moz-binding|@import|position\\s*:|javascript:");

    /**
     * The disarmed document, a human-readable list of what was removed ("2 scripts") and the same as counts
     * per kind ("script" -> 2, in the order found) for adding up several parts.
     */
    public record Result(String html, List<String> removed, Map<String, Integer> counts) {
        public Result {
            removed = List.copyOf(removed);
            counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
        }
    }

    private final Safelist safelist;

    public HtmlDisarmer() {
        this.safelist = Safelist.relaxed()
                .removeProtocols("img", "src", "http", "https")
                .addProtocols("img", "src", "cid", "data")
                .addAttributes(":all", "style", "align", "valign", "bgcolor", "color", "dir", "lang")
                .addAttributes("table", "border", "cellpadding", "cellspacing")
                .addAttributes("font", "face", "size", "color")
                .addTags("font", "center", "hr")
                .addProtocols("a", "href", "tel");
    }

    /** Disarms {@code html}; never throws for bad markup (jsoup repairs it the way browsers do). */
    public Result disarm(String html) {
        return disarm(html, null);
    }

    /**
     * Disarms {@code html} and names the quarantine entry holding the original in the banner.
     *
     * @param html         the document, or {@code null} for an empty one
     * @param quarantineId the id under which the original is held, or {@code null} to leave it out
     */
    public Result disarm(String html, String quarantineId) {
        Document dirty = Jsoup.parse(html == null ? "" : html);
        Map<String, Integer> removed = new LinkedHashMap<>();
        count(removed, dirty.select("script").size(), "script");
        int handlers = 0;
        for (Element e : dirty.getAllElements()) {
            for (var a : e.attributes()) {
                if (a.getKey().toLowerCase(Locale.ROOT).startsWith("on")) {
                    handlers++;
                }
            }
        }
        count(removed, handlers, "event handler");
        count(removed, dirty.select("form").size(), "form");
        count(removed, dirty.select("iframe, frame, frameset, object, embed, applet").size(), "frame or plug-in");
        count(removed, dirty.select("img[src~=(?i)^\\s*(https?:)?//]").size(), "remote image");
        count(removed, dirty.select("link, style").size(), "style sheet");
        count(removed, dirty.select("meta[http-equiv]").size(), "meta refresh or header");
        count(removed, dirty.select("[href~=(?i)^\\s*(javascript|vbscript|data):]").size(), "script link");

        Document clean = new Cleaner(safelist).clean(dirty);
        int styles = 0;
        for (Element e : clean.select("[style]")) {
            // matched as a browser reads the CSS (comments, escapes: e\xpression), a style too long for that dropped
            String style = e.attr("style");
            if (style.length() > 200_000 || DANGEROUS_CSS.matcher(HtmlInspector.css(style)).find()) {
                e.removeAttr("style");
                styles++;
            }
        }
        count(removed, styles, "active or positioning style");
        for (Element img : clean.select("img[src]")) {
            String src = img.attr("src").trim().toLowerCase(Locale.ROOT);
            if (src.startsWith("data:") && !src.startsWith("data:image/") || src.startsWith("data:image/svg")) {
                img.removeAttr("src");
            }
        }
        List<String> described = describe(removed);
        clean.body().prependChild(banner(described, quarantineId));
        clean.outputSettings().prettyPrint(false);
        return new Result(clean.outerHtml(), described, removed);
    }

    /** "2 scripts", "1 form", ... for counts per kind (as in {@link Result#counts()}), in their order. */
    public static List<String> describe(Map<String, Integer> counts) {
        List<String> out = new ArrayList<>();
        counts.forEach((what, n) -> out.add(n + " " + what + (n == 1 ? "" : "s")));
        return out;
    }

    private static void count(Map<String, Integer> removed, int n, String what) {
        if (n > 0) {
            removed.merge(what, n, Integer::sum);
        }
    }

    private static Element banner(List<String> removed, String quarantineId) {
        Element div = new Element("div").attr("style",
                "border:1px solid #b00;background:#fee;color:#000;padding:8px;margin:0 0 12px 0;font:13px sans-serif");
        div.appendElement("strong").text("Streamail removed active content from this message.");
        div.appendText(" " + (removed.isEmpty() ? "Nothing active was found, the message was re-written safely."
                : "Removed: " + String.join(", ", removed) + ".")
                + " The original message is held in quarantine"
                + (quarantineId == null ? "" : " (id " + quarantineId + ")")
                + "; ask your administrator to release it if you need it.");
        return div;
    }
}
