package org.streamail.rest.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The throttle on its own and inside {@link BasicAuthGate}, on a clock the test moves by hand. */
class LoginThrottleTest {

    static final String ATTACKER = "203.0.113.7";
    static final String OTHER = "198.51.100.20";

    final AtomicInteger realmCalls = new AtomicInteger();
    final Authenticator realm = (user, password) -> {
        realmCalls.incrementAndGet();
        return switch (user + ":" + password) {
            case "admin:right" -> Optional.of(new AuthenticatedUser("admin", Set.of("admin")));
            case "viewer:known" -> Optional.of(new AuthenticatedUser("viewer", Set.of("viewer")));
            default -> Optional.empty();
        };
    };
    final CachingAuthenticatorTest.ManualClock clock = new CachingAuthenticatorTest.ManualClock();
    final List<LoginThrottle.Lockout> lockouts = new ArrayList<>();

    BasicAuthGate gate(LoginThrottle.Settings settings) {
        return new BasicAuthGate(realm, new LoginThrottle(settings, clock), lockouts::add);
    }

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    static final String WRONG = basic("admin:guess");
    static final String RIGHT = basic("admin:right");

    static int status(BasicAuthGate.Decision d) {
        return d instanceof BasicAuthGate.Refused r ? r.status() : 200;
    }

