package org.streamail.workbench.client;

import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of {@link GatewayClient}: which server certificate it accepts, how it describes one it refused,
 * and which hosts count as loopback for plain HTTP. Package-private; stateless apart from the trust managers.
 */
final class GatewayCertificates {

    private GatewayCertificates() {
    }

    /**
     * A server certificate the client refused, carried through JSSE's {@code SSLHandshakeException} as its cause
     * so that the client can show the administrator what the gateway presented.
     */
    static final class Untrusted extends CertificateException {

        private static final long serialVersionUID = 1L;

        private final transient X509Certificate leaf;
        private final String why;

        Untrusted(X509Certificate leaf, String why, Throwable cause) {
            super("untrusted gateway certificate: " + why, cause);
            this.leaf = leaf;
            this.why = why;
        }

        X509Certificate leaf() {
            return leaf;
        }

        String why() {
            return why;
        }
    }

    /** An SSL context whose only trust decision is {@link #trustManager}. */
    static SSLContext sslContext(ConnectionSecurity security, X509ExtendedTrustManager pkix) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager(security, pkix)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM: " + e.getMessage(), e);
        }
    }

    /** The JVM's default PKIX trust manager (its trust store, e.g. {@code cacerts}). */
    static X509ExtendedTrustManager jvmTrustManager() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JVM has no X509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JVM's trust store: " + e.getMessage(), e);
        }
    }

    /**
     * With a pin: exactly the pinned leaf (within its dates), nothing else, no host name check (an
     * {@link X509ExtendedTrustManager} is responsible for the endpoint check itself, and this one deliberately does
     * not make it). Without: {@code pkix}, which checks the chain and, since {@code java.net.http} asks for the
     * {@code HTTPS} endpoint identification, the host name. Every refusal is an {@link Untrusted}.
     */
    static X509ExtendedTrustManager trustManager(ConnectionSecurity security, X509ExtendedTrustManager pkix) {
        byte[] pin = security.pinnedSha256() == null ? null : HexFormat.of().parseHex(security.pinnedSha256());
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain, () -> pkix.checkServerTrusted(chain, authType, engine));
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain, () -> pkix.checkServerTrusted(chain, authType, socket));
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                // no connection to check the host name against: refuse rather than skip the check
                check(chain, () -> {
                    throw new Untrusted(leaf(chain), "no connection to verify the host name against", null);
                });
            }

            /** The pinned leaf when there is a pin, else {@code withoutPin}, every refusal an {@link Untrusted}. */
            private void check(X509Certificate[] chain, CertificateCheck withoutPin) throws CertificateException {
                if (pin != null) {
                    checkPinned(chain);
                    return;
                }
                try {
                    withoutPin.run();
                } catch (Untrusted e) {
                    throw e;
                } catch (CertificateException e) {
                    throw new Untrusted(leaf(chain), reason(e), e);
                }
            }

            private void checkPinned(X509Certificate[] chain) throws CertificateException {
                X509Certificate leaf = leaf(chain);
                if (leaf == null) {
                    throw new CertificateException("the gateway presented no certificate");
                }
                if (!MessageDigest.isEqual(pin, sha256(leaf))) {
                    throw new Untrusted(leaf, "it is not the pinned certificate (gateway.certificate.sha256 = "
                            + security.pinnedFingerprint() + ")", null);
                }
                try {
                    leaf.checkValidity();
                } catch (CertificateException e) {
                    throw new Untrusted(leaf, "it is the pinned certificate, but it is outside its validity dates "
                            + "(renew it on the gateway, then pin the new one)", e);
                }
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                throw new CertificateException("the workbench does not accept client connections");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                throw new CertificateException("the workbench does not accept client connections");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("the workbench does not accept client connections");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    /** A trust check that may refuse. */
    @FunctionalInterface
    private interface CertificateCheck {
        void run() throws CertificateException;
    }

    private static X509Certificate leaf(X509Certificate[] chain) {
        return chain == null || chain.length == 0 ? null : chain[0];
    }

    private static String reason(CertificateException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("PKIX path building failed") || m.contains("unable to find valid certification path")) {
            return "it is not signed by an authority in this JVM's trust store (self-signed?)";
        }
        if (m.contains("subject alternative") || m.contains("No name matching")) {
            return "it is not issued for this host name (" + abbrev(m) + ")";
        }
        return abbrev(m);
    }

    static byte[] sha256(X509Certificate cert) throws CertificateEncodingException {
        try {
            return MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }

    /** {@code AB:CD:…}, as keytool prints fingerprints. */
    static String colonHex(String hex) {
        StringBuilder b = new StringBuilder(hex.length() * 3 / 2);
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, Math.min(i + 2, hex.length()));
        }
        return b.toString().toUpperCase(Locale.ROOT);
    }

    static String fingerprint(X509Certificate cert) {
        try {
            return colonHex(HexFormat.of().formatHex(sha256(cert)));
        } catch (CertificateEncodingException e) {
            return "(cannot encode the certificate: " + e.getMessage() + ")";
        }
    }

    /** What the administrator compares with the gateway's {@code keytool -list -v} before pinning. */
    static PresentedCertificate presented(X509Certificate cert, String why) {
        return new PresentedCertificate(fingerprint(cert), printable(cert.getSubjectX500Principal().getName()),
                printable(cert.getIssuerX500Principal().getName()), cert.getNotBefore().toInstant(),
                cert.getNotAfter().toInstant(), why);
    }

    /**
     * A name chosen by whoever made the certificate (or a text the gateway sent, see GatewayClient), safe to show
     * beside the fingerprint: RFC 2253 keeps line breaks and bidi controls as they are, so a subject could
     * otherwise add a forged "SHA-256 fingerprint:" line to what the administrator compares, or reorder it. They
     * are shown as {@code [U+202E]}-style code points.
     */
    static String printable(String name) {
        return ScreenText.shown(name);
    }

    /**
     * Whether {@code host} (as {@link java.net.URI#getHost()} gives it) is a loopback host: {@code localhost},
     * an IPv4 literal in 127.0.0.0/8 or the IPv6 loopback literal. Names are never resolved: any name but
     * {@code localhost} counts as remote, and so does anything that is not a plain literal.
     */
    static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        // IPv6 only in brackets, IPv4 never; both read by the client's literal check, so nothing is resolved
        boolean bracketed = h.startsWith("[") && h.endsWith("]");
        String literal = bracketed ? h.substring(1, h.length() - 1) : h;
        if (bracketed != (literal.indexOf(':') >= 0) || !GatewayClient.isIpLiteral(literal)) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String abbrev(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
