package org.streamail.smtp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.streamail.api.model.Direction;
import org.streamail.smtp.internal.server.CidrMatcher;
import org.streamail.smtp.internal.server.ListenerSettings;

/**
 * The configuration of one listener component as plain values, whatever its {@code @ObjectClassDefinition}:
 * what the inbound and outbound components share. Two equal options mean "nothing changed", so the running
 * listener is kept. Immutable; {@link #toString()} never shows the key store password.
 *
 * @param pid              the configuration PID, named in errors
 * @param direction        the listener's role
 * @param enabled          {@code false}: the component is active but opens no port
 * @param internalNetworks OUTBOUND only: the raw {@code internal.networks} values; empty for INBOUND
 * @param intrusionAlertIntervalSeconds at most one intrusion alert per (kind, client IP) within this many
 *                         seconds; 0 = no intrusion alerts; negative is a configuration error
 * @param intrusionAlertMaxPerInterval at most this many intrusion alerts of one kind per interval over all
 *                         client addresses (then one summary); 0 = no such cap; negative is a configuration error
 * @param maxSessionSeconds how long one session may last in all; 0 = no limit
 * @param tlsCipherSuites  the raw {@code tls.cipher.suites} values; empty for the safe default
 * @param tlsRequired      MAIL FROM before STARTTLS is refused with 530 5.7.0
 * @param harvestMaxUnknownRecipients INBOUND: unknown recipients from one client within the harvest window that
 *                         raise an alert; 0 = off (always 0 for OUTBOUND, which asks no directory)
 * @param harvestWindowSeconds the harvest window; 0 = off
 * @param harvestAction    the raw {@code harvest.action} value: {@code refuse} or {@code alert}
 * @param harvestDelayMaxMs the longest tarpit delay ({@code harvest.delay.max.ms}); 0 = none
 * @param harvestExemptNetworks {@code harvest.exempt.networks}: clients never delayed nor refused for harvesting
 */
record ListenerOptions(
        String pid, Direction direction, boolean enabled, String bindAddress, int port, String hostname,
        long maxMessageSize, int maxRecipients, int maxConnections, int maxConnectionsPerIp,
        int connectionTimeoutMs, int dataTimeoutSeconds, int maxErrors, String tlsKeystore,
        String tlsKeystorePassword, List<String> internalNetworks, long intrusionAlertIntervalSeconds,
        int intrusionAlertMaxPerInterval, int maxSessionSeconds, List<String> tlsCipherSuites, boolean tlsRequired,
        int harvestMaxUnknownRecipients, int harvestWindowSeconds, String harvestAction, int harvestDelayMaxMs,
        List<String> harvestExemptNetworks) {

    /** A multi-valued configuration property as a list ({@code null}, as DS gives an unset one, is empty). */
    static List<String> values(String[] property) {
        return property == null ? List.of() : java.util.Arrays.asList(property);
    }

    ListenerOptions {
        internalNetworks = internalNetworks == null ? List.of()
                : internalNetworks.stream().map(v -> v == null ? "" : v).toList();
        tlsCipherSuites = tlsCipherSuites == null ? List.of()
                : tlsCipherSuites.stream().map(v -> v == null ? "" : v).toList();
    }

    /**
     * Validates the options and builds the engine's settings (opening the key store when one is named).
     *
     * @throws IOException naming the PID and the property when a value is unusable; never the password
     */
    ListenerSettings settings() throws IOException {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(bindAddress.trim());
        } catch (UnknownHostException e) {
            throw new IOException("bind.address is not an address: " + bindAddress, e);
        }
        String host = hostname == null || hostname.isBlank() ? localHostName() : hostname.trim();
        SSLContext tls = tlsKeystore == null || tlsKeystore.isBlank()
                ? null : tlsContext(Path.of(tlsKeystore.trim()), tlsKeystorePassword);
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            CidrMatcher networks = direction == Direction.OUTBOUND
                    ? CidrMatcher.parse("internal.networks", internalNetworks.toArray(String[]::new)) : null;
            return new ListenerSettings(bind, port, host, maxMessageSize, maxRecipients, maxConnections,
                    maxConnectionsPerIp, connectionTimeoutMs, dataTimeoutSeconds, maxErrors, tls, tmp, direction,
                    networks, maxSessionSeconds, tlsCipherSuites, tlsRequired, harvestMaxUnknownRecipients,
                    harvestWindowSeconds, ListenerSettings.HarvestAction.parse(harvestAction), harvestDelayMaxMs,
                    harvestExemptNetworks.stream().allMatch(v -> v == null || v.isBlank()) ? null
                            : CidrMatcher.parse("harvest.exempt.networks", harvestExemptNetworks.toArray(String[]::new)));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad configuration of " + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return pid + "[" + direction + (enabled ? "" : ", disabled") + ", " + bindAddress + ":" + port
                + ", tls.keystore=" + tlsKeystore + (tlsRequired ? ", tls.required" : "")
                + ", tls.keystore.password=" + (tlsKeystorePassword == null || tlsKeystorePassword.isEmpty()
                        ? "(none)" : "(set)")
                + (internalNetworks.isEmpty() ? "" : ", internal.networks=" + internalNetworks) + "]";
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9.\\-]{1,255}") ? name : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static SSLContext tlsContext(Path keystore, String password) throws IOException {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        if (!Files.isReadable(keystore)) {
            throw new IOException("tls.keystore " + keystore + " is not a readable file");
        }
        try {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), pw);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            // The message names the store, never the password.
            throw new IOException("cannot use tls.keystore " + keystore + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(pw, '\0');
        }
    }
}
