package org.streamail.detect.content.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Office documents: OLE2 (VBA projects, Excel 4.0 macro sheets, encrypted documents, OLE packages, MSI),
 * OOXML (macro parts, macro sheets, DDE fields, external template relationships), RTF objects and OneNote
 * embedded files. Belongs to one {@link PartScanner}; not thread-safe.
 */
final class OfficeInspector {
    private static final byte[] MSI_CLSID = {(byte) 0x84, 0x10, 0x0C, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0, 0, 0,
            0x46};
    private static final byte[] MSP_CLSID = {(byte) 0x86, 0x10, 0x0C, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0, 0, 0,
            0x46};
    /** {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}: a OneNote FileDataStoreObject, i.e. an embedded file. */
    private static final byte[] ONENOTE_FILE_DATA = {(byte) 0xE7, 0x16, (byte) 0xE3, (byte) 0xBD, 0x65, 0x26, 0x11,
            0x45, (byte) 0xA4, (byte) 0xC4, (byte) 0x8D, 0x4D, 0x0B, 0x7A, (byte) 0x9E, (byte) 0xAC};
    /** A relationship element; quoted values may hold {@code >} (legal XML), so they are skipped whole. */
    private static final Pattern RELATIONSHIP = Pattern.compile(
            "<(?:\\w+:)?Relationship\\b((?:[^>\"']|\"[^\"]{0,2000}+\"|'[^']{0,2000}+'){0,4000}+)>");
    private static final Pattern ATTR = Pattern.compile("(\\w+)\\s*=\\s*(\"[^\"]{0,2000}\"|'[^']{0,2000}')");
    /** Field instructions; the WordprocessingML namespace may be bound to any prefix, not only {@code w:}. */
    private static final Pattern INSTR_TEXT = Pattern.compile(
            "<(?:[\\w.-]+:)?instrText\\b[^>]{0,500}>([^<]{0,4000})</(?:[\\w.-]+:)?instrText>");
    private static final Pattern INSTR_ATTR = Pattern.compile(
            "\\s(?:[\\w.-]+:)?instr\\s*=\\s*(?:\"([^\"]{0,4000})\"|'([^']{0,4000})')");
    private static final Pattern DDE_FIELD = Pattern.compile("(?i)(?:^|[\\s{\"])(DDEAUTO|DDE)\\b");

    private final PartScanner scanner;
    private final ScanContext ctx;

    OfficeInspector(PartScanner scanner) {
        this.scanner = scanner;
        this.ctx = scanner.ctx;
    }

    // ---- OOXML --------------------------------------------------------------------------------------

    /** Judges a ZIP by its entry names: VBA parts and Excel 4.0 macro sheets. */
    void judgeZipNames(String path, ArchiveWalker.ZipFacts facts) {
        for (String n : facts.names) {
            String lower = n.toLowerCase(Locale.ROOT);
            if (lower.endsWith("vbaproject.bin")) {
                ctx.report(Rule.OFFICE_MACRO, PartScanner.child(path, n), "VBA macro project in the document");
            } else if (lower.startsWith("xl/macrosheets/") && (lower.endsWith(".xml") || lower.endsWith(".bin"))) {
                ctx.report(Rule.EXCEL4_MACRO, path, "Excel 4.0 macro sheet " + n);
            }
        }
    }

