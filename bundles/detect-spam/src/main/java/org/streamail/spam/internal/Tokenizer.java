package org.streamail.spam.internal;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a message into the classifier's features, each hashed to 64 bits:
 * <ul>
 *   <li>(family WORDS) body words (NFKC, lower case, 2..24 characters; longer runs become a "skip" token by first letter
 *       and length, as in SpamBayes);</li>
 *   <li>(OSB, off by default, see {@link #DEFAULT}) orthogonal sparse bigrams (OSB, as in CRM114/OSBF): each word paired with each of the
 *       {@value #OSB_WINDOW} previous ones, the distance being part of the feature, which catches phrases
 *       that single words miss;</li>
 *   <li>(HEADERS) header tokens: Subject words, From address, domain and display-name words, Message-ID domain,
 *       the charsets of the text parts, mailer, which header fields are present, and Received hints (the relay domains and /16
 *       networks);</li>
 *   <li>(FORMAT, off by default) the top-level Content-Type and the presence of the {@code Content-*} and
 *       {@code MIME-Version} fields (without FORMAT those fields are not counted among the fields present);</li>
 *   <li>(URLS) URL hosts and their parent domains; (HTML, off by default) HTML tag names and attachment types;</li>
 *   <li>(TRAITS) structural red flags ({@link MailTraits}: deceptive links, concealed HTML text,
 *       malformed headers) and how many a message has;</li>
 *   <li>(SCRIPTS, off by default) the writing systems of the Subject and text ({@link #scripts}).</li>
 *   <li>(LISTCHANNEL, on by default) no Received relays for mail through a mailing list;</li>
 *   <li>(LISTTAGS, on by default) nor the list's Subject tag, footer and the footer's links to its domains.</li>
 * </ul>
 * Headers that carry another filter's verdict ({@code X-Spam-*}, {@code X-Virus-*}) or mailbox state
 * ({@code Status}, {@code X-UID}) are ignored: they say nothing about the sender and would let the
 * classifier learn another filter instead of the mail.
 *
 * <p>Stateless and thread-safe. At most {@value #MAX_FEATURES} distinct features per message.
 */
final class Tokenizer {

    static final int MAX_FEATURES = 8000;
    static final int OSB_WINDOW = 4;

    private static final Pattern IP = Pattern.compile("\\[(\\d{1,3})\\.(\\d{1,3})\\.\\d{1,3}\\.\\d{1,3}\\]");
    private static final Pattern RECEIVED_FROM = Pattern.compile("(?i)^from\\s+([a-z0-9.-]+)");

    /** Feature families, switchable so the bench can measure what each adds. */
    enum Family {
        WORDS, BIGRAMS, OSB, HEADERS, FORMAT, URLS, HTML, META,
        /**
         * Structural red flags ({@link MailTraits}): how the message was made and sent rather than its words —
         * deceptive links, concealed HTML text, malformed headers — each one feature {@code tr:<group>.<name>}, and
         * their count as {@code tr:flags>=1..3}. On by default since 2026-12-05, night (README).
         */
        TRAITS,
        /**
         * The writing systems of the Subject and text: each non-Latin Unicode script holding at least a tenth of
         * the letters ({@code sc:han}, {@code sc:hangul}, {@code sc:kana}, {@code sc:cyrillic} …), and
         * {@code sc:latin-accented} when letters outside ASCII make at least 3 % of the Latin ones. Words of a
         * language a site's mail never uses are each unknown to the model; the script they are written in is one
         * feature it can learn from the site's own mail (development measurement in the README).
         */
        SCRIPTS,
        /**
         * Mail through a mailing list (a {@code List-Id}, {@code List-Post}, {@code Mailing-List} or
         * {@code X-Mailing-List} field) gets no Received relay features ({@code rd:}, {@code ri:}): its top hops are
         * the list's and the recipient's servers, the channel rather than the sender, and a model trained on a
         * list's ham reads them as ham for any spam the list passes on. On by default since 2026-12-07, with the
         * cut-off 0.86 chosen with it (README, "Mail through a mailing list").
         */
        LISTCHANNEL,
        /**
         * Mail through a mailing list (as {@link #LISTCHANNEL}) without the words the list adds to everything it
         * passes on: the Subject's leading {@code [tag]}s and the footer: the text from the last separator line
         * ({@code --}, or ten or more {@code _ - =}) in the last {@value Tokenizer#LIST_FOOTER_CHARS} characters
         * whose rest names a domain its {@code List-*} fields name, and the footer's links to those domains (not
         * when the text above links there too). A model that can tell a list's ham by the list's own words learns
         * little else about it, and a list's spam carries the same words. On by default since 2026-12-07 (night), with the cut-off 0.83 chosen with it
         * (README, "The list's own words").
         */
        LISTTAGS
    }

    /**
     * Development hook (the experiment harness, {@code -Dtraits=}; never set in production): when not null, the
     * {@link Family#TRAITS} features are the traits whose group ({@code link}, {@code html}, {@code hdr},
     * {@code rcvd}, {@code body}) or full name it holds, context and style traits included, plus the count of red
     * flags ({@link MailTraits#isRedFlag}, style ones included) when it holds {@code flags}; a name prefixed with
     * {@code -} leaves that trait out of the count too.
     */
    static volatile Set<String> traitFilter;

    /**
     * The families used unless configured otherwise: format-neutral. HTML (tag names, part types) and FORMAT
     * (the Content-Type and the presence of the MIME fields) are off because they say how a message is encoded,
     * not what it is, and in the training mail the two are confounded (8 of easy-ham-1's 2,500 messages have an
     * HTML part, half of spam-1's 500): with them, the held-out plain ham re-sent as HTML ("as-html", README) was
     * flagged 19.6 % (CHI2) and 29.5 % (LR) of the time on the by-source protocol, against 1.2 % (LR) without them. OSB and plain bigrams are off:
     * with chi-square combining they lowered recall on the development split (5-fold, at cut-off 0.9: 81.4 % with
     * OSB, 91.0 % with bigrams, 94.8 % without either, false positives 0.04 % in all three), because overlapping
     * pairs repeat the evidence of their words and push messages into the unsure middle. TRAITS (structural red
     * flags, since 2026-12-05 night) beat the three alone on all three development measures, on four shuffle seeds
     * (README, "Structural traits"). LISTCHANNEL (since 2026-12-07, with the cut-off 0.86) keeps a mailing list's
     * servers from vouching for what the list passes on (README, "Mail through a mailing list"), LISTTAGS (since
     * 2026-12-07 night, with the cut-off 0.83) its Subject tag and footer (README, "The list's own words").
     */
    static final Set<Family> DEFAULT = java.util.EnumSet.of(Family.WORDS, Family.HEADERS, Family.URLS, Family.TRAITS,
            Family.LISTCHANNEL, Family.LISTTAGS);

    private Tokenizer() {
    }

    /** The distinct feature hashes of a message, default families. */
    static long[] features(MimeText.Extracted m) {
        return features(m, DEFAULT);
    }

    /** The distinct feature hashes of a message, for the given families. */
    static long[] features(MimeText.Extracted m, Set<Family> families) {
        Set<Long> out = new LinkedHashSet<>();
        collect(m, families, out);
        long[] result = new long[Math.min(out.size(), MAX_FEATURES)];
        int i = 0;
        for (long f : out) {
            if (i == result.length) {
                break;
            }
            result[i++] = f;
        }
        return result;
    }

    /**
     * What the wanted feature hashes of this message stand for, for an administrator: for instance
     * {@code word "viagra"}, {@code link host cheap-meds.example}, {@code subject word "free"}. The
     * message is tokenised again (this costs what {@link #features} costs), so call it only for the few
     * features that explain a decision. Values are cut to {@value #LABEL_VALUE_CHARS} characters and
     * stripped of control and bidi formatting characters; hashes that do not occur are absent.
     */
    static Map<Long, String> labels(MimeText.Extracted m, Set<Family> families, Set<Long> wanted) {
        Labelling out = new Labelling(wanted);
        collect(m, families, out);
        return out.labels;
    }

    static final int LABEL_VALUE_CHARS = 40;

    /** A feature set that also remembers the text of the features it was asked to name. */
    private static final class Labelling extends LinkedHashSet<Long> {
        private final Set<Long> wanted;
        private final Map<Long, String> labels = new LinkedHashMap<>();

        Labelling(Set<Long> wanted) {
            this.wanted = wanted;
        }

        void offer(long hash, String feature) {
            if (wanted.contains(hash) && !labels.containsKey(hash)) {
                labels.put(hash, describe(feature));
            }
        }
    }

    /** Feature prefixes (with their separator) and what they mean to an administrator. */
    private static final Map<String, String> KINDS = Map.ofEntries(
            Map.entry("w:", "word"),
            Map.entry("s:", "subject word"),
            Map.entry("f:", "sender"),
            Map.entry("fd:", "sender domain"),
            Map.entry("fn:", "sender name word"),
            Map.entry("mid:", "Message-ID domain"),
            Map.entry("ct:", "content type"),
            Map.entry("cs:", "charset"),
            Map.entry("xm:", "mailer"),
            Map.entry("h:", "header field"),
            Map.entry("rd:", "relay"),
            Map.entry("ri:", "relay network"),
            Map.entry("u:", "link host"),
            Map.entry("tr:", "trait"),
            Map.entry("sc:", "script"),
            Map.entry("t:", "HTML tag"),
            Map.entry("at:", "part type"),
            Map.entry("mp:", "part"),
            Map.entry("mp#", "part count"),
            Map.entry("to#", "To count"),
            Map.entry("rcvd#", "Received count"),
            Map.entry("prio:", "priority"),
            Map.entry("len#", "text length class"),
            Map.entry("b0:", "word pair"),
            Map.entry("b1:", "word pair"),
            Map.entry("b2:", "word pair"),
            Map.entry("b3:", "word pair"));

    /** {@code w:free} → {@code word "free"}; the raw feature text when its kind is unknown. */
    static String describe(String feature) {
        int colon = feature.indexOf(':');
        int hash = feature.indexOf('#');
        int sep = colon < 0 ? hash : hash < 0 ? colon : Math.min(colon, hash);
        String kind = sep <= 0 ? null : KINDS.get(feature.substring(0, sep + 1));
        return kind == null ? "\"" + printable(feature) + "\""
                : kind + " \"" + printable(feature.substring(sep + 1)) + "\"";
    }

    private static String printable(String value) {
        StringBuilder b = new StringBuilder();
        int count = 0;
        int i = 0;
        while (i < value.length() && count < LABEL_VALUE_CHARS) {
            int cp = value.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE || type == Character.UNASSIGNED) {
                continue;
            }
            b.appendCodePoint(cp == '"' ? '\'' : cp);
            count++;
        }
        return i < value.length() ? b + "…" : b.toString();
    }

    private static void collect(MimeText.Extracted m, Set<Family> families, Set<Long> out) {
        boolean words_ = families.contains(Family.WORDS);
        boolean osb = families.contains(Family.OSB);
        int osbWindow = osb ? OSB_WINDOW : families.contains(Family.BIGRAMS) ? 1 : 0;
        boolean hdr = families.contains(Family.HEADERS);
        boolean viaList = viaList(m);
        Set<String> listDomains = families.contains(Family.LISTTAGS) && viaList ? listDomains(m) : Set.of();
        String text = listDomains.isEmpty() ? m.text() : withoutListFooter(m.text(), listDomains);
        Set<String> footerLinks = listDomains.isEmpty() ? Set.of() : footerLinks(m.text(), text, listDomains);
        // body
        List<String> words = bodyWords(text);
        String[] window = new String[OSB_WINDOW];
        for (String w : words) {
            if (words_) {
                add(out, "w:" + w);
            }
            for (int d = 0; d < osbWindow; d++) {
                if (window[d] != null) {
                    add(out, "b" + d + ":" + window[d] + " " + w);
                }
            }
            System.arraycopy(window, 0, window, 1, OSB_WINDOW - 1);
            window[0] = w;
            if (out.size() >= MAX_FEATURES) {
                break;
            }
        }
        if (hdr) {
            headers(m, families.contains(Family.FORMAT), families.contains(Family.LISTCHANNEL) && viaList,
                    families.contains(Family.LISTTAGS) && viaList, out);
        }
        if (families.contains(Family.URLS)) {
            for (String host : m.linkHosts()) {
                if (!footerLinks.contains(host)) {
                    domains(out, "u:", host);
                }
            }
        }
        if (families.contains(Family.META)) {
            meta(m, out);
        }
        if (families.contains(Family.SCRIPTS)) {
            scripts(m.header("Subject") + "\n" + m.text(), out);
        }
        if (families.contains(Family.TRAITS)) {
            traits(m, out);
        }
        if (families.contains(Family.HTML)) {
            for (String tag : m.htmlTags().split(" ")) {
                if (!tag.isEmpty()) {
                    add(out, "t:" + tag);
                }
            }
            for (MimeText.Part p : m.parts()) {
                add(out, "at:" + p.type());
            }
        }
    }

    /** Whether the message came through a mailing list (family {@link Family#LISTCHANNEL}). */
    private static boolean viaList(MimeText.Extracted m) {
        return !m.header("List-Id").isEmpty() || !m.header("List-Post").isEmpty() || !m.header("Mailing-List").isEmpty()
                || !m.header("X-Mailing-List").isEmpty();
    }

    /** How far from the end of a list message's text its footer may begin (family {@link Family#LISTTAGS}). */
    static final int LIST_FOOTER_CHARS = 1_000;
    /** At most this many domains are read from a message's {@code List-*} fields. */
    private static final int MAX_LIST_DOMAINS = 16;
    private static final String[] LIST_FIELDS = {"List-Id", "List-Post", "List-Help", "List-Subscribe",
        "List-Unsubscribe", "List-Archive", "List-Owner", "Mailing-List", "X-Mailing-List"};
    private static final Pattern LIST_HOST = Pattern.compile(
            "(?i)(?:https?://|ftp://|mailto:[^@\\s<>]{1,64}@|@|<)([a-z0-9](?:[a-z0-9-]{0,62}\\.){1,8}[a-z]{2,24})");
    private static final Pattern SEPARATOR = Pattern.compile("(?m)^(?:-- ?|[_=-]{10,})[ \\t]*\\r?$");
    private static final Pattern SUBJECT_TAG = Pattern.compile(
            "(?i)^((?:\\s*(?:re|fwd?|aw)\\s*:)*)\\s*\\[[^\\]\\[]{1,40}\\]");

    /**
     * The registered domains named by a message's {@code List-*} fields (hosts of their links, domains of their
     * addresses, a {@code List-Id}'s {@code <name>}), at most {@value #MAX_LIST_DOMAINS}.
     */
    static Set<String> listDomains(MimeText.Extracted m) {
        Set<String> domains = new java.util.LinkedHashSet<>();
        for (String field : LIST_FIELDS) {
            Matcher h = LIST_HOST.matcher(m.header(field));
            while (h.find() && domains.size() < MAX_LIST_DOMAINS) {
                String registered = MailTraits.registered(h.group(1));
                if (registered.indexOf('.') > 0) {
                    domains.add(registered);
                }
            }
        }
        return domains;
    }

    /**
     * {@code text} without the footer a list appends: from the last separator line that starts within its last
     * {@value #LIST_FOOTER_CHARS} characters and is followed by one of {@code listDomains} (a sender's signature
     * above the footer stays); {@code text} itself when there is none.
     */
    static String withoutListFooter(String text, Set<String> listDomains) {
        int from = Math.max(0, text.length() - LIST_FOOTER_CHARS);
        String tail = text.substring(from);
        // the domains are ASCII (LIST_HOST): ASCII case folding keeps every index of the tail
        String lower = MimeText.asciiLower(tail);
        int lastDomain = -1;
        for (String d : listDomains) {
            lastDomain = Math.max(lastDomain, lower.lastIndexOf(d));
        }
        int footer = -1;
        Matcher sep = SEPARATOR.matcher(tail);
        while (sep.find() && sep.end() <= lastDomain) {
            footer = sep.start(); // a domain is named after this separator
        }
        return footer < 0 ? text : text.substring(0, from + footer);
    }

    /**
     * The link hosts of a list's footer ({@code text} minus {@code kept}, its start) whose registered domain is one
     * of {@code listDomains} and which {@code kept} does not link to: the list's own links, not a sender's (a
     * sender whose bulk mail names its own domain in {@code List-*} fields keeps its links above the footer).
     */
    static Set<String> footerLinks(String text, String kept, Set<String> listDomains) {
        if (kept.length() == text.length()) {
            return Set.of();
        }
        Set<String> footer = urlHosts(text.substring(kept.length()));
        footer.removeIf(h -> !listDomains.contains(MailTraits.registered(h)));
        if (!footer.isEmpty()) {
            footer.removeAll(urlHosts(kept));
        }
        return footer;
    }

    private static Set<String> urlHosts(String text) {
        Set<String> hosts = new java.util.HashSet<>();
        Matcher u = MimeText.URL.matcher(text);
        while (u.find() && hosts.size() < MimeText.MAX_LINKS) {
            String h = MimeText.host(u.group());
            if (!h.isEmpty()) {
                hosts.add(h);
            }
        }
        return hosts;
    }

    /** A list message's Subject without the list's leading {@code [tag]} (family {@link Family#LISTTAGS}). */
    static String withoutListTag(String subject) {
        Matcher t = SUBJECT_TAG.matcher(subject);
        return t.find() ? t.group(1) + subject.substring(t.end()) : subject;
    }

    private static void headers(MimeText.Extracted m, boolean format, boolean noRelays, boolean noListTag,
            Set<Long> out) {
        String subject = noListTag ? withoutListTag(m.header("Subject")) : m.header("Subject");
        for (String w : bodyWords(subject)) {
            add(out, "s:" + w);
        }
        String from = m.header("From");
        int[] a = address(from);
        if (a != null) {
            String addr = from.substring(a[0], a[1]).toLowerCase(Locale.ROOT);
            add(out, "f:" + addr);
            int at = addr.lastIndexOf('@');
            domains(out, "fd:", addr.substring(at + 1));
            String name = from.substring(0, a[0]);
            for (String w : bodyWords(name)) {
                add(out, "fn:" + w);
            }
        } else {
            add(out, "f:none");
        }
        String mid = m.header("Message-ID");
        int at = mid.lastIndexOf('@');
        add(out, "mid:" + (at < 0 ? "none" : mid.substring(at + 1).replace(">", "").strip().toLowerCase(Locale.ROOT)));
        String ct = m.header("Content-Type");
        if (format) {
            add(out, "ct:" + MimeText.mediaType(ct));
        }
        // the charsets of the text parts, wherever they are: a multipart message has none at the top
        boolean charset = false;
        for (String part : m.structure()) {
            if (part.startsWith("text/")) {
                String[] f = part.split(";", -1);
                add(out, "cs:" + (f.length > 1 ? f[1] : ""));
                charset = true;
            }
        }
        if (!charset) {
            add(out, "cs:" + MimeText.param(ct, "charset").toLowerCase(Locale.ROOT));
        }
        String mailer = m.header("X-Mailer");
        if (mailer.isEmpty()) {
            mailer = m.header("User-Agent");
        }
        add(out, "xm:" + firstWord(mailer));
        int received = 0;
        for (var h : m.headers()) {
            String name = h.name().toLowerCase(Locale.ROOT);
            if (ignored(name) || (!format && isFormat(name))) {
                continue;
            }
            add(out, "h:" + name);
            if (name.equals("received") && !noRelays && received++ < 6) {
                Matcher r = RECEIVED_FROM.matcher(h.value());
                if (r.find()) {
                    domains(out, "rd:", r.group(1).toLowerCase(Locale.ROOT));
                }
                Matcher ip = IP.matcher(h.value());
                if (ip.find()) {
                    add(out, "ri:" + ip.group(1) + "." + ip.group(2));
                }
            }
        }
    }

    /** Letters of a text read for {@link Family#SCRIPTS}, at most. */
    static final int MAX_SCRIPT_LETTERS = 20_000;

    /**
     * The {@link Family#SCRIPTS} features of {@code text}: from its first {@value #MAX_SCRIPT_LETTERS} letters (at
     * least 10 needed), each non-Latin script with a tenth of them (Hiragana and Katakana counted together as
     * {@code kana}, which a Japanese text mixes with Han), and {@code latin-accented} when at least 3 % of the
     * Latin letters (10 at least) are outside ASCII.
     */
    static void scripts(String text, Set<Long> out) {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        int letters = 0;
        int latin = 0;
        int accented = 0;
        for (int i = 0; i < text.length() && letters < MAX_SCRIPT_LETTERS; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            letters++;
            Character.UnicodeScript script;
            try {
                script = Character.UnicodeScript.of(cp);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (script == Character.UnicodeScript.LATIN) {
                latin++;
                accented += cp >= 0x80 ? 1 : 0;
            } else if (script != Character.UnicodeScript.COMMON && script != Character.UnicodeScript.INHERITED) {
                String name = script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA
                        ? "kana" : script.name().toLowerCase(Locale.ROOT);
                counts.merge(name, 1, Integer::sum);
            }
        }
        if (letters < 10) {
            return;
        }
        for (java.util.Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() * 10 >= letters) {
                add(out, "sc:" + e.getKey());
            }
        }
        if (accented >= 10 && accented * 100 >= latin * 3) {
            add(out, "sc:latin-accented");
        }
    }

    /**
     * Family TRAITS: each red flag of the message ({@link MailTraits#isDefault}) as {@code tr:<name>}, and how many
     * there are as a thermometer, {@code tr:flags>=1} .. {@code tr:flags>=3}, so that a further flag adds its own
     * weight and spam showing flags the training never saw together still counts them. With {@link #traitFilter}
     * (development only) the traits it names instead.
     */
    private static void traits(MimeText.Extracted m, Set<Long> out) {
        Set<String> filter = traitFilter;
        int[] flags = {0};
        MailTraits.message(m, trait -> {
            if (filter == null) {
                if (MailTraits.isDefault(trait)) {
                    flags[0]++;
                    add(out, "tr:" + trait);
                }
                return;
            }
            if (filter.contains("-" + trait)) {
                return; // left out altogether, from the count too
            }
            if (MailTraits.isRedFlag(trait)) {
                flags[0]++;
            }
            if (filter.contains(trait) || filter.contains(trait.substring(0, trait.indexOf('.')))) {
                add(out, "tr:" + trait);
            }
        });
        if (filter == null || filter.contains("flags")) {
            for (int k = 1; k <= Math.min(flags[0], 3); k++) {
                add(out, "tr:flags>=" + k);
            }
        }
    }

    /** Message structure and style: part types and encodings, shouting subjects, recipient counts. */
    private static void meta(MimeText.Extracted m, Set<Long> out) {
        for (String part : m.structure()) {
            add(out, "mp:" + part);
        }
        add(out, "mp#" + Math.min(m.structure().size(), 6));
        String subject = m.header("Subject");
        if (MailTraits.shouting(subject)) {
            add(out, "s:SHOUTING");
        }
        if (subject.isBlank()) {
            add(out, "s:EMPTY");
        }
        int to = m.header("To").split(",").length;
        add(out, "to#" + (m.header("To").isBlank() ? 0 : Math.min(to, 5)));
        add(out, "rcvd#" + Math.min(m.headers("Received").size(), 8));
        String prio = m.header("X-Priority").strip();
        if (!prio.isEmpty()) {
            add(out, "prio:" + prio.charAt(0));
        }
        int textLength = m.text().length();
        add(out, "len#" + (textLength < 200 ? 0 : textLength < 1000 ? 1 : textLength < 5000 ? 2 : 3));
    }

    /**
     * Where the first address of a header value is, {@code {start, end}}, or null: the first maximal run of characters
     * other than white space and {@code <>"(),;:} with an {@code @} that is neither its first nor its last character.
     * This is what the pattern {@code [^\s<>"(),;:]+@[^\s<>"(),;:]+} finds, in linear time: the pattern backtracks
     * quadratically over a long run without an {@code @} (a 50 KB From field took 17 s, one of a few MB hours; found
     * by fuzzing).
     */
    static int[] address(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            while (i < n && !addressChar(s.charAt(i))) {
                i++;
            }
            int start = i;
            boolean inner = false;
            while (i < n && addressChar(s.charAt(i))) {
                inner |= s.charAt(i) == '@' && i > start && i + 1 < n && addressChar(s.charAt(i + 1));
                i++;
            }
            if (inner) {
                return new int[] {start, i};
            }
        }
        return null;
    }

    /** Not white space (as {@code \s} of a pattern) and not one of {@code <>"(),;:}. */
    private static boolean addressChar(char c) {
        return !(c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r' || c == '<' || c == '>'
                || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':');
    }

    /** The MIME fields that say how the message is encoded, not who sent it (family FORMAT). */
    private static boolean isFormat(String header) {
        return header.startsWith("content-") || header.equals("mime-version");
    }

    private static boolean ignored(String header) {
        return header.startsWith("x-spam") || header.startsWith("x-virus") || header.equals("status")
                || header.equals("x-status") || header.equals("x-uid") || header.equals("x-keywords");
    }

    /** A host and each parent domain with at least two labels: {@code a.b.example.org} gives three. */
    private static void domains(Set<Long> out, String prefix, String host) {
        String h = host;
        for (int i = 0; i < 5 && h.indexOf('.') > 0; i++) {
            add(out, prefix + h);
            h = h.substring(h.indexOf('.') + 1);
        }
    }

    private static String firstWord(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < t.length() && end < 24 && (Character.isLetter(t.charAt(end)) || t.charAt(end) == '-')) {
            end++;
        }
        return end == 0 ? "none" : t.substring(0, end);
    }

    /** Words of one text read, at most. */
    static final int MAX_WORDS = 20_000;

    static List<String> bodyWords(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int n = t.length();
        int i = 0;
        while (i < n && out.size() < MAX_WORDS) {
            while (i < n && isSeparator(t.charAt(i))) {
                i++;
            }
            int start = i;
            boolean high = false;
            while (i < n && !isSeparator(t.charAt(i))) {
                high |= t.charAt(i) >= CJK_FIRST;
                i++;
            }
            if (i == start) {
                continue;
            }
            if (high && hasCjk(t, start, i)) {
                cjkWords(t, start, i, out);
            } else {
                word(t.substring(start, i), out);
            }
        }
        return out;
    }

    private static void word(String token, List<String> out) {
        String w = strip(token);
        if (w.length() < 2) {
            return;
        }
        if (w.length() > 24) {
            out.add("skip:" + w.charAt(0) + (w.length() / 10));
        } else {
            out.add(w);
        }
    }

    /** No code point below this one is Han or Kana (the CJK radicals start here). */
    private static final char CJK_FIRST = '\u2e80';

    /** Han ideographs, Hiragana, Katakana and the prolonged sound mark: scripts written without spaces. */
    static boolean isCjk(int cp) {
        if (cp < CJK_FIRST) {
            return false;
        }
        if (cp == 0x30fc || cp == 0xff70) {
            return true; // prolonged sound mark (Common script), inside Katakana words
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA;
    }

    private static boolean hasCjk(String t, int from, int to) {
        for (int i = from; i < to; ) {
            int cp = t.codePointAt(i);
            if (isCjk(cp)) {
                return true;
            }
            i += Character.charCount(cp);
        }
        return false;
    }

    /**
     * A token holding Chinese or Japanese, which are written without spaces: a whole sentence between two spaces
     * would be one word no other message shares. Each run of Han/Kana letters gives its overlapping pairs of
     * letters ({@code 出会いの} → {@code 出会}, {@code 会い}, {@code いの}; a lone letter itself), as search
     * engines index these scripts; the letters and digits of other scripts between them are words as usual, and
     * everything else (CJK punctuation, symbols) separates.
     */
    private static void cjkWords(String t, int from, int to, List<String> out) {
        int i = from;
        while (i < to && out.size() < MAX_WORDS) {
            int cp = t.codePointAt(i);
            int start = i;
            if (isCjk(cp)) {
                int previous = -1;
                int count = 0;
                while (i < to && out.size() < MAX_WORDS && isCjk(cp = t.codePointAt(i))) {
                    int next = i + Character.charCount(cp);
                    if (previous >= 0) {
                        out.add(t.substring(previous, next));
                    }
                    previous = i;
                    count++;
                    i = next;
                }
                if (count == 1) {
                    out.add(t.substring(start, i));
                }
            } else if (Character.isLetterOrDigit(cp) || cp == '$' || cp == '-' || cp == '\'' || cp == '.') {
                while (i < to && !isCjk(cp = t.codePointAt(i))
                        && (Character.isLetterOrDigit(cp) || cp == '$' || cp == '-' || cp == '\'' || cp == '.')) {
                    i += Character.charCount(cp);
                }
                word(t.substring(start, i), out);
            } else {
                i += Character.charCount(cp);
            }
        }
    }

    private static boolean isSeparator(char c) {
        return Character.isWhitespace(c) || c == '"' || c == '(' || c == ')' || c == '<' || c == '>' || c == '['
                || c == ']' || c == '{' || c == '}' || c == ',' || c == ';' || c == '|' || c == '*' || c == '='
                || c == '\u00a0';
    }

    /** Drops trailing sentence punctuation and leading quotes, keeps {@code $20}, {@code free!}, {@code e-mail}. */
    private static String strip(String w) {
        int s = 0;
        int e = w.length();
        while (s < e && "'`.:-".indexOf(w.charAt(s)) >= 0) {
            s++;
        }
        while (e > s && "'`.:?-".indexOf(w.charAt(e - 1)) >= 0) {
            e--;
        }
        return w.substring(s, e);
    }

    /** The feature of a message with at least one structural red flag (family TRAITS). */
    private static final long FLAGGED = hash("tr:flags>=1");

    /** Whether features computed with the TRAITS family show at least one red flag. */
    static boolean flagged(long[] tokens) {
        for (long t : tokens) {
            if (t == FLAGGED) {
                return true;
            }
        }
        return false;
    }

    private static void add(Set<Long> out, String feature) {
        long h = hash(feature);
        out.add(h);
        if (out instanceof Labelling l) {
            l.offer(h, feature);
        }
    }

    /** 64-bit hash of a feature text; stable across nodes and versions (it is stored). */
    static long hash(String feature) {
        return Fuzzy.mix(Fuzzy.fnv(0xcbf29ce484222325L, feature));
    }
}
