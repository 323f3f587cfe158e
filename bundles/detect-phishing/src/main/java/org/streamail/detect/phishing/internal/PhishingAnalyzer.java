package org.streamail.detect.phishing.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Link;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;

/**
 * The phishing checks for one message: a pure function of the rules, the organisation snapshot and the
 * inspection. One instance per message (it collects hits in fields); not thread-safe, never shared.
 */
final class PhishingAnalyzer {

    static final String DETECTOR = "phishing";

    /** Score multipliers and bounds from the component configuration. */
    record Settings(double global, double link, double sender, double intent, double form, double combo,
                    int maxTextChars, int maxLinks) {
        static final Settings DEFAULT = new Settings(1, 1, 1, 1, 1, 1, 200_000, 500);
    }

    /** The message log, when there is one. */
    interface ContactHistory {
        boolean seenBefore(String sender, String recipient, Instant before);
    }

    static final int MAX_HTML_CHARS = 2_000_000;
    static final int MAX_HTML_ATTACHMENTS = 10;
    static final int MAX_RECIPIENTS_CHECKED = 10;
    static final int MAX_EVIDENCE = 3;

    private static final Set<String> SCRIPT_SCHEMES = Set.of("javascript", "vbscript", "data");
    private static final Set<String> WEB_SCHEMES = Set.of("http", "https", "ftp", "");
    private static final Set<String> FILE_EXTENSIONS = Set.of("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
            "zip", "png", "jpg", "jpeg", "gif", "html", "htm", "php", "aspx", "txt", "csv", "exe", "odt", "ods");
    private static final Pattern TEXT_URL = Pattern.compile(
            "^((?:https?|ftp)://)?([\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,62})(?:\\.[\\p{L}\\p{N}-]{1,63})+)\\.?(?:[/:?#]\\S*)?$");

    private static final Map<String, String> INTENT_LABELS = Map.of(
            "credential", "asks you to give or confirm a password or account details",
            "remote-access", "asks you to install or open a remote-access tool",
            "exfiltration", "asks you to send, upload or export internal data",
            "forward-contacts", "asks you to forward it to all your contacts",
            "payment-change", "asks to change bank or payment details, or to make an unusual payment",
            "urgency", "pushes you to act at once",
            "secrecy", "asks you to keep it secret or not to check",
            "mfa-code", "asks for a verification or MFA code",
            "security-bypass", "asks you to weaken a protection or approve someone's access");

    private final RuleSet rules;
    private final Org org;
    private final Inspection inspection;
    private final Settings settings;
    private final ContactHistory history;
    private final Targets targets;
    private final Map<String, Hit> hits = new LinkedHashMap<>();
    private boolean incomplete;
    /** Intent rules ("intents.rules:97") whose regular expression overflowed the stack on this message. */
    private final List<String> overflowed = new ArrayList<>();

    private static final class Hit {
        final String rule;
        double score;
        String detail;
        final String part;
        int count = 1;

        Hit(String rule, double score, String detail, String part) {
            this.rule = rule;
            this.score = score;
            this.detail = detail;
            this.part = part;
        }
    }

    PhishingAnalyzer(RuleSet rules, Org org, Targets targets, Inspection inspection, Settings settings,
                     ContactHistory history) {
        this.rules = rules;
        this.org = org;
        this.targets = targets;
        this.inspection = inspection;
        this.settings = settings;
        this.history = history;
    }

    /** Runs every check and returns the findings. */
    List<Finding> analyze() {
        ParsedMessage m = inspection.message();
        MailAddress from = m.sender().orElse(null);
        String fromDomain = from == null ? "" : Hosts.toAscii(from.domain());
        String envDomain = Hosts.toAscii(inspection.envelope().senderDomain());
        if (!fromDomain.isEmpty() && rules.allow().matchHost(fromDomain).isPresent()
                && (envDomain.isEmpty() || rules.allow().matchHost(envDomain).isPresent())) {
            return List.of(new Finding(DETECTOR, Rules.ALLOW_LISTED, 0, Category.INFO,
                    "The sender's domain " + fromDomain + " is on the phishing allow-list; no phishing rule applied"));
        }
        try {
            Document body = parseHtml(m.htmlBody());
            List<HtmlPart> htmlAttachments = htmlAttachments(m);
            Texts texts = texts(m, body, htmlAttachments);
            prefilter = Prefilter.of(rules);
            foldedHits = prefilter.scan(texts.folded());
            strippedHits = texts.accentFree() ? foldedHits : prefilter.scan(texts.stripped());
            Set<RuleSet.Brand> mentioned = brandsMentioned(texts, from);
            intents(texts);
            disguised();
            checkDeadline();
            links(m, from, fromDomain, mentioned);
            checkDeadline();
            forms(body, htmlAttachments);
            senders(m, from, fromDomain);
            firstContact(from);
            combos();
        } catch (BoundedText.DeadlineReached e) {
            incomplete = true;
        }
        return findings();
    }

    private void checkDeadline() {
        // the pipeline interrupts a detector that overran: stop as soon as we notice
        if (inspection.expired() || Thread.currentThread().isInterrupted()) {
            throw new BoundedText.DeadlineReached();
        }
    }

    // ---------------------------------------------------------------- text

    private record HtmlPart(String name, Document document) {
    }

    /** The folded text and the same without accents; {@code accentFree} when they are equal (most mail). */
    /** Which required strings the two text forms contain (set in {@link #analyze}). */
    private Prefilter prefilter;
    private Prefilter.Hits foldedHits;
    private Prefilter.Hits strippedHits;
    /** The message text with look-alike letters folded, and the intent words so disguised (set in {@link #texts}). */
    private Homoglyphs.Result unmasked;

