package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tells a PDF that needs a password to open from one merely "encrypted" with the empty user password
 * (common: it only restricts printing or copying, and every reader opens it). Implements the standard
 * security handler's user-password check (ISO 32000-1 algorithms 2, 4, 5; ISO 32000-2 algorithm 2.A/2.B)
 * for the empty password. Stateless.
 */
final class PdfEncryption {
    private static final byte[] PAD = {0x28, (byte) 0xBF, 0x4E, 0x5E, 0x4E, 0x75, (byte) 0x8A, 0x41, 0x64, 0x00, 0x4E,
            0x56, (byte) 0xFF, (byte) 0xFA, 0x01, 0x08, 0x2E, 0x2E, 0x00, (byte) 0xB6, (byte) 0xD0, 0x68, 0x3E,
            (byte) 0x80, 0x2F, 0x0C, (byte) 0xA9, (byte) 0xFE, 0x64, 0x53, 0x69, 0x7A};
    private static final Pattern ENCRYPT_REF = Pattern.compile("/Encrypt\\s*(\\d{1,10})\\s+(\\d{1,5})\\s+R");
    private static final Pattern INT = Pattern.compile("^\\s*(-?\\d{1,12})");

    private PdfEncryption() {
    }

    /** Whether opening the PDF needs a password: {@code true} too when the encryption cannot be understood. */
    static boolean needsPassword(byte[] pdf) {
        return open(pdf) == null;
    }

    /**
     * The keys of a PDF encrypted by the standard security handler (R2-R6) that opens with the empty user
     * password, as every reader opens it without a prompt; {@code null} when it needs a password or its
     * encryption cannot be understood.
     */
    static Key open(byte[] pdf) {
        String s = Texts.latin1(pdf, 0, pdf.length);
        // Every encryption dictionary is judged, not only the first: an incremental update's trailer names the
        // one a reader uses (the last), and the newest definition of that object counts, so a decoy written
        // earlier must not decide. The document opens without a password only when every dictionary named
        // does; more than a few is not a document any writer makes, and is judged as needing a password.
        List<long[]> refs = new ArrayList<>();
        Matcher m = ENCRYPT_REF.matcher(s);
        while (m.find()) {
            long[] ref = {Long.parseLong(m.group(1)), Integer.parseInt(m.group(2))};
            if (refs.stream().noneMatch(r -> Arrays.equals(r, ref)) && refs.size() <= MAX_ENCRYPT_DICTIONARIES) {
                refs.add(ref);
            }
        }
        List<long[]> objects = new ArrayList<>(); // {object number, offset of the dictionary text}
        if (refs.isEmpty()) {
            int at = s.indexOf("/Encrypt");
            if (at >= 0) {
                objects.add(new long[] {-1, at});
            }
        }
        for (long[] ref : refs) {
            Matcher obj = Pattern.compile("(?<![0-9])" + ref[0] + "\\s+" + ref[1] + "\\s+obj").matcher(s);
            boolean found = false;
            while (obj.find() && objects.size() <= MAX_ENCRYPT_DICTIONARIES) {
                objects.add(new long[] {ref[0], obj.end()});
                found = true;
            }
            if (!found) {
                return null;
            }
        }
        if (objects.isEmpty() || objects.size() > MAX_ENCRYPT_DICTIONARIES) {
            return null;
        }
        Key last = null;
        for (long[] o : objects) {
            int at = (int) o[1];
            int end = o[0] < 0 ? -1 : s.indexOf("endobj", at);
            last = open(s, s.substring(at, end < 0 ? Math.min(s.length(), at + 4096) : Math.min(end, at + 4096)), o[0]);
            if (last == null) {
                return null;
            }
        }
        return last;
    }

    /** Most encryption dictionaries (distinct references and definitions) judged in one document. */
    static final int MAX_ENCRYPT_DICTIONARIES = 4;

