package org.streamail.core.internal.parse;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.streamail.api.model.Link;

/**
 * Finds links in HTML (with jsoup) and in plain text (with a bounded regular expression). Appends to a
 * caller-owned list and stops at {@code maxLinks} so a message with a million anchors costs a bounded
 * amount. Stateless and thread-safe.
 */
final class LinkExtractor {

    /** Longest href kept; longer ones are cut (phishing URLs pad, but never usefully past this). */
    static final int MAX_HREF = 4096;
    static final int MAX_TEXT = 1024;

    /**
     * Scheme URLs and bare www. hosts, not inside a word. Possessive, length-capped runs: no backtracking blow-up
     * whatever the input. The start is a look-behind at the one character before, not {@code \b}: Java's
     * {@code \b} reads a combining mark as part of the word of its base letter and walks back over the whole run
     * of marks to find it, at every position it is tried, so a text body of 32 000 combining marks took 16 s and a
     * megabyte of them an hour at DATA. A mark is not a word character here: a URL after one is a link.
     */
    static final Pattern TEXT_URL = Pattern.compile(
            "(?i)(?<![\\p{L}\\p{Nd}_])(?:(?:https?|ftp)://|www\\.)[^\\s<>\"'`{}|\\\\^\\[\\]]{1," + MAX_HREF + "}+");
    private static final Pattern REFRESH_URL = Pattern.compile("(?i)url\\s*=\\s*['\"]?([^'\"]{1," + MAX_HREF + "})");

    private LinkExtractor() {
    }

    /** Links of an HTML document: a/area href with visible text, form action, img/iframe src, meta refresh. */
    static void fromHtml(String html, String part, List<Link> out, int maxLinks) {
        if (out.size() >= maxLinks || html.isEmpty()) {
            return;
        }
        Document doc = Jsoup.parse(html);
        for (Element e : doc.select("a[href], area[href], form[action], img[src], iframe[src], frame[src], "
                + "meta[http-equiv], embed[src], object[data]")) {
            if (out.size() >= maxLinks) {
                return;
            }
            String tag = e.normalName();
            switch (tag) {
                case "a", "area" -> add(out, e.attr("href"), tag.equals("a") ? e.text() : e.attr("alt"),
                        Link.Source.HTML_ANCHOR, part);
                case "form" -> add(out, e.attr("action"), "", Link.Source.HTML_FORM, part);
                case "img", "iframe", "frame", "embed" -> add(out, e.attr("src"), "", Link.Source.HTML_RESOURCE, part);
                case "object" -> add(out, e.attr("data"), "", Link.Source.HTML_RESOURCE, part);
                case "meta" -> {
                    if (e.attr("http-equiv").trim().equalsIgnoreCase("refresh")) {
                        Matcher m = REFRESH_URL.matcher(e.attr("content"));
                        if (m.find()) {
                            add(out, m.group(1), "", Link.Source.HTML_RESOURCE, part);
                        }
                    }
                }
                default -> {
                    // selector and switch cover the same tags
                }
            }
        }
    }

    /** URLs written in plain text. */
    static void fromText(String text, String part, List<Link> out, int maxLinks) {
        Matcher m = TEXT_URL.matcher(text);
        while (out.size() < maxLinks && m.find()) {
            String url = trimTrailingPunctuation(m.group());
            add(out, url, "", Link.Source.TEXT, part);
        }
    }

    private static void add(List<Link> out, String href, String text, Link.Source source, String part) {
        String h = href == null ? "" : href.trim();
        if (h.isEmpty() || h.startsWith("#")) {
            return;
        }
        if (h.length() > MAX_HREF) {
            h = h.substring(0, MAX_HREF);
        }
        String t = text == null ? "" : text.trim();
        if (t.length() > MAX_TEXT) {
            t = t.substring(0, MAX_TEXT);
        }
        out.add(new Link(h, t, source, part));
    }

    /** Sentence punctuation after a URL in prose belongs to the sentence, not the URL. */
    private static String trimTrailingPunctuation(String url) {
        int end = url.length();
        while (end > 0 && ".,;:!?)'\"".indexOf(url.charAt(end - 1)) >= 0) {
            // keep a closing parenthesis that has its opening one inside the URL (wikipedia style)
            if (url.charAt(end - 1) == ')' && url.substring(0, end).indexOf('(') >= 0) {
                break;
            }
            end--;
        }
        return url.substring(0, end);
    }
}
