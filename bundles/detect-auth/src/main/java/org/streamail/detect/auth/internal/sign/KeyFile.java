package org.streamail.detect.auth.internal.sign;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.FileStamp;
import org.streamail.api.config.KeyFiles;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * One configured signing key and its file, read when the configuration is and again whenever the file has changed
 * since: before each use its last-modified time, size, identity (inode) and mode are compared with the last reading
 * (one {@code stat}; a rename over it or a swapped symbolic link is seen too), and when any differs it is read and
 * checked anew. The rules are the core's for its secret files (the smarthost password, the message-id key), with the
 * same words: a regular file, readable, open to neither group nor others (mode {@code 600} or {@code 400}; not checked
 * where the file system has no POSIX modes), at most {@value PemKeys#MAX_FILE_BYTES} bytes; then a PKCS#8 RSA (2048 to
 * 4096 bits) or Ed25519 key ({@link PemKeys}). Messages name the property and the file's name, never its directory
 * (they reach the message log, which viewers read) nor its content.
 *
 * <p>A file that can no longer be used makes {@link #key()} throw with the reason (logged once per change, WARN); the
 * key read before is not used then: mail of that domain waits until the file is fixed. A file may also come to hold a
 * key of the other algorithm; whether that still fits the domain's other key is {@link DomainKeys}'s to say.
 * Thread-safe.
 */
final class KeyFile {

    private static final Logger LOG = LoggerFactory.getLogger(KeyFile.class);
    static final String PROPERTY = "keys";

    private final String domain;
    private final String selector;
    private final Path file;
    private final String property;
    /** The last reading; replaced as a whole when the file's stamp changes. */
    private volatile Reading reading;

    /** The file as read at {@code stamp}: a key, or why there is none (naming the property and the file). */
    record Reading(FileStamp stamp, SigningKey key, String error) {
    }

    private KeyFile(String domain, String selector, Path file, String property) {
        this.domain = Objects.requireNonNull(domain, "domain");
        this.selector = Objects.requireNonNull(selector, "selector");
        this.file = Objects.requireNonNull(file, "file");
        this.property = Objects.requireNonNull(property, "property");
    }

    /** The key of {@code file}, read now; a file that cannot be used is remembered with its reason, not thrown. */
    static KeyFile load(String domain, String selector, Path file) {
        return load(domain, selector, file, PROPERTY);
    }

    /** As {@link #load(String, String, Path)}, for a file another property names (messages name that property). */
    static KeyFile load(String domain, String selector, Path file, String property) {
        KeyFile k = new KeyFile(domain, selector, file, property);
        k.reading = k.read();
        return k;
    }

    String domain() {
        return domain;
    }

    String selector() {
        return selector;
    }

    Path file() {
        return file;
    }

    /** How messages name the file: the property and the file's name. */
    String name() {
        return property + " '" + file.getFileName() + "'";
    }

    /**
     * The key to sign with now: the last reading while the file is unchanged, else the file read and checked again.
     *
     * @throws IllegalStateException naming the file (never its content) when, as it is now, it cannot be used
     */
    SigningKey key() {
        Reading r = current();
        if (r.error() != null) {
            throw new IllegalStateException(r.error());
        }
        return r.key();
    }

    /** The reading for the file as it is now (read again when it changed), error or key. */
    Reading current() {
        FileStamp now = FileStamp.of(file);
        Reading r = reading;
        if (!now.equals(r.stamp())) {
            synchronized (this) {
                r = reading;
                if (!now.equals(r.stamp())) {
                    Reading fresh = read();
                    reading = fresh;
                    changed(r, fresh);
                    r = fresh;
                }
            }
        }
        return r;
    }

    /** The file read and checked now, with the stamp taken before (a change while reading is seen next time). */
    private Reading read() {
        FileStamp stamp = FileStamp.of(file);
        try {
            byte[] bytes = readSecret();
            try {
                return new Reading(stamp, PemKeys.parse(domain, selector, bytes, name()), null);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        } catch (IllegalArgumentException e) {
            return new Reading(stamp, null, String.valueOf(e.getMessage()));
        }
    }

    private void changed(Reading before, Reading after) {
        if (after.error() != null) {
            if (!after.error().equals(before.error())) {
                LOG.warn("{} key file changed and cannot be used now: {}. {}; the key read before is not used",
                        property.equals(PROPERTY) ? "DKIM" : "ARC sealing", after.error(), property.equals(PROPERTY)
                                ? "Mail from " + domain + " waits (deferred) until it is fixed"
                                : "Inbound mail is delivered without our ARC set until it is fixed");
            }
        } else if (before.error() != null) {
            LOG.info("{} usable again: an {} key of {} (selector {})", name(), after.key().algorithm(), domain,
                    selector);
        } else {
            // whether the domain's mail is signed also depends on its other key, if any (DomainKeys says so)
            LOG.info("{} changed: it holds an {} key of {} now (selector {})", name(), after.key().algorithm(), domain,
                    selector);
        }
    }

    /** The file's bytes under the secret-file rules; an {@link IllegalArgumentException} names what is wrong. */
    private byte[] readSecret() {
        String name = name();
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(name + " does not exist or is not a regular file");
            }
            KeyFiles.requirePrivate(name, file);
            if (Files.size(file) > PemKeys.MAX_FILE_BYTES) {
                throw new IllegalArgumentException(name + " is longer than " + PemKeys.MAX_FILE_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(name + " is not readable by this process");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return domain + ":" + selector + ":" + file.getFileName();
    }
}
