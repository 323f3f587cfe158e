package org.streamail.digest.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.streamail.api.config.KeyFiles;
import org.streamail.api.model.Category;

/**
 * The checked configuration of the digest. Every bad value fails with a message naming its property.
 *
 * @param enabled               whether the schedule runs
 * @param sendTime              local time of the daily run
 * @param zone                  zone of {@code sendTime} and of the times shown
 * @param baseUrl               scheme, host and port users reach, without a trailing slash; empty: no links
 * @param keyFile               the link key's file (null outside Karaf when not configured)
 * @param linkValidity          how long a link is valid
 * @param selfRelease           categories a user may release alone
 * @param maxEntries            messages listed per mail
 * @param maxScan               quarantine entries read per run
 * @param firstWindow           window of the first run
 * @param fromAddress           configured sender; empty: derived from the protected domains
 * @param adminAddress          where each run's summary goes; empty: nowhere
 * @param notifyOutgoing        whether a user's digest also lists the mail they sent that was held
 */
record DigestSettings(boolean enabled, LocalTime sendTime, ZoneId zone, String baseUrl, Path keyFile,
        Duration linkValidity, Set<Category> selfRelease, int maxEntries, int maxScan, Duration firstWindow,
        String fromAddress, String adminAddress, boolean notifyOutgoing) {

    static final String KEY_FILE_NAME = "digest.key";

    static DigestSettings from(DigestConfig c) {
        LocalTime at;
        try {
            at = LocalTime.parse(c.send_time().strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("send.time must be HH:mm, got '" + c.send_time() + "'");
        }
        ZoneId zone;
        try {
            zone = c.time_zone().isBlank() ? ZoneId.systemDefault() : ZoneId.of(c.time_zone().strip());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("time.zone is not a known time zone: '" + c.time_zone() + "'");
        }
        int days = c.link_validity_days();
        if (days < 1 || days > 90) {
            throw new IllegalArgumentException("link.validity.days must be 1..90, got " + days);
        }
        int maxEntries = c.max_entries();
        if (maxEntries < 1 || maxEntries > 1000) {
            throw new IllegalArgumentException("max.entries must be 1..1000, got " + maxEntries);
        }
        int maxScan = c.max_scan();
        if (maxScan < 100 || maxScan > 1_000_000) {
            throw new IllegalArgumentException("max.scan must be 100..1000000, got " + maxScan);
        }
        Duration first;
        try {
            first = Duration.parse(c.first_window().strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("first.window must be an ISO-8601 duration such as P1D, got '"
                    + c.first_window() + "'");
        }
        if (first.compareTo(Duration.ofHours(1)) < 0 || first.compareTo(Duration.ofDays(31)) > 0) {
            throw new IllegalArgumentException("first.window must be PT1H..P31D, got " + c.first_window());
        }
        String from = c.from_address().strip();
        if (!from.isEmpty() && !Texts.isAddress(from)) {
            throw new IllegalArgumentException("from.address is not a plain mail address: '" + Texts.oneLine(from, 100)
                    + "'");
        }
        String admin = c.admin_address().strip();
        if (!admin.isEmpty() && !Texts.isAddress(admin)) {
            throw new IllegalArgumentException("admin.address is not a plain mail address: '"
                    + Texts.oneLine(admin, 100) + "'");
        }
        return new DigestSettings(c.enabled(), at, zone, baseUrl(c.base_url()),
                file(c.key_file(), KEY_FILE_NAME), Duration.ofDays(days), categories(c.self_release_categories()),
                maxEntries, maxScan, first, from, admin, c.notify_outgoing());
    }

    /** An absolute http(s) URL with a host and no query or fragment, without its trailing slashes; "" stays "". */
    static String baseUrl(String value) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty()) {
            return "";
        }
        try {
            URI u = new URI(v);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawQuery() != null
                    || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw new URISyntaxException(v, "not an http(s) URL with a host and nothing after the path");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("base.url must be an http or https URL such as"
                    + " https://gateway.example.org:8443, got '" + Texts.oneLine(v, 200) + "'");
        }
        while (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        return v;
    }

    static Set<Category> categories(String value) {
        Set<Category> out = EnumSet.noneOf(Category.class);
        for (String part : (value == null ? "" : value).split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            try {
                out.add(Category.valueOf(p.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("self.release.categories: unknown category '" + Texts.oneLine(p, 40)
                        + "' (known: SPAM, POLICY, INFO, ERROR, MALFORMED, PHISHING, MALWARE)");
            }
        }
        return Set.copyOf(out);
    }

    private static Path file(String configured, String defaultName) {
        return configured == null || configured.isBlank() ? KeyFiles.inKarafData(defaultName)
                : Path.of(configured.strip());
    }
}
