package org.streamail.detect.phishing.internal;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.lang.UScript;
import com.ibm.icu.text.Normalizer2;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Words spelled with letters of another script that look Latin ("vеrify" with a Cyrillic "е", "accοunt"
 * with a Greek "ο"), folded back to Latin before the intent rules read the text.
 *
 * <p>A word (a run of letters, combining marks and invisible format characters) is folded only when
 * <ul>
 * <li>it <b>mixes</b> Latin letters with look-alikes, and every other letter is one or the other; or</li>
 * <li>it is made of look-alikes only and, folded, spells a word of the intent rules of at least
 * {@link #MIN_WHOLE_WORD} letters ({@code раѕѕԝогԁ} = "password").</li>
 * </ul>
 * Ordinary Russian, Greek or Armenian words are never both, so genuine non-Latin mail reads as before,
 * Latin brand names inside it included ("Войдите в Microsoft"). Invisible format characters (zero-width
 * space and joiners, soft hyphen, word joiner) are removed inside every word.
 *
 * <p>The look-alikes are the letters of every script but Latin whose Unicode TR39 skeleton (ICU
 * {@code SpoofChecker}) is a single ASCII letter — Cyrillic, Greek, Armenian, Cherokee, Lisu, Coptic, Canadian
 * syllabics, Tifinagh, and the historic scripts of the astral planes (Carian, Lycian, Old Italic, Deseret...) —
 * read once at class loading; an upper-case look-alike of "l" (Greek Ι, Cyrillic І, palochka) stands for "I", as
 * TR39 skeletons make no difference between the two. Of the Latin script, only the letters of phonetic notation
 * ({@code ɑ ɡ ɪ ʏ}: IPA, the Phonetic Extensions, Latin Extended-E) and the small capitals ({@code ᴠᴇʀɪꜰʏ}) count:
 * the letters of living orthographies that look like an ASCII letter (Turkish {@code ı}, Icelandic {@code þ}, Ewe
 * {@code ƒ ɣ ʋ}, Kabiye {@code ɩ}, the click letter {@code ǀ}) and the long {@code ſ} are words of their languages,
 * not disguises. The skeleton is not applied to whole words because it also rewrites Latin letters ("m" becomes
 * "rn") that the rules must read as written. Stateless and thread-safe.
 */
final class Homoglyphs {

    /** Latin letter per code point of the Basic Multilingual Plane, {@code 0} when it looks like no Latin letter. */
    private static final char[] LATIN = new char[0x10000];
    /** The same for the astral planes (historic scripts), by code point. */
    private static final Map<Integer, Character> ASTRAL;
    /** Latin look-alikes of living orthographies (and the long s, read as an s): never folded. */
    private static final String ORTHOGRAPHY_LETTERS =
            "\u0131\u00FE\u00DE\u0192\u0191\u0263\u0194\u028B\u01B2\u0269\u0196\u026F\u019C\u01C0\u017F";
    /** Small capitals and the letter each reads as (ᴠᴇʀɪꜰʏ ʏᴏᴜʀ ᴀᴄᴄᴏᴜɴᴛ); most have no one-letter skeleton. */
    private static final String SMALL_CAPITALS = "\u1D00a\u0299b\u1D04c\u1D05d\u1D07e\uA730f\u0262g\u029Ch\u026Ai"
            + "\u1D0Aj\u1D0Bk\u029Fl\u1D0Dm\u0274n\u1D0Fo\u1D18p\uA7AFq\u0280r\uA731s\u1D1Bt\u1D1Cu\u1D20v\u1D21w"
            + "\u028Fy\u1D22z";

    static {
        Map<Integer, Character> astral = new HashMap<>();
        for (int cp = 0x80; cp < 0x20000; cp++) {
            char latin = lookAlike(cp);
            if (latin == 0) {
                continue;
            }
            if (cp < 0x10000) {
                LATIN[cp] = latin;
            } else {
                astral.put(cp, latin);
            }
        }
        for (int i = 0; i < SMALL_CAPITALS.length(); i += 2) {
            LATIN[SMALL_CAPITALS.charAt(i)] = SMALL_CAPITALS.charAt(i + 1);
        }
        ASTRAL = Map.copyOf(astral);
    }

    /** Shortest look-alike-only word that is folded (short ones, like Greek "ΤΟΝ", are common words). */
    static final int MIN_WHOLE_WORD = 5;
    /** Distinct disguised words kept as examples for the explanation. */
    static final int MAX_EXAMPLES = 3;

    private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();

    /**
     * A word written with look-alikes that spells a word of the intent rules.
     *
     * @param written the word as written (invisible characters removed)
     * @param reads   what it reads as: lower case, accents removed
     * @param scripts the scripts of its letters ("Cyrillic, Latin")
     */
    record Disguise(String written, String reads, String scripts) {
    }

    /**
     * @param text      the text with look-alike words folded (NFKC, not yet case-folded), or the input
     *                  unchanged when it has no letter of the look-alike scripts
     * @param disguised up to {@link #MAX_EXAMPLES} distinct disguised intent words
     * @param count     how many disguised intent words there were in all
     */
    record Result(String text, List<Disguise> disguised, int count) {
        Result {
            disguised = List.copyOf(disguised);
        }
    }

    private Homoglyphs() {
    }

    /** The ASCII letter {@code cp} looks like (see the class comment), or {@code 0}. */
    private static char lookAlike(int cp) {
        if (!Character.isLetter(cp) || ORTHOGRAPHY_LETTERS.indexOf(cp) >= 0) {
            return 0;
        }
        int script = UScript.getScript(cp);
        if (script == UScript.COMMON || script == UScript.INHERITED || script == UScript.HAN
                || script == UScript.HANGUL || script == UScript.LATIN && !phonetic(cp)) {
            return 0;
        }
        String skeleton = Confusables.caseSensitiveSkeleton(new String(Character.toChars(cp)));
        if (skeleton.length() != 1 || skeleton.charAt(0) >= 128 || !Character.isLetter(skeleton.charAt(0))) {
            return 0;
        }
        char latin = skeleton.charAt(0);
        return latin == 'l' && Character.isUpperCase(cp) ? 'I' : latin;
    }

    /** IPA, the Phonetic Extensions and Latin Extended-E: letters of phonetic notation, not of an orthography. */
    private static boolean phonetic(int cp) {
        Character.UnicodeBlock b = Character.UnicodeBlock.of(cp);
        return b == Character.UnicodeBlock.IPA_EXTENSIONS || b == Character.UnicodeBlock.PHONETIC_EXTENSIONS
                || b == Character.UnicodeBlock.PHONETIC_EXTENSIONS_SUPPLEMENT
                || b == Character.UnicodeBlock.LATIN_EXTENDED_E;
    }

    /** The Latin letter {@code cp} looks like, or {@code 0}. */
    static char latinFor(int cp) {
        if (cp < 0x10000) {
            return cp >= 0 ? LATIN[cp] : 0;
        }
        Character latin = ASTRAL.get(cp);
        return latin == null ? 0 : latin;
    }

    /** Whether {@code s} may hold a look-alike: one of the table, or an astral character (NFKC may map it to one). */
    static boolean mayHide(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (LATIN[c] != 0 || Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code s} (NFKC-normalised first) with its disguised words folded to Latin and invisible characters
     * removed inside words; see the class comment. {@code vocabulary}: lower-case accent-free words of the
     * intent rules. One pass over the text.
     */
    static Result unmask(String s, Set<String> vocabulary) {
        if (!mayHide(s)) {
            return new Result(s, List.of(), 0);
        }
        String text = NFKC.normalize(s);
        StringBuilder out = new StringBuilder(text.length());
        List<Disguise> examples = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int count = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!wordPart(cp)) {
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            while (i < text.length() && wordPart(cp = text.codePointAt(i))) {
                i += Character.charCount(cp);
            }
            String word = text.substring(start, i);
            if (!foldable(word)) {
                out.append(withoutInvisible(word));
                continue;
            }
            String latin = latinized(word);
            String reads = reads(latin);
            boolean intentWord = vocabulary.contains(reads);
            boolean spellsLongIntentWord = intentWord && reads.length() >= MIN_WHOLE_WORD;
            if (!mixesLatin(word) && !spellsLongIntentWord) {
                out.append(withoutInvisible(word)); // look-alikes only, no intent word: a word of its language
                continue;
            }
            out.append(latin);
            if (intentWord) {
                count++;
                if (examples.size() < MAX_EXAMPLES && seen.add(reads)) {
                    String written = withoutInvisible(word);
                    examples.add(new Disguise(written, reads, Confusables.scripts(written)));
                }
            }
        }
        return new Result(out.toString(), examples, count);
    }

    /**
     * Whether every letter of {@code word} is Latin or a look-alike, with at least one look-alike: a word
     * of Russian or Greek has letters that look like no Latin letter (д, и, λ...) or none that does.
     */
    private static boolean foldable(String word) {
        boolean lookAlike = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            if (latinFor(cp) != 0) {
                lookAlike = true;
            } else if (Character.isLetter(cp) && UScript.getScript(cp) != UScript.LATIN) {
                return false; // a genuine letter of another script: a word of that language
            } // else combining marks, invisible characters, Latin letters
        }
        return lookAlike;
    }

    /** Whether {@code word} has a Latin letter (a foldable word with one mixes scripts). */
    private static boolean mixesLatin(String word) {
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp) && UScript.getScript(cp) == UScript.LATIN) {
                return true;
            }
        }
        return false;
    }

    /** A folded word as the vocabulary holds words: lower case, without accents. */
    private static String reads(String latin) {
        String lower = latin.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lower.length(); i++) {
            if (lower.charAt(i) >= 128) {
                return TextNormalizer.stripAccents(lower);
            }
        }
        return lower;
    }

    private static String latinized(String word) {
        StringBuilder sb = new StringBuilder(word.length());
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            char latin = latinFor(cp);
            if (latin != 0) {
                sb.append(latin);
            } else if (!invisible(cp)) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    private static String withoutInvisible(String word) {
        StringBuilder sb = null;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (invisible(cp)) {
                if (sb == null) {
                    sb = new StringBuilder(word.length()).append(word, 0, i);
                }
            } else if (sb != null) {
                sb.appendCodePoint(cp);
            }
            i = next;
        }
        return sb == null ? word : sb.toString();
    }

    /** A letter, a combining mark or an invisible format character: what a word is made of here. */
    private static boolean wordPart(int cp) {
        if (Character.isLetter(cp) || invisible(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK;
    }

    /** Zero-width space and joiners, soft hyphen, word joiner, BOM...: format characters that show nothing. */
    static boolean invisible(int cp) {
        return Character.getType(cp) == Character.FORMAT
                && UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT);
    }

    // ---------------------------------------------------------------- vocabulary

    private record Vocabulary(RuleSet rules, Set<String> words) {
    }

    private static final AtomicReference<Vocabulary> LATEST = new AtomicReference<>();
    private static final int MIN_VOCABULARY_WORD = 3;

    /**
     * The words of the intent rules (phrases and the letters of {@code re:} patterns), lower case without
     * accents, of at least three letters: what a disguised word is compared with. Built once per rule set.
     */
    static Set<String> vocabulary(RuleSet rules) {
        Vocabulary v = LATEST.get();
        if (v == null || v.rules() != rules) {
            v = new Vocabulary(rules, wordsOf(rules.intents()));
            LATEST.set(v);
        }
        return v.words();
    }

    static Set<String> wordsOf(List<RuleSet.IntentPattern> intents) {
        Set<String> words = new HashSet<>();
        for (RuleSet.IntentPattern p : intents) {
            String source = p.source().startsWith("re:") ? p.source().substring(3) : p.source();
            String folded = TextNormalizer.stripAccents(TextNormalizer.fold(source, RuleParser.MAX_LINE));
            for (String w : folded.split("[^a-z]+")) {
                if (w.length() >= MIN_VOCABULARY_WORD) {
                    words.add(w);
                }
            }
        }
        return Set.copyOf(words);
    }
}
