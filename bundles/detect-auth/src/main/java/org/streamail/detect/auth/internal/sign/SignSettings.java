package org.streamail.detect.auth.internal.sign;

import com.google.common.net.InternetDomainName;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.streamail.detect.auth.internal.ConfigLists;
import org.streamail.detect.auth.internal.dns.Names;

/**
 * The checked, immutable form of {@link DkimSignConfig}. Every value is validated here with a message naming the PID
 * and the property, so a typo fails activation instead of signing with other fields, or for a domain nobody meant.
 * Key files are not read here ({@link KeyFile}): their state changes while the configuration stays.
 *
 * @param enabled       sign outbound mail
 * @param keys          the keys in configuration order: one per domain, or two (an RSA and an Ed25519 key, which file
 *                      holds which is known only when the files are read: {@link DomainKeys})
 * @param headers       the fields to sign, lower case, "from" among them
 * @param oversign      those of {@code headers} signed once more than present
 * @param relaxedHeader relaxed header canonicalisation, else simple
 * @param relaxedBody   relaxed body canonicalisation, else simple
 * @param expiry        the signatures' validity ({@code x=}), {@code null} for none
 */
record SignSettings(boolean enabled, List<Key> keys, List<String> headers, Set<String> oversign,
        boolean relaxedHeader, boolean relaxedBody, Duration expiry) {

    static final int MAX_KEYS = 1000;
    /**
     * Keys of one domain at most: one RSA and one Ed25519 key (RFC 8463 8: sign with both while receivers learn
     * Ed25519), so one message carries at most this many of our signatures.
     */
    static final int MAX_KEYS_PER_DOMAIN = 2;
    static final int MAX_HEADERS = 100;
    static final Duration MIN_EXPIRY = Duration.ofHours(1);
    static final Duration MAX_EXPIRY = Duration.ofDays(366);

    /** One {@code keys} entry: a domain, its selector and the key file. */
    record Key(String domain, String selector, Path file) {
        @Override
        public String toString() {
            return domain + ":" + selector + ":" + file;
        }
    }

    SignSettings {
        keys = List.copyOf(keys);
        headers = List.copyOf(headers);
        oversign = Set.copyOf(oversign);
    }

    static SignSettings from(DkimSignConfig c) {
        List<String> headers = names("headers", c.headers());
        if (!headers.contains("from")) {
            throw bad("headers must include from (RFC 6376 5.4: the From field is always signed)");
        }
        if (headers.contains("dkim-signature")) {
            throw bad("headers must not include dkim-signature: each of our signatures covers the message as it was"
                    + " before any of them, so neither of a domain's two signatures signs the other, nor one the"
                    + " inside's");
        }
        List<String> oversign = names("oversign", c.oversign());
        for (String o : oversign) {
            if (!headers.contains(o)) {
                throw bad("oversign lists '" + o + "', which is not in headers (only a signed field can be over-signed)");
            }
        }
        String canon = c.canonicalization() == null ? "" : c.canonicalization().strip().toLowerCase(Locale.ROOT);
        if (!canon.matches("(relaxed|simple)/(relaxed|simple)")) {
            throw bad("canonicalization must be header/body with each relaxed or simple (relaxed/relaxed), got '"
                    + clip(c.canonicalization()) + "'");
        }
        String[] parts = canon.split("/");
        return new SignSettings(c.enabled(), keys(c.keys()), headers, new LinkedHashSet<>(oversign),
                parts[0].equals("relaxed"), parts[1].equals("relaxed"), expiry(c.expiry()));
    }

    /**
     * The keys configured for {@code domain} itself, else for its closest parent domain that has any, in configuration
     * order (one, or a domain's two); empty for none.
     */
    List<Key> keysFor(String domain) {
        for (String d = domain; d.indexOf('.') > 0; d = d.substring(d.indexOf('.') + 1)) {
            List<Key> found = new ArrayList<>(MAX_KEYS_PER_DOMAIN);
            for (Key k : keys) {
                if (k.domain().equals(d)) {
                    found.add(k);
                }
            }
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<Key> keys(String text) {
        List<Key> out = new ArrayList<>();
        for (String entry : entries(text)) {
            if (out.size() == MAX_KEYS) {
                throw bad("keys holds more than " + MAX_KEYS + " entries");
            }
            Key key = key(DkimSignConfig.PID, "keys", entry);
            checkPair(out, key);
            out.add(key);
        }
        return out;
    }

    /**
     * One {@code domain:selector:/absolute/path/to/key.pem} entry of {@code property} (the {@code keys} of this PID, or
     * detect-auth's {@code arc.seal.key}), checked: a domain that is not a public suffix, a selector, an absolute path.
     *
     * @throws IllegalArgumentException naming {@code pid} and {@code property}
     */
    static Key key(String pid, String property, String entry) {
        String[] p = entry.split(":", 3);
        if (p.length != 3) {
            throw bad(pid, property + " entry '" + clip(entry) + "' is not domain:selector:/path/to/key.pem");
        }
        String domain = FromDomain.ascii(p[0]);
        if (domain == null) {
            throw bad(pid, property + " entry '" + clip(entry) + "': '" + clip(p[0]) + "' is not a domain name");
        }
        if (InternetDomainName.isValid(domain) && InternetDomainName.from(domain).isPublicSuffix()) {
            throw bad(pid, property + " entry '" + clip(entry) + "': " + domain + " is a public suffix; a key for it"
                    + " would sign for every domain under it");
        }
        String selector = p[1].strip().toLowerCase(Locale.ROOT);
        if (!Names.valid(selector, Names.LDH_UNDERSCORE)) {
            throw bad(pid, property + " entry '" + clip(entry) + "': '" + clip(p[1]) + "' is not a selector (letters,"
                    + " digits, hyphens, underscores, dots)");
        }
        Path file;
        try {
            file = Path.of(p[2].strip());
        } catch (InvalidPathException e) {
            throw bad(pid, property + " entry '" + clip(entry) + "': the key file is not a path");
        }
        if (!file.isAbsolute()) {
            throw bad(pid, property + " entry '" + clip(entry) + "': the key file must be an absolute path"
                    + " (${karaf.etc}/dkim/... is one in the .cfg file)");
        }
        return new Key(domain, selector, file.normalize());
    }

    /**
     * Refuses {@code key} when its domain has its two keys already, or when it repeats the selector or the file of the
     * domain's other key. Whether the two files hold an RSA and an Ed25519 key is checked when they are read
     * ({@link DomainKeys}): a file is not configuration, and it may change later.
     */
    private static void checkPair(List<Key> before, Key key) {
        List<Key> same = new ArrayList<>(MAX_KEYS_PER_DOMAIN);
        for (Key k : before) {
            if (k.domain().equals(key.domain())) {
                same.add(k);
            }
        }
        if (same.isEmpty()) {
            return;
        }
        if (same.size() >= MAX_KEYS_PER_DOMAIN) {
            throw bad("keys has more than two entries for " + key.domain() + " (selectors " + same.get(0).selector()
                    + ", " + same.get(1).selector() + " and " + key.selector() + "): a domain may have two keys, one"
                    + " RSA and one Ed25519; for a rollover, replace the entry of the same algorithm once the new"
                    + " selector is published");
        }
        Key other = same.get(0);
        if (other.selector().equals(key.selector())) {
            throw bad("keys has two entries for " + key.domain() + " with selector " + key.selector() + ": a domain's"
                    + " two keys (one RSA, one Ed25519) are published under two selectors");
        }
        if (other.file().equals(key.file())) {
            throw bad("keys names " + clip(key.file().toString()) + " for both keys of "
                    + key.domain() + ": its two keys (one RSA, one Ed25519) are two files");
        }
    }

    /** Header field names, lower case: printable US-ASCII without a colon, each once. */
    private static List<String> names(String property, String text) {
        List<String> out = new ArrayList<>();
        for (String raw : entries(text)) {
            String n = raw.toLowerCase(Locale.ROOT);
            if (!n.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f && ch != ':')) {
                throw bad(property + " entry '" + clip(raw) + "' is not a header field name");
            }
            if (out.contains(n)) {
                throw bad(property + " lists '" + n + "' twice");
            }
            if (out.size() == MAX_HEADERS) {
                throw bad(property + " lists more than " + MAX_HEADERS + " fields");
            }
            out.add(n);
        }
        return out;
    }

    private static Duration expiry(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Duration.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw bad("expiry must be an ISO-8601 duration such as P7D or PT12H, got '" + clip(text) + "'");
        }
        if (d.compareTo(MIN_EXPIRY) < 0 || d.compareTo(MAX_EXPIRY) > 0) {
            throw bad("expiry must be between PT1H and P366D, got " + d);
        }
        return d;
    }

    private static List<String> entries(String text) {
        return ConfigLists.entries(text);
    }

    private static IllegalArgumentException bad(String message) {
        return bad(DkimSignConfig.PID, message);
    }

    private static IllegalArgumentException bad(String pid, String message) {
        return new IllegalArgumentException(pid + ": " + message);
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }
}
