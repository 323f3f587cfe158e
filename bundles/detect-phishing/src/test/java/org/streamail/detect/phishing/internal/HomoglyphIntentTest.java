package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.api.model.Finding;

/**
 * Intent words spelled with look-alike letters of other scripts (Cyrillic "е" for "e", Greek "ο" for "o"),
 * and the legitimate Russian and Greek mail that must not be touched by the folding. Non-ASCII characters
 * are written as escapes where they hide among Latin letters, so the test shows what it hides.
 */
class HomoglyphIntentTest extends DetectorTestBase {

    static List<Finding> findings(String text) {
        return detector.inspect(msg().text(text).build());
    }

    static Set<String> fired(String text) {
        return findings(text).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    // ------------------------------------------------------------ disguised intents are recognised

    @ParameterizedTest(name = "credential on \"{0}\"")
    @ValueSource(strings = {
            "Please v\u0435rify your \u0430ccount today.",            // Cyrillic е, а
            "Enter your p\u0430ssword below.",                          // Cyrillic а
            "Please verify your acc\u03BFunt today.",                   // Greek ο
            "Please \u03BDerify your account today.",                   // Greek ν for v
            "V\u0415R\u0406FY Y\u041EUR \u0410\u0421\u0421\u041EUNT",  // upper-case Cyrillic Е І О А С
            "Enter your p\u0430\u200Bssword below.",                    // Cyrillic а and a zero-width space
            "Enter your p\u0430s\u00ADsw\u2060ord below.",              // soft hyphen, word joiner
            "\uFF56\uFF45\uFF52\uFF49\uFF46\uFF59 your \u0430ccount",  // full-width verify, Cyrillic а
            "Enter your p\u0430\u0301ssword below.",                    // Cyrillic а with a combining accent
            "Enter your \u0440\u0430\u0455\u0455\u051D\u043E\u0433\u0501 below."}) // all look-alikes: раѕѕԝогԁ
    void intentWordsSpelledWithLookAlikesShouldMatch(String text) {
        assertThat(fired(text)).contains("intent-credential");
    }

    @Test
    void invisibleCharactersAndFullWidthLettersShouldMatchAsBefore() {
        // these already matched through NFKC case folding; kept here so the word splitting cannot break them
        assertThat(fired("Enter your pass\u200Bword below.")).contains("intent-credential");
        assertThat(fired("Enter your pass\u00ADword below.")).contains("intent-credential");
        assertThat(fired("\uFF56\uFF45\uFF52\uFF49\uFF46\uFF59 your account")).contains("intent-credential");
    }

    @Test
    void aWordMixingScriptsToSpellAnIntentWordShouldBeReportedAsDisguised() {
        List<Finding> f = findings("Please v\u0435rify your \u0430ccount and p\u0430ssword.");
        Finding d = f.stream().filter(x -> x.rule().equals(Rules.INTENT_DISGUISED)).findFirst().orElseThrow();
        assertThat(d.score()).isEqualTo(3.0);
        assertThat(d.detail()).contains("\"v\u0435rify\" reads as \"verify\"").contains("Cyrillic");
        assertThat(f).anySatisfy(x -> assertThat(x.rule()).isEqualTo("intent-credential"));
    }

    @Test
    void aPlainLatinIntentShouldNotBeReportedAsDisguised() {
        assertThat(fired("Please verify your account today.")).contains("intent-credential")
                .doesNotContain(Rules.INTENT_DISGUISED);
        assertThat(fired("Enter your pass\u200Bword below.")).as("an invisible character alone mixes no scripts")
                .doesNotContain(Rules.INTENT_DISGUISED);
    }

    @Test
    void aMixedWordThatIsNoIntentWordShouldFoldButNotBeReported() {
        // "Fabrik\u0430m" is folded (phrases around it still read) but is no word of the intent rules
        assertThat(fired("Fabrik\u0430m team")).doesNotContain(Rules.INTENT_DISGUISED);
        Homoglyphs.Result r = Homoglyphs.unmask("Fabrik\u0430m team", Set.of("verify"));
        assertThat(r.text()).isEqualTo("Fabrikam team");
        assertThat(r.count()).isZero();
    }

    // ------------------------------------------------------------ legitimate non-Latin mail is left alone

    @ParameterizedTest(name = "no finding on \"{0}\"")
    @ValueSource(strings = {
            // Russian: a sign-in notice, an all-capitals headline whose words use only Latin-looking letters
            "Здравствуйте! Войдите в Microsoft 365, чтобы открыть документ. Пароль никому не сообщайте. "
                    + "С уважением, отдел кадров.",
            "СРОЧНО: МОРЕ, ТОРТ, ХОР, СОР, ВЕК, КОМА, РОСА, ОСА, ТЕРМОС, КАТЕР, САХАР, РЕКА, ВЕРХ, АРКА",
            "Уважаемые коллеги, подтвердите, пожалуйста, участие в собрании. Напоминаем: отчёт о работе "
                    + "с клиентами Apple и Google нужно отправить до пятницы.",
            // Greek: ordinary text and capitals (ΤΟΝ, ΚΑΙ, ΜΕ, ΑΝ, ΝΑ look Latin letter for letter)
            "Καλημέρα σας, η συνάντηση μεταφέρεται την Τρίτη. Ο κωδικός της αίθουσας είναι στο ημερολόγιο.",
            "ΣΗΜΑΝΤΙΚΟ: ΚΑΙ ΤΟΝ ΚΑΤΑΛΟΓΟ ΜΕ ΤΑ ΝΕΑ ΜΗΝΥΜΑΤΑ ΑΝ ΘΕΛΕΤΕ ΝΑ ΤΟΝ ΔΕΙΤΕ, ΕΙΝΑΙ ΕΤΟΙΜΟΣ.",
            // Latin brand names and abbreviations inside Cyrillic and Greek text
            "Войдите в Microsoft Teams через Outlook; iPhone-ом тоже можно. Email: ivan@example.ru",
            "Συνδεθείτε στο Microsoft Teams με το email σας για τη σύσκεψη."})
    void legitimateCyrillicAndGreekTextShouldGiveNoFinding(String text) {
        assertThat(findings(text)).isEmpty();
    }

    @Test
    void theLookAlikesShouldBeTheUsualCyrillicGreekAndArmenianOnes() {
        String cyrillic = "\u0430\u0435\u043E\u0440\u0441\u0443\u0445\u0456\u0455\u0458\u04BB\u0501\u051D"; // аеорсухіѕјһԁԝ
        assertThat(latin(cyrillic)).isEqualTo("aeopcyxisjhdw");
        assertThat(latin("\u0410\u0412\u0415\u041A\u041C\u041D\u041E\u0420\u0421\u0422\u0425\u0406")) // АВЕКМНОРСТХІ
                .isEqualTo("ABEKMHOPCTXI");
        assertThat(latin("\u03BF\u03B1\u03BD\u03C1\u03B9\u03C5")).isEqualTo("oavpiu"); // οανριυ
        assertThat(latin("\u0391\u0392\u0395\u0397\u0399\u039A\u039C\u039D\u039F\u03A1\u03A4\u03A7")) // ΑΒΕΗΙΚΜΝΟΡΤΧ
                .isEqualTo("ABEHIKMNOPTX");
        assertThat(latin("\u0585\u057D\u0570")).isEqualTo("ouh"); // Armenian օսհ
        for (int cp : "дилжбвкмнтяπλωδ".codePoints().toArray()) { // letters that look like no Latin letter
            assertThat(Homoglyphs.latinFor(cp)).as("U+%04X", cp).isEqualTo((char) 0);
        }
        assertThat(Homoglyphs.latinFor('a')).as("Latin letters stay as they are").isEqualTo((char) 0);
    }

    @Test
    void theLookAlikesOfOtherScriptsAndThePhoneticLettersAndSmallCapitalsFoldToo() {
        // open item of the last sessions: only Cyrillic, Greek and Armenian were folded
        assertThat(latin("\u13AA\u13A5\u13DF")).as("Cherokee \u13AA\u13A5\u13DF").isEqualTo("AiC");
        assertThat(latin("\uA4EE\uA4D0\uA4DA")).as("Lisu").isEqualTo("ABC");
        assertThat(latin("\u2C9F\u2CA3\u2CA5")).as("Coptic").isEqualTo("opc");
        assertThat(latin("\u146D\u142F")).as("Canadian syllabics").isEqualTo("PV");
        assertThat(latin("\u2D54")).as("Tifinagh").isEqualTo("O");
        assertThat(latin(new String(Character.toChars(0x102A0)))).as("Carian, astral").isEqualTo("A");
        assertThat(latin("\u0251\u0261\u026A\u028F")).as("phonetic \u0251\u0261\u026A\u028F").isEqualTo("agiy");
        assertThat(latin("\u1D20\u1D07\u0280\u026A\uA730\u028F")).as("small capitals").isEqualTo("verify");
        // letters of living orthographies are words of their languages, not disguises
        for (int cp : "\u0131\u00FE\u0192\u0263\u028B\u0269\u01C0\u017F\u00E9\u0161".codePoints().toArray()) {
            assertThat(Homoglyphs.latinFor(cp)).as("U+%04X", cp).isEqualTo((char) 0);
        }
    }

    @ParameterizedTest(name = "credential on \"{0}\"")
    @ValueSource(strings = {
            "Enter your p\u0251ssword below.",                     // Latin alpha
            "Please \u1D20\u1D07\u0280\u026A\uA730\u028F your account today.", // small capitals
            "Enter your p\u13AAssword below.",                     // Cherokee A
            "Enter your p\uA4EEssword below.",                     // Lisu A
            "Please verify your acc\u2C9Funt today.",              // Coptic o
            "Enter your p\uD800\uDEA0ssword below."})             // Carian A (astral)
    void intentWordsSpelledWithLookAlikesOfOtherScriptsShouldMatch(String text) {
        assertThat(fired(text)).contains("intent-credential");
    }

    @ParameterizedTest(name = "no finding on \"{0}\"")
    @ValueSource(strings = {
            // Turkish (dotless \u0131), Icelandic (\u00FE), Ewe (\u0192 \u028B \u0263), Vietnamese
            "Hesab\u0131n\u0131z\u0131 g\u00FCncellemek i\u00E7in toplant\u0131ya kat\u0131l\u0131n, l\u00FCtfen.",
            "\u00DEakka \u00FEér fyrir fundinn \u00ED g\u00E6r, \u00FEa\u00F0 var g\u00F3\u00F0ur fundur.",
            "Mi\u0192e a\u028Bal\u00E9 \u0263e si \u0256o me.",
            "Xin ch\u00E0o, cu\u1ED9c h\u1ECDp \u0111\u01B0\u1EE3c d\u1EDDi sang th\u1EE9 ba."})
    void legitimateTextOfLatinOrthographiesShouldGiveNoFinding(String text) {
        assertThat(findings(text)).isEmpty();
        assertThat(Homoglyphs.unmask(text, Homoglyphs.vocabulary(detector.rules())).text())
                .as("nothing folded").isEqualTo(com.ibm.icu.text.Normalizer2.getNFKCInstance().normalize(text));
    }

    private static String latin(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(Homoglyphs.latinFor(cp)));
        return sb.toString();
    }

    @Test
    void foldingShouldOnlyTouchWordsMixingScriptsOrSpellingAnIntentWord() {
        Set<String> vocabulary = Set.of("verify", "password", "account");
        Homoglyphs.Result r = Homoglyphs.unmask("Войдите в Microsoft: v\u0435rify ТОРТ \u0440\u0430\u0455\u0455\u051D\u043E\u0433\u0501",
                vocabulary);
        assertThat(r.text()).isEqualTo("Войдите в Microsoft: verify ТОРТ password");
        assertThat(r.disguised()).extracting(Homoglyphs.Disguise::reads).containsExactly("verify", "password");
        assertThat(Homoglyphs.unmask("Здравствуйте, ТОРТ и МОРЕ", vocabulary).text()).isEqualTo("Здравствуйте, ТОРТ и МОРЕ");
        // a short look-alike-only word is left alone even when it spells a word of the rules (French "ton")
        Homoglyphs.Result greek = Homoglyphs.unmask("ΤΟΝ ΚΩΔΙΚΟ", Set.of("ton", "code"));
        assertThat(greek.text()).isEqualTo("ΤΟΝ ΚΩΔΙΚΟ");
        assertThat(greek.count()).isZero();
    }
}
