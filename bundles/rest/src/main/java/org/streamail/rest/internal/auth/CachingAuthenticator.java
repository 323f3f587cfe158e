package org.streamail.rest.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers successful logins for a short time, because a JAAS login per request costs more than the
 * request itself. Keys are SHA-256 hashes of user and password, so no password is kept in memory; failures
 * are never cached, so a changed password or a new account works at once, while a removed account or
 * changed password stays usable for at most the time-to-live. The cache is bounded (least recently used
 * logins go first). {@link #cached} answers from the remembered logins alone. Thread-safe.
 */
public final class CachingAuthenticator implements Authenticator {

    private record Remembered(AuthenticatedUser user, Instant expires) {
    }

    private final Authenticator delegate;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Remembered> cache;

    public CachingAuthenticator(Authenticator delegate, Duration ttl, int maxEntries, Clock clock) {
        this.delegate = delegate;
        this.ttl = ttl;
        this.clock = clock;
        int bound = Math.max(1, maxEntries);
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
                return size() > bound;
            }
        };
    }

    @Override
    public Optional<AuthenticatedUser> authenticate(String user, String password) {
        if (ttl.isZero() || ttl.isNegative()) {
            return delegate.authenticate(user, password);
        }
        String key = key(user, password);
        Instant now = clock.instant();
        Optional<AuthenticatedUser> remembered = lookUp(key, now);
        if (remembered.isPresent()) {
            return remembered;
        }
        // The slow login runs outside the lock so one slow realm call does not serialise every request.
        Optional<AuthenticatedUser> result = delegate.authenticate(user, password);
        result.ifPresent(u -> {
            synchronized (cache) {
                cache.put(key, new Remembered(u, now.plus(ttl)));
            }
        });
        return result;
    }

    /** The remembered login, if any and not expired; the delegate is never asked. */
    @Override
    public Optional<AuthenticatedUser> cached(String user, String password) {
        if (ttl.isZero() || ttl.isNegative()) {
            return Optional.empty();
        }
        return lookUp(key(user, password), clock.instant());
    }

    private Optional<AuthenticatedUser> lookUp(String key, Instant now) {
        synchronized (cache) {
            Remembered r = cache.get(key);
            if (r == null) {
                return Optional.empty();
            }
            if (now.isBefore(r.expires())) {
                return Optional.of(r.user());
            }
            cache.remove(key);
            return Optional.empty();
        }
    }

    /** Number of remembered logins (for tests). */
    int size() {
        synchronized (cache) {
            return cache.size();
        }
    }

    private static String key(String user, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(user.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(password.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JRE", e);
        }
    }
}