    record Texts(String folded, String stripped, boolean accentFree) {
        Texts(String folded, String stripped) {
            this(folded, stripped, folded.equals(stripped));
        }
    }

    private Document parseHtml(String html) {
        if (html == null || html.isEmpty()) {
            return null;
        }
        return Jsoup.parse(TextNormalizer.truncate(html, MAX_HTML_CHARS));
    }

    private List<HtmlPart> htmlAttachments(ParsedMessage m) {
        List<HtmlPart> out = new ArrayList<>();
        for (Attachment a : m.attachments()) {
            if (out.size() >= MAX_HTML_ATTACHMENTS) {
                break;
            }
            String name = a.displayName().toLowerCase(Locale.ROOT);
            boolean html = a.declaredType().equals("text/html") || a.detectedType().equals("text/html")
                    || name.endsWith(".html") || name.endsWith(".htm") || name.endsWith(".xhtml")
                    || name.endsWith(".shtml");
            if (!html || a.size() > MAX_HTML_CHARS) {
                continue;
            }
            try {
                out.add(new HtmlPart(a.displayName(), Jsoup.parse(a.content().openStream(), null, "")));
            } catch (IOException | RuntimeException e) {
                // an unreadable attachment is the content detector's business; skip it here
            }
        }
        return out;
    }

    private Texts texts(ParsedMessage m, Document body, List<HtmlPart> attachments) {
        StringBuilder sb = new StringBuilder();
        int max = settings.maxTextChars();
        append(sb, m.subject(), max);
        append(sb, m.textBody(), max);
        if (body != null) {
            append(sb, body.text(), max);
            append(sb, visibleText(body), max);
        }
        for (HtmlPart p : attachments) {
            append(sb, p.document().text(), max);
            append(sb, visibleText(p.document()), max);
        }
        // look-alike letters of other scripts inside Latin words folded first ("vеrify" with a Cyrillic е)
        unmasked = Homoglyphs.unmask(TextNormalizer.truncate(sb.toString(), max), Homoglyphs.vocabulary(rules));
        String folded = TextNormalizer.fold(unmasked.text(), max);
        return new Texts(folded, TextNormalizer.stripAccents(folded));
    }

    /** An inline style that hides an element's text from the reader (spaces removed, lower case). */
    private static final Pattern HIDING_STYLE = Pattern.compile(
            "(?:^|;)(?:display:none|visibility:hidden|(?:font-size|opacity):0+(?:\\.0*)?(?![.\\d]))");

    /** Bounds on the {@code <style>} sheets read for hiding rules: characters read in all, selectors kept. */
    static final int MAX_STYLE_CHARS = 64 * 1024;
    static final int MAX_HIDING_SELECTORS = 20;
    private static final int MAX_SELECTOR_CHARS = 100;
    /**
     * The selectors applied from a style sheet: type, class, id and attribute selectors, alone or two joined by a
     * descendant or child combinator. Pseudo-classes, longer chains and everything else a mail's sheet might hold
     * are left out, so an attacker's sheet can neither make a selector throw nor make matching costly.
     */
    private static final Pattern SIMPLE_SELECTOR = Pattern.compile(
            "[A-Za-z0-9_\\-.#*\\[\\]=\"']+(?:\\s*>\\s*|\\s+)?[A-Za-z0-9_\\-.#*\\[\\]=\"']*");

    /**
     * The document's text without the elements the reader does not see, or {@code null} when there are none.
     * Hidden are the elements with the {@code hidden} attribute, an inline style that hides them, or a class,
     * id or tag that a rule of the document's own {@code <style>} sheets hides. Words hidden between the words of
     * a request ("verify your {@code <span class="x">news</span>} account") would otherwise break it; the full
     * text is read too, so what hides in a preheader still counts.
     */
    private static String visibleText(Document d) {
        List<String> sheetRules = hidingSelectors(d);
        if (sheetRules.isEmpty() && !hasHidden(d)) {
            return null;
        }
        Document copy = d.clone();
        boolean removed = false;
        for (Element e : copy.select("[style], [hidden]")) {
            if (hidden(e)) {
                e.remove();
                removed = true;
            }
        }
        for (String selector : sheetRules) {
            for (Element e : select(copy, selector)) {
                e.remove();
                removed = true;
            }
        }
        return removed ? copy.text() : null;
    }

    /**
     * The selectors of the rules in the document's style sheets whose declarations hide an element, as far as
     * {@link #SIMPLE_SELECTOR} reads them. The sheets are read in one pass; the rules inside {@code @media} and
     * other blocks count like the others.
     */
    static List<String> hidingSelectors(Document d) {
        List<String> out = new ArrayList<>();
        int budget = MAX_STYLE_CHARS;
        for (Element style : d.select("style")) {
            if (budget <= 0 || out.size() >= MAX_HIDING_SELECTORS) {
                break;
            }
            String sheet = style.data();
            sheet = sheet.substring(0, Math.min(sheet.length(), budget));
            budget -= sheet.length();
            sheet = sheet.replaceAll("(?s)/\\*.*?(?:\\*/|$)", " ");
            int n = sheet.length();
            int start = 0;
            int i = 0;
            while (i < n && out.size() < MAX_HIDING_SELECTORS) {
                char c = sheet.charAt(i);
                if (c == '}') {
                    start = ++i;
                } else if (c != '{') {
                    i++;
                } else {
                    int j = i + 1;
                    while (j < n && sheet.charAt(j) != '{' && sheet.charAt(j) != '}') {
                        j++;
                    }
                    if (j < n && sheet.charAt(j) == '}') {
                        if (HIDING_STYLE.matcher(compact(sheet.substring(i + 1, j))).find()) {
                            addSelectors(sheet.substring(start, i), out);
                        }
                        start = j + 1;
                        i = j + 1;
                    } else {
                        // an at-rule's block (or a brace never closed): its rules start after this brace
                        start = i + 1;
                        i = j;
                    }
                }
            }
        }
        return out;
    }

