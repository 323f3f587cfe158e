package org.streamail.rest.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingAuthenticatorTest {

    final AtomicInteger calls = new AtomicInteger();
    final Authenticator realm = (user, password) -> {
        calls.incrementAndGet();
        return password.equals("good") ? Optional.of(new AuthenticatedUser(user, Set.of("admin"))) : Optional.empty();
    };

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final ManualClock clock = new ManualClock();

    @Test
    void successfulLoginIsRememberedUntilItExpires() {
        CachingAuthenticator cache = new CachingAuthenticator(realm, Duration.ofSeconds(60), 10, clock);
        assertThat(cache.authenticate("root", "good")).isPresent();
        clock.now = clock.now.plusSeconds(59);
        assertThat(cache.authenticate("root", "good")).map(AuthenticatedUser::name).contains("root");
        assertThat(calls.get()).isEqualTo(1);

        clock.now = clock.now.plusSeconds(1);
        assertThat(cache.authenticate("root", "good")).isPresent();
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void failuresAreNeverRememberedAndAnotherPasswordIsNotTheCachedOne() {
        CachingAuthenticator cache = new CachingAuthenticator(realm, Duration.ofSeconds(60), 10, clock);
        assertThat(cache.authenticate("root", "good")).isPresent();
        assertThat(cache.authenticate("root", "bad")).isEmpty();
        assertThat(cache.authenticate("root", "bad")).isEmpty();
        assertThat(calls.get()).isEqualTo(3);
        // user/password boundaries are part of the key: "ro" + "otgood" is not "root" + "good"
        assertThat(cache.authenticate("ro", "otgood")).isEmpty();
    }

    @Test
    void cacheIsBoundedAndForgetsTheLeastRecentlyUsed() {
        CachingAuthenticator cache = new CachingAuthenticator(realm, Duration.ofSeconds(60), 2, clock);
        cache.authenticate("a", "good");
        cache.authenticate("b", "good");
        cache.authenticate("a", "good");
        cache.authenticate("c", "good");
        assertThat(cache.size()).isEqualTo(2);
        int before = calls.get();
        cache.authenticate("a", "good");
        assertThat(calls.get()).as("a was used recently and stays").isEqualTo(before);
        cache.authenticate("b", "good");
        assertThat(calls.get()).as("b was evicted").isEqualTo(before + 1);
    }

    @Test
    void zeroTimeToLiveAsksTheRealmEveryTime() {
        CachingAuthenticator cache = new CachingAuthenticator(realm, Duration.ZERO, 10, clock);
        cache.authenticate("root", "good");
        cache.authenticate("root", "good");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void cachedAnswersFromRememberedLoginsOnlyAndNeverAsksTheRealm() {
        CachingAuthenticator cache = new CachingAuthenticator(realm, Duration.ofSeconds(60), 10, clock);
        assertThat(cache.cached("root", "good")).as("not yet remembered").isEmpty();
        assertThat(calls.get()).isZero();
        cache.authenticate("root", "good");
        assertThat(cache.cached("root", "good")).map(AuthenticatedUser::name).contains("root");
        assertThat(cache.cached("root", "bad")).isEmpty();
        assertThat(calls.get()).isEqualTo(1);
        clock.now = clock.now.plusSeconds(60);
        assertThat(cache.cached("root", "good")).as("expired").isEmpty();
        assertThat(cache.size()).isZero();
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void cachedIsAlwaysEmptyWithTheCacheOffAndForAPlainAuthenticator() {
        CachingAuthenticator off = new CachingAuthenticator(realm, Duration.ZERO, 10, clock);
        off.authenticate("root", "good");
        assertThat(off.cached("root", "good")).isEmpty();
        assertThat(realm.cached("root", "good")).isEmpty();
        assertThat(calls.get()).isEqualTo(1);
    }
}
