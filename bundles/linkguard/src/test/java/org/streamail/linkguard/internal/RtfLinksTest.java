package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.swing.text.Document;
import javax.swing.text.rtf.RTFEditorKit;
import org.junit.jupiter.api.Test;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * {@link RtfLinks}: RTF written by hand in the shapes Word, LibreOffice, WordPad and TextEdit save (no office suite
 * on the build machines), tricky instructions, and hostile files. Outputs are checked byte for byte against the input
 * with only the argument replaced, and the samples' text read back with the JDK's own RTF reader (Swing's
 * {@code RTFEditorKit}, independent of the reader under test; it skips fields), which must find the same text before
 * and after.
 */
class RtfLinksTest {

    private static final String CLICK = "https://gw.example/streamail/click/";

    private final RtfLinks rtf = new RtfLinks();

    /** What Word 2016 writes for a paragraph with one hyperlink (tables shortened), its data field included. */
    static final String DATAFIELD = "{\\*\\datafield \r\n"
            + "00d0c9ea79f9bace118c8200aa004ba90b0200000003000000e0c9ea79f9bace118c8200aa004ba90b4c0000006800740074007000"
            + "73003a002f002f006500760069006c002e006500780061006d0070006c0065002f000000}";
    static final String WORD = "{\\rtf1\\adeflang1025\\ansi\\ansicpg1252\\uc1\\adeff31507\\deff0\\stshfdbch31505"
            + "\\stshfloch31506\\stshfhich31506\\stshfbi31507\\deflang1033\\deflangfe1033\\themelang1033\\themelangfe0"
            + "\\themelangcs0{\\fonttbl{\\f0\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}"
            + "Times New Roman;}{\\f31506\\fbidi \\fswiss\\fcharset0\\fprq2 Calibri;}}\r\n"
            + "{\\colortbl;\\red0\\green0\\blue0;\\red5\\green99\\blue193;}\r\n"
            + "{\\stylesheet{\\ql \\li0\\ri0\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0\\lin0"
            + "\\itap0 \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 \\f31506\\fs22\\lang1033\\langfe1033"
            + "\\cgrid\\langnp1033\\langfenp1033 \\snext0 \\sqformat \\spriority0 Normal;}{\\*\\cs15 \\additive "
            + "\\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 \\ul\\cf2 \\sbasedon10 \\sunhideused \\styrsid9512357 Hyperlink;}}\r\n"
            + "{\\*\\rsidtbl \\rsid9512357}{\\*\\generator Microsoft Word 16.0;}{\\info{\\author Accounts}"
            + "{\\creatim\\yr2026\\mo12\\dy1\\hr9\\min12}{\\*\\company Example Ltd}}\r\n"
            + "\\paperw12240\\paperh15840\\margl1440\\margr1440\\margt1440\\margb1440\\gutter0\\ltrsect \r\n"
            + "\\pard\\plain \\ltrpar\\ql \\li0\\ri0\\sa160\\sl259\\slmult1\\widctlpar\\wrapdefault\\aspalpha\\aspnum"
            + "\\faauto\\adjustright\\rin0\\lin0\\itap0 \\rtlch\\fcs1 \\af31507\\afs22\\alang1025 \\ltrch\\fcs0 "
            + "\\f31506\\fs22\\lang1033\\langfe1033\\cgrid\\langnp1033\\langfenp1033 {\\rtlch\\fcs1 \\af31507 "
            + "\\ltrch\\fcs0 \\insrsid9512357 Your invoice is ready: }{\\field\\flddirty{\\*\\fldinst {\\rtlch\\fcs1 "
            + "\\af31507 \\ltrch\\fcs0 \\insrsid9512357  HYPERLINK \"https://evil.example/invoice?id=42&x=1\" "
            + "\\\\o \"Open invoice\" }{\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\insrsid9512357 " + DATAFIELD
            + "}}{\\fldrslt {\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\cs15\\ul\\cf2\\insrsid9512357 View invoice}}}"
            + "\\sectd \\ltrsect\\linex0\\endnhere\\sectdefaultcl\\sftnbj {\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 "
            + "\\insrsid9512357 \\par }}";

