package org.streamail.detect.phishing.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses the rule files into a {@link RuleSet}. Every file is line-oriented: blank lines and lines starting
 * with {@code #} are ignored, fields are separated by {@code |}. Errors name the file and the line; parsing
 * goes on to report up to {@link #MAX_ERRORS} of them, then the whole set is refused. Stateless.
 */
final class RuleParser {

    static final String SIGNALS = "signals.rules";
    static final String INTENTS = "intents.rules";
    static final String COMBOS = "combos.rules";
    static final String BRANDS = "brands.rules";
    static final String SHORTENERS = "shorteners.list";
    static final String REDIRECTORS = "redirectors.list";
    static final String SUSPICIOUS_TLDS = "suspicious-tlds.list";
    static final String FREEMAIL = "freemail.list";
    static final String LOGIN_KEYWORDS = "login-keywords.list";
    static final String KNOWN_BAD = "known-bad.list";
    static final String ALLOW = "allow.list";

    /** Every file of a rules folder, in the order they are read. */
    static final List<String> FILES = List.of(SIGNALS, INTENTS, COMBOS, BRANDS, SHORTENERS, REDIRECTORS,
            SUSPICIOUS_TLDS, FREEMAIL, LOGIN_KEYWORDS, KNOWN_BAD, ALLOW);

    static final int MAX_LINE = 4096;
    static final int MAX_ENTRIES = 1_000_000;
    static final int MAX_ERRORS = 20;
    static final int MAX_COMBO_TERMS = 8;

    private static final Set<String> LANGS = Set.of("any", "en", "fr", "de", "es", "it", "nl", "pt");
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,62})(?:\\.[a-z0-9-]{1,63})+");
    private static final Pattern TLD = Pattern.compile("[a-z0-9-]{2,63}");
    private static final Pattern RULE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final List<String> errors = new ArrayList<>();

    /**
     * Parses file contents by file name; a missing file counts as empty.
     *
     * @throws RuleFileException with the first error; {@link #errors()} has them all
     */
    RuleSet parse(Map<String, String> files, String description) throws RuleFileException {
        errors.clear();
        Map<String, Double> signals = parseSignals(files.getOrDefault(SIGNALS, ""));
        List<RuleSet.IntentPattern> intents = parseIntents(files.getOrDefault(INTENTS, ""));
        List<RuleSet.Combo> combos = parseCombos(files.getOrDefault(COMBOS, ""));
        List<RuleSet.Brand> brands = parseBrands(files.getOrDefault(BRANDS, ""));
        Set<String> shorteners = parseDomains(SHORTENERS, files.getOrDefault(SHORTENERS, ""));
        Set<String> redirectors = parseDomains(REDIRECTORS, files.getOrDefault(REDIRECTORS, ""));
        Set<String> tlds = parseTlds(files.getOrDefault(SUSPICIOUS_TLDS, ""));
        Set<String> freemail = parseDomains(FREEMAIL, files.getOrDefault(FREEMAIL, ""));
        Set<String> login = parseKeywords(files.getOrDefault(LOGIN_KEYWORDS, ""));
        DomainList knownBad = parseDomainList(KNOWN_BAD, files.getOrDefault(KNOWN_BAD, ""));
        DomainList allow = parseDomainList(ALLOW, files.getOrDefault(ALLOW, ""));
        if (!errors.isEmpty()) {
            throw new RuleFileException("rules", 0, errors.size() + " error(s): " + String.join("; ", errors));
        }
        return new RuleSet(signals, intents, combos, brands, shorteners, redirectors, tlds, freemail, login,
                knownBad, allow, description);
    }

    /** The errors of the last {@link #parse}. */
    List<String> errors() {
        return List.copyOf(errors);
    }

    private void error(String file, int line, String message) {
        if (errors.size() < MAX_ERRORS) {
            errors.add(file + ":" + line + ": " + message);
        }
    }

    /** Non-comment lines as (line number, text) pairs; over-long lines are errors. */
    private List<Line> lines(String file, String content) {
        List<Line> out = new ArrayList<>();
        int n = 0;
        int start = 0;
        int len = content.length();
        while (start <= len && out.size() < MAX_ENTRIES) {
            int nl = content.indexOf('\n', start);
            int end = nl < 0 ? len : nl;
            n++;
            String raw = content.substring(start, end);
            start = end + 1;
            String text = raw.strip();
            if (n == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
                text = text.substring(1).strip();
            }
            if (text.length() > MAX_LINE) {
                error(file, n, "line longer than " + MAX_LINE + " characters");
            } else if (!text.isEmpty() && !text.startsWith("#")) {
                out.add(new Line(n, text));
            }
            if (nl < 0) {
                break;
            }
        }
        if (out.size() >= MAX_ENTRIES) {
            error(file, n, "more than " + MAX_ENTRIES + " entries");
        }
        return out;
    }

    private record Line(int number, String text) {
        String[] fields(int expected) {
            String[] f = text.split("\\|", expected);
            for (int i = 0; i < f.length; i++) {
                f[i] = f[i].strip();
            }
            return f;
        }
    }

    private Double number(String file, int line, String value, String what) {
        try {
            double d = Double.parseDouble(value);
            if (Double.isNaN(d) || Double.isInfinite(d) || d < -100 || d > 100) {
                error(file, line, what + " must be a number between -100 and 100, not '" + value + "'");
                return null;
            }
            return d;
        } catch (NumberFormatException e) {
            error(file, line, what + " is not a number: '" + value + "'");
            return null;
        }
    }

    private Map<String, Double> parseSignals(String content) {
        Map<String, Double> out = new HashMap<>();
        for (Line l : lines(SIGNALS, content)) {
            String[] f = l.fields(2);
            if (f.length != 2) {
                error(SIGNALS, l.number(), "expected 'rule | score', got '" + l.text() + "'");
                continue;
            }
            if (!Rules.SIGNALS.contains(f[0])) {
                error(SIGNALS, l.number(), "unknown rule '" + f[0] + "' (known: " + String.join(", ",
                        Rules.SIGNALS.stream().sorted().toList()) + ")");
                continue;
            }
            Double score = number(SIGNALS, l.number(), f[1], "score");
            if (score != null && out.put(f[0], score) != null) {
                error(SIGNALS, l.number(), "rule '" + f[0] + "' is scored twice");
            }
        }
        return out;
    }

    private List<RuleSet.IntentPattern> parseIntents(String content) {
        List<RuleSet.IntentPattern> out = new ArrayList<>();
        for (Line l : lines(INTENTS, content)) {
            String[] f = l.fields(4);
            if (f.length != 4 || f[3].isEmpty()) {
                error(INTENTS, l.number(), "expected 'intent | weight | lang | pattern', got '" + l.text() + "'");
                continue;
            }
            if (!RULE_NAME.matcher(f[0]).matches()) {
                error(INTENTS, l.number(), "intent name must be lower-case letters, digits and '-': '" + f[0] + "'");
                continue;
            }
            if (f[0].equals(Rules.RESERVED_INTENT)) {
                error(INTENTS, l.number(), "intent name '" + f[0] + "' is reserved: " + Rules.INTENT_DISGUISED
                        + " is a built-in signal, scored in " + SIGNALS);
                continue;
            }
            Double weight = number(INTENTS, l.number(), f[1], "weight");
            String lang = f[2].toLowerCase(Locale.ROOT);
            if (!LANGS.contains(lang)) {
                error(INTENTS, l.number(), "unknown language '" + f[2] + "' (use one of " + LANGS + ")");
                continue;
            }
            if (weight == null) {
                continue;
            }
            try {
                out.add(compileIntent(f[0], weight, lang, f[3], l.number()));
            } catch (PatternSyntaxException e) {
                error(INTENTS, l.number(), "bad regular expression: " + e.getDescription() + " near index "
                        + e.getIndex());
            }
        }
        return out;
    }

    /**
     * A phrase matches whole words of the accent-stripped folded text, any run of up to three
     * non-alphanumeric characters standing for the spaces between words, {@code *} ending a word as "any
     * ending". {@code re:} starts a Java regular expression tried on both folded forms.
     */
    static RuleSet.IntentPattern compileIntent(String intent, double weight, String lang, String pattern,
                                               int line) {
        if (pattern.startsWith("re:")) {
            String re = pattern.substring(3).strip();
            // the texts are case-folded, so a pattern without capitals matches them exactly as it would
            // case-insensitively, and several times faster (no Unicode case comparison per character);
            // one with capitals (a literal, or an escape such as \S or \p{Lu}) keeps the flags
            int flags = re.chars().anyMatch(Character::isUpperCase) ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
            return new RuleSet.IntentPattern(intent, weight, lang, pattern, Pattern.compile(re, flags),
                    Pattern.compile(TextNormalizer.stripAccents(re), flags), line);
        }
        return new RuleSet.IntentPattern(intent, weight, lang, pattern, null, phrase(pattern), line);
    }

    /** The word-bounded matcher of a phrase (see {@link #compileIntent}), on accent-stripped folded text. */
    static Pattern phrase(String phrase) {
        String folded = TextNormalizer.stripAccents(TextNormalizer.fold(phrase, MAX_LINE));
        StringBuilder re = new StringBuilder("(?<![\\p{L}\\p{N}])");
        String[] words = folded.split("[^\\p{L}\\p{N}*]+");
        boolean first = true;
        boolean literal = false;
        for (String w : words) {
            if (w.isEmpty()) {
                continue;
            }
            if (!first) {
                re.append("[^\\p{L}\\p{N}]{1,3}");
            }
            first = false;
            boolean wildcard = w.endsWith("*");
            String word = w.replace("*", "");
            literal |= !word.isEmpty();
            re.append(Pattern.quote(word));
            if (wildcard) {
                re.append("[\\p{L}\\p{N}]{0,20}");
            }
        }
        if (!literal) {
            // "*" alone would match any word of any message
            throw new PatternSyntaxException("phrase has no words", phrase, 0);
        }
        re.append("(?![\\p{L}\\p{N}])");
        return Pattern.compile(re.toString());
    }

    private List<RuleSet.Combo> parseCombos(String content) {
        List<RuleSet.Combo> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Line l : lines(COMBOS, content)) {
            String[] f = l.fields(3);
            if (f.length != 3) {
                error(COMBOS, l.number(), "expected 'combo-name | score | rule & rule/rule & prefix*', got '"
                        + l.text() + "'");
                continue;
            }
            if (!f[0].startsWith(Rules.COMBO_PREFIX) || !RULE_NAME.matcher(f[0]).matches()) {
                error(COMBOS, l.number(), "a combination's name must start with 'combo-': '" + f[0] + "'");
                continue;
            }
            if (!names.add(f[0])) {
                error(COMBOS, l.number(), "combination '" + f[0] + "' defined twice");
                continue;
            }
            Double score = number(COMBOS, l.number(), f[1], "score");
            List<List<String>> terms = new ArrayList<>();
            boolean ok = true;
            for (String term : f[2].split("&")) {
                List<String> alts = new ArrayList<>();
                for (String alt : term.split("/")) {
                    String a = alt.strip();
                    String bare = a.endsWith("*") ? a.substring(0, a.length() - 1) : a;
                    if (bare.isEmpty() || !RULE_NAME.matcher(bare).matches() || bare.startsWith(Rules.COMBO_PREFIX)) {
                        error(COMBOS, l.number(), "bad term '" + a + "': use rule names (not combos) or prefixes ending in *");
                        ok = false;
                    } else {
                        alts.add(a);
                    }
                }
                terms.add(alts);
            }
            if (terms.size() < 2 || terms.size() > MAX_COMBO_TERMS) {
                error(COMBOS, l.number(), "a combination needs 2 to " + MAX_COMBO_TERMS + " terms joined by '&'");
                ok = false;
            }
            if (ok && score != null) {
                out.add(new RuleSet.Combo(f[0], score, terms));
            }
        }
        return out;
    }

    private List<RuleSet.Brand> parseBrands(String content) {
        List<RuleSet.Brand> out = new ArrayList<>();
        for (Line l : lines(BRANDS, content)) {
            String[] f = l.fields(3);
            if (f.length != 3 || f[0].isEmpty()) {
                error(BRANDS, l.number(), "expected 'Brand | domain, domain | keyword, keyword', got '" + l.text() + "'");
                continue;
            }
            List<String> domains = new ArrayList<>();
            Set<String> exact = new HashSet<>();
            for (String d : f[1].split(",")) {
                String v = d.strip();
                boolean exactOnly = v.startsWith("=");
                String dom = domain(BRANDS, l.number(), exactOnly ? v.substring(1) : v);
                if (dom != null) {
                    domains.add(dom);
                    if (exactOnly) {
                        exact.add(dom);
                    }
                }
            }
            if (domains.isEmpty()) {
                error(BRANDS, l.number(), "brand '" + f[0] + "' has no legitimate domain");
                continue;
            }
            List<String> keywords = new ArrayList<>();
            List<Pattern> patterns = new ArrayList<>();
            for (String k : f[2].split(",")) {
                String kw = TextNormalizer.fold(k.strip(), MAX_LINE);
                if (kw.isEmpty()) {
                    continue;
                }
                try {
                    patterns.add(phrase(kw));
                    keywords.add(kw);
                } catch (PatternSyntaxException e) {
                    error(BRANDS, l.number(), "keyword '" + k.strip() + "' has no word to look for");
                }
            }
            out.add(new RuleSet.Brand(f[0], domains, exact, keywords, patterns));
        }
        return out;
    }

    private String domain(String file, int line, String value) {
        String d = Hosts.toAscii(value.strip().toLowerCase(Locale.ROOT));
        while (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (!DOMAIN.matcher(d).matches()) {
            error(file, line, "not a domain name: '" + value.strip() + "'");
            return null;
        }
        return d;
    }

    private Set<String> parseDomains(String file, String content) {
        Set<String> out = new LinkedHashSet<>();
        for (Line l : lines(file, content)) {
            String d = domain(file, l.number(), l.text());
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    private Set<String> parseTlds(String content) {
        Set<String> out = new LinkedHashSet<>();
        for (Line l : lines(SUSPICIOUS_TLDS, content)) {
            String t = Hosts.toAscii(l.text().toLowerCase(Locale.ROOT));
            if (t.startsWith(".")) {
                t = t.substring(1);
            }
            if (!TLD.matcher(t).matches()) {
                error(SUSPICIOUS_TLDS, l.number(), "not a top-level domain: '" + l.text() + "'");
            } else {
                out.add(t);
            }
        }
        return out;
    }

    private Set<String> parseKeywords(String content) {
        Set<String> out = new LinkedHashSet<>();
        for (Line l : lines(LOGIN_KEYWORDS, content)) {
            out.add(TextNormalizer.stripAccents(TextNormalizer.fold(l.text(), MAX_LINE)));
        }
        return out;
    }

    private DomainList parseDomainList(String file, String content) {
        Set<String> domains = new HashSet<>();
        Set<String> urls = new HashSet<>();
        for (Line l : lines(file, content)) {
            Entry e = entry(l.text());
            if (e == null) {
                error(file, l.number(), "neither a URL nor a domain: '" + l.text() + "'");
            } else if (e.url()) {
                urls.add(e.value());
            } else {
                domains.add(e.value());
            }
        }
        return new DomainList(domains, urls);
    }

    /** A list entry: a normalised URL or a lower-case ASCII domain. */
    record Entry(boolean url, String value) {
    }

    /**
     * Reads a list entry: a URL with a host, a bare domain (or IP), or a CSV row whose first field that
     * looks like a URL is taken. {@code null} when nothing usable is there.
     */
    static Entry entry(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > MAX_LINE) {
            return null;
        }
        if (t.indexOf(',') >= 0 || t.indexOf('\t') >= 0 || t.indexOf(';') >= 0) {
            for (String field : t.split("[,;\t]")) {
                String v = field.strip();
                if (v.length() > 1 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                if (v.contains("://")) {
                    return entry(v);
                }
            }
            return null;
        }
        if (t.contains("://")) {
            String scheme = t.substring(0, t.indexOf("://")).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") && !scheme.equals("ftp")) {
                return null;
            }
            if (Hosts.hostOf(t).isEmpty()) {
                return null;
            }
            String norm = DomainList.normalizeUrl(t);
            String rest = norm.substring(norm.indexOf("://") + 3);
            if (rest.indexOf('/') < 0 && rest.indexOf('?') < 0) {
                // a URL without a path means the whole site
                return entry(Hosts.hostOf(t).get());
            }
            return new Entry(true, norm);
        }
        String d = Hosts.toAscii(t.toLowerCase(Locale.ROOT));
        while (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.startsWith("*.")) {
            d = d.substring(2);
        }
        if (DOMAIN.matcher(d).matches() || (Hosts.isIpLiteral(d) && (d.indexOf('.') > 0 || d.indexOf(':') >= 0))) {
            return new Entry(false, d);
        }
        return null;
    }
}
