package org.streamail.rest.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BasicAuthGate} under parallel logins: one uncached login at a time per address, so a burst of guesses
 * reaches the realm exactly {@code auth.max.failures} times and a burst of correct logins makes one realm call;
 * different addresses never wait for each other; waiting is bounded in time and the locks in number.
 */
class ParallelLoginTest {

    static final String A = "203.0.113.7";
    static final String B = "198.51.100.20";
    static final String C = "192.0.2.33";

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    static final String WRONG = basic("admin:guess");
    static final String RIGHT = basic("admin:right");
    static final String VIEWER = basic("viewer:known");
    /** Blocks in the realm until {@link #release} opens. */
    static final String SLOW = basic("slow:pw");

    final AtomicInteger realmCalls = new AtomicInteger();
    final AtomicInteger rightCalls = new AtomicInteger();
    final AtomicInteger inRealm = new AtomicInteger();
    final AtomicInteger mostInRealmAtOnce = new AtomicInteger();
    final Semaphore slowEntered = new Semaphore(0);
    final CountDownLatch release = new CountDownLatch(1);
    volatile long realmMillis = 20; // long enough for the parallel requests to really overlap

    /** A realm with a password hash that takes time, counting how often and how parallel it is asked. */
    final Authenticator realm = (user, password) -> {
        realmCalls.incrementAndGet();
        mostInRealmAtOnce.accumulateAndGet(inRealm.incrementAndGet(), Math::max);
        try {
            if (user.equals("slow")) {
                slowEntered.release();
                if (!release.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test never released the slow login");
                }
                return Optional.of(new AuthenticatedUser("slow", Set.of("viewer")));
            }
            Thread.sleep(realmMillis);
            return switch (user + ":" + password) {
                case "admin:right" -> {
                    rightCalls.incrementAndGet();
                    yield Optional.of(new AuthenticatedUser("admin", Set.of("admin")));
                }
                case "viewer:known" -> Optional.of(new AuthenticatedUser("viewer", Set.of("viewer")));
                default -> Optional.empty();
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthenticationUnavailableException("interrupted", e);
        } finally {
            inRealm.decrementAndGet();
        }
    };

    final CachingAuthenticatorTest.ManualClock clock = new CachingAuthenticatorTest.ManualClock();
    final Authenticator cache = new CachingAuthenticator(realm, Duration.ofSeconds(60), 100, clock);
    final List<LoginThrottle.Lockout> lockouts = Collections.synchronizedList(new ArrayList<>());
    final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        release.countDown();
        pool.shutdownNow();
    }

    BasicAuthGate gate(AddressLocks turns) {
        return new BasicAuthGate(cache, new LoginThrottle(LoginThrottle.Settings.DEFAULTS, clock), lockouts::add,
                turns);
    }

    static int status(BasicAuthGate.Decision d) {
        return d instanceof BasicAuthGate.Refused r ? r.status() : 200;
    }