    /** LibreOffice 7's writer (Writer → Save As → Rich Text). */
    static final String LIBREOFFICE = "{\\rtf1\\ansi\\deff4\\adeflang1025\r\n"
            + "{\\fonttbl{\\f0\\froman\\fprq2\\fcharset0 Times New Roman;}{\\f4\\fswiss\\fprq2\\fcharset0 Liberation "
            + "Sans;}}\r\n{\\colortbl;\\red0\\green0\\blue0;\\red0\\green0\\blue128;}\r\n"
            + "{\\stylesheet{\\s0\\snext0\\hich\\af4\\dbch\\af5\\afs24\\loch\\f4\\fs24 Default Paragraph Style;}\r\n"
            + "{\\*\\cs15\\snext15\\cf2\\ul\\ulc0\\langfe255\\alang255\\lang255 Internet Link;}}\r\n"
            + "{\\*\\generator LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/e19e193f88cd6c0525a17fb7a176ed8e6a3e2"
            + "aa1}{\\info{\\creatim\\yr2026\\mo12\\dy3\\hr10\\min5}{\\revtim\\yr2026\\mo12\\dy3\\hr10\\min6}{\\printim"
            + "\\yr0\\mo0\\dy0\\hr0\\min0}}{\\*\\userprops}\\deftab709\r\n\\hyphauto1\\viewscale100\r\n"
            + "{\\*\\pgdsctbl\r\n{\\pgdsc0\\pgdscuse451\\pgwsxn11906\\pghsxn16838\\marglsxn1134\\margrsxn1134"
            + "\\margtsxn1134\\margbsxn1134\\pgdscnxt0 Default Page Style;}}\r\n"
            + "\\formshade\\paperh16838\\paperw11906\\margl1134\\margr1134\\margt1134\\margb1134\\sectd\\sbknone"
            + "\\sftnnar\\saftnnrlc\\sectunlocked1\\pgwsxn11906\\pghsxn16838\\marglsxn1134\\margrsxn1134\\margtsxn1134"
            + "\\margbsxn1134\\ftnbj\\ftnstart1\\ftnrstcont\\ftnnar\\aenddoc\\aftnrstcont\\aftnstart1\\aftnnrlc\r\n"
            + "{\\*\\ftnsep\\chftnsep}\\pgndec\\pard\\plain \\s0\\hich\\af4\\dbch\\af5\\langfe2052\\dbch\\af6\\afs24"
            + "\\alang1081\\loch\\f4\\hich\\af4\\fs24\\lang2057{\\rtlch \\ltrch\\loch\r\nPlease sign in at }{\\field"
            + "{\\*\\fldinst HYPERLINK \"https://evil.example/signin\" }{\\fldrslt {\\rtlch \\ltrch\\loch\\loch\\f4\r\n"
            + "our portal}}}{\\rtlch \\ltrch\\loch\r\n.}\r\n\\par }";

    /** WordPad (RichEdit 8) writes the URL unquoted and the field twice grouped. */
    static final String WORDPAD = "{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang1033{\\fonttbl{\\f0\\fnil"
            + "\\fcharset0 Calibri;}}\r\n{\\colortbl ;\\red0\\green0\\blue255;}\r\n"
            + "{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \r\n"
            + "\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang9 Reset your password: {{\\field{\\*\\fldinst{HYPERLINK "
            + "https://evil.example/reset }}{\\fldrslt{https://evil.example/reset\\ul0\\cf0}}}}\\f0\\fs22\\par\r\n}\r\n";

