package org.streamail.detect.auth.internal.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.detect.auth.internal.dkim.TestSigner.Msg;

/**
 * A small ARC sealer for tests (RFC 8617 5.1), written apart from the verifier in the style of {@link TestSigner}:
 * strings and regular expressions, relaxed/relaxed only, rsa-sha256 or ed25519-sha256. It adds one ARC set on top
 * of a message, after the sets already there.
 */
final class TestSealer {

    private static final Pattern INSTANCE = Pattern.compile("(?i)^(arc-[a-z-]+)\\s*:\\s*(?:.*?[;\\s])?i=(\\d+)",
            Pattern.DOTALL);

    /** One sealer: its domain, selector, key, and the AMS's h= list. */
    record Sealer(String a, String d, String s, PrivateKey key, String h) {
        Sealer withH(String list) {
            return new Sealer(a, d, s, key, list);
        }
    }

    /**
     * {@code msg} with ARC set {@code i} added on top: AAR with {@code results}, an AMS over {@code sealer.h()}
     * and the body, an AS with {@code cv} over the sets 1..i.
     */
    static Msg seal(Msg msg, Sealer sealer, int i, String cv, String results) {
        String aar = "ARC-Authentication-Results: i=" + i + "; " + results;
        Msg withAar = msg.addField(0, aar);
        String ams = ams(withAar, sealer, i);
        Msg withAms = withAar.addField(0, ams);
        String as = as(withAms, sealer, i, cv);
        return withAms.addField(0, as);
    }

    private static String ams(Msg msg, Sealer o, int i) {
        byte[] body = TestSigner.relaxedBody(msg.body()).getBytes(StandardCharsets.ISO_8859_1);
        String field = "ARC-Message-Signature: i=" + i + "; a=" + o.a() + "; c=relaxed/relaxed; d=" + o.d()
                + "; s=" + o.s() + ";\r\n\th=" + o.h() + "; bh="
                + Base64.getEncoder().encodeToString(TestSigner.digest("SHA-256", body)) + ";\r\n\tb=";
        StringBuilder data = new StringBuilder();
        java.util.Map<String, Integer> used = new java.util.HashMap<>();
        for (String name : o.h().split(":")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            int k = used.merge(n, 1, Integer::sum);
            List<String> same = msg.fields().stream().filter(f -> nameOf(f).equals(n)).toList();
            if (k <= same.size()) {
                data.append(TestSigner.relaxedField(same.get(same.size() - k))).append("\r\n");
            }
        }
        data.append(TestSigner.relaxedField(field));
        return field + sign(o, data.toString());
    }

    private static String as(Msg msg, Sealer o, int i, String cv) {
        String field = "ARC-Seal: i=" + i + "; a=" + o.a() + "; cv=" + cv + "; d=" + o.d() + "; s=" + o.s()
                + ";\r\n\tt=1796644800; b=";
        StringBuilder data = new StringBuilder();
        for (int k = 1; k <= i; k++) {
            for (String kind : List.of("arc-authentication-results", "arc-message-signature", "arc-seal")) {
                if (k == i && kind.equals("arc-seal")) {
                    data.append(TestSigner.relaxedField(field));
                    continue;
                }
                for (String f : msg.fields()) {
                    Matcher m = INSTANCE.matcher(f);
                    if (m.find() && m.group(1).toLowerCase(Locale.ROOT).equals(kind)
                            && Integer.parseInt(m.group(2)) == k) {
                        data.append(TestSigner.relaxedField(f)).append("\r\n");
                        break;
                    }
                }
            }
        }
        return field + sign(o, data.toString());
    }

    private static String nameOf(String field) {
        return field.substring(0, field.indexOf(':')).trim().toLowerCase(Locale.ROOT);
    }

    private static String sign(Sealer o, String data) {
        try {
            byte[] input = data.getBytes(StandardCharsets.ISO_8859_1);
            Signature sig;
            if (o.a().equals("ed25519-sha256")) {
                sig = Signature.getInstance("Ed25519");
                input = TestSigner.digest("SHA-256", input);
            } else {
                sig = Signature.getInstance("SHA256withRSA");
            }
            sig.initSign(o.key());
            sig.update(input);
            String b64 = Base64.getEncoder().encodeToString(sig.sign());
            return b64.length() > 40 ? b64.substring(0, 40) + "\r\n\t " + b64.substring(40) : b64;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fields of {@code msg} in a new list (for tests that rearrange them). */
    static List<String> fields(Msg msg) {
        return new ArrayList<>(msg.fields());
    }

    private TestSealer() {
    }
}