    /** Runs {@code n} copies of the task at once (all threads released together) and returns the statuses. */
    List<Integer> inParallel(int n, Callable<BasicAuthGate.Decision> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<BasicAuthGate.Decision>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<BasicAuthGate.Decision> f : futures) {
            statuses.add(status(f.get(30, TimeUnit.SECONDS)));
        }
        return statuses;
    }

    @Test
    void aParallelBurstOfWrongPasswordsFromAFreshAddressReachesTheRealmExactlyMaxFailuresTimes() throws Exception {
        // Only the public constructor: this test also runs against the throttle without per-address turns.
        BasicAuthGate gate = new BasicAuthGate(cache, new LoginThrottle(LoginThrottle.Settings.DEFAULTS, clock),
                lockouts::add);

        List<Integer> statuses = inParallel(100, () -> gate.check(WRONG, A));

        assertThat(realmCalls.get()).as("guesses that reached the realm").isEqualTo(10);
        assertThat(Collections.frequency(statuses, 401)).isEqualTo(10);
        assertThat(Collections.frequency(statuses, 429)).isEqualTo(90);
        assertThat(lockouts).hasSize(1);
        assertThat(status(gate.check(RIGHT, A))).as("locked").isEqualTo(429);
    }

    @Test
    void afterOneTypoThirtyParallelCorrectLoginsAllSucceedWithOneRealmCall() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = gate(turns);
        assertThat(status(gate.check(WRONG, A))).isEqualTo(401);

        List<Integer> statuses = inParallel(30, () -> gate.check(RIGHT, A));

        assertThat(statuses).containsOnly(200).hasSize(30);
        assertThat(rightCalls.get()).isEqualTo(1);
        assertThat(realmCalls.get()).as("the typo and one login").isEqualTo(2);
        assertThat(turns.size()).isZero();
    }

    @Test
    void thirtyParallelCorrectLoginsFromAFreshAddressAllSucceedWithOneRealmCall() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = gate(turns);

        List<Integer> statuses = inParallel(30, () -> gate.check(RIGHT, A));

        assertThat(statuses).containsOnly(200).hasSize(30);
        assertThat(realmCalls.get()).isEqualTo(1);
        assertThat(turns.size()).isZero();
    }

    @Test
    void parallelLoginsFromManyAddressesReachTheRealmInParallelOnePerAddress() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = gate(turns);
        AtomicInteger next = new AtomicInteger();

        // 8 addresses x 5 requests, each with its own wrong password
        List<Integer> statuses = inParallel(40, () -> {
            int i = next.getAndIncrement();
            return gate.check(basic("admin:guess" + i), "10.0.0." + (i % 8));
        });

        assertThat(statuses).containsOnly(401).hasSize(40);
        assertThat(mostInRealmAtOnce.get()).as("never two logins of one address at once, so at most 8")
                .isBetween(2, 8);
        assertThat(turns.size()).isZero();
    }

    @Test
    void aSlowLoginFromOneAddressDelaysNeitherAnotherAddressNorARememberedLogin() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = gate(turns);
        assertThat(gate.check(RIGHT, C)).isInstanceOf(BasicAuthGate.Allowed.class); // now remembered
        Future<BasicAuthGate.Decision> slow = pool.submit(() -> gate.check(SLOW, A));
        assertThat(slowEntered.tryAcquire(5, TimeUnit.SECONDS)).isTrue();

        assertThat(pool.submit(() -> gate.check(VIEWER, B)).get(5, TimeUnit.SECONDS))
                .as("another address").isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(pool.submit(() -> gate.check(RIGHT, A)).get(5, TimeUnit.SECONDS))
                .as("a remembered login from the busy address").isInstanceOf(BasicAuthGate.Allowed.class);
        int before = realmCalls.get();
        Future<BasicAuthGate.Decision> queued = pool.submit(() -> gate.check(WRONG, A)); // VIEWER is remembered now
        Thread.sleep(200);
        assertThat(queued).as("an uncached login from the busy address waits its turn").isNotDone();
        assertThat(realmCalls.get()).isEqualTo(before);
        assertThat(turns.size()).isEqualTo(1);

        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(status(queued.get(5, TimeUnit.SECONDS))).isEqualTo(401);
        assertThat(turns.size()).isZero();
    }

    @Test
    void aLoginThatDoesNotGetItsTurnInTimeIsAnsweredServiceUnavailableWithRetryAfter() throws Exception {
        AddressLocks turns = new AddressLocks(Duration.ofMillis(200), 100);
        BasicAuthGate gate = gate(turns);
        Future<BasicAuthGate.Decision> slow = pool.submit(() -> gate.check(SLOW, A));
        assertThat(slowEntered.tryAcquire(5, TimeUnit.SECONDS)).isTrue();

        BasicAuthGate.Decision waited = gate.check(VIEWER, A);

        assertThat(waited).isEqualTo(new BasicAuthGate.Refused(503,
                "too many logins in progress from your address; retry", 1));
        assertThat(realmCalls.get()).as("only the slow login asked the realm").isEqualTo(1);
        assertThat(turns.size()).as("the timed-out waiter left").isEqualTo(1);
        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(gate.check(VIEWER, A)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(lockouts).isEmpty();
    }

    @Test
    void theLocksAreBoundedAndDroppedWhenTheirLastLoginEnds() throws Exception {
        AddressLocks turns = new AddressLocks(Duration.ofSeconds(10), 2);
        BasicAuthGate gate = gate(turns);
        Future<BasicAuthGate.Decision> slowA = pool.submit(() -> gate.check(SLOW, A));
        Future<BasicAuthGate.Decision> slowB = pool.submit(() -> gate.check(SLOW, B));
        assertThat(slowEntered.tryAcquire(2, 5, TimeUnit.SECONDS)).isTrue();
        assertThat(turns.size()).isEqualTo(2);

        assertThat(gate.check(VIEWER, C)).isEqualTo(new BasicAuthGate.Refused(503,
                "too many logins in progress; retry", 1));

        release.countDown();
        assertThat(slowA.get(5, TimeUnit.SECONDS)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(slowB.get(5, TimeUnit.SECONDS)).isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(turns.size()).isZero();
        realmMillis = 0;
        for (int i = 0; i < 1000; i++) {
            assertThat(status(gate.check(basic("viewer:known"), "10.1." + (i / 256) + "." + (i % 256))))
                    .isEqualTo(200);
        }
        assertThat(turns.size()).as("no lock left behind by 1000 addresses").isZero();
    }

    @Test
    void withThrottlingOffLoginsAreNotQueued() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = new BasicAuthGate(cache, new LoginThrottle(new LoginThrottle.Settings(0, 0, 0), clock),
                lockouts::add, turns);
        Future<BasicAuthGate.Decision> slow = pool.submit(() -> gate.check(SLOW, A));
        assertThat(slowEntered.tryAcquire(5, TimeUnit.SECONDS)).isTrue();

        assertThat(pool.submit(() -> gate.check(VIEWER, A)).get(5, TimeUnit.SECONDS))
                .isInstanceOf(BasicAuthGate.Allowed.class);
        assertThat(turns.size()).isZero();
        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isInstanceOf(BasicAuthGate.Allowed.class);
    }

    @Test
    void aLockedAddressIsRefusedEvenForARememberedLoginAndWithoutWaiting() throws Exception {
        AddressLocks turns = new AddressLocks();
        BasicAuthGate gate = gate(turns);
        assertThat(gate.check(RIGHT, A)).isInstanceOf(BasicAuthGate.Allowed.class);
        for (int i = 0; i < 10; i++) {
            assertThat(status(gate.check(WRONG, A))).isEqualTo(401);
        }
        int before = realmCalls.get();
        assertThat(status(gate.check(RIGHT, A))).isEqualTo(429);
        assertThat(realmCalls.get()).isEqualTo(before);
    }

    @Test
    void badLockSettingsAreRefused() {
        assertThatThrownBy(() -> new AddressLocks(Duration.ZERO, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wait");
        assertThatThrownBy(() -> new AddressLocks(Duration.ofMinutes(2), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait");
        assertThatThrownBy(() -> new AddressLocks(Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAddresses");
    }
}
