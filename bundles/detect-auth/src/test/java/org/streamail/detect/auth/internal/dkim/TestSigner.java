package org.streamail.detect.auth.internal.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small DKIM signer for tests, written apart from the verifier (string based, regular expressions) so that a
 * canonicalisation bug in one is not silently mirrored in the other. Messages are CRLF throughout.
 */
public final class TestSigner {

    /** A message: header fields (each may hold CRLF folding) and a body. */
    record Msg(List<String> fields, String body) {
        byte[] bytes() {
            return (String.join("\r\n", fields) + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1);
        }

        Msg withFields(List<String> f) {
            return new Msg(List.copyOf(f), body);
        }

        Msg withBody(String b) {
            return new Msg(fields, b);
        }

        /** The fields with the first one equal to {@code from} replaced. */
        Msg replaceField(String from, String to) {
            List<String> f = new ArrayList<>(fields);
            int k = f.indexOf(from);
            if (k < 0) {
                throw new IllegalArgumentException(from);
            }
            f.set(k, to);
            return withFields(f);
        }

        Msg addField(int index, String field) {
            List<String> f = new ArrayList<>(fields);
            f.add(index, field);
            return withFields(f);
        }

        Msg appendField(String field) {
            return addField(fields.size(), field);
        }
    }

    public static KeyPair keys(String algorithm, int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (bits > 0) {
                g.initialize(bits);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key record text for a public key: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519. */
    public static String record(PublicKey key, String extra) {
        byte[] der = key.getEncoded();
        if (key.getAlgorithm().startsWith("Ed")) {
            return "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(
                    Arrays.copyOfRange(der, der.length - 32, der.length)) + extra;
        }
        return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(der) + extra;
    }

    /** Signing options; an empty {@code c} leaves c= out; {@code tags} go verbatim before bh= ("x=99; "). */
    record Opts(String a, String c, String d, String s, String h, String tags, Long l, PrivateKey key) {
        Opts with(String tag, String value) {
            return switch (tag) {
                case "a" -> new Opts(value, c, d, s, h, tags, l, key);
                case "c" -> new Opts(a, value, d, s, h, tags, l, key);
                case "h" -> new Opts(a, c, d, s, value, tags, l, key);
                case "tags" -> new Opts(a, c, d, s, h, value, l, key);
                case "l" -> new Opts(a, c, d, s, h, tags, Long.valueOf(value), key);
                default -> throw new IllegalArgumentException(tag);
            };
        }
    }

    /**
     * For tests outside this package: the message of {@code fields} (CRLF) and {@code body} with a relaxed/relaxed
     * rsa-sha256 signature of {@code domain}, selector {@code selector}, over From, To and Subject, whose l= covers the
     * first {@code length} canonical body bytes ({@code null}: no l=).
     */
    public static String signed(List<String> fields, String body, String domain, String selector, PrivateKey key,
            Long length) {
        Opts o = new Opts("rsa-sha256", "relaxed/relaxed", domain, selector, "from:to:subject", "", length, key);
        return new String(sign(new Msg(List.copyOf(fields), body), o).bytes(), StandardCharsets.ISO_8859_1);
    }

    /** The relaxed canonical form of {@code body} (RFC 6376 3.4.4), for l= values. */
    public static int relaxedBodyLength(String body) {
        return relaxedBody(body).getBytes(StandardCharsets.ISO_8859_1).length;
    }

    /** {@code msg} with a DKIM-Signature field added on top. */
    static Msg sign(Msg msg, Opts o) {
        String[] c = o.c().split("/");
        boolean relaxedHeader = c[0].equals("relaxed");
        boolean relaxedBody = c.length > 1 && c[1].equals("relaxed");
        String body = relaxedBody ? relaxedBody(msg.body()) : simpleBody(msg.body());
        byte[] bodyBytes = body.getBytes(StandardCharsets.ISO_8859_1);
        if (o.l() != null) {
            bodyBytes = Arrays.copyOf(bodyBytes, (int) Math.min(bodyBytes.length, o.l()));
        }
        String cTag = o.c().isEmpty() ? "" : " c=" + o.c() + ";";
        String field = "DKIM-Signature: v=1; a=" + o.a() + ";" + cTag + " d=" + o.d() + "; s=" + o.s()
                + ";\r\n\th=" + o.h() + "; " + (o.l() == null ? "" : "l=" + o.l() + "; ") + o.tags()
                + "bh=" + Base64.getEncoder().encodeToString(digest("SHA-256", bodyBytes)) + ";\r\n\tb=";
        StringBuilder data = new StringBuilder();
        Map<String, Integer> used = new HashMap<>();
        for (String name : o.h().split(":")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            int k = used.merge(n, 1, Integer::sum);
            List<String> same = msg.fields().stream()
                    .filter(f -> f.substring(0, f.indexOf(':')).trim().equalsIgnoreCase(n)).toList();
            if (k <= same.size()) {
                String f = same.get(same.size() - k);
                data.append(relaxedHeader ? relaxedField(f) : f).append("\r\n");
            }
        }
        data.append(relaxedHeader ? relaxedField(field) : field);
        byte[] signature = rawSign(o, data.toString().getBytes(StandardCharsets.ISO_8859_1));
        String b64 = Base64.getEncoder().encodeToString(signature);
        // fold the b= value so that the verifier has to drop the folding along with it
        String folded = b64.length() > 40 ? b64.substring(0, 40) + "\r\n\t " + b64.substring(40) : b64;
        return msg.addField(0, field + folded);
    }

    private static byte[] rawSign(Opts o, byte[] data) {
        try {
            Signature sig;
            byte[] input = data;
            switch (o.a()) {
                case "ed25519-sha256" -> {
                    sig = Signature.getInstance("Ed25519");
                    input = digest("SHA-256", data);
                }
                case "rsa-sha1" -> sig = Signature.getInstance("SHA1withRSA");
                default -> sig = Signature.getInstance("SHA256withRSA");
            }
            sig.initSign(o.key());
            sig.update(input);
            return sig.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String relaxedField(String f) {
        int colon = f.indexOf(':');
        String name = f.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = f.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").trim();
        return name + ":" + value;
    }

    static String simpleBody(String body) {
        String b = body;
        while (b.endsWith("\r\n\r\n")) {
            b = b.substring(0, b.length() - 2);
        }
        if (b.equals("\r\n") || b.isEmpty()) {
            return "\r\n";
        }
        return b.endsWith("\r\n") ? b : b + "\r\n";
    }

    static String relaxedBody(String body) {
        if (body.isEmpty()) {
            return "";
        }
        String[] lines = body.split("\r\n", -1);
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.replaceAll("[ \t]+", " ").replaceAll(" $", "")).append("\r\n");
        }
        String b = sb.toString();
        while (b.endsWith("\r\n\r\n")) {
            b = b.substring(0, b.length() - 2);
        }
        return b.equals("\r\n") ? "" : b;
    }

    static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private TestSigner() {
    }
}
