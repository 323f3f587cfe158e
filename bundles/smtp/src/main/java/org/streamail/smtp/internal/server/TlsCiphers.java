package org.streamail.smtp.internal.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The cipher suites a listener's STARTTLS offers. By default only forward-secret AEAD suites: the TLS 1.3
 * suites, and for TLS 1.2 ECDHE (and DHE-RSA) key exchange with AES-GCM or ChaCha20-Poly1305, in the JDK's own
 * order of preference and limited to what the JDK enables. The JDK's defaults also enable static-RSA key
 * exchange ({@code TLS_RSA_*}: no forward secrecy, a stolen key decrypts recorded sessions) and CBC suites
 * (padding-oracle history); mail servers that cannot do better than those are rare and fall back to
 * plaintext, which the admin can refuse with {@code tls.required}. Stateless.
 */
public final class TlsCiphers {

    /** The configuration property, named in errors. */
    public static final String PROPERTY = "tls.cipher.suites";

    private static final Pattern FORWARD_SECRET_AEAD = Pattern.compile(
            "TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256"
                    + "|(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA)_WITH_(AES_128_GCM_SHA256|AES_256_GCM_SHA384"
                    + "|CHACHA20_POLY1305_SHA256))");

    private TlsCiphers() {
    }

    /**
     * The suites to enable.
     *
     * @param tls        the listener's TLS context
     * @param configured the administrator's list (values may themselves be comma- or space-separated); empty
     *                   for the safe default
     * @return never empty
     * @throws IllegalArgumentException naming {@value #PROPERTY} when a configured name is not a cipher suite
     *                                  this JDK enables, or when nothing is left
     */
    public static List<String> resolve(SSLContext tls, List<String> configured) {
        List<String> enabled = Arrays.asList(tls.getDefaultSSLParameters().getCipherSuites());
        Set<String> wanted = new LinkedHashSet<>();
        for (String value : configured) {
            for (String name : (value == null ? "" : value).trim().split("[,\\s]+")) {
                if (!name.isEmpty()) {
                    wanted.add(name);
                }
            }
        }
        if (wanted.isEmpty()) {
            List<String> safe = enabled.stream().filter(s -> FORWARD_SECRET_AEAD.matcher(s).matches()).toList();
            if (safe.isEmpty()) {
                throw new IllegalArgumentException("this JDK enables no forward-secret AEAD cipher suite; list the "
                        + "suites to use in " + PROPERTY);
            }
            return safe;
        }
        List<String> out = new ArrayList<>();
        for (String name : wanted) {
            if (!enabled.contains(name)) {
                throw new IllegalArgumentException(PROPERTY + ": " + name
                        + " is not a cipher suite this JDK enables (unknown, or disabled by jdk.tls.disabledAlgorithms)");
            }
            out.add(name);
        }
        return List.copyOf(out);
    }

    /** Whether a suite is one the safe default may contain; for tests and documentation. */
    static boolean forwardSecretAead(String suite) {
        return FORWARD_SECRET_AEAD.matcher(suite).matches();
    }
}
