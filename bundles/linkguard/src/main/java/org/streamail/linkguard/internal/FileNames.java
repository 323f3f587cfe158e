package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.streamail.api.mime.EncodedWords;

/**
 * File names of MIME parts as mail readers decode them, for {@link MimeTree.Part#fileNames()}: plain parameters,
 * RFC 2231 ({@code name*=charset'lang'%XX}, continuations {@code name*0}, {@code name*1*} …) and RFC 2047 encoded
 * words ({@code =?charset?B|Q?…?=}, not allowed in parameters but written and read by most clients). Lenient and
 * never failing: an unknown charset is read as ISO-8859-1 (the extension, the part that matters here, is ASCII).
 * Stateless.
 */
final class FileNames {

    /** RFC 2231 continuations read at most. */
    static final int MAX_SECTIONS = 64;

    private FileNames() {
    }

    /** Adds to {@code out} the names {@code params} (names in lower case) give under {@code base}. */
    static void collect(Map<String, String> params, String base, List<String> out) {
        String plain = params.get(base);
        if (plain != null) {
            out.add(EncodedWords.decode(plain));
        }
        String extended = params.get(base + "*");
        if (extended != null) {
            out.add(percentDecode(afterLanguage(extended), charsetOf(extended)));
        }
        StringBuilder joined = new StringBuilder();
        Charset cs = StandardCharsets.ISO_8859_1;
        boolean any = false;
        for (int i = 0; i < MAX_SECTIONS; i++) {
            String enc = params.get(base + "*" + i + "*");
            String raw = params.get(base + "*" + i);
            if (enc == null && raw == null) {
                break;
            }
            any = true;
            if (enc != null) {
                if (i == 0) {
                    cs = charsetOf(enc);
                }
                joined.append(percentDecode(i == 0 ? afterLanguage(enc) : enc, cs));
            } else {
                joined.append(raw);
            }
        }
        if (any) {
            out.add(EncodedWords.decode(joined.toString()));
        }
    }

    private static String afterLanguage(String value) {
        int first = value.indexOf('\'');
        int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
        return second < 0 ? value : value.substring(second + 1);
    }

    /** The charset of an RFC 2231 extended value ({@code charset'language'text}), ISO-8859-1 when unknown. */
    private static Charset charsetOf(String value) {
        int first = value.indexOf('\'');
        if (first < 0 || value.indexOf('\'', first + 1) < 0) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(value.substring(0, first).trim());
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    private static String percentDecode(String s, Charset cs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) && hex(s.charAt(i + 2))) {
                out.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                out.writeBytes(String.valueOf(c).getBytes(cs.canEncode() ? cs : StandardCharsets.UTF_8));
            }
        }
        return new String(out.toByteArray(), cs);
    }

    private static boolean hex(char c) {
        return c < 0x80 && Character.digit(c, 16) >= 0;
    }
}