    /** Whether an OOXML part must be read as XML (relationships and field-bearing parts). */
    boolean wantsXml(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".rels") || n.matches("word/(document|header\\d*|footer\\d*|footnotes|endnotes)\\.xml")
                || n.startsWith("xl/externallinks/") && n.endsWith(".xml");
    }

    void inspectOoxmlPart(String path, String name, byte[] xmlBytes, int depth) {
        String xml = new String(xmlBytes, StandardCharsets.UTF_8);
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".rels")) {
            Matcher m = RELATIONSHIP.matcher(xml);
            for (int guard = 0; m.find() && guard < 10_000; guard++) {
                String type = "";
                String target = "";
                String mode = "";
                Matcher a = ATTR.matcher(m.group(1));
                while (a.find()) {
                    String v = unescapeXml(a.group(2).substring(1, a.group(2).length() - 1)).trim();
                    switch (a.group(1)) {
                        case "Type" -> type = v;
                        case "Target" -> target = v;
                        case "TargetMode" -> mode = v;
                        default -> {
                        }
                    }
                }
                String t = type.substring(type.lastIndexOf('/') + 1);
                boolean external = mode.equalsIgnoreCase("External");
                if (external && (t.equals("attachedTemplate") || t.equals("oleObject") || t.equals("frame")
                        || t.equals("subDocument")) || target.toLowerCase(Locale.ROOT).startsWith("mhtml:")) {
                    ctx.report(Rule.REMOTE_TEMPLATE, path, "external " + t + " relationship in " + name + " loads "
                            + Texts.clip(target, 150));
                }
            }
            return;
        }
        if (lower.startsWith("xl/externallinks/")) {
            if (xml.contains("<ddeLink") || xml.contains(":ddeLink")) {
                ctx.report(Rule.DDE, path, "DDE link in " + name);
            }
            return;
        }
        StringBuilder instr = new StringBuilder();
        Matcher m = INSTR_TEXT.matcher(xml);
        while (m.find() && instr.length() < 100_000) {
            instr.append(m.group(1));
        }
        instr.append(' ');
        m = INSTR_ATTR.matcher(xml);
        while (m.find() && instr.length() < 200_000) {
            instr.append(m.group(1) != null ? m.group(1) : m.group(2)).append(' ');
        }
        String fields = unescapeXml(instr.toString());
        Matcher dde = DDE_FIELD.matcher(fields);
        if (dde.find()) {
            ctx.report(Rule.DDE, path, dde.group(1).toUpperCase(Locale.ROOT) + " field in " + name + ": "
                    + Texts.clip(fields.substring(dde.start()).trim(), 150));
        }
        scanner.text().inspectText(PartScanner.child(path, name), fields, depth);
    }

    private static final Pattern CHAR_REF = Pattern.compile("&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));");

    /** XML entity and character references decoded, as Office's XML parser reads them ({@code &#69;xternal}). */
    static String unescapeXml(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = CHAR_REF.matcher(s);
        StringBuilder b = new StringBuilder(s.length());
        while (m.find()) {
            int cp = m.group(1) != null ? Integer.parseInt(m.group(1), 16) : Integer.parseInt(m.group(2));
            m.appendReplacement(b, Character.isValidCodePoint(cp) && cp != '&'
                    ? Matcher.quoteReplacement(new String(Character.toChars(cp))) : "");
        }
        m.appendTail(b);
        return b.toString().replace("&quot;", "\"").replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }

    // ---- OLE2 ---------------------------------------------------------------------------------------

    void inspectOle(String path, byte[] data, int depth) {
        Cfb cfb = Cfb.parse(data, ctx.settings().maxPartBuffer());
        byte[] clsid = cfb.rootClsid();
        if (Arrays.equals(clsid, MSI_CLSID) || Arrays.equals(clsid, MSP_CLSID)) {
            ctx.report(Rule.EXECUTABLE, path, "Windows Installer package (MSI/MSP) found by content");
        }
        boolean vba = false;
        int msgAttachments = 0;
        for (Cfb.Entry e : cfb.entries) {
            ctx.checkTime(path);
            String n = e.name();
            // Compound-file names compare case-insensitively (MS-CFB), as Office looks them up: "vba" is "VBA".
            switch (n.toUpperCase(Locale.ROOT)) {
                case "_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA", "MACROS", "PROJECT" -> vba = true;
                case "ENCRYPTEDPACKAGE", "ENCRYPTIONINFO" -> ctx.report(Rule.ENCRYPTED_ARCHIVE, path,
                        "password-protected Office document, content cannot be inspected");
                case "\u0001OLE10NATIVE" -> {
                    if (e.isStream()) {
                        olePackage(path, cfb.read(e, ctx.settings().maxPartBuffer()), depth);
                    }
                }
                case "EQUATION NATIVE" -> ctx.report(Rule.OLE_PACKAGE, path,
                        "Equation Editor object (exploited by CVE-2017-11882)");
                case "WORKBOOK", "BOOK" -> {
                    if (e.isStream()) {
                        biff(path, cfb.read(e, ctx.settings().maxPartBuffer()));
                    }
                }
                case "WORDDOCUMENT" -> {
                    if (e.isStream()) {
                        word(path, cfb.read(e, ctx.settings().maxPartBuffer()));
                    }
                }
                // Outlook .msg: each attachment's bytes (PidTagAttachDataBinary) and names (PidTagAttachLongFilename,
                // PidTagAttachFilename; Unicode or 8-bit). The list is flat, so names are judged on their own.
                case "__SUBSTG1.0_37010102" -> {
                    if (e.isStream() && e.size() > 0) {
                        String child = PartScanner.child(path, "attachment-" + ++msgAttachments);
                        ctx.countEntry(child);
                        scanner.scanBytes(child, "", cfb.read(e, ctx.settings().maxPartBuffer()), depth + 1);
                    }
                }
                case "__SUBSTG1.0_3707001F", "__SUBSTG1.0_3704001F", "__SUBSTG1.0_3707001E", "__SUBSTG1.0_3704001E" -> {
                    if (e.isStream() && e.size() > 0) {
                        byte[] b = cfb.read(e, 2048);
                        String name = new String(b, n.endsWith("F") ? java.nio.charset.StandardCharsets.UTF_16LE
                                : java.nio.charset.StandardCharsets.ISO_8859_1);
                        int nul = name.indexOf('\0');
                        name = Texts.nfc(nul < 0 ? name : name.substring(0, nul));
                        if (!name.isEmpty()) {
                            scanner.judgeName(PartScanner.child(path, name), name);
                        }
                    }
                }
                case "PACKAGE", "CONTENTS" -> {
                    if (e.isStream() && e.size() > 0) {
                        ctx.countEntry(PartScanner.child(path, n));
                        scanner.scanBytes(PartScanner.child(path, n), n, cfb.read(e, ctx.settings().maxPartBuffer()),
                                depth + 1);
                    }
                }
                default -> {
                }
            }
        }
        if (vba) {
            ctx.report(Rule.OFFICE_MACRO, path, "VBA macro project in the document");
        }
    }

    /**
     * An OLE1 "Package" object: size(4) flags(2) label\0 path\0 reserved(4) tempPathLen(4) tempPath
     * dataLen(4) data. The label is the file name the user sees.
     */
    private void olePackage(String path, byte[] s, int depth) {
        int p = 6;
        int labelEnd = zeroAt(s, p);
        String label = labelEnd < 0 ? "package" : Texts.latin1(s, p, labelEnd - p);
        ctx.report(Rule.OLE_PACKAGE, path, "embedded OLE package " + Texts.clip(label, 100));
        if (labelEnd < 0) {
            return;
        }
        int pathEnd = zeroAt(s, labelEnd + 1);
        if (pathEnd < 0 || pathEnd + 9 > s.length) {
            return;
        }
        int q = pathEnd + 1 + 4;
        long tempLen = Texts.u32le(s, q);
        q += 4;
        if (tempLen > s.length - q - 4) {
            return;
        }
        q += (int) tempLen;
        long dataLen = Texts.u32le(s, q);
        q += 4;
        int len = (int) Math.min(dataLen, s.length - q);
        if (len > 0) {
            String name = label.isEmpty() ? "package" : label;
            String child = PartScanner.child(path, name);
            ctx.countEntry(child);
            scanner.scanBytes(child, name, Arrays.copyOfRange(s, q, q + len), depth + 1);
        }
    }

    private static int zeroAt(byte[] s, int from) {
        for (int i = from; i < s.length && i < from + 1024; i++) {
            if (s[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** BIFF8 globals: BOUNDSHEET of type macro sheet, FILEPASS. Stops at the globals' EOF record. */
    private void biff(String path, byte[] w) {
        int p = 0;
        for (int guard = 0; p + 4 <= w.length && guard < 200_000; guard++) {
            int type = Texts.u16le(w, p);
            int len = Texts.u16le(w, p + 2);
            int body = p + 4;
            if (body + len > w.length) {
                break;
            }
            if (type == 0x002F) {
                ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected Excel workbook, content cannot be inspected");
            } else if (type == 0x0085 && len >= 8) {
                int hidden = w[body + 4] & 0x03;
                int sheetType = w[body + 5] & 0xff;
                if (sheetType == 0x01) {
                    int nameLen = w[body + 6] & 0xff;
                    boolean wide = (w[body + 7] & 1) != 0;
                    int nlen = Math.min(wide ? nameLen * 2 : nameLen, len - 8);
                    String name = new String(w, body + 8, Math.max(0, nlen),
                            wide ? StandardCharsets.UTF_16LE : StandardCharsets.ISO_8859_1);
                    ctx.report(Rule.EXCEL4_MACRO, path, "Excel 4.0 macro sheet '" + Texts.clip(name, 60) + "'"
                            + (hidden == 2 ? " (very hidden)" : hidden == 1 ? " (hidden)" : ""));
                }
            } else if (type == 0x000A) {
                break;
            }
            p = body + len;
        }
    }

    /** Word 97-2003: the FIB's fEncrypted bit; DDE fields in the text. */
    private void word(String path, byte[] w) {
        if (w.length >= 0x0C && Texts.u16le(w, 0) == 0xA5EC && (Texts.u16le(w, 0x0A) & 0x0100) != 0) {
            ctx.report(Rule.ENCRYPTED_ARCHIVE, path, "password-protected Word document, content cannot be inspected");
        }
        String latin = Texts.latin1(w, 0, Math.min(w.length, ctx.settings().maxTextScan()));
        String wide = new String(w, 0, Math.min(w.length, ctx.settings().maxTextScan()) & ~1,
                StandardCharsets.UTF_16LE);
        for (String text : new String[] {latin, wide}) {
            Matcher m = DDE_FIELD.matcher(text);
            if (m.find() && text.regionMatches(true, m.start(1), "DDEAUTO", 0, 7)) {
                ctx.report(Rule.DDE, path, "DDEAUTO field in the Word document");
            }
        }
    }

    // ---- RTF and OneNote ----------------------------------------------------------------------------

    private static final Pattern RTF_OBJECT = Pattern.compile(
            "\\\\(object|objdata|objemb|objlink|objautlink|objupdate|objocx|objhtml)(?![a-z])");
    private static final Pattern RTF_CLASS = Pattern.compile("\\\\objclass\\s+([^}\\\\]{1,80})");

    void inspectRtf(String path, byte[] data, int depth) {
        String s = Texts.latin1(data, 0, Math.min(data.length, ctx.settings().maxPartBuffer()))
                .toLowerCase(Locale.ROOT);
        Matcher m = RTF_OBJECT.matcher(s);
        if (m.find()) {
            Matcher c = RTF_CLASS.matcher(s);
            String cls = c.find() ? " of class " + c.group(1).trim() : "";
            ctx.report(Rule.RTF_OBJECT, path, "RTF embeds an object (\\" + m.group(1) + ")" + cls);
            if (cls.contains("equation") || cls.contains("package")) {
                ctx.report(Rule.OLE_PACKAGE, path, "RTF object" + cls);
            }
            rtfObjects(path, s, depth);
        }
        // Every field instruction, not only the first (a harmless PAGE field must not hide a DDEAUTO after it).
        int fld = s.indexOf("\\fldinst");
        for (int k = 0; fld >= 0 && k < 10_000; k++, fld = s.indexOf("\\fldinst", fld + 8)) {
            if (DDE_FIELD.matcher(s.substring(fld, Math.min(s.length(), fld + 400)).replaceAll("[{}]", " ")).find()) {
                ctx.report(Rule.DDE, path, "DDE field in RTF");
                break;
            }
        }
        scanner.text().inspectText(path, s, depth);
    }

    /**
     * Decodes each {@code \\objdata} hex run (an OLE1 object: version, format, class name, topic, item,
     * native size, native data) and scans what it carries: an OLE2 compound file, or a Package's file.
     */
    private void rtfObjects(String path, String rtf, int depth) {
        int from = 0;
        for (int k = 0; k < 50; k++) {
            int at = rtf.indexOf("\\objdata", from);
            if (at < 0) {
                return;
            }
            java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();
            int hi = -1;
            int i = at + 8;
            int nesting = 0;
            for (; i < rtf.length() && bin.size() < ctx.settings().maxPartBuffer(); i++) {
                char c = rtf.charAt(i);
                if (c == '{') {
                    nesting++;
                } else if (c == '}') {
                    if (nesting-- == 0) {
                        break;
                    }
                } else if (c == '\\') {
                    // skip a control word (obfuscation inserts them into the hex run)
                    while (i + 1 < rtf.length() && Character.isLetterOrDigit(rtf.charAt(i + 1))) {
                        i++;
                    }
                } else {
                    int v = Character.digit(c, 16);
                    if (v >= 0) {
                        if (hi < 0) {
                            hi = v;
                        } else {
                            bin.write(hi * 16 + v);
                            hi = -1;
                        }
                    }
                }
            }
            from = i;
            byte[] obj = bin.toByteArray();
            ctx.checkTime(path);
            int ole = Texts.indexOf(obj, 0, obj.length, new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0});
            String child = PartScanner.child(path, "object-" + (k + 1));
            if (ole >= 0) {
                ctx.countEntry(child);
                scanner.scanBytes(child, "", Arrays.copyOfRange(obj, ole, obj.length), depth + 1);
            } else if (obj.length > 12) {
                int p = 8;
                long classLen = Texts.u32le(obj, p);
                if (classLen > 0 && classLen < 256 && p + 4 + classLen <= obj.length) {
                    String cls = Texts.latin1(obj, p + 4, (int) classLen - 1);
                    p += 4 + (int) classLen;
                    for (int skip = 0; skip < 2 && p + 4 <= obj.length; skip++) {
                        long n = Texts.u32le(obj, p);
                        p += 4 + (int) Math.min(n, obj.length);
                    }
                    if (cls.equalsIgnoreCase("Package") && p + 4 < obj.length) {
                        olePackage(child, Arrays.copyOfRange(obj, p, obj.length), depth);
                    }
                }
            }
        }
    }

    void inspectOneNote(String path, byte[] data, int depth) {
        int from = 0;
        for (int k = 0; k < 1000; k++) {
            int at = Texts.indexOf(data, from, data.length, ONENOTE_FILE_DATA);
            if (at < 0) {
                return;
            }
            ctx.report(Rule.ONENOTE_EMBEDDED_FILE, path, "OneNote document with embedded files");
            int start = at + 36;
            if (start + 8 > data.length) {
                return;
            }
            long len = Texts.u32le(data, at + 16) | (Texts.u32le(data, at + 20) << 32);
            int n = (int) Math.max(0, Math.min(len, data.length - start));
            String name = "embedded-" + (k + 1);
            String child = PartScanner.child(path, name);
            ctx.countEntry(child);
            scanner.scanBytes(child, "", Arrays.copyOfRange(data, start, start + n), depth + 1);
            from = start + n;
        }
    }
}