    /** TextEdit on macOS (Cocoa's RTF writer). */
    static final String TEXTEDIT = "{\\rtf1\\ansi\\ansicpg1252\\cocoartf2761\r\n"
            + "\\cocoatextscaling0\\cocoaplatform0{\\fonttbl\\f0\\fswiss\\fcharset0 Helvetica;}\r\n"
            + "{\\colortbl;\\red255\\green255\\blue255;}\r\n{\\*\\expandedcolortbl;;}\r\n"
            + "\\paperw11900\\paperh16840\\margl1440\\margr1440\\vieww11520\\viewh8400\\viewkind0\r\n"
            + "\\pard\\tx566\\tx1133\\pardirnatural\\partightenfactor0\r\n"
            + "{\\field{\\*\\fldinst{HYPERLINK \"https://evil.example/apple\"}}{\\fldrslt \r\n"
            + "\\f0\\fs24 \\cf0 Apple ID}}}";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A document holding {@code body} after a minimal header. */
    private static String doc(String body) {
        return "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}\r\n\\pard " + body + "\\par\r\n}";
    }

    private static String field(String instruction, String result) {
        return "{\\field{\\*\\fldinst " + instruction + "}{\\fldrslt " + result + "}}";
    }

    private byte[] rewrite(String file, OfficeLinksTest.Recorder r) throws DocumentException {
        return rtf.rewrite(bytes(file), r, false);
    }

    /** The text the JDK's RTF reader shows for a file. */
    private static String visible(byte[] file) throws Exception {
        RTFEditorKit kit = new RTFEditorKit();
        Document d = kit.createDefaultDocument();
        kit.read(new ByteArrayInputStream(file), d, 0);
        return d.getText(0, d.getLength());
    }

    @Test
    void wordsHyperlinkIsReplacedItsDataFieldRemovedAndEveryOtherByteKept() throws Exception {
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        byte[] out = rewrite(WORD, r);

        assertThat(r.targets).containsExactly("https://evil.example/invoice?id=42&x=1");
        assertThat(r.kinds).containsExactly(LinkTokens.Kind.LINK);
        assertThat(string(out)).isEqualTo(WORD
                .replace("\"https://evil.example/invoice?id=42&x=1\"", "\"" + r.given.get(0) + "\"")
                .replace(DATAFIELD, ""));
        // Swing's reader shows no field (result included), so this checks the rest of the text
        assertThat(visible(out)).isEqualTo(visible(bytes(WORD))).contains("Your invoice is ready");
        List<String> again = new java.util.ArrayList<>();
        assertThat(rtf.rewrite(out, (t, k) -> {
            again.add(t);
            return null;
        }, false)).as("nothing more to replace").isSameAs(out);
        assertThat(again).containsExactly(r.given.get(0));
    }

    @Test
    void libreOfficeWordPadAndTextEditFilesHaveOnlyTheirUrlReplaced() throws Exception {
        for (String[] c : new String[][] {{LIBREOFFICE, "\"https://evil.example/signin\"", "https://evil.example/signin"},
                {WORDPAD, "https://evil.example/reset", "https://evil.example/reset"},
                {TEXTEDIT, "\"https://evil.example/apple\"", "https://evil.example/apple"}}) {
            OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
            byte[] out = rewrite(c[0], r);
            assertThat(r.targets).containsExactly(c[2]);
            // WordPad's unquoted URL becomes a quoted argument; its field result (the URL as text) is not touched
            String expected = c[0].replaceFirst(java.util.regex.Pattern.quote(c[1]),
                    java.util.regex.Matcher.quoteReplacement("\"" + r.given.get(0) + "\""));
            assertThat(string(out)).isEqualTo(expected);
            assertThat(visible(out)).isEqualTo(visible(bytes(c[0])));
        }
    }

    @Test
    void recognisesWhatWordOpensAsRtfByItsFirstBytesOnly() {
        assertThat(rtf.recognises(bytes("{\\rtf1\\ansi x}"))).isTrue();
        assertThat(rtf.recognises(bytes("{\\rtx"))).as("Word checks {\\rt only").isTrue();
        assertThat(rtf.recognises(bytes(" {\\rtf1"))).isFalse();
        assertThat(rtf.recognises(bytes("\u00ef\u00bb\u00bf{\\rtf1"))).isFalse();
        assertThat(rtf.recognises(bytes("{\\r"))).isFalse();
        assertThat(rtf.recognises(bytes("%PDF-1.7 {\\rtf1"))).isFalse();
        assertThat(LinkRewriter.mayBeDocument(bytes("{\\rtf1"))).isTrue();
    }

