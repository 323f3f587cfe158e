package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
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
        try {
            String s = Texts.latin1(pdf, 0, pdf.length);
            String dict = encryptDictionary(s);
            if (dict == null || !dict.contains("/Standard")) {
                return true;
            }
            int r = intAfter(dict, "/R");
            byte[] o = stringAfter(dict, "/O");
            byte[] u = stringAfter(dict, "/U");
            if (o == null || u == null) {
                return true;
            }
            if (r >= 5) {
                if (u.length < 48) {
                    return true;
                }
                byte[] salt = Arrays.copyOfRange(u, 32, 40);
                byte[] hash = r == 5 ? MessageDigest.getInstance("SHA-256").digest(salt) : hash2B(salt);
                return !Arrays.equals(hash, 0, 32, u, 0, 32);
            }
            int p = intAfter(dict, "/P");
            int length = dict.contains("/Length") ? intAfter(dict, "/Length") : 40;
            boolean encryptMetadata = !dict.replace(" ", "").contains("/EncryptMetadatafalse");
            int id = s.lastIndexOf("/ID");
            byte[] id0 = id < 0 ? new byte[0] : firstString(s.substring(id + 3, Math.min(s.length(), id + 400)));
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
            if (r == 2) {
                return !Arrays.equals(rc4(key, PAD), 0, 32, u, 0, Math.min(32, u.length));
            }
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
            return u.length < 16 || !Arrays.equals(x, 0, 16, u, 0, 16);
        } catch (RuntimeException | java.security.GeneralSecurityException e) {
            return true;
        }
    }

    private static String encryptDictionary(String s) {
        Matcher ref = ENCRYPT_REF.matcher(s);
        if (ref.find()) {
            Matcher obj = Pattern.compile("(?<![0-9])" + ref.group(1) + "\\s+" + ref.group(2) + "\\s+obj").matcher(s);
            if (!obj.find()) {
                return null;
            }
            int end = s.indexOf("endobj", obj.end());
            return s.substring(obj.end(), end < 0 ? Math.min(s.length(), obj.end() + 4096)
                    : Math.min(end, obj.end() + 4096));
        }
        int at = s.indexOf("/Encrypt");
        return at < 0 ? null : s.substring(at, Math.min(s.length(), at + 4096));
    }

    private static int intAfter(String dict, String key) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "(?![A-Za-z])").matcher(dict);
        if (!m.find()) {
            throw new IllegalArgumentException("missing " + key);
        }
        Matcher v = INT.matcher(dict.substring(m.end()));
        if (!v.find()) {
            throw new IllegalArgumentException("bad " + key);
        }
        return (int) Long.parseLong(v.group(1));
    }

    private static byte[] stringAfter(String dict, String key) {
        Matcher m = Pattern.compile(Pattern.quote(key) + "(?![A-Za-z])").matcher(dict);
        return m.find() ? firstString(dict.substring(m.end())) : null;
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
