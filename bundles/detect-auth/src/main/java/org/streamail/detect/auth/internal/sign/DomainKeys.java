package org.streamail.detect.auth.internal.sign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * The keys of one configured domain: one key file, or two that must hold one RSA and one Ed25519 key (RFC 8463 8:
 * sign with both while receivers learn Ed25519). The configuration cannot say which file holds which: the algorithm is
 * known only once a file is read, and a file may be replaced by one of the other algorithm later. So the pair is
 * checked each time the keys are used, from the files as they are then ({@link KeyFile#current}).
 *
 * <p>Two keys of one algorithm make the domain's mail wait, with a reason naming both files, until one of them holds
 * the other algorithm or an entry is removed. Signing with only one of them instead would send mail with less than
 * configured, as would signing with one key while the other file cannot be used: the administrator asked for both
 * signatures, and whoever verifies only the missing one would see the mail unsigned. Thread-safe: the key files are,
 * and the remembered reason is only for logging each change once.
 */
final class DomainKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DomainKeys.class);
    /** The order of the signatures on top of a message: RSA, which every verifier knows, topmost. */
    private static final Comparator<SigningKey> ORDER = Comparator.comparingInt(k -> k.algorithm() == DkimAlgorithm.RSA
            ? 0 : 1);

    private final String domain;
    private final List<KeyFile> files;
    /** The last reason the pair could not sign, for logging a change once; {@code ""} for none. */
    private volatile String lastConflict = "";

    /**
     * @param files the domain's one or two key files, in configuration order (read already)
     */
    DomainKeys(String domain, List<KeyFile> files) {
        this.domain = Objects.requireNonNull(domain, "domain");
        this.files = List.copyOf(files);
        if (this.files.isEmpty() || this.files.size() > SignSettings.MAX_KEYS_PER_DOMAIN) {
            throw new IllegalArgumentException(domain + ": one or " + SignSettings.MAX_KEYS_PER_DOMAIN
                    + " key files, not " + this.files.size());
        }
        lastConflict = conflict(readings());
    }

    String domain() {
        return domain;
    }

    /** The key files in configuration order. */
    List<KeyFile> files() {
        return files;
    }

    /** Each file as it is now (read again where it changed), in configuration order. */
    List<KeyFile.Reading> readings() {
        List<KeyFile.Reading> out = new ArrayList<>(files.size());
        for (KeyFile f : files) {
            out.add(f.current());
        }
        return out;
    }

    /**
     * Why the domain's two keys, both readable, cannot sign together: they are of one algorithm. {@code ""} when
     * they can, when there is one key, or when a file cannot be read (its own error says why).
     */
    String conflict(List<KeyFile.Reading> readings) {
        if (readings.size() < 2 || readings.get(0).key() == null || readings.get(1).key() == null) {
            return "";
        }
        DkimAlgorithm a = readings.get(0).key().algorithm();
        if (a != readings.get(1).key().algorithm()) {
            return "";
        }
        return files.get(0).name() + " and '" + files.get(1).file().getFileName() + "' both hold an "
                + (a == DkimAlgorithm.RSA ? "RSA" : "Ed25519") + " key: the two keys of " + domain + " must be one RSA"
                + " and one Ed25519 key (mail from " + domain + " waits until one file holds the other kind, or its"
                + " entry is removed)";
    }

    /**
     * The keys to sign the domain's mail with now, RSA first.
     *
     * @throws IllegalStateException naming the file (never its content) when a file cannot be used now, or naming
     *                               both when they hold keys of one algorithm
     */
    List<SigningKey> keys() {
        List<KeyFile.Reading> readings = readings();
        List<SigningKey> out = new ArrayList<>(readings.size());
        for (KeyFile.Reading r : readings) {
            if (r.error() != null) {
                throw new IllegalStateException(r.error());
            }
            out.add(r.key());
        }
        String conflict = conflict(readings);
        if (!conflict.equals(lastConflict)) {
            lastConflict = conflict;
            if (!conflict.isEmpty()) {
                LOG.warn("DKIM keys changed and cannot sign together: {}", conflict);
            } else {
                LOG.info("The keys of {} are one RSA and one Ed25519 key again: its mail is signed with both", domain);
            }
        }
        if (!conflict.isEmpty()) {
            throw new IllegalStateException(conflict);
        }
        out.sort(ORDER);
        return out;
    }

    @Override
    public String toString() {
        return files.toString();
    }
}