    @Test
    void anInstructionSplitOverGroupsIsReadWholeAndWrittenIntoTheFirstPiece() throws Exception {
        String file = doc("{\\field{\\*\\fldinst {\\insrsid1 HYPERLINK \"https://ev}{\\b\\'69l.example/a?b=1}"
                + "{\\i \" \\\\o \"tip\"}}{\\fldrslt Pay}}");
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(file, r));
        assertThat(r.targets).containsExactly("https://evil.example/a?b=1");
        // each other piece keeps its group and formatting; \b gets a space, its delimiter, where \'69 was
        assertThat(out).isEqualTo(doc("{\\field{\\*\\fldinst {\\insrsid1 HYPERLINK \"" + r.given.get(0) + "\"}"
                + "{\\b }{\\i  \\\\o \"tip\"}}{\\fldrslt Pay}}"));

        // Word wraps its lines anywhere, in a URL too: line breaks are no text, and stay where they were
        r = new OfficeLinksTest.Recorder();
        out = string(rewrite(doc(field("HYPERLINK \"https://evil.exa\r\nmple/wrapped\"", "w")), r));
        assertThat(r.targets).containsExactly("https://evil.example/wrapped");
        assertThat(out).isEqualTo(doc(field("HYPERLINK \"" + r.given.get(0) + "\"\r\n", "w")));
    }

    @Test
    void hexUnicodeAndSymbolEscapesAreUndoneBeforeTheUrlIsAskedFor() throws Exception {
        // hex 68 is h; u112 with its fallback ? is p; after uc0, u47 is / without fallback; after uc2, u104 and
        // its two fallback characters are h; escaped braces; four backslashes are two, one for the field reading
        String instruction = "HYPERLINK \"\\'68ttps://evil.example/\\u112?ath\\uc0\\u47 x\\uc2\\u104 ??y"
                + "\\{a\\}\\\\\\\\b\"";
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(doc(field(instruction, "Pay")), r));
        assertThat(r.targets).containsExactly("https://evil.example/path/xhy{a}\\b");
        // the "uc" control words between the pieces stay (each now ends its group's text); a space delimits them
        assertThat(out).isEqualTo(doc(field("HYPERLINK \"" + r.given.get(0) + "\"\\uc0 \\uc2 ", "Pay")));

        // typographic quotes written as control words, and a URL whose quote follows a control word directly
        r = new OfficeLinksTest.Recorder();
        out = string(rewrite(doc(field("HYPERLINK \\ldblquote https://evil.example/q\\rdblquote ", "x")
                + field("HYPERLINK\\b\"https://evil.example/c\"", "y")), r));
        assertThat(r.targets).containsExactly("https://evil.example/q", "https://evil.example/c");
        assertThat(out).isEqualTo(doc(field("HYPERLINK \"" + r.given.get(0) + "\"", "x")
                + field("HYPERLINK\\b \"" + r.given.get(1) + "\"", "y")));
    }

    @Test
    void anUnquotedUrlBecomesOneQuotedArgumentAndTheSwitchesStay() throws Exception {
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(doc(field(" HYPERLINK https://evil.example/u \\\\t _blank \\\\o tip ", "u")), r));
        assertThat(r.targets).containsExactly("https://evil.example/u");
        assertThat(out).isEqualTo(doc(field(" HYPERLINK \"" + r.given.get(0) + "\" \\\\t _blank \\\\o tip ", "u")));
    }

    @Test
    void switchArgumentsAreNotTheUrlAndAGeneralSwitchBeforeItIsSkipped() throws Exception {
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String file = doc(field("HYPERLINK \\\\l \"_Toc12345\"", "internal")
                + field("HYPERLINK \\\\o \"https://tooltip.example/\" \"https://evil.example/t\" \\\\l \"part2\"", "t")
                + field("HYPERLINK \\\\* MERGEFORMAT \"https://evil.example/m\"", "m"));
        String out = string(rewrite(file, r));
        // a bookmark only: an internal link, never asked for; the tooltip is not the target
        assertThat(r.targets).containsExactly("https://evil.example/t", "https://evil.example/m");
        assertThat(out).contains("\\\\o \"https://tooltip.example/\" \"" + r.given.get(0) + "\" \\\\l \"part2\"",
                "HYPERLINK \\\\l \"_Toc12345\"", "\\\\* MERGEFORMAT \"" + r.given.get(1) + "\"");
        // the same reading for Word files (OfficeLinks), where \* MERGEFORMAT was taken for the URL before
        assertThat(OfficeLinks.FieldCode.hyperlink("HYPERLINK \\* MERGEFORMAT \"https://evil.example/m\"").value())
                .isEqualTo("https://evil.example/m");
        assertThat(OfficeLinks.FieldCode.hyperlink("HYPERLINK \\# \"0\" \\@ \"d\" https://evil.example/n").value())
                .isEqualTo("https://evil.example/n");
    }

    @Test
    void aTargetTheReplacerLeavesStaysAndNothingChangedReturnsTheSameArray() throws Exception {
        byte[] file = bytes(doc(field("HYPERLINK \"mailto:billing@evil.example\"", "mail")
                + field("HYPERLINK \"https://keep.example/a\"", "kept")
                + field("PAGE \\\\* MERGEFORMAT", "1") + field("INCLUDETEXT \"C:\\\\\\\\docs\\\\\\\\a.docx\"", "t")));
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        assertThat(rtf.rewrite(file, r, false)).isSameAs(file);
        assertThat(r.targets).containsExactly("mailto:billing@evil.example", "https://keep.example/a");
    }

    @Test
    void nestedFieldsAreEachReadAndAUrlComputedByOneIsLeft() throws Exception {
        String inResult = field("IF 1 = 1 \"yes\" \"no\"", field("HYPERLINK \"https://evil.example/n1\"", "x"));
        String inInstruction = field("IF 1 = 1 \"" + field("HYPERLINK \"https://evil.example/n2\"", "y")
                + "\" \"no\"", "z");
        String computed = field("HYPERLINK \"https://evil.example/" + field("MERGEFIELD id", "7") + "\"", "w");
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(doc(inResult + inInstruction + computed), r));
        assertThat(r.targets).containsExactly("https://evil.example/n1", "https://evil.example/n2");
        assertThat(out).isEqualTo(doc(inResult.replace("\"https://evil.example/n1\"", "\"" + r.given.get(0) + "\"")
                + inInstruction.replace("\"https://evil.example/n2\"", "\"" + r.given.get(1) + "\"") + computed));
    }

    @Test
    void fetchedFilesTemplatesAndShapeHyperlinks() throws Exception {
        String file = "{\\rtf1\\ansi{\\*\\template \\'68ttp://evil.example/t.dotm}{\\*\\template\\'68ttps://evil"
                + ".example/u.dotm}{\\info{\\title x}}\r\n\\pard "
                + field("{ INCLUDEPICTURE  \\\\d \"https://evil.example/pixel.png\" \\\\* MERGEFORMATINET }", "{}")
                + field("INCLUDETEXT \\\\c MSWord \"http://evil.example/part.docx\"", "part")
                + field("INCLUDEPICTURE \"C:\\\\\\\\pics\\\\\\\\a.png\"", "{}")
                + "{\\shp{\\*\\shpinst\\shpleft0{\\sp{\\sn shapeType}{\\sv 1}}{\\sp{\\sn pihlShape}{\\sv {\\*\\hl "
                + "{\\hlfr _blank}{\\hlsrc https://evil.example/shape}}}}}}\\par}";
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(file, r));
        assertThat(r.targets).containsExactly("http://evil.example/t.dotm", "https://evil.example/u.dotm",
                "https://evil.example/pixel.png", "http://evil.example/part.docx", "https://evil.example/shape");
        assertThat(out).isEqualTo(file
                .replace("\\'68ttp://evil.example/t.dotm", r.given.get(0))
                .replace("\\template\\'68ttps://evil.example/u.dotm", "\\template " + r.given.get(1))
                .replace("\"https://evil.example/pixel.png\"", "\"" + r.given.get(2) + "\"")
                .replace("\"http://evil.example/part.docx\"", "\"" + r.given.get(3) + "\"")
                .replace("https://evil.example/shape", r.given.get(4)));
    }

    @Test
    void aRelativeTargetIsResolvedAgainstTheHyperlinkBase() throws Exception {
        String file = "{\\rtf1\\ansi{\\info{\\*\\hlinkbase https://evil.example/base/}}\\pard "
                + field("HYPERLINK \"login.php?u=1\"", "Sign in") + field("HYPERLINK \"https://other.example/\"", "o")
                + "\\par}";
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(file, r));
        assertThat(r.targets).containsExactly("https://evil.example/base/login.php?u=1", "https://other.example/");
        assertThat(out).contains("{\\*\\hlinkbase https://evil.example/base/}", "\"" + r.given.get(0) + "\"");
    }

    /** An "upr" group holds an ANSI and a Unicode ("ud") reading of the same text: Word reads the Unicode one. */
    @Test
    void theUnicodeTwinOfAnUprGroupIsTheOneRead() throws Exception {
        String file = doc("{\\field{\\*\\fldinst {\\upr{HYPERLINK \"https://decoy.example/a\"}{\\*\\ud{HYPERLINK "
                + "\"https://evil.example/u\"}}}}{\\fldrslt x}}");
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(file, r));
        assertThat(r.targets).containsExactly("https://evil.example/u");
        assertThat(out).contains("{HYPERLINK \"https://decoy.example/a\"}", "{HYPERLINK \"" + r.given.get(0) + "\"}");
    }

    @Test
    void aUrlHiddenInASkippedDestinationOfTheInstructionRefusesTheFile() throws Exception {
        String file = doc(field("HYPERLINK {\\*\\xyzzy https://evil.example/hidden} \"https://evil.example/shown\"",
                "x"));
        assertThatThrownBy(() -> rewrite(file, new OfficeLinksTest.Recorder()))
                .isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason()).isEqualTo(
                        Reason.UNREADABLE));
        // the same destination without a URL in it is just skipped
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        rewrite(doc(field("HYPERLINK {\\*\\bkmkstart _Hlk1}\"https://evil.example/shown\"", "x")), r);
        assertThat(r.targets).containsExactly("https://evil.example/shown");
    }

    @Test
    void overlappingTargetsAndNonAsciiReplacementsAreRefusedNotHalfWritten() {
        // a template inside the data field of a rewritten hyperlink: the data field goes, the template with it
        String file = doc(field("HYPERLINK \"https://evil.example/a\" {\\*\\datafield {\\*\\template "
                + "https://evil.example/t}}", "x"));
        assertThatThrownBy(() -> rewrite(file, new OfficeLinksTest.Recorder()))
                .isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason()).isEqualTo(
                        Reason.UNREADABLE));
        assertThatThrownBy(() -> rtf.rewrite(bytes(doc(field("HYPERLINK \"https://evil.example/a\"", "x"))),
                (t, k) -> CLICK + "caf\u00e9", false))
                .isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason()).isEqualTo(
                        Reason.UNREADABLE));
    }

    /**
     * The output is read again before it is returned. Here removing the URL's last character, written right after a
     * {@code \*}, makes the next control word an ignorable destination, which hides the second field: the file no
     * longer reads as intended and is refused rather than returned.
     */
    @Test
    void anOutputThatReadsOtherwiseThanIntendedIsRefused() throws Exception {
        String file = doc(field("HYPERLINK \"https://evil.example/{\\*y\"\\xyzzy "
                + field("HYPERLINK \"https://evil.example/second\"", "s") + "}", "f"));
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        assertThatThrownBy(() -> rewrite(file, r)).isInstanceOfSatisfying(DocumentException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNREADABLE);
            assertThat(e.getMessage()).contains("refused", "2 fields and targets before, 1 after");
        });
        assertThat(r.targets).containsExactly("https://evil.example/y", "https://evil.example/second");
    }

    @Test
    void manyFieldsAreRewrittenUpToTheBound() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 5_000; k++) {
            b.append(field("HYPERLINK \"https://evil.example/" + k + "\"", "n")).append("\\par\r\n");
        }
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(doc(b.toString()), r));
        assertThat(r.targets).hasSize(5_000).contains("https://evil.example/4999");
        assertThat(out).doesNotContain("evil.example").contains(r.given.get(4_999));

        StringBuilder many = new StringBuilder();
        for (int k = 0; k <= RtfLinks.MAX_PLACES; k++) {
            many.append(field("PAGE", "1"));
        }
        assertThatThrownBy(() -> rewrite(doc(many.toString()), new OfficeLinksTest.Recorder()))
                .isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason()).isEqualTo(
                        Reason.TOO_LARGE));
    }

    @Test
    void deepNestingIsTooLargeBeyondTheBoundAndReadWithoutRecursionWithinIt() throws Exception {
        String link = field("HYPERLINK \"https://evil.example/deep\"", "d");
        int within = RtfLinks.MAX_DEPTH - 4; // the document, the field and its instruction's groups
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        rewrite("{\\rtf1" + "{".repeat(within) + link + "}".repeat(within) + "}", r);
        assertThat(r.targets).containsExactly("https://evil.example/deep");

        assertThatThrownBy(() -> rewrite("{\\rtf1" + "{".repeat(RtfLinks.MAX_DEPTH) + link, new OfficeLinksTest
                .Recorder())).isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason())
                .isEqualTo(Reason.TOO_LARGE));
        // 10 MB of open braces: refused at the bound, quickly
        byte[] bomb = new byte[10 * 1024 * 1024];
        Arrays.fill(bomb, (byte) '{');
        System.arraycopy(bytes("{\\rtf1"), 0, bomb, 0, 6);
        assertThatThrownBy(() -> rtf.rewrite(bomb, new OfficeLinksTest.Recorder(), false))
                .isInstanceOfSatisfying(DocumentException.class, e -> assertThat(e.reason()).isEqualTo(
                        Reason.TOO_LARGE));
    }

    @Test
    void unbalancedBracesAreReadToTheEnd() throws Exception {
        // closing braces beyond the document's are ignored, and a field after them is still a field; a file that
        // never closes its groups is read to its end
        String file = "{\\rtf1\\ansi\\pard x}}}}" + field("HYPERLINK \"https://evil.example/after\"", "a")
                + "{\\field{\\*\\fldinst HYPERLINK \"https://evil.example/open\"";
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        String out = string(rewrite(file, r));
        assertThat(r.targets).containsExactly("https://evil.example/after", "https://evil.example/open");
        assertThat(out).doesNotContain("evil.example").endsWith("HYPERLINK \"" + r.given.get(1) + "\"");
    }

    @Test
    void hugeNumbersAreBoundedOrRefusedWithAClearReason() throws Exception {
        // parameters far beyond 32 bits are saturated: a "uc" of 20 digits skips to the group's end, and a "u" of
        // 14 digits is U+FFFF, which must not pass for a nested field (that would leave the URL live)
        OfficeLinksTest.Recorder r = new OfficeLinksTest.Recorder();
        rewrite(doc("{\\uc99999999999999999999 \\u-99999999999 skipped}" + field("HYPERLINK \"https://evil.example/h"
                + "\\u99999999999999?\"", "h")), r);
        assertThat(r.targets).hasSize(1).allMatch(t -> t.startsWith("https://evil.example/h"));

        for (Object[] c : new Object[][] {{"\\bin99999999999 x", Reason.UNREADABLE},
                {"\\fs" + "0".repeat(RtfLinks.MAX_PARAMETER_DIGITS + 1) + "1 x", Reason.TOO_LARGE},
                {"\\" + "a".repeat(RtfLinks.MAX_CONTROL_WORD_LETTERS + 1) + " x", Reason.TOO_LARGE}}) {
            assertThatThrownBy(() -> rewrite(doc((String) c[0] + field("HYPERLINK \"https://evil.example/\"", "x")),
                    new OfficeLinksTest.Recorder())).as((String) c[0]).isInstanceOfSatisfying(DocumentException.class,
                            e -> assertThat(e.reason()).isEqualTo(c[1]));
        }
        // a negative \bin is empty (Word reads it so), and binary data is skipped whole, braces and all
        r = new OfficeLinksTest.Recorder();
        rewrite(doc("\\bin-5 {\\*\\objdata \\bin4 }}{{" + "}" + field("HYPERLINK \"https://evil.example/b\"", "b")),
                r);
        assertThat(r.targets).containsExactly("https://evil.example/b");
    }

    /**
     * Every prefix of Word's file: either a DocumentException, the same array, or a file in which the link is
     * replaced — never anything else thrown, never the URL left after a change.
     */
    @Test
    void aFileCutAnywhereIsRewrittenAsFarAsItGoesOrRefused() {
        byte[] whole = bytes(WORD.replace("View invoice", "View"));
        int rewritten = 0;
        for (int len = 4; len <= whole.length; len++) {
            byte[] cut = Arrays.copyOf(whole, len);
            byte[] out;
            try {
                out = rtf.rewrite(cut, new OfficeLinksTest.Recorder(), false);
            } catch (DocumentException e) {
                continue;
            } catch (Throwable t) {
                throw new AssertionError("cut at " + len + ": " + t, t);
            }
            if (out != cut) {
                assertThat(string(out)).as("cut at %d", len).doesNotContain("evil");
                rewritten++;
            }
        }
        assertThat(rewritten).isPositive();
    }

    /**
     * 600 damaged variants (fixed seed) of the samples: each is refused with a DocumentException or rewritten so that
     * a second reading asks for no http(s) target that is not a click URL.
     */
    @Test
    void mutatedFilesOnlyFailWithDocumentExceptionOrLeaveNoLiveTarget() {
        List<byte[]> samples = List.of(bytes(WORD), bytes(LIBREOFFICE), bytes(WORDPAD), bytes(TEXTEDIT),
                bytes(doc(field("{HYPERLINK \"https://ev}{\\b\\'69l.example/a\\u112?\"}", "x"))));
        Random random = new Random(20261208L);
        String specials = "{}\\'\"*0123456789 -?";
        int rewritten = 0;
        int refused = 0;
        for (int round = 0; round < 600; round++) {
            byte[] m = samples.get(round % samples.size()).clone();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                int at = 4 + random.nextInt(m.length - 4);
                m[at] = random.nextBoolean() ? (byte) specials.charAt(random.nextInt(specials.length()))
                        : (byte) random.nextInt(256);
            }
            byte[] out;
            try {
                out = rtf.rewrite(m, new OfficeLinksTest.Recorder(), false);
            } catch (DocumentException e) {
                assertThat(e.reason()).isNotNull();
                refused++;
                continue;
            } catch (Throwable t) {
                throw new AssertionError("round " + round + ": " + t, t);
            }
            if (out == m) {
                continue;
            }
            rewritten++;
            OfficeLinksTest.Recorder again = new OfficeLinksTest.Recorder();
            try {
                rtf.rewrite(out, again, false);
            } catch (DocumentException e) {
                throw new AssertionError("round " + round + ": the output no longer reads: " + e, e);
            }
            assertThat(again.targets).as("round %d", round)
                    .allMatch(t -> t.startsWith(CLICK) || !OfficeLinks.isHttp(t) || t.contains("keep.example"));
        }
        assertThat(rewritten).isPositive();
    }

    @Test
    void theTransformerKnowsTheRtfKind() {
        assertThat(LinkGuardTransformer.DOCUMENTS).extracting(DocumentLinks::kind).contains("RTF");
    }
}