    private static void addSelectors(String list, List<String> out) {
        for (String selector : list.replace("<!--", " ").replace("-->", " ").split(",")) {
            String s = selector.strip();
            if (!s.isEmpty() && s.length() <= MAX_SELECTOR_CHARS && out.size() < MAX_HIDING_SELECTORS
                    && SIMPLE_SELECTOR.matcher(s).matches()) {
                out.add(s);
            }
        }
    }

    /** The body elements a selector names (never the body itself); none when jsoup cannot read the selector. */
    private static List<Element> select(Document d, String selector) {
        try {
            List<Element> out = new ArrayList<>();
            for (Element e : d.body().select(selector)) {
                if (e != d.body()) {
                    out.add(e);
                }
            }
            return out;
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static boolean hasHidden(Document d) {
        for (Element e : d.select("[style], [hidden]")) {
            if (hidden(e)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hidden(Element e) {
        if (e.hasAttr("hidden")) {
            return true;
        }
        String style = e.attr("style");
        return !style.isEmpty() && HIDING_STYLE.matcher(compact(style)).find();
    }

    /** A style's declarations without white space, in lower case, at most 1,000 characters. */
    private static String compact(String style) {
        StringBuilder sb = new StringBuilder(Math.min(style.length(), 1000));
        for (int i = 0; i < style.length() && sb.length() < 1000; i++) {
            char c = style.charAt(i);
            if (!Character.isWhitespace(c)) {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String s, int max) {
        if (s == null || s.isEmpty() || sb.length() >= max) {
            return;
        }
        sb.append(TextNormalizer.truncate(s, max - sb.length())).append('\n');
    }

    private Set<RuleSet.Brand> brandsMentioned(Texts texts, MailAddress from) {
        Set<RuleSet.Brand> out = new java.util.LinkedHashSet<>();
        String name = from == null ? "" : TextNormalizer.stripAccents(TextNormalizer.fold(unmasked(from), 300));
        for (RuleSet.Brand b : rules.brands()) {
            for (Pattern p : b.keywordPatterns()) {
                if ((prefilter.mayMatch(p, strippedHits) && p.matcher(new BoundedText(texts.stripped(), inspection.deadline())).find())
                        || (mayMatch(p, name) && p.matcher(name).find())) {
                    out.add(b);
                    break;
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- intents

    private void intents(Texts texts) {
        Map<String, List<String>> evidence = new LinkedHashMap<>();
        Map<String, Double> weights = new LinkedHashMap<>();
        for (RuleSet.IntentPattern p : rules.intents()) {
            String found = null;
            try {
                if (p.folded() != null) {
                    found = find(p.folded(), foldedHits);
                }
                if (found == null && (p.folded() == null || !texts.accentFree()
                        || !p.stripped().pattern().equals(p.folded().pattern()))) {
                    found = find(p.stripped(), strippedHits);
                }
            } catch (StackOverflowError e) {
                // java.util.regex recurses once per repetition of a group with alternatives ("(.|\\n)*"): on a long
                // text such a pattern overflows the stack. It gives up on this message; the other rules go on.
                if (overflowed.size() < MAX_EVIDENCE) {
                    overflowed.add(RuleParser.INTENTS + ":" + p.line());
                }
                continue;
            }
            if (found == null) {
                continue;
            }
            weights.merge(p.intent(), p.weight(), Math::max);
            List<String> ev = evidence.computeIfAbsent(p.intent(), k -> new ArrayList<>());
            if (ev.size() < MAX_EVIDENCE && !ev.contains(found)) {
                ev.add(found);
            }
        }
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            String label = INTENT_LABELS.getOrDefault(e.getKey(), "matches the intent '" + e.getKey() + "'");
            List<String> ev = evidence.get(e.getKey());
            hit(Rules.INTENT_PREFIX + e.getKey(), e.getValue(),
                    "The message " + label + ": " + quoteAll(ev), "");
        }
    }

    /** {@code intent-disguised}: words of the intent rules spelled with letters of another script. */
    private void disguised() {
        if (unmasked == null || unmasked.count() == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder(
                "The message spells words of phishing requests with look-alike letters of another script, "
                        + "a trick to slip past filters: ");
        List<Homoglyphs.Disguise> examples = unmasked.disguised();
        for (int i = 0; i < examples.size(); i++) {
            Homoglyphs.Disguise d = examples.get(i);
            sb.append(i == 0 ? "" : ", ").append('"').append(clip(d.written(), 40)).append("\" reads as \"")
                    .append(d.reads()).append("\" (").append(d.scripts()).append(')');
        }
        if (unmasked.count() > examples.size()) {
            sb.append(" (").append(unmasked.count()).append(" disguised words in all)");
        }
        hit(Rules.INTENT_DISGUISED, sb.toString(), "");
    }

    /** The prefix {@link RuleParser#phrase} gives every phrase matcher; each of its words is quoted. */
    private static final String PHRASE_PREFIX = "(?<![\\p{L}\\p{N}])\\Q";

    /**
     * Whether {@code p} may match {@code text}: false only when the text lacks something every match
     * contains (see {@link #requirements}), which a few {@link String#contains} tell far faster than the
     * regex scan; most rules miss most mail.
     */
    static boolean mayMatch(Pattern p, String text) {
        List<List<String>> all = REQUIRED.get(p.pattern());
        if (all == null) {
            if (REQUIRED.size() >= MAX_REQUIRED_CACHED) {
                REQUIRED.clear(); // only after many rule edits: the live rules refill it at once
            }
            all = requirements(p);
            REQUIRED.put(p.pattern(), all);
        }
        for (List<String> anyOf : all) {
            boolean found = false;
            for (String s : anyOf) {
                if (text.contains(s)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** {@link #requirements} by pattern text: the rules' patterns are few and long-lived. */
    private static final Map<String, List<List<String>>> REQUIRED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REQUIRED_CACHED = 4096;
    private static final int MIN_REQUIRED = 3;
    private static final int MAX_REQUIRED_DEPTH = 8;

    /**
     * What every match of {@code p} contains, as a conjunction of "one of these strings": a phrase needs
     * each of its words; a case-sensitive regular expression is read by {@link #requirements(String)};
     * anything else (case-insensitive flags) gives {@code []}, so the regex always runs.
     */
    static List<List<String>> requirements(Pattern p) {
        String re = p.pattern();
        if (re.startsWith(PHRASE_PREFIX)) {
            List<List<String>> words = new ArrayList<>();
            for (int q = re.indexOf("\\Q"); q >= 0; q = re.indexOf("\\Q", q + 2)) {
                int e = re.indexOf("\\E", q + 2);
                if (e < 0) {
                    return List.of();
                }
                words.add(List.of(re.substring(q + 2, e)));
                q = e;
            }
            return List.copyOf(words);
        }
        return p.flags() == 0 ? requirements(re) : List.of();
    }

    /**
     * What every match of a regular expression contains, as a conjunction of "one of these strings" (each
     * of at least {@value #MIN_REQUIRED} characters); {@code []} when nothing can be told, and then the regex
     * must be run. Required are: each run of plain characters outside any group, class, escape or
     * quantifier; what a group without {@code ?}, {@code *} or {@code {}} after it requires; and for a
     * top-level {@code |}, one of what each alternative requires. For
     * "(vpn|citrix) (credentials|password)" it is [[vpn, citrix], [credentials, password]]. Patterns with
     * inline flags, lookaround or {@code \Q} are not read.
     */
    static List<List<String>> requirements(String re) {
        if (re.contains("(?") || re.contains("\\Q")) {
            return List.of();
        }
        return requirements(re, 0);
    }

    private static List<List<String>> requirements(String re, int depth) {
        if (depth > MAX_REQUIRED_DEPTH) {
            return List.of();
        }
        List<String> alternatives = splitTopLevel(re);
        if (alternatives.size() > 1) {
            List<String> union = new ArrayList<>();
            for (String alt : alternatives) {
                List<String> best = List.of();
                for (List<String> r : requirements(alt, depth + 1)) {
                    best = better(best, r);
                }
                if (best.isEmpty()) {
                    return List.of();
                }
                union.addAll(best);
            }
            return List.of(List.copyOf(new java.util.LinkedHashSet<>(union)));
        }
        List<List<String>> all = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            boolean plain = false;
            if (c == '\\') {
                i++; // the escaped character is a class or a literal; either way it ends the run
            } else if (c == '[') {
                i = classEnd(re, i);
            } else if (c == '(') {
                if (run.length() >= MIN_REQUIRED) {
                    all.add(List.of(run.toString())); // in pattern order: the run before the group first
                }
                run.setLength(0);
                int close = groupEnd(re, i);
                char next = close + 1 < re.length() ? re.charAt(close + 1) : ' ';
                if (close < re.length() && next != '?' && next != '*' && next != '{') {
                    all.addAll(requirements(re.substring(i + 1, close), depth + 1));
                }
                i = close;
            } else if (c == '?' || c == '*' || c == '+' || c == '{') {
                // the quantifier applies to the character before it, which is then not required
                if (run.length() > 0) {
                    run.setLength(run.length() - 1);
                }
                if (c == '{') {
                    int close = re.indexOf('}', i);
                    i = close < 0 ? re.length() : close;
                }
            } else {
                plain = c != '.' && c != '^' && c != '$' && c != ')' && c != '|';
            }
            if (plain) {
                run.append(c);
                continue;
            }
            if (run.length() >= MIN_REQUIRED) {
                all.add(List.of(run.toString()));
            }
            run.setLength(0);
        }
        if (run.length() >= MIN_REQUIRED) {
            all.add(List.of(run.toString()));
        }
        return List.copyOf(all);
    }

    /** The more selective requirement: the longer shortest string, then fewer strings. */
    private static List<String> better(List<String> a, List<String> b) {
        if (b.isEmpty() || b.stream().anyMatch(x -> x.length() < MIN_REQUIRED)) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        int ma = a.stream().mapToInt(String::length).min().orElse(0);
        int mb = b.stream().mapToInt(String::length).min().orElse(0);
        return mb > ma || (mb == ma && b.size() < a.size()) ? b : a;
    }

    /** {@code re} cut at its top-level {@code |} (outside groups, classes and escapes). */
    private static List<String> splitTopLevel(String re) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                i = classEnd(re, i);
            } else if (c == '(') {
                i = groupEnd(re, i);
            } else if (c == '|') {
                out.add(re.substring(start, i));
                start = i + 1;
            }
        }
        out.add(re.substring(Math.min(start, re.length())));
        return out;
    }

    /** The index of the {@code )} closing the group opened at {@code open} ({@code re.length()} if none). */
    private static int groupEnd(String re, int open) {
        int depth = 0;
        for (int i = open; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                i = classEnd(re, i);
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return re.length();
    }

    /** The index of the {@code ]} closing the character class opened at {@code open}. */
    private static int classEnd(String re, int open) {
        int i = open + 1;
        if (i < re.length() && re.charAt(i) == '^') {
            i++;
        }
        if (i < re.length() && re.charAt(i) == ']') {
            i++; // a leading ] is a literal
        }
        int nested = 0;
        for (; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                nested++;
            } else if (c == ']') {
                if (nested == 0) {
                    return i;
                }
                nested--;
            }
        }
        return re.length();
    }

    private String find(Pattern p, Prefilter.Hits hits) {
        if (!prefilter.mayMatch(p, hits)) {
            return null;
        }
        String text = hits.text();
        Matcher matcher = p.matcher(new BoundedText(text, inspection.deadline()));
        if (!matcher.find()) {
            return null;
        }
        return clip(text.substring(matcher.start(), matcher.end()), 60);
    }

    // ---------------------------------------------------------------- links

    private void links(ParsedMessage m, MailAddress from, String fromDomain, Set<RuleSet.Brand> mentioned) {
        Set<String> seen = new HashSet<>();
        String fromReg = fromDomain.isEmpty() ? "" : Hosts.registrable(fromDomain);
        boolean fromImitates = !fromDomain.isEmpty() && !org.isProtected(fromDomain)
                && targets.imitation(fromDomain) != null;
        int n = 0;
        for (Link link : m.links()) {
            if (n++ >= settings.maxLinks()) {
                break;
            }
            String href = Hosts.clean(link.href());
            if (!seen.add(href + "\u0000" + link.text())) {
                continue;
            }
            String scheme = Hosts.scheme(href);
            if (SCRIPT_SCHEMES.contains(scheme)) {
                if (link.source() != Link.Source.HTML_RESOURCE) {
                    hit(Rules.LINK_SCRIPT_SCHEME, "A link runs code or carries its own content ("
                            + clip(href, 40) + ") instead of opening a web page", link.part());
                }
                continue;
            }
            if (!WEB_SCHEMES.contains(scheme) || link.source() == Link.Source.HTML_RESOURCE) {
                continue; // mailto:, tel:, cid:, images: nothing to click through to
            }
            // a link rewritten by another vendor's protection (Safe Links, URL Defense...) or through a big site's
            // open redirect: the target is what the user reaches, so every layer is judged, the target first
            List<String> chain = Hosts.hostOf(href).isPresent() ? Unwrap.chain(href) : List.of(href);
            String target = chain.get(chain.size() - 1);
            String targetHost = Hosts.hostOf(target).map(Hosts::toAscii).orElse(null);
            if (targetHost == null) {
                continue;
            }
            if (rules.allow().matchesLink(target) || rules.allow().matchHost(targetHost).isPresent()) {
                continue; // where the link really goes is allowed
            }
            String wrapper = chain.size() > 1 ? Unwrap.wrapperName(href) : null;
            Map<String, String> found = new LinkedHashMap<>();
            Map<String, String> login = new LinkedHashMap<>();
            List<String> layerHosts = new ArrayList<>();
            for (int i = chain.size() - 1; i >= 0; i--) {
                String url = chain.get(i);
                String host = i == chain.size() - 1 ? targetHost : Hosts.hostOf(url).map(Hosts::toAscii).orElse(null);
                if (host == null) {
                    continue;
                }
                layerHosts.add(host);
                if (i < chain.size() - 1 && (rules.allow().matchesLink(url) || rules.allow().matchHost(host).isPresent())) {
                    continue;
                }
                String inside = i == 0 ? null : clip(url, 100) + " (inside a " + wrapper + " link)";
                judge(link, url, host, inside, i < chain.size() - 1, fromReg, fromImitates, mentioned, found, login);
            }
            for (Map.Entry<String, String> f : found.entrySet()) {
                hit(f.getKey(), f.getValue(), link.part()); // a rule that fires on several layers counts once
            }
            if (link.source() == Link.Source.HTML_ANCHOR) {
                textMismatch(link, targetHost, layerHosts, chain.size() > 1 ? clip(target, 100) + " (inside a "
                        + wrapper + " link)" : clip(Hosts.toUnicode(targetHost), 80));
            }
            for (Map.Entry<String, String> f : login.entrySet()) {
                hit(f.getKey(), f.getValue(), link.part());
            }
        }
    }

    /**
     * The link rules on one layer of a link: the link itself or a URL found inside it ({@code inside} then names
     * it for the explanations). A wrapper layer is not judged as a sign-in page: its address carries the target's
     * words. The first explanation of each rule is kept in {@code found}.
     */
    private void judge(Link link, String href, String host, String inside, boolean wrapperLayer, String fromReg,
                       boolean fromImitates, Set<RuleSet.Brand> mentioned, Map<String, String> found,
                       Map<String, String> login) {
        String shown = Hosts.toUnicode(host);
        String where = inside == null ? clip(shown, 80) : inside;
        String also = inside == null ? "" : " (" + inside + ")";
        if (rules.knownBad().matchesLink(href)) {
            found.putIfAbsent(Rules.KNOWN_BAD, "A link goes to " + where
                    + ", which is on the list of known phishing sites");
        }
        if (Hosts.isIpLiteral(host)) {
            found.putIfAbsent(Rules.LINK_IP_LITERAL, "A link goes to the bare IP address " + clip(host, 50)
                    + " instead of a named site" + also);
        }
        if (Hosts.hasUserInfo(href)) {
            found.putIfAbsent(Rules.LINK_USERINFO, "A link hides its destination behind a name before '@': it really"
                    + " goes to " + where);
        }
        String reg = Hosts.registrable(host);
        if (rules.shorteners().contains(reg) || rules.shorteners().contains(host)) {
            found.putIfAbsent(Rules.LINK_SHORTENER, "A link uses the URL shortener " + reg
                    + ", which hides where it really goes" + also);
        }
        String tld = Hosts.tld(host);
        if (!Hosts.isIpLiteral(host) && rules.suspiciousTlds().contains(tld)) {
            found.putIfAbsent(Rules.LINK_SUSPICIOUS_TLD, "A link goes to " + where + ", under ." + tld
                    + ", a top-level domain often used for fraud");
        }
        boolean legitHost = org.isProtected(host) || ownedByBrand(host);
        Targets.Imitation imitation = legitHost || Hosts.isIpLiteral(host) ? null : targets.imitation(host);
        if (imitation != null) {
            if (Hosts.nonAscii(shown)) {
                found.putIfAbsent(Rules.LINK_HOMOGRAPH, "A link goes to '" + clip(shown, 80) + "' (" + host
                        + "), written with look-alike letters (" + Confusables.scripts(shown) + ") to imitate "
                        + imitation.describe() + also);
            } else {
                found.putIfAbsent(Rules.LINK_LOOKALIKE, "A link goes to " + (inside == null ? clip(host, 80) : inside)
                        + ", which imitates " + imitation.describe());
            }
        } else if (Hosts.nonAscii(shown) && mixedScriptHost(shown)) {
            found.putIfAbsent(Rules.LINK_MIXED_SCRIPT, "A link goes to '" + clip(shown, 80)
                    + "', whose name mixes alphabets (" + Confusables.scripts(shown) + "), a trick to imitate another"
                    + " site" + also);
        }
        boolean senderOwnSite = !fromReg.isEmpty() && !fromImitates && reg.equals(fromReg);
        if (!legitHost && !senderOwnSite && !wrapperLayer) {
            String detail = loginPage(link, href, where, mentioned);
            if (detail != null) {
                login.putIfAbsent(Rules.LINK_LOGIN_PAGE, detail);
            }
        }
    }

    private boolean ownedByBrand(String host) {
        for (RuleSet.Brand b : rules.brands()) {
            if (b.owns(host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean mixedScriptHost(String unicodeHost) {
        for (String label : unicodeHost.split("\\.")) {
            if (Confusables.mixedScript(label)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code link-text-mismatch} for a link going to {@code host} through the wrappers {@code layerHosts} (every
     * host of the link, the target's included): a text showing any of them is no mismatch, and a wrapper is
     * treated like a tracking redirector (the target is compared).
     */
    private void textMismatch(Link link, String host, List<String> layerHosts, String shownHost) {
        String raw = TextNormalizer.collapseWhitespace(link.text()).strip();
        if (raw.isEmpty() || raw.length() > 300) {
            return;
        }
        // as the reader sees it: a right-to-left override reversed (U+202E before "moc.lapyap" shows
        // "paypal.com"), capitals, invisible characters (a zero-width space inside "paypal.com") and full-width
        // forms folded, as NFKC case folding does for the message text
        String text = TextNormalizer.fold(TextNormalizer.asDisplayed(raw), 300);
        Matcher mt = TEXT_URL.matcher(text);
        if (!mt.matches()) {
            return;
        }
        String textHost = Hosts.toAscii(mt.group(2));
        String tld = Hosts.tld(textHost);
        if (FILE_EXTENSIONS.contains(tld) || !tld.chars().allMatch(c -> Character.isLetter(c) || c == '-')
                || tld.length() < 2) {
            return; // "invoice.pdf", "version 1.2": not a domain
        }
        if (mt.group(1) == null && !textHost.startsWith("www.") && !Hosts.hasPublicSuffix(textHost)) {
            return; // "Node.js", "E.ON": a name with a dot, not a site (an internal name counts when written as a URL)
        }
        String textReg = Hosts.registrable(textHost);
        String reg = Hosts.registrable(host);
        if (textReg.equals(reg) || rules.redirectors().contains(reg) || rules.redirectors().contains(host)) {
            return;
        }
        for (String layer : layerHosts) {
            if (textReg.equals(Hosts.registrable(layer))) {
                return; // the text shows the wrapper's address itself (the link guard's probe, a pasted link)
            }
        }
        for (RuleSet.Brand b : rules.brands()) {
            if (b.owns(textHost) && b.owns(host)) {
                return;
            }
        }
        if (org.isProtected(textHost) && org.isProtected(host)) {
            return;
        }
        hit(Rules.LINK_TEXT_MISMATCH, "The link text shows " + clip(Hosts.toUnicode(textHost), 80)
                + " but the link goes to " + shownHost, link.part());
    }

    /** {@code link-login-page} for {@code href} (the link or the URL it wraps), or {@code null}. */
    private String loginPage(Link link, String href, String shownHost, Set<RuleSet.Brand> mentioned) {
        String keyword = loginKeyword(href.toLowerCase(Locale.ROOT));
        if (keyword == null) {
            return null;
        }
        // the label as it reads: "S\u0456gn in" with a Cyrillic \u0456 is "Sign in" (look-alikes folded as in the text)
        String label = Homoglyphs.unmask(TextNormalizer.truncate(link.text(), 300), Homoglyphs.vocabulary(rules)).text();
        String textKeyword = loginKeyword(TextNormalizer.stripAccents(TextNormalizer.fold(label, 300)));
        if (!mentioned.isEmpty()) {
            RuleSet.Brand b = mentioned.iterator().next();
            return "A link to a sign-in page ('" + keyword + "') is on " + shownHost
                    + ", which is not a domain of " + b.name() + " although the message speaks of " + b.name();
        } else if (textKeyword != null) {
            return "A link labelled '" + clip(link.text(), 40) + "' leads to a sign-in page on "
                    + shownHost + ", which is neither your organisation's nor the sender's site";
        }
        return null;
    }

    /** The first login keyword that starts a word of {@code s}, or {@code null}. */
    private String loginKeyword(String s) {
        if (s.isEmpty()) {
            return null;
        }
        String[] tokens = s.split("[^\\p{L}\\p{N}]+", 200);
        for (String kw : rules.loginKeywords()) {
            if (!kw.chars().allMatch(Character::isLetterOrDigit)) {
                if (s.contains(kw)) {
                    return kw;
                }
                continue;
            }
            for (String t : tokens) {
                if (t.startsWith(kw)) {
                    return kw;
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- forms

    private void forms(Document body, List<HtmlPart> attachments) {
        if (body != null && hasPasswordInput(body)) {
            hit(Rules.FORM_PASSWORD, "The message contains a form that asks for a password; genuine services never"
                    + " ask for passwords inside an email", "");
        }
        for (HtmlPart p : attachments) {
            if (hasPasswordInput(p.document())) {
                hit(Rules.FORM_PASSWORD_ATTACHMENT, "The attachment " + clip(p.name(), 60)
                        + " is a web page with a form that asks for a password", p.name());
            }
        }
    }

    private static boolean hasPasswordInput(Document d) {
        for (Element input : d.select("input")) {
            if (input.attr("type").strip().equalsIgnoreCase("password")) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- senders

    private void senders(ParsedMessage m, MailAddress from, String fromDomain) {
        if (from == null || fromDomain.isEmpty()) {
            return;
        }
        String fromReg = Hosts.registrable(fromDomain);
        boolean internal = org.isProtected(fromDomain);
        if (rules.knownBad().matchHost(fromDomain).isPresent()) {
            hit(Rules.KNOWN_BAD, "The sender's domain " + fromDomain + " is on the list of known phishing domains", "");
        }
        if (!internal) {
            String colleague = org.colleagueIn(unmasked(from));
            String shownAddress = protectedAddressIn(unmasked(from));
            if (colleague != null && !colleague.equalsIgnoreCase(from.address())) {
                hit(Rules.SENDER_DISPLAY_NAME, "The sender calls themselves '" + clip(from.displayName(), 60)
                        + "' like your colleague " + colleague + ", but writes from the outside address "
                        + clip(from.address(), 80), "");
            } else if (shownAddress != null) {
                hit(Rules.SENDER_DISPLAY_NAME, "The sender's name shows the address " + clip(shownAddress, 80)
                        + " of your organisation, but the message comes from the outside address "
                        + clip(from.address(), 80), "");
            }
            Targets.Imitation imitation = ownedByBrand(fromDomain) ? null : targets.imitation(fromDomain);
            if (imitation != null) {
                hit(Rules.SENDER_LOOKALIKE, "The sender's domain " + clip(Hosts.toUnicode(fromDomain), 80)
                        + " imitates " + imitation.describe(), "");
            }
            String shownName = TextNormalizer.stripAccents(TextNormalizer.fold(unmasked(from), 300));
            if (!shownName.isEmpty()) {
                for (RuleSet.Brand b : rules.brands()) {
                    if (!b.owns(fromDomain) && b.keywordPatterns().stream().anyMatch(p -> p.matcher(shownName).find())) {
                        hit(Rules.SENDER_BRAND_MISMATCH, "The sender's name '" + clip(from.displayName(), 60)
                                + "' speaks for " + b.name() + ", but the address is at " + fromDomain
                                + ", which is not a " + b.name() + " domain", "");
                        break;
                    }
                }
            }
        } else if (inspection.envelope().direction() == Direction.INBOUND
                && inspection.envelope().authenticatedUser() == null) {
            hit(Rules.SENDER_SPOOFED, "The message claims to come from " + clip(from.address(), 80)
                    + ", in your own domain, but arrived from outside without authentication", "");
        }
        for (MailAddress r : m.replyTo()) {
            String rd = Hosts.toAscii(r.domain());
            if (rd.isEmpty() || Hosts.registrable(rd).equals(fromReg) || org.isProtected(rd)) {
                continue;
            }
            Targets.Imitation imitation = ownedByBrand(rd) ? null : targets.imitation(rd);
            if (imitation != null) {
                // the classic invoice fraud: the message looks like a known partner's, the answers go to a domain
                // one letter away from the organisation's (or a brand's)
                hit(Rules.REPLY_TO_LOOKALIKE, "Replies would go to " + clip(r.address(), 80) + ", whose domain "
                        + clip(Hosts.toUnicode(rd), 80) + " imitates " + imitation.describe(), "");
            } else if (rules.freemail().contains(Hosts.registrable(rd)) || rules.freemail().contains(rd)) {
                hit(Rules.REPLY_TO_FREEMAIL, "Replies would go to the free-mail address " + clip(r.address(), 80)
                        + ", not to the sender's domain " + fromDomain, "");
            } else {
                hit(Rules.REPLY_TO_DIVERGENT, "Replies would go to " + clip(r.address(), 80)
                        + ", another domain than the sender's " + fromDomain, "");
            }
            break;
        }
    }

    /**
     * The sender's display name as it reads: words mixing Latin letters with look-alikes of another script folded
     * ("Pаypal" with a Cyrillic "а", "Jоhn Smith"), so the brand and colleague checks see what the reader sees.
     * Names written wholly in another script are left as they are.
     */
    private static String unmasked(MailAddress from) {
        String name = from.displayName() == null ? "" : TextNormalizer.truncate(from.displayName(), 1000);
        return Homoglyphs.unmask(name, Set.of()).text();
    }

    private static final Pattern ADDRESS_IN_NAME = Pattern.compile(
            "[\\p{L}\\p{N}._%+'-]{1,64}@([\\p{L}\\p{N}-]{1,63}(?:\\.[\\p{L}\\p{N}-]{1,63}){1,10})");

    /** An address of a protected domain written in a display name ({@code "it@contoso.com" <x@evil.example>}). */
    private String protectedAddressIn(String displayName) {
        if (displayName == null || displayName.isEmpty()) {
            return null;
        }
        // folded first: a full-width or small at sign (U+FF20, U+FE6B) reads, and folds, as "@"
        String name = TextNormalizer.fold(displayName, 300);
        if (name.indexOf('@') < 0) {
            return null;
        }
        Matcher m = ADDRESS_IN_NAME.matcher(name);
        for (int k = 0; k < 5 && m.find(); k++) {
            if (org.isProtected(Hosts.toAscii(m.group(1)))) {
                return m.group();
            }
        }
        return null;
    }

    private void firstContact(MailAddress from) {
        if (history == null || hits.keySet().stream().noneMatch(k -> k.startsWith(Rules.INTENT_PREFIX))) {
            return;
        }
        if (inspection.envelope().direction() != Direction.INBOUND || inspection.envelope().authenticatedUser() != null) {
            return; // colleagues' and outgoing mail: "first contact" is about strangers writing in
        }
        String sender = inspection.envelope().sender();
        if (sender.isEmpty() && from != null) {
            sender = from.address();
        }
        if (sender.isEmpty()) {
            return;
        }
        int n = 0;
        for (String rcpt : inspection.envelope().recipients()) {
            if (n++ >= MAX_RECIPIENTS_CHECKED) {
                break;
            }
            if (!history.seenBefore(sender, rcpt, inspection.envelope().receivedAt())) {
                hit(Rules.FIRST_CONTACT, "This is the first message ever from " + clip(sender, 80) + " to "
                        + clip(rcpt, 80), "");
                return;
            }
        }
    }

    // ---------------------------------------------------------------- combinations

    private void combos() {
        Set<String> fired = new HashSet<>(hits.keySet());
        for (RuleSet.Combo c : rules.combos()) {
            List<String> matched = new ArrayList<>();
            boolean all = true;
            for (List<String> term : c.terms()) {
                String m = matchTerm(term, fired);
                if (m == null) {
                    all = false;
                    break;
                }
                matched.add(m);
            }
            if (all) {
                List<String> shown = new ArrayList<>();
                for (String rule : matched) {
                    Hit h = hits.get(rule);
                    // a silent (score 0) signal is not listed on its own, so say here what it saw
                    shown.add(h != null && h.score == 0 ? rule + " (" + h.detail + ")" : rule);
                }
                hit(c.name(), c.score(), "Several warning signs together, worse than each alone: "
                        + String.join(" + ", shown), "");
            }
        }
    }

    private static String matchTerm(List<String> alternatives, Set<String> fired) {
        for (String alt : alternatives) {
            if (alt.endsWith("*")) {
                String prefix = alt.substring(0, alt.length() - 1);
                for (String f : fired) {
                    if (f.startsWith(prefix)) {
                        return f;
                    }
                }
            } else if (fired.contains(alt)) {
                return alt;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- results

    private void hit(String rule, String detail, String part) {
        hit(rule, rules.score(rule), detail, part);
    }

    private void hit(String rule, double score, String detail, String part) {
        Hit h = hits.get(rule);
        if (h == null) {
            hits.put(rule, new Hit(rule, score, detail, part));
        } else {
            h.count++;
            if (score > h.score) {
                h.score = score;
                h.detail = detail;
            }
        }
    }

    private double multiplier(String rule) {
        double m;
        if (rule.startsWith("link-") || rule.equals(Rules.KNOWN_BAD)) {
            m = settings.link();
        } else if (rule.startsWith("sender-") || rule.startsWith("reply-to-") || rule.equals(Rules.FIRST_CONTACT)) {
            m = settings.sender();
        } else if (rule.startsWith(Rules.INTENT_PREFIX)) {
            m = settings.intent();
        } else if (rule.startsWith("form-")) {
            m = settings.form();
        } else if (rule.startsWith(Rules.COMBO_PREFIX)) {
            m = settings.combo();
        } else {
            m = 1;
        }
        return m * settings.global();
    }

    private List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        for (Hit h : hits.values()) {
            double score = Math.round(h.score * multiplier(h.rule) * 100.0) / 100.0;
            if (score == 0) {
                continue; // a zero-scored rule only feeds combinations
            }
            String detail = h.count > 1 ? h.detail + " (and " + (h.count - 1) + " more)" : h.detail;
            out.add(new Finding(DETECTOR, h.rule, score, Category.PHISHING, detail, h.part));
        }
        if (incomplete || !overflowed.isEmpty()) {
            List<String> why = new ArrayList<>();
            if (incomplete) {
                why.add("The phishing scan reached its time limit; only part of the message was checked");
            }
            if (!overflowed.isEmpty()) {
                why.add("The rule " + String.join(", ", overflowed) + " was skipped: its regular expression recursed"
                        + " too deeply on this text (write a group such as (.|\\n)* as [\\s\\S]*)");
            }
            out.add(new Finding(DETECTOR, "incomplete", 0, Category.ERROR, String.join(". ", why)));
        }
        return out;
    }

    private static String quoteAll(List<String> ev) {
        StringBuilder sb = new StringBuilder();
        for (String e : ev) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('"').append(e).append('"');
        }
        return sb.toString();
    }

    /** Cut for display and stripped of control characters (details end up in logs and SMTP replies). */
    static String clip(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max + 1));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (s.length() > max) {
            sb.append('…');
        }
        return sb.toString();
    }
}
