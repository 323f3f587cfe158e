package org.streamail.workbench.client;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a {@link GatewayClient} protects the administrator's password on the way to the gateway.
 *
 * <ul>
 * <li>{@code pinnedSha256}: the SHA-256 fingerprint of the gateway's own (leaf) certificate, or {@code null}.
 * When set, an {@code https://} gateway is trusted if and only if it presents exactly that certificate (and it is
 * within its validity dates): the JVM's trust store is not consulted and the host name is not checked, because the
 * pin is the gateway's identity. When {@code null}, the JVM's trust store and the usual host name check apply.
 * Accepted spellings: 64 hex digits, with or without colons or spaces, any case, optionally prefixed by
 * {@code SHA256:} or {@code SHA-256:} as {@code keytool -list -v} prints it.</li>
 * <li>{@code allowPlainHttp}: when {@code false} (the default), an {@code http://} URL is accepted only for a
 * loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}); anything else would send the password
 * across the network unencrypted and is refused before any connection is made.</li>
 * </ul>
 *
 * @param pinnedSha256   normalised to 64 lower-case hex digits, or {@code null} for none
 * @param allowPlainHttp whether {@code http://} to a non-loopback host is allowed
 */
public record ConnectionSecurity(String pinnedSha256, boolean allowPlainHttp) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** The secure default: no pin (JVM trust store and host name check), plain HTTP only on loopback. */
    public static final ConnectionSecurity DEFAULT = new ConnectionSecurity(null, false);

    /**
     * @throws IllegalArgumentException when {@code pinnedSha256} is neither blank nor a SHA-256 fingerprint
     */
    public ConnectionSecurity {
        pinnedSha256 = normalise(pinnedSha256, "gateway.certificate.sha256");
    }

    /**
     * The same policy with another pin, e.g. one the administrator typed for the next connection (see
     * {@link GatewayClient#connect(String, String, char[], ConnectionSecurity)}); read exactly like the
     * configuration's.
     *
     * @param pin a SHA-256 fingerprint in any accepted spelling, or blank (or {@code null}) for no pin
     * @throws IllegalArgumentException when {@code pin} is neither blank nor a SHA-256 fingerprint; the message is
     *                                  written for the administrator
     */
    public ConnectionSecurity withPin(String pin) {
        return new ConnectionSecurity(normalise(pin, "The certificate pin"), allowPlainHttp);
    }

    /** The pin in the form keytool prints, {@code AB:CD:…}, or empty when none. */
    public String pinnedFingerprint() {
        return pinnedSha256 == null ? "" : GatewayCertificates.colonHex(pinnedSha256);
    }

    private static String normalise(String pin, String what) {
        if (pin == null || pin.isBlank()) {
            return null;
        }
        String s = pin.strip().toLowerCase(Locale.ROOT);
        for (String prefix : new String[] {"sha256:", "sha-256:"}) {
            if (s.startsWith(prefix)) {
                s = s.substring(prefix.length());
            }
        }
        s = s.replace(":", "").replace(" ", "").replace("\t", "");
        if (!HEX64.matcher(s).matches()) {
            throw new IllegalArgumentException(what + " is not a SHA-256 fingerprint (64 hex "
                    + "digits, e.g. as 'keytool -list -v' prints it after 'SHA256:'): got "
                    + (pin.length() > 120 ? pin.substring(0, 120) + "..." : pin));
        }
        return s;
    }
}