    void fail(BasicAuthGate gate, String address, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(status(gate.check(WRONG, address))).as("failure %d from %s", i + 1, address).isEqualTo(401);
        }
    }

    @Test
    void theEleventhAttemptWithinTheWindowIsRefusedEvenWithTheRightPassword() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 10);
        int callsBefore = realmCalls.get();

        BasicAuthGate.Decision d = gate.check(RIGHT, ATTACKER);

        assertThat(d).isEqualTo(new BasicAuthGate.Refused(429,
                "too many failed logins from your address; retry in 300 s", 300));
        assertThat(realmCalls.get()).as("the realm is not asked while locked").isEqualTo(callsBefore);
    }

    @Test
    void retryAfterCountsDownToWhenTheOldestFailureLeavesTheWindowRoundedUp() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        for (int i = 0; i < 10; i++) {
            fail(gate, ATTACKER, 1);
            clock.now = clock.now.plusSeconds(10);
        }
        // oldest failure at t=0 leaves at t=300; now t=100.5
        clock.now = clock.now.plusMillis(500);
        assertThat(((BasicAuthGate.Refused) gate.check(RIGHT, ATTACKER)).retryAfterSeconds()).isEqualTo(200);
        clock.now = clock.now.plusMillis(199_400);
        assertThat(((BasicAuthGate.Refused) gate.check(RIGHT, ATTACKER)).retryAfterSeconds())
                .as("never 0 while still locked").isEqualTo(1);
    }

    @Test
    void attemptsPassAgainOnceTheOldestFailureLeavesTheWindow() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 1);
        clock.now = clock.now.plusSeconds(60);
        fail(gate, ATTACKER, 9);
        assertThat(status(gate.check(RIGHT, ATTACKER))).isEqualTo(429);

        clock.now = clock.now.plusSeconds(239); // t=299: the first failure is still inside
        assertThat(status(gate.check(RIGHT, ATTACKER))).isEqualTo(429);
        clock.now = clock.now.plusSeconds(1); // t=300: it has left, nine remain
        assertThat(gate.check(RIGHT, ATTACKER)).isInstanceOf(BasicAuthGate.Allowed.class);
        // one more wrong guess fills the window again
        fail(gate, ATTACKER, 1);
        assertThat(status(gate.check(RIGHT, ATTACKER))).isEqualTo(429);

        clock.now = clock.now.plusSeconds(300);
        assertThat(gate.check(RIGHT, ATTACKER)).isInstanceOf(BasicAuthGate.Allowed.class);
    }

    @Test
    void anotherAddressIsUnaffected() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 10);
        assertThat(status(gate.check(RIGHT, ATTACKER))).isEqualTo(429);
        assertThat(gate.check(RIGHT, OTHER)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(status(gate.check(WRONG, OTHER))).isEqualTo(401);
    }

    @Test
    void aSuccessfulLoginDoesNotResetTheCounter() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 9);
        // the attacker holds a viewer password and uses it between guesses at the admin's
        assertThat(gate.check(basic("viewer:known"), ATTACKER)).isInstanceOf(BasicAuthGate.Allowed.class);
        fail(gate, ATTACKER, 1);
        assertThat(status(gate.check(basic("viewer:known"), ATTACKER))).isEqualTo(429);
    }

    @Test
    void absentOrMalformedHeadersAreNotCountedButStillUnauthorized() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        for (int i = 0; i < 30; i++) {
            for (String header : new String[] {null, "", "Bearer x", "Basic !!!", basic("nocolon")}) {
                assertThat(status(gate.check(header, ATTACKER))).isEqualTo(401);
            }
        }
        assertThat(realmCalls.get()).isZero();
        assertThat(gate.check(RIGHT, ATTACKER)).isInstanceOf(BasicAuthGate.Allowed.class);
    }

    @Test
    void requestsWithoutCredentialsCannotPushCountedAddressesOutOfTheMap() {
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(3, 300, 2), clock);
        BasicAuthGate gate = new BasicAuthGate(realm, throttle, lockouts::add);
        fail(gate, ATTACKER, 3);
        for (int i = 0; i < 100; i++) {
            assertThat(status(gate.check(null, "10.2.0." + i))).isEqualTo(401);
            assertThat(status(gate.check("Basic !!!", "10.3.0." + i))).isEqualTo(401);
        }
        assertThat(throttle.trackedAddresses()).isEqualTo(1);
        assertThat(status(gate.check(RIGHT, ATTACKER))).isEqualTo(429);
    }

    @Test
    void forbiddenAndUnavailableAreNotCountedAsFailures() {
        Authenticator noRoleThenDown = (user, password) -> {
            if (user.equals("down")) {
                throw new AuthenticationUnavailableException("realm down", null);
            }
            return Optional.of(new AuthenticatedUser(user, Set.of("ssh")));
        };
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(2, 300, 10), clock);
        BasicAuthGate gate = new BasicAuthGate(noRoleThenDown, throttle, lockouts::add);
        for (int i = 0; i < 5; i++) {
            assertThat(status(gate.check(basic("karaf:pw"), ATTACKER))).isEqualTo(403);
            assertThat(status(gate.check(basic("down:pw"), ATTACKER))).isEqualTo(503);
        }
        assertThat(throttle.trackedAddresses()).as("nothing left behind").isZero();
    }

    @Test
    void lockedAddressIsRefusedWhateverItsHeader() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 10);
        assertThat(status(gate.check(null, ATTACKER))).isEqualTo(429);
        assertThat(status(gate.check("Basic !!!", ATTACKER))).isEqualTo(429);
    }

    @Test
    void theTrackedAddressesStayBoundedAndTheOldestLastFailureIsForgotten() {
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(3, 300, 3), clock);
        BasicAuthGate gate = new BasicAuthGate(realm, throttle, lockouts::add);
        fail(gate, "10.0.0.1", 1);
        clock.now = clock.now.plusSeconds(1);
        fail(gate, "10.0.0.2", 1);
        clock.now = clock.now.plusSeconds(1);
        fail(gate, "10.0.0.3", 1);
        clock.now = clock.now.plusSeconds(1);
        fail(gate, "10.0.0.1", 1);
        clock.now = clock.now.plusSeconds(1);
        fail(gate, "10.0.0.4", 1); // evicts .2

        fail(gate, "10.0.0.1", 1);
        assertThat(status(gate.check(RIGHT, "10.0.0.1"))).as(".1 kept its two earlier failures").isEqualTo(429);
        assertThat(gate.check(RIGHT, "10.0.0.2")).as(".2 lost its failure").isInstanceOf(BasicAuthGate.Allowed.class);

        for (int i = 0; i < 1000; i++) {
            fail(gate, "10.1." + (i / 256) + "." + (i % 256), 1);
        }
        assertThat(throttle.trackedAddresses()).isEqualTo(3);
    }

    @Test
    void addressesWhoseFailuresAllLeftTheWindowAreDropped() {
        LoginThrottle throttle = new LoginThrottle(LoginThrottle.Settings.DEFAULTS, clock);
        BasicAuthGate gate = new BasicAuthGate(realm, throttle, lockouts::add);
        for (int i = 0; i < 50; i++) {
            fail(gate, "10.0.0." + i, 2);
        }
        assertThat(throttle.trackedAddresses()).isEqualTo(50);
        clock.now = clock.now.plusSeconds(300);
        assertThat(gate.check(RIGHT, OTHER)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(throttle.trackedAddresses()).isZero();
    }

    @Test
    void zeroMaxFailuresTurnsThrottlingOff() {
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(0, 300, 10_000), clock);
        BasicAuthGate gate = new BasicAuthGate(realm, throttle, lockouts::add);
        fail(gate, ATTACKER, 100);
        assertThat(gate.check(RIGHT, ATTACKER)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(realmCalls.get()).isEqualTo(101);
        assertThat(throttle.trackedAddresses()).isZero();
        assertThat(lockouts).isEmpty();
    }

    @Test
    void aLockoutIsReportedOnceUntilItsFailuresHaveLeftTheWindow() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        fail(gate, ATTACKER, 9);
        assertThat(lockouts).isEmpty();
        fail(gate, ATTACKER, 1);
        assertThat(lockouts).containsExactly(new LoginThrottle.Lockout(ATTACKER, 10, Duration.ofSeconds(300)));

        for (int i = 0; i < 20; i++) {
            assertThat(status(gate.check(WRONG, ATTACKER))).isEqualTo(429);
        }
        assertThat(lockouts).hasSize(1);

        clock.now = clock.now.plusSeconds(300);
        fail(gate, ATTACKER, 10);
        assertThat(lockouts).hasSize(2);
    }

    @Test
    void relockingWhileEarlierFailuresAreStillInTheWindowIsTheSameLockout() {
        BasicAuthGate gate = gate(LoginThrottle.Settings.DEFAULTS);
        for (int i = 0; i < 10; i++) {
            fail(gate, ATTACKER, 1);
            clock.now = clock.now.plusSeconds(1);
        }
        assertThat(lockouts).hasSize(1);
        clock.now = clock.now.plusSeconds(290); // t=300: the first failure left, nine remain
        fail(gate, ATTACKER, 1);
        assertThat(status(gate.check(RIGHT, ATTACKER))).as("locked again").isEqualTo(429);
        assertThat(lockouts).as("one trickling attacker, one report").hasSize(1);

        clock.now = clock.now.plusSeconds(300); // every failure has left: the lockout is over
        fail(gate, ATTACKER, 10);
        assertThat(lockouts).hasSize(2);
    }

    @Test
    void onlyFailuresCountAndTheOneThatReachesTheLimitReportsTheLockout() {
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(3, 300, 10), clock);
        assertThat(throttle.lockedFor(ATTACKER)).isZero();
        assertThat(throttle.trackedAddresses()).as("asking tracks nothing").isZero();
        assertThat(throttle.failed(ATTACKER)).isEmpty();
        assertThat(throttle.failed(ATTACKER)).isEmpty();
        assertThat(throttle.lockedFor(ATTACKER)).as("2 of 3").isZero();
        assertThat(throttle.failed(ATTACKER)).contains(new LoginThrottle.Lockout(ATTACKER, 3, Duration.ofSeconds(300)));
        assertThat(throttle.lockedFor(ATTACKER)).isEqualTo(300);
        assertThat(throttle.failed(ATTACKER)).as("same lockout").isEmpty();
        assertThat(throttle.lockedFor(null)).as("the unknown address is another one").isZero();
    }

    @Test
    void failuresAreIgnoredWhileThrottlingIsOff() {
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(0, 0, 0), clock);
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.failed(ATTACKER)).isEmpty();
        }
        assertThat(throttle.lockedFor(ATTACKER)).isZero();
        assertThat(throttle.trackedAddresses()).isZero();
        assertThat(throttle.enabled()).isFalse();
    }

    @Test
    void outOfRangeSettingsNameTheProperty() {
        assertThatThrownBy(() -> new LoginThrottle.Settings(-1, 300, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.max.failures")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> new LoginThrottle.Settings(10, -5, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.failure.window.seconds");
        assertThatThrownBy(() -> new LoginThrottle.Settings(10, 300, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.throttle.max.addresses");
        assertThatThrownBy(() -> new LoginThrottle.Settings(10, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.failure.window.seconds")
                .hasMessageContaining("auth.max.failures = 0");
        assertThatThrownBy(() -> new LoginThrottle.Settings(10, 300, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.throttle.max.addresses");
        assertThatThrownBy(() -> new LoginThrottle.Settings(101, 300, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth.max.failures");
        assertThat(new LoginThrottle.Settings(0, 0, 0).enabled()).isFalse();
    }
}
