package org.streamail.linkguard.internal;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;

/**
 * The validated configuration of PID {@code org.streamail.linkguard}. {@link #from} throws an
 * {@link IllegalArgumentException} naming the property for every bad value, so activation fails with a
 * clear message. Immutable.
 *
 * @param enabled           rewrite links on delivery
 * @param baseUrl           absolute http(s) URL without a trailing slash
 * @param keyFile           the key file
 * @param exemptDomains     lower-case ASCII domains never rewritten
 * @param trustedProxies    proxies whose X-Forwarded-For is believed
 * @param blockScore        a PHISHING/MALWARE finding at or above this blocks
 * @param verdictCache      how long a scan verdict is reused (zero: never)
 * @param failOpen          redirect when the scanner is unavailable
 * @param isolateOnBlock    isolate the clicking host on a block
 * @param recallOnBlock     recall the campaign on a block
 * @param recordCleanClicks record clicks that were let through
 * @param maxLinks          links rewritten per message at most
 * @param rewriteAttachments rewrite attachments a browser opens as a page too
 * @param rewriteSigned     rewrite signed content too (S/MIME, PGP), breaking its signature
 * @param rewriteDocuments  rewrite the links inside PDF, Office, OpenDocument and RTF attachments too
 */
record Settings(boolean enabled, String baseUrl, Path keyFile, Set<String> exemptDomains,
        List<IpBlock> trustedProxies, double blockScore, Duration verdictCache, boolean failOpen,
        boolean isolateOnBlock, boolean recallOnBlock, boolean recordCleanClicks, int maxLinks,
        boolean rewriteAttachments, boolean rewriteSigned, boolean rewriteDocuments) {

    static final int MAX_LINKS_LIMIT = 100_000;
    static final int MAX_CACHE_SECONDS = 86_400;
    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    Settings {
        exemptDomains = Set.copyOf(exemptDomains);
        trustedProxies = List.copyOf(trustedProxies);
    }

    static Settings from(LinkGuardConfig c) {
        return new Settings(c.enabled(), baseUrl(c.base_url()), keyFile(c.key_file()),
                domains(c.exempt_domains()), proxies(c.trusted_proxies()), blockScore(c.block_score()),
                cacheSeconds(c.verdict_cache_seconds()), c.fail_open(), c.isolate_on_block(), c.recall_on_block(),
                c.record_clean_clicks(), maxLinks(c.max_links()), c.rewrite_attachments(),
                c.rewrite_signed(), c.rewrite_documents());
    }

    static String baseUrl(String value) {
        String v = value == null ? "" : value.trim();
        while (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base.url '" + value + "' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("base.url '" + value + "' must be an http or https URL with a host and "
                    + "no user, query or fragment, e.g. https://gateway.example.org");
        }
        // It is written unescaped into href attributes and text: keep it to plain URL characters.
        if (!v.matches("[A-Za-z0-9:/.\\[\\]_~%-]+")) {
            throw new IllegalArgumentException("base.url '" + value + "' contains characters not allowed here");
        }
        return Urls.httpUrl(v).orElseThrow(() -> new IllegalArgumentException("base.url '" + value + "' is not usable"));
    }

    static Path keyFile(String value) {
        if (value == null || value.isBlank()) {
            Path p = KeyFile.defaultPath();
            if (p == null) {
                throw new IllegalArgumentException("key.file is empty and karaf.data is not set: name the key file");
            }
            return p;
        }
        try {
            return Path.of(value.trim());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("key.file '" + value + "' is not a path: " + e.getMessage());
        }
    }

    static Set<String> domains(String value) {
        Set<String> out = new LinkedHashSet<>();
        for (String d : split(value)) {
            String ascii;
            try {
                ascii = IDN.toASCII(d.toLowerCase(Locale.ROOT), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                ascii = "";
            }
            while (ascii.endsWith(".")) {
                ascii = ascii.substring(0, ascii.length() - 1);
            }
            if (ascii.length() > 253 || !DOMAIN.matcher(ascii).matches()) {
                throw new IllegalArgumentException("exempt.domains: '" + d + "' is not a domain name");
            }
            out.add(ascii);
        }
        return out;
    }

    /** The Directory's domains in the same form, skipping (not failing on) anything odd. */
    static Set<String> domainsLenient(Set<String> domains) {
        Set<String> out = new LinkedHashSet<>();
        for (String d : domains) {
            try {
                out.addAll(domains(d));
            } catch (IllegalArgumentException e) {
                // a directory entry that is not a domain name exempts nothing
            }
        }
        return out;
    }

    /** Trusted proxies: at most this many entries. */
    static final int MAX_PROXIES = 256;

    static List<IpBlock> proxies(String value) {
        try {
            return IpBlocks.parse(value, MAX_PROXIES);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trusted.proxies: " + e.getMessage(), e);
        }
    }

    static double blockScore(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v) || v <= 0) {
            throw new IllegalArgumentException("block.score must be a positive number, got " + v);
        }
        return v;
    }

    static Duration cacheSeconds(int v) {
        if (v < 0 || v > MAX_CACHE_SECONDS) {
            throw new IllegalArgumentException("verdict.cache.seconds must be within 0.." + MAX_CACHE_SECONDS
                    + ", got " + v);
        }
        return Duration.ofSeconds(v);
    }

    static int maxLinks(int v) {
        if (v < 1 || v > MAX_LINKS_LIMIT) {
            throw new IllegalArgumentException("max.links must be within 1.." + MAX_LINKS_LIMIT + ", got " + v);
        }
        return v;
    }

    private static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String s : value.split("[,\\s]+")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
