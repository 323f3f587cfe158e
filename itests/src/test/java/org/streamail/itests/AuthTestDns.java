package org.streamail.itests;

import org.streamail.detect.auth.internal.dkim.DkimRfc8463Test;
import org.streamail.detect.auth.internal.dns.TestDnsServer;
import org.streamail.detect.auth.internal.dns.Zone;

/**
 * The DNS every gateway under test asks for SPF, DKIM and DMARC (its {@code dns.servers}): a real DNS server on
 * loopback in the test JVM, started once, so no test depends on the machine's resolver or the Internet. Its zone
 * holds {@link AuthIT}'s records; every other name is NXDOMAIN (SPF none, DMARC none: no finding but the results).
 * Only the test JVM calls this (from configuration methods), never the container.
 */
public final class AuthTestDns {

    /** A sender domain that lets only 192.0.2.1 send and asks for rejection of what fails DMARC. */
    public static final String SPOOFED = "bank-auth-it.com";
    /** A sender domain that lets the test's client (127.0.0.1) send, with the same strict policy. */
    public static final String ALLOWED = "shop-auth-it.com";

    /** A sender domain that lets the test's client send and publishes no DMARC record (an SPF pass, not welcome). */
    public static final String PLAIN = "plain-shop-auth-it.com";

    /** The domain of RFC 8463's signed example message: its keys, no SPF record, DMARC p=reject. */
    public static final String SIGNED = "football.example.com";

    private static TestDnsServer server;
    private static Zone zone;
    private static int port;

    private AuthTestDns() {
    }

    /** The server's port (UDP and TCP on 127.0.0.1), starting it on first use. */
    static synchronized int port() {
        if (server == null) {
            // RFC 8463's example keys for football.example.com (the DKIM case), then AuthIT's sender domains
            zone = DkimRfc8463Test.rfcZone()
                    .txt("_dmarc." + SIGNED, "v=DMARC1; p=reject")
                    .txt(SPOOFED, "v=spf1 ip4:192.0.2.1 -all")
                    .txt("_dmarc." + SPOOFED, "v=DMARC1; p=reject")
                    .txt(ALLOWED, "v=spf1 ip4:127.0.0.1 -all")
                    .txt("_dmarc." + ALLOWED, "v=DMARC1; p=reject")
                    .txt(PLAIN, "v=spf1 ip4:127.0.0.1 -all");
            server = new TestDnsServer(zone);
            try {
                port = server.start();
            } catch (Exception e) {
                throw new IllegalStateException("the test DNS server did not start", e);
            }
        }
        return port;
    }

    /**
     * Publishes one more TXT record (a key a test made, {@link DkimSignIT}), starting the server first if need be.
     * Test JVM only, from configuration methods, like everything here.
     */
    public static synchronized void publish(String name, String text) {
        port();
        zone.txt(name, text);
    }

    /** The value of {@code dns.servers} for a gateway under test. */
    public static String servers() {
        return "127.0.0.1:" + port();
    }
}
