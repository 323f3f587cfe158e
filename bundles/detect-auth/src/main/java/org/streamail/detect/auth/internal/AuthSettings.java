package org.streamail.detect.auth.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;
import org.streamail.api.net.IpLiteral;

/**
 * The checked, immutable form of {@link AuthConfig}. Every value is validated here, with a message naming the
 * property, so a typo fails activation instead of quietly weakening the checks.
 */
record AuthSettings(
        boolean enabled,
        List<InetSocketAddress> dnsServers,
        Duration dnsTimeout,
        int dnsCacheEntries,
        Duration dnsCacheMax,
        Duration budget,
        List<IpBlock> trustedRelays,
        String authservId,
        boolean resultsHeader,
        double dmarcRejectScore,
        double dmarcQuarantineScore,
        double dmarcNoneScore,
        double spfFailScore,
        double spfSoftfailScore,
        double dkimFailScore,
        int dkimMaxSignatures,
        int dkimMinRsaBits,
        List<String> arcTrustedSealers,
        List<String> welcomeSenders) {

    static final int MAX_SERVERS = 8;
    static final int MAX_RELAYS = 1000;
    static final int MAX_SEALERS = 100;
    static final int MAX_WELCOME = 1000;

    AuthSettings {
        dnsServers = List.copyOf(dnsServers);
        trustedRelays = List.copyOf(trustedRelays);
        arcTrustedSealers = List.copyOf(arcTrustedSealers);
        welcomeSenders = List.copyOf(welcomeSenders);
    }

    static AuthSettings from(AuthConfig c) {
        return new AuthSettings(
                c.enabled(),
                servers(c.dns_servers()),
                Duration.ofMillis(range("dns.timeout.ms", c.dns_timeout_ms(), 100, 30_000)),
                range("dns.cache.entries", c.dns_cache_entries(), 0, 1_000_000),
                Duration.ofSeconds(range("dns.cache.max.seconds", c.dns_cache_max_seconds(), 0, 86_400)),
                Duration.ofMillis(range("budget.ms", c.budget_ms(), 100, 60_000)),
                relays(c.trusted_relays()),
                authservId(c.authserv_id()),
                c.results_header(),
                score("dmarc.reject.score", c.dmarc_reject_score()),
                score("dmarc.quarantine.score", c.dmarc_quarantine_score()),
                score("dmarc.none.score", c.dmarc_none_score()),
                score("spf.fail.score", c.spf_fail_score()),
                score("spf.softfail.score", c.spf_softfail_score()),
                score("dkim.fail.score", c.dkim_fail_score()),
                range("dkim.max.signatures", c.dkim_max_signatures(), 1, 20),
                range("dkim.min.rsa.bits", c.dkim_min_rsa_bits(), 1024, 8192),
                sealers(c.arc_trusted_sealers()),
                welcome(c.welcome_senders()));
    }

    private static int range(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(AuthConfig.PID + ": " + name + " must be between " + min + " and "
                    + max + ", got " + value);
        }
        return value;
    }

    private static double score(String name, double value) {
        if (!Double.isFinite(value) || value < -100 || value > 1000) {
            throw new IllegalArgumentException(AuthConfig.PID + ": " + name + " must be a score between -100 and 1000, got "
                    + value);
        }
        return value;
    }

    private static List<String> entries(String text) {
        return ConfigLists.entries(text);
    }

    /** {@code host}, {@code host:port}, {@code v6} or {@code [v6]:port}; addresses only (no name to resolve first). */
    static List<InetSocketAddress> servers(String text) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : entries(text)) {
            if (out.size() == MAX_SERVERS) {
                throw new IllegalArgumentException(AuthConfig.PID + ": dns.servers holds more than " + MAX_SERVERS
                        + " servers");
            }
            String host = s;
            int port = 53;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw bad(s);
                }
                host = s.substring(1, close);
                String rest = s.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw bad(s);
                    }
                    port = port(s, rest.substring(1));
                }
            } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
                host = s.substring(0, s.indexOf(':'));
                port = port(s, s.substring(s.indexOf(':') + 1));
            }
            Optional<InetAddress> address = IpLiteral.parse(host);
            if (address.isEmpty()) {
                throw bad(s);
            }
            out.add(new InetSocketAddress(address.get(), port));
        }
        return out;
    }

    private static int port(String entry, String text) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(entry);
    }

    private static IllegalArgumentException bad(String entry) {
        return new IllegalArgumentException(AuthConfig.PID + ": dns.servers entry '" + clip(entry)
                + "' is not an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)");
    }

    static List<IpBlock> relays(String text) {
        try {
            return text == null || text.isBlank() ? List.of() : IpBlocks.parse(text, MAX_RELAYS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AuthConfig.PID + ": trusted.relays: " + e.getMessage(), e);
        }
    }

    /** Domain names, lower case, A-labels; a name that is not a domain is refused naming the property. */
    static List<String> sealers(String text) {
        return domains("arc.trusted.sealers", text, MAX_SEALERS);
    }

    /**
     * The welcome senders' domains, lower case, A-labels. A public suffix ({@code com}, {@code co.uk}, a shared
     * hosting suffix such as {@code github.io}) is refused: it would welcome every domain registered under it.
     */
    static List<String> welcome(String text) {
        List<String> out = domains("welcome.senders", text, MAX_WELCOME);
        for (String d : out) {
            if (!com.google.common.net.InternetDomainName.isValid(d)) {
                // an address such as 10.0.0.1 passes the label check, not Guava's (no numeric top-level label)
                throw new IllegalArgumentException(AuthConfig.PID + ": welcome.senders entry '" + d
                        + "' is not a domain name");
            }
            if (com.google.common.net.InternetDomainName.from(d).isPublicSuffix()) {
                throw new IllegalArgumentException(AuthConfig.PID + ": welcome.senders entry '" + d
                        + "' is a public suffix: it would welcome every domain under it");
            }
        }
        return out;
    }

    private static List<String> domains(String property, String text, int max) {
        List<String> out = new ArrayList<>();
        for (String s : entries(text)) {
            String d = AuthChecker.asciiDomain(s);
            if (d == null) {
                throw new IllegalArgumentException(AuthConfig.PID + ": " + property + " entry '" + clip(s)
                        + "' is not a domain name");
            }
            if (out.size() == max) {
                throw new IllegalArgumentException(AuthConfig.PID + ": " + property + " holds more than " + max
                        + " domains");
            }
            if (!out.contains(d)) {
                out.add(d);
            }
        }
        return out;
    }

    static String authservId(String configured) {
        String id = configured == null ? "" : configured.strip();
        if (id.isEmpty()) {
            try {
                id = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | RuntimeException e) {
                id = "";
            }
            if (id == null || !id.matches("[A-Za-z0-9.-]{1,253}")) {
                id = "streamail";
            }
            return id.toLowerCase(Locale.ROOT);
        }
        if (!id.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException(AuthConfig.PID + ": authserv.id must be a DNS name, got '" + clip(id)
                    + "'");
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static String clip(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 60 ? t.substring(0, 60) + "…" : t;
    }
}