    /**
     * The keys from one encryption dictionary, {@code text} (the object {@code encryptObject}'s body, or with
     * -1 what follows a direct {@code /Encrypt}); {@code null} as for {@link #open(byte[])}.
     */
    private static Key open(String s, String text, long encryptObject) {
        try {
            Map<String, String> dict = text == null ? Map.of() : dictionary(text);
            if (!"/Standard".equals(dict.get("Filter"))) {
                return null;
            }
            int r = intValue(dict, "R");
            int v = intValue(dict, "V", 0);
            byte[] o = stringValue(dict, "O");
            byte[] u = stringValue(dict, "U");
            if (o == null || u == null) {
                return null;
            }
            Map<String, String> filters = dictionary(dict.getOrDefault("CF", ""));
            if (r >= 5) {
                if (u.length < 48) {
                    return null;
                }
                byte[] salt = Arrays.copyOfRange(u, 32, 40);
                byte[] hash = r == 5 ? MessageDigest.getInstance("SHA-256").digest(salt) : hash2B(salt);
                if (!Arrays.equals(hash, 0, 32, u, 0, 32)) {
                    return null;
                }
                // ISO 32000-2 algorithm 2.A: the file key is UE decrypted with the hash of the key salt
                byte[] ue = stringValue(dict, "UE");
                if (ue == null || ue.length < 32) {
                    return new Key(null, v, dict, filters, encryptObject); // opens, but its streams stay closed
                }
                byte[] keySalt = Arrays.copyOfRange(u, 40, 48);
                byte[] ik = r == 5 ? MessageDigest.getInstance("SHA-256").digest(keySalt) : hash2B(keySalt);
                Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
                aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(ik, "AES"), new IvParameterSpec(new byte[16]));
                return new Key(aes.doFinal(ue, 0, 32), v, dict, filters, encryptObject);
            }
            int p = intValue(dict, "P");
            int length = intValue(dict, "Length", v >= 4 ? cryptFilterBits(dict, filters) : 40);
            boolean encryptMetadata = !"false".equals(dict.get("EncryptMetadata"));
            byte[] id0 = firstId(s);
            int n = r == 2 ? 5 : Math.max(5, Math.min(16, length / 8));
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(PAD);
            md5.update(o, 0, Math.min(32, o.length));
            md5.update(new byte[] {(byte) p, (byte) (p >> 8), (byte) (p >> 16), (byte) (p >> 24)});
            md5.update(id0);
            if (r >= 4 && !encryptMetadata) {
                md5.update(new byte[] {-1, -1, -1, -1});
            }
            byte[] key = md5.digest();
            if (r >= 3) {
                for (int i = 0; i < 50; i++) {
                    key = MessageDigest.getInstance("MD5").digest(Arrays.copyOf(key, n));
                }
            }
            key = Arrays.copyOf(key, n);
            boolean opens;
            if (r == 2) {
                opens = Arrays.equals(rc4(key, PAD), 0, 32, u, 0, Math.min(32, u.length));
            } else {
                MessageDigest h = MessageDigest.getInstance("MD5");
                h.update(PAD);
                h.update(id0);
                byte[] x = rc4(key, h.digest());
                for (int i = 1; i <= 19; i++) {
                    byte[] k = key.clone();
                    for (int j = 0; j < k.length; j++) {
                        k[j] ^= (byte) i;
                    }
                    x = rc4(k, x);
                }
                opens = u.length >= 16 && Arrays.equals(x, 0, 16, u, 0, 16);
            }
            return opens ? new Key(key, v, dict, filters, encryptObject) : null;
        } catch (RuntimeException | java.security.GeneralSecurityException e) {
            return null;
        }
    }

    /**
     * A V4 handler's key length when the dictionary has no {@code /Length}: the stream filter's
     * {@code /Length} (bits, or bytes when 16 or less as PDF 2.0 writes it), else 128.
     */
    private static int cryptFilterBits(Map<String, String> dict, Map<String, String> filters) {
        String name = nameValue(dict.get("StmF"));
        Map<String, String> cf = name == null ? Map.of() : dictionary(filters.getOrDefault(name, ""));
        int len = intValue(cf, "Length", 128);
        return len <= 16 ? len * 8 : len;
    }

    /** The first string of the last {@code /ID} array (the trailer's), empty when there is none. */
    private static byte[] firstId(String s) {
        int id = s.lastIndexOf("/ID");
        while (id >= 0 && id + 3 < s.length() && Character.isLetterOrDigit(s.charAt(id + 3))) {
            id = s.lastIndexOf("/ID", id - 1);
        }
        return id < 0 ? new byte[0] : firstString(s.substring(id + 3, Math.min(s.length(), id + 400)));
    }

    /** Crypt filter methods. */
    enum Method { IDENTITY, RC4, AESV2, AESV3 }

    /**
     * What decrypts the streams of one PDF that opens with the empty user password (ISO 32000-1 7.6.2,
     * algorithm 1; 7.6.5 crypt filters; ISO 32000-2 7.6.3 for AESV3). Immutable.
     */
    static final class Key {
        /** At most this many named crypt filters are read from {@code /CF}. */
        private static final int MAX_FILTERS = 16;
        /** {@code null} for an R5/R6 dictionary without {@code /UE}: it opens, its streams cannot be read. */
        private final byte[] fileKey;
        private final Method streams;
        private final Method embeddedFiles;
        private final Map<String, Method> named = new HashMap<>();
        /** The encryption dictionary's own object number: never encrypted. */
        final long encryptObject;

        Key(byte[] fileKey, int v, Map<String, String> dict, Map<String, String> filters, long encryptObject) {
            this.fileKey = fileKey;
            this.encryptObject = encryptObject;
            if (v < 4) {
                // V1-V3: one RC4 key for every string and stream
                streams = Method.RC4;
                embeddedFiles = Method.RC4;
                return;
            }
            for (Map.Entry<String, String> e : filters.entrySet()) {
                if (named.size() >= MAX_FILTERS) {
                    break;
                }
                named.put(e.getKey(), method(dictionary(e.getValue())));
            }
            streams = filter(nameValue(dict.get("StmF")));
            String eff = nameValue(dict.get("EFF"));
            embeddedFiles = eff == null ? streams : filter(eff);
        }

        private static Method method(Map<String, String> cf) {
            String cfm = nameValue(cf.get("CFM"));
            if (cfm == null || cfm.equals("None")) {
                return Method.IDENTITY;
            }
            return switch (cfm) {
                case "V2" -> Method.RC4;
                case "AESV2" -> Method.AESV2;
                case "AESV3" -> Method.AESV3;
                default -> null;
            };
        }

        /** The method of a crypt filter by name; {@code null} for a name {@code /CF} does not define. */
        Method filter(String name) {
            return name == null || name.equals("Identity") ? Method.IDENTITY : named.get(name);
        }

        Method streams() {
            return streams;
        }

        Method embeddedFiles() {
            return embeddedFiles;
        }

        /**
         * A stream's data decrypted; {@code null} when it cannot be (unknown method, no object number for a
         * per-object key, AES data shorter than its IV). AES data that is not a whole number of blocks is
         * read up to its last whole block, and padding that is not PKCS#5 is left on, as lenient readers do.
         */
        byte[] decrypt(byte[] data, Method method, long obj, int gen) {
            if (method == Method.IDENTITY) {
                return data;
            }
            if (method == null || fileKey == null) {
                return null;
            }
            try {
                byte[] k;
                if (method == Method.AESV3) {
                    k = fileKey;
                } else {
                    if (obj < 0 || gen < 0) {
                        return null;
                    }
                    MessageDigest md5 = MessageDigest.getInstance("MD5");
                    md5.update(fileKey);
                    md5.update(new byte[] {(byte) obj, (byte) (obj >> 8), (byte) (obj >> 16), (byte) gen,
                            (byte) (gen >> 8)});
                    if (method == Method.AESV2) {
                        md5.update(new byte[] {0x73, 0x41, 0x6C, 0x54}); // "sAlT"
                    }
                    k = Arrays.copyOf(md5.digest(), Math.min(fileKey.length + 5, 16));
                }
                if (method == Method.RC4) {
                    return rc4(k, data);
                }
                if (data.length < 16 || k.length != 16 && k.length != 32) {
                    return null;
                }
                Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
                aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(k, "AES"), new IvParameterSpec(data, 0, 16));
                int blocks = (data.length - 16) / 16 * 16;
                byte[] plain = aes.doFinal(data, 16, blocks);
                int pad = plain.length == 0 ? 0 : plain[plain.length - 1] & 0xff;
                if (pad >= 1 && pad <= 16 && pad <= plain.length) {
                    for (int i = plain.length - pad; i < plain.length; i++) {
                        if ((plain[i] & 0xff) != pad) {
                            return plain;
                        }
                    }
                    return Arrays.copyOf(plain, plain.length - pad);
                }
                return plain;
            } catch (RuntimeException | java.security.GeneralSecurityException e) {
                return null;
            }
        }
    }

    private static int intValue(Map<String, String> dict, String key) {
        if (!dict.containsKey(key)) {
            throw new IllegalArgumentException("missing " + key);
        }
        return intValue(dict, key, 0);
    }

    private static int intValue(Map<String, String> dict, String key, int dflt) {
        String v = dict.get(key);
        if (v == null) {
            return dflt;
        }
        Matcher m = INT.matcher(v);
        if (!m.find()) {
            throw new IllegalArgumentException("bad " + key);
        }
        return (int) Long.parseLong(m.group(1));
    }

    private static byte[] stringValue(Map<String, String> dict, String key) {
        String v = dict.get(key);
        return v == null || v.isEmpty() || v.charAt(0) != '(' && v.charAt(0) != '<' ? null : firstString(v);
    }

    /** {@code Name} of a value {@code /Name}, else {@code null}. */
    private static String nameValue(String v) {
        return v != null && v.length() > 1 && v.charAt(0) == '/' ? v.substring(1) : null;
    }

    /** At most this many entries are read from one dictionary. */
    private static final int MAX_ENTRIES = 64;

    /**
     * The top-level entries of the first dictionary in {@code s}: key (without the slash, {@code #xx}
     * decoded) to its value's text (a nested dictionary or array whole, a string with its delimiters, a
     * name with its slash, {@code 11 0 R}). Strings are skipped as tokens, so a {@code /Length} inside
     * {@code /O (…)} or inside {@code /CF << … >>} is not the dictionary's own. Stops at what it cannot read;
     * the first of duplicate keys wins.
     */
    static Map<String, String> dictionary(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = s.indexOf("<<");
        if (i < 0) {
            return out;
        }
        i += 2;
        while (out.size() < MAX_ENTRIES) {
            i = skipSpace(s, i);
            if (i >= s.length() || s.charAt(i) != '/') {
                return out;
            }
            int k = i + 1;
            while (k < s.length() && !delimiter(s.charAt(k))) {
                k++;
            }
            String key = PdfInspector.decodeNames(s.substring(i + 1, k));
            int vs = skipSpace(s, k);
            int ve = skipValue(s, vs);
            if (ve <= vs) {
                return out;
            }
            String value = s.substring(vs, ve);
            if (value.charAt(0) == '/') {
                value = PdfInspector.decodeNames(value);
            } else if (Character.isDigit(value.charAt(0))) {
                Matcher ref = REF_TAIL.matcher(s).region(ve, Math.min(s.length(), ve + 24));
                if (ref.lookingAt()) {
                    value = value + " " + ref.group(1) + " R";
                    ve = ref.end();
                }
            }
            out.putIfAbsent(key, value);
            i = ve;
        }
        return out;
    }

    private static final Pattern REF_TAIL = Pattern.compile("\\s++(\\d{1,5})\\s++R(?![A-Za-z0-9])");

    private static int skipSpace(String s, int i) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%') {
                while (i < s.length() && s.charAt(i) != '\r' && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c <= 0x20) {
                i++;
            } else {
                return i;
            }
        }
        return i;
    }

    private static boolean delimiter(char c) {
        return c <= 0x20 || "()<>[]{}/%".indexOf(c) >= 0;
    }

    /** The end of the value that starts at {@code i}; {@code i} itself when there is none. Iterative. */
    private static int skipValue(String s, int i) {
        int depth = 0;
        int j = i;
        do {
            if (j >= s.length()) {
                return depth == 0 ? j : i;
            }
            char c = s.charAt(j);
            if (c == '(') {
                j = skipLiteral(s, j);
            } else if (c == '<' && j + 1 < s.length() && s.charAt(j + 1) == '<') {
                depth++;
                j += 2;
            } else if (c == '<') {
                int e = s.indexOf('>', j);
                j = e < 0 ? s.length() : e + 1;
            } else if (c == '[') {
                depth++;
                j++;
            } else if (c == '>' && j + 1 < s.length() && s.charAt(j + 1) == '>' || c == ']') {
                if (depth == 0) {
                    return i == j ? i : j;
                }
                depth--;
                j += c == ']' ? 1 : 2;
            } else if (c <= 0x20 || c == '%') {
                j = skipSpace(s, j);
            } else {
                j++;
                while (j < s.length() && !delimiter(s.charAt(j))) {
                    j++;
                }
            }
        } while (depth > 0);
        return j;
    }

    /** The index after the literal string that opens at {@code i}. */
    private static int skipLiteral(String s, int i) {
        int depth = 0;
        for (int j = i + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') {
                j++;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth-- == 0) {
                return j + 1;
            }
        }
        return s.length();
    }

    /** The first PDF string (literal or hex) in {@code s}. */
    static byte[] firstString(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) != '(' && s.charAt(i) != '<') {
            i++;
        }
        if (i >= s.length()) {
            return new byte[0];
        }
        if (s.charAt(i) == '<') {
            return PdfInspector.asciiHex(s, i + 1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int depth = 0;
        for (int j = i + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\' && j + 1 < s.length()) {
                char e = s.charAt(++j);
                switch (e) {
                    case 'n' -> out.write('\n');
                    case 'r' -> out.write('\r');
                    case 't' -> out.write('\t');
                    case 'b' -> out.write('\b');
                    case 'f' -> out.write('\f');
                    case '\r', '\n' -> {
                        if (e == '\r' && j + 1 < s.length() && s.charAt(j + 1) == '\n') {
                            j++;
                        }
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int v = e - '0';
                            for (int k = 0; k < 2 && j + 1 < s.length() && s.charAt(j + 1) >= '0'
                                    && s.charAt(j + 1) <= '7'; k++) {
                                v = v * 8 + s.charAt(++j) - '0';
                            }
                            out.write(v & 0xff);
                        } else {
                            out.write(e);
                        }
                    }
                }
            } else if (c == '(') {
                depth++;
                out.write(c);
            } else if (c == ')') {
                if (depth-- == 0) {
                    break;
                }
                out.write(c);
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static byte[] rc4(byte[] key, byte[] data) {
        int[] st = new int[256];
        for (int i = 0; i < 256; i++) {
            st[i] = i;
        }
        for (int i = 0, j = 0; i < 256; i++) {
            j = (j + st[i] + (key[i % key.length] & 0xff)) & 0xff;
            int t = st[i];
            st[i] = st[j];
            st[j] = t;
        }
        byte[] out = new byte[data.length];
        for (int k = 0, i = 0, j = 0; k < data.length; k++) {
            i = (i + 1) & 0xff;
            j = (j + st[i]) & 0xff;
            int t = st[i];
            st[i] = st[j];
            st[j] = t;
            out[k] = (byte) (data[k] ^ st[(st[i] + st[j]) & 0xff]);
        }
        return out;
    }

    /** ISO 32000-2 algorithm 2.B for the empty password and no user key data. */
    private static byte[] hash2B(byte[] salt) throws java.security.GeneralSecurityException {
        byte[] k = MessageDigest.getInstance("SHA-256").digest(salt);
        Cipher aes = Cipher.getInstance("AES/CBC/NoPadding");
        for (int round = 0; round < 2000; round++) {
            byte[] k1 = new byte[k.length * 64];
            for (int i = 0; i < 64; i++) {
                System.arraycopy(k, 0, k1, i * k.length, k.length);
            }
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, 0, 16, "AES"), new IvParameterSpec(k, 16, 16));
            byte[] e = aes.doFinal(k1);
            int mod = 0;
            for (int i = 0; i < 16; i++) {
                mod += e[i] & 0xff;
            }
            String alg = switch (mod % 3) {
                case 0 -> "SHA-256";
                case 1 -> "SHA-384";
                default -> "SHA-512";
            };
            k = MessageDigest.getInstance(alg).digest(e);
            if (round >= 63 && (e[e.length - 1] & 0xff) <= round + 1 - 32) {
                break;
            }
        }
        return Arrays.copyOf(k, 32);
    }
}
