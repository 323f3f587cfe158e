package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.isolation.IsolationException;
import org.streamail.testsupport.MutableClock;

class IsolationServiceTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Supplier<Collection<InetAddress>> GATEWAY = () -> List.of(ip("192.168.1.1"), ip("fd00::1"));

    private final MemoryIsolationStore store = new MemoryIsolationStore();
    private final MutableClock clock = new MutableClock(T0);
    private final RecordingEnforcer log = new RecordingEnforcer("log");

    private IsolationServiceImpl service(Map<String, Object> props, Enforcer... enforcers) {
        Map<String, Object> p = new HashMap<>(Map.of("protected", "10.9.0.0/16, 192.168.7.7",
                "management", "10.0.3.2,10.0.4.0/24"));
        p.putAll(props);
        return new IsolationServiceImpl(TestConfigs.isolation(p), store, List.of(enforcers), clock, GATEWAY, false);
    }

    private IsolationServiceImpl service() {
        return service(Map.of(), log);
    }

    private static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    private List<String> actions() {
        return store.audits().stream().map(IsolationAudit::action).toList();
    }

    @Test
    void isolateShouldEnforceStoreAndReturnTheCanonicalAddress() {
        Isolation i = service().isolate("2001:DB8:0:0:0:0:0:1", "AA-BB-CC-DD-EE-0F", "clicked\r\nfake log line",
                Duration.ofHours(1), "alice");

        assertThat(i.ip()).isEqualTo("2001:db8::1");
        assertThat(i.mac()).isEqualTo("aa:bb:cc:dd:ee:0f");
        assertThat(i.reason()).isEqualTo("clicked  fake log line");
        assertThat(i.since()).isEqualTo(T0);
        assertThat(i.until()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(i.offences()).isEqualTo(1);
        assertThat(store.list()).containsExactly(i);
        assertThat(log.last().action()).isEqualTo("isolate");
        assertThat(log.last().target()).isEqualTo(i);
        assertThat(log.enforced()).containsExactly("2001:db8::1");
        assertThat(log.last().allowList()).containsExactly("10.0.3.2", "10.0.4.0/24");
    }

    @Test
    void aChangeMadeByAnotherGatewayOnTheSameStoreShouldReachThisNodesEnforcersAtTheNextCheck() {
        RecordingEnforcer logA = new RecordingEnforcer("log");
        RecordingEnforcer logB = new RecordingEnforcer("log");
        IsolationServiceImpl a = service(Map.of(), logA);
        IsolationServiceImpl b = service(Map.of(), logB);
        a.check();
        b.check();
        int quiet = logB.changes.size();
        b.check();
        assertThat(logB.changes).as("nothing changed: no sync").hasSize(quiet);

        a.isolate("10.0.0.5", null, "clicked", Duration.ofHours(1), "linkguard");
        a.check();
        assertThat(logA.changes.get(logA.changes.size() - 1).action()).as("A's own change is not synced again")
                .isEqualTo("isolate");
        b.check();
        assertThat(logB.last().action()).isEqualTo("adopt");
        assertThat(logB.enforced()).containsExactly("10.0.0.5");
        int afterSync = logB.changes.size();
        b.check();
        assertThat(logB.changes).as("synced once").hasSize(afterSync);

        a.isolate("10.0.0.5", null, "clicked again", Duration.ofHours(5), "linkguard"); // an extension
        b.check();
        assertThat(logB.changes).hasSize(afterSync + 1);
        assertThat(logB.last().isolated().get(0).until()).isEqualTo(store.list().get(0).until());

        a.release("10.0.0.5", "alice");
        b.check();
        assertThat(logB.enforced()).isEmpty();
    }

    @Test
    void aChangeThatHoldsShouldNotBeReportedAsFailedWhenOnlyItsAuditRowCannotBeWritten() {
        IsolationServiceImpl s = service();
        store.failAudits = 1;
        Isolation i = s.isolate("10.0.0.5", null, "clicked", Duration.ofHours(1), "linkguard");
        assertThat(store.list()).containsExactly(i);
        assertThat(log.enforced()).containsExactly("10.0.0.5");
        store.failAudits = 1;
        assertThat(s.release("10.0.0.5", "alice")).isTrue();
        assertThat(store.list()).isEmpty();
        assertThat(log.enforced()).isEmpty();
    }

    @Test
    void badAddressesShouldBeRefusedWithoutDnsAndAudited() {
        IsolationServiceImpl s = service();
        List<String> bad = java.util.Arrays.asList("example.com", "localhost", "10.0.0.256", "010.0.0.1", "10.0.0.1/24",
                "fe80::1%eth0", "10.0.0.1; drop", "10.0.0.1 }", "", "   ", null, "224.0.0.1", "255.255.255.255",
                "::ffff:224.0.0.1", "1.2.3", "1:2:3:4:5:6:7:8:9", "x".repeat(300));
        for (String b : bad) {
            assertThatThrownBy(() -> s.isolate(b, null, "r", null, "alice"))
                    .as("%s", b).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> s.isolate("10.0.0.5", "not-a-mac", "r", null, "alice"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAC");
        assertThatThrownBy(() -> s.isolate("10.0.0.5", null, "r", Duration.ZERO, "alice"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> s.release("host.example", "alice")).isInstanceOf(IllegalArgumentException.class);

        assertThat(store.list()).isEmpty();
        assertThat(log.changes).isEmpty();
        assertThat(actions()).hasSize(bad.size() + 2).containsOnly("refuse"); // and the MAC and the ttl
        assertThat(store.audits().get(0).ip()).isEqualTo("example.com");
        assertThat(store.audits().get(0).reason()).contains("not an IP address literal");
    }

    @Test
    void aBadMacShouldBeAuditedAsARefusalLikeABadAddress() {
        IsolationServiceImpl s = service();
        assertThatThrownBy(() -> s.isolate("10.0.0.5", "aa:bb:cc:dd:ee", "clicked", null, "linkguard"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAC");
        assertThat(store.list()).isEmpty();
        assertThat(store.audits()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("refuse");
            assertThat(a.ip()).isEqualTo("10.0.0.5");
            assertThat(a.reason()).contains("MAC");
        });
    }

    /** A group (multicast, broadcast) or all-zero MAC names no host: refused and audited, never stored. */
    @Test
    void aMacThatNamesNoHostShouldBeRefusedAndNeverStored() {
        IsolationServiceImpl s = service();
        for (String mac : List.of("01:00:5e:00:00:fb", "FF-FF-FF-FF-FF-FF", "33:33:00:00:00:01", "00:00:00:00:00:00")) {
            assertThatThrownBy(() -> s.isolate("10.0.0.5", mac, "clicked", null, "admin"))
                    .as(mac).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not one host's MAC");
        }
        assertThat(store.list()).isEmpty();
        assertThat(log.changes).isEmpty();
        assertThat(actions()).hasSize(4).containsOnly("refuse");
        assertThat(s.isolate("10.0.0.5", "02:00:5e:00:00:fb", "clicked", null, "admin").mac())
                .as("a locally administered unicast MAC is one host's").isEqualTo("02:00:5e:00:00:fb");
    }

    @Test
    void expiredIsolationsNotYetReleasedShouldNotCountAgainstTheBound() {
        for (int n = 0; n < IsolationServiceImpl.MAX_ISOLATED; n++) {
            store.put(new Isolation("10.1." + (n / 256) + "." + (n % 256), "", "old", "linkguard", T0,
                    T0.plus(Duration.ofMinutes(10)), 1));
        }
        IsolationServiceImpl s = service();
        assertThatThrownBy(() -> s.isolate("10.2.0.1", null, "clicked", null, "linkguard"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("4096");
        clock.advance(Duration.ofMinutes(10)); // all over; the expiry thread has not run yet
        assertThat(s.list()).isEmpty();
        assertThat(s.isolate("10.2.0.1", null, "clicked", null, "linkguard").ip()).isEqualTo("10.2.0.1");
    }

    @Test
    void allowListedHostsShouldBeRefusedWithASecurityExceptionAndAudited() {
        IsolationServiceImpl s = service();
        for (String p : List.of("127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "192.168.1.1", "fd00:0::1",
                "10.9.200.3", "192.168.7.7", "10.0.3.2", "10.0.4.77", "::ffff:127.0.0.1")) {
            assertThatThrownBy(() -> s.isolate(p, null, "clicked", null, "linkguard"))
                    .as(p).isInstanceOf(SecurityException.class).hasMessageContaining("allow-list");
            assertThat(s.isProtected(p)).as(p).isTrue();
        }
        assertThat(s.isProtected("10.10.0.1")).isFalse();
        assertThat(s.isProtected("10.0.3.3")).isFalse();
        assertThat(store.list()).isEmpty();
        assertThat(log.changes).isEmpty();
        assertThat(store.audits()).hasSize(12).allSatisfy(a -> {
            assertThat(a.action()).isEqualTo("refuse");
            assertThat(a.actor()).isEqualTo("linkguard");
            assertThat(a.reason()).startsWith("clicked; ").contains("allow-list");
        });
        assertThat(store.audits().get(5).ip()).isEqualTo("192.168.1.1");
    }

    @Test
    void isolatingTwiceShouldKeepOneEntryAndExtendItsEnd() {
        IsolationServiceImpl s = service();
        s.isolate("10.0.1.2", "aa:bb:cc:dd:ee:ff", "first click", Duration.ofHours(1), "linkguard");
        clock.advance(Duration.ofMinutes(30));
        Isolation second = s.isolate("10.0.1.2", null, "second click", Duration.ofHours(1), "linkguard");

        assertThat(store.list()).hasSize(1).containsExactly(second);
        assertThat(second.since()).isEqualTo(T0);
        assertThat(second.until()).isEqualTo(T0.plus(Duration.ofMinutes(90)));
        assertThat(second.mac()).isEqualTo("aa:bb:cc:dd:ee:ff");
        assertThat(second.offences()).isEqualTo(1);
        assertThat(log.enforced()).containsExactly("10.0.1.2");
        assertThat(actions()).containsExactly("isolate", "extend");
        assertThat(store.offences("10.0.1.2")).isEqualTo(1);

        // a shorter ttl never shortens a running isolation
        Isolation third = s.isolate("10.0.1.2", null, "again", Duration.ofMinutes(1), "alice");
        assertThat(third.until()).isEqualTo(second.until());
    }

    @Test
    void anIsolationShouldExpireWhenItsTtlHasPassed() {
        IsolationServiceImpl s = service();
        s.isolate("10.0.1.2", null, "clicked", Duration.ofMinutes(10), "linkguard");
        s.isolate("10.0.1.3", null, "clicked", Duration.ofHours(1), "linkguard");

        clock.advance(Duration.ofMinutes(9));
        assertThat(s.expireDue()).isZero();
        assertThat(s.list()).extracting(Isolation::ip).containsExactly("10.0.1.2", "10.0.1.3");

        clock.advance(Duration.ofMinutes(1));
        assertThat(s.list()).extracting(Isolation::ip).containsExactly("10.0.1.3"); // over, even before the check
        assertThat(s.expireDue()).isEqualTo(1);
        assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.3");
        assertThat(log.last().action()).isEqualTo("expire");
        assertThat(log.last().target().ip()).isEqualTo("10.0.1.2");
        assertThat(log.enforced()).containsExactly("10.0.1.3");
        IsolationAudit expire = store.audits().get(store.audits().size() - 1);
        assertThat(expire.action()).isEqualTo("expire");
        assertThat(expire.actor()).isEqualTo("expiry");
        assertThat(expire.rulesBefore()).isEqualTo("10.0.1.2,10.0.1.3");
        assertThat(expire.rulesAfter()).isEqualTo("10.0.1.3");
    }

    @Test
    void aRestartShouldReleaseWhatExpiredMeanwhileAndReassertTheRest() {
        service().isolate("10.0.1.2", null, "short", Duration.ofMinutes(10), "linkguard");
        service().isolate("10.0.1.3", null, "long", Duration.ofHours(2), "linkguard");

        clock.advance(Duration.ofHours(1)); // the gateway was down for an hour
        RecordingEnforcer afterReboot = new RecordingEnforcer("log");
        IsolationServiceImpl restarted = service(Map.of(), afterReboot);
        restarted.startUp();

        assertThat(afterReboot.actions()).containsExactly("expire", "sync");
        assertThat(afterReboot.changes.get(0).target().ip()).isEqualTo("10.0.1.2");
        assertThat(afterReboot.enforced()).containsExactly("10.0.1.3");
        assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.3");
        assertThat(actions()).containsExactly("isolate", "isolate", "expire");
    }

    @Test
    void aHostPutOnTheAllowListAfterItWasIsolatedShouldBeReleasedAtStartUp() {
        // isolated before the admin added it to management / protected (a configuration change restarts us)
        store.put(new Isolation("10.0.3.2", "", "clicked", "linkguard", T0, T0.plus(Duration.ofDays(7)), 1));
        store.put(new Isolation("10.9.1.1", "", "clicked", "linkguard", T0, T0.plus(Duration.ofDays(7)), 1));
        store.put(new Isolation("10.0.1.3", "", "clicked", "linkguard", T0, T0.plus(Duration.ofDays(7)), 1));
        IsolationServiceImpl s = service();
        s.startUp();

        assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.3");
        assertThat(log.enforced()).containsExactly("10.0.1.3");
        assertThat(store.audits()).extracting(IsolationAudit::actor, IsolationAudit::action, IsolationAudit::ip)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("config", "release", "10.0.3.2"),
                        org.assertj.core.groups.Tuple.tuple("config", "release", "10.9.1.1"));
        assertThat(s.list()).extracting(Isolation::ip).containsExactly("10.0.1.3");
    }

    @Test
    void theExpiryThreadShouldSyncAtStartAndReleaseOnSchedule() throws InterruptedException {
        store.put(new Isolation("10.0.1.4", "", "before restart", "alice", T0, T0.plus(Duration.ofMinutes(5)), 1));
        IsolationServiceImpl s = new IsolationServiceImpl(TestConfigs.isolation(Map.of("expiry.check.seconds", 1)),
                store, List.of(log), clock, GATEWAY, true);
        try {
            waitFor(() -> log.actions().contains("sync"));
            assertThat(log.enforced()).containsExactly("10.0.1.4");
            clock.advance(Duration.ofMinutes(5));
            waitFor(() -> store.list().isEmpty());
            assertThat(log.last().action()).isEqualTo("expire");
            assertThat(log.enforced()).isEmpty();
        } finally {
            s.deactivate();
        }
    }

    @Test
    void aStartUpSyncThatFailedBecauseTheStoreWasDownShouldBeRetried() throws InterruptedException {
        store.put(new Isolation("10.0.1.4", "", "before restart", "alice", T0, T0.plus(Duration.ofHours(1)), 1));
        store.failLists = 2; // the database is still coming up after a reboot
        IsolationServiceImpl s = new IsolationServiceImpl(TestConfigs.isolation(Map.of("expiry.check.seconds", 1)),
                store, List.of(log), clock, GATEWAY, true);
        try {
            waitFor(() -> log.actions().contains("sync")); // the firewall learns the stored set after all
            assertThat(log.enforced()).containsExactly("10.0.1.4");
        } finally {
            s.deactivate();
        }
    }

    @Test
    void anEnforcerWhoseSyncOrRollbackFailedShouldBeSyncedAgainAtTheNextCheck() throws InterruptedException {
        RecordingEnforcer first = new RecordingEnforcer("first");
        RecordingEnforcer second = new RecordingEnforcer("second");
        store.put(new Isolation("10.0.1.4", "", "before restart", "alice", T0, T0.plus(Duration.ofHours(1)), 1));
        first.failSyncs = 1; // nft failed right after boot
        IsolationServiceImpl s = new IsolationServiceImpl(TestConfigs.isolation(Map.of("expiry.check.seconds", 1,
                "enforcers", "first,second")), store, List.of(first, second), clock, GATEWAY, true);
        try {
            waitFor(() -> first.actions().equals(List.of("sync", "sync")));
            assertThat(first.enforced()).containsExactly("10.0.1.4");

            // a change fails on second, and the rollback fails on first: first still holds the new set
            second.failChanges = true;
            first.failSyncs = 1;
            assertThatThrownBy(() -> s.isolate("10.0.1.5", null, "clicked", null, "linkguard"))
                    .isInstanceOf(IsolationException.class);
            assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.4");
            assertThat(first.actions()).endsWith("isolate", "sync"); // that sync (the rollback) failed
            int failedRollback = first.actions().size();
            waitFor(() -> first.actions().size() > failedRollback);
            assertThat(first.last().action()).isEqualTo("sync");
            assertThat(first.enforced()).containsExactly("10.0.1.4");
        } finally {
            s.deactivate();
        }
    }

    @Test
    void anEnforcerWhoseRollbackFailedShouldBeSyncedEvenIfALaterChangeWorked() {
        // an enforcer may apply a change as a step (the webhook posts one host): only a sync settles the rest
        RecordingEnforcer first = new RecordingEnforcer("first");
        RecordingEnforcer second = new RecordingEnforcer("second");
        IsolationServiceImpl s = service(Map.of("enforcers", "first,second"), first, second);
        s.startUp();
        second.failChanges = true;
        first.failSyncs = 1;
        assertThatThrownBy(() -> s.isolate("10.0.1.5", null, "clicked", null, "linkguard"))
                .isInstanceOf(IsolationException.class);
        second.failChanges = false;
        s.isolate("10.0.1.6", null, "clicked", null, "linkguard");
        int seen = first.changes.size();

        s.check();
        assertThat(first.changes).hasSize(seen + 1);
        assertThat(first.last().action()).isEqualTo("sync");
        assertThat(first.enforced()).containsExactly("10.0.1.6");
        s.check(); // synced now: nothing more
        assertThat(first.changes).hasSize(seen + 1);
    }

    @Test
    void repeatedOffendersShouldBeIsolatedLongerUpToTheMaximum() {
        IsolationServiceImpl s = service(Map.of("default.ttl", "PT4H", "max.ttl", "P1D", "repeat.multiplier", 2.0), log);
        List<Duration> lengths = new java.util.ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            Isolation i = s.isolate("10.0.1.2", null, "click " + n, null, "linkguard");
            assertThat(i.offences()).isEqualTo(n);
            lengths.add(Duration.between(i.since(), i.until()));
            s.release("10.0.1.2", "alice");
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(lengths).containsExactly(Duration.ofHours(4), Duration.ofHours(8), Duration.ofHours(16),
                Duration.ofHours(24), Duration.ofHours(24));
        // an explicit ttl escalates the same way, and a huge one is capped
        assertThat(s.effectiveTtl(Duration.ofMinutes(10), 3)).isEqualTo(Duration.ofMinutes(40));
        assertThat(s.effectiveTtl(Duration.ofDays(30), 1)).isEqualTo(Duration.ofDays(1));
        assertThat(s.effectiveTtl(Duration.ofHours(1), 5000)).isEqualTo(Duration.ofDays(1));
        assertThat(s.effectiveTtl(Duration.parse("PT9999999999999H"), 1)).isEqualTo(Duration.ofDays(1)); // no overflow
    }

    @Test
    void aFailingEnforcerShouldRollBackEveryEnforcerAndLeaveTheStoreUnchanged() {
        RecordingEnforcer first = new RecordingEnforcer("first");
        RecordingEnforcer second = new RecordingEnforcer("second");
        IsolationServiceImpl s = service(Map.of("enforcers", "first,second"), first, second);
        s.isolate("10.0.1.2", null, "clicked", null, "linkguard");

        second.failChanges = true;
        assertThatThrownBy(() -> s.isolate("10.0.1.3", null, "clicked", null, "linkguard"))
                .isInstanceOf(IsolationException.class).hasMessageContaining("second")
                .hasMessageContaining("rolled back").hasCauseInstanceOf(IllegalStateException.class);

        assertThat(first.actions()).containsExactly("isolate", "isolate", "sync");
        assertThat(first.changes.get(1).isolated()).extracting(Isolation::ip).containsExactly("10.0.1.2", "10.0.1.3");
        assertThat(first.enforced()).containsExactly("10.0.1.2"); // the old set, re-applied
        assertThat(second.enforced()).containsExactly("10.0.1.2");
        assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.2");
        IsolationAudit rollback = store.audits().get(store.audits().size() - 1);
        assertThat(rollback.action()).isEqualTo("rollback");
        assertThat(rollback.ip()).isEqualTo("10.0.1.3");
        assertThat(rollback.reason()).contains("second refused isolate");
        assertThat(rollback.rulesBefore()).isEqualTo("10.0.1.2");
        assertThat(rollback.rulesAfter()).isEqualTo("10.0.1.2");
        assertThat(store.offences("10.0.1.3")).isZero();

        // a failed release keeps the host isolated everywhere
        assertThatThrownBy(() -> s.release("10.0.1.2", "alice")).isInstanceOf(IsolationException.class);
        assertThat(store.list()).extracting(Isolation::ip).containsExactly("10.0.1.2");
        assertThat(first.enforced()).containsExactly("10.0.1.2");

        // and a failed expiry is retried at the next check, not dropped
        clock.advance(Duration.ofDays(1));
        assertThat(s.expireDue()).isZero();
        assertThat(store.list()).hasSize(1);
        second.failChanges = false;
        assertThat(s.expireDue()).isEqualTo(1);
        assertThat(first.enforced()).isEmpty();
    }

    @Test
    void aConfiguredEnforcerThatIsNotRunningShouldFailTheChangeInsteadOfPretending() {
        IsolationServiceImpl s = service(Map.of("enforcers", "log,nftables"), log);
        assertThatThrownBy(() -> s.isolate("10.0.1.2", null, "clicked", null, "linkguard"))
                .isInstanceOf(IsolationException.class).hasMessageContaining("[nftables]")
                .hasMessageContaining("not available");
        assertThat(store.list()).isEmpty();
        assertThat(log.changes).isEmpty();
        assertThat(store.audits()).singleElement().satisfies(a -> {
            assertThat(a.action()).isEqualTo("rollback");
            assertThat(a.reason()).contains("nftables");
        });

        // once it arrives, the same call works
        RecordingEnforcer nft = new RecordingEnforcer("nftables");
        s.bindEnforcer(nft);
        s.isolate("10.0.1.2", null, "clicked", null, "linkguard");
        assertThat(nft.enforced()).containsExactly("10.0.1.2");
        assertThat(log.enforced()).containsExactly("10.0.1.2");
        s.unbindEnforcer(nft);
        assertThatThrownBy(() -> s.release("10.0.1.2", "alice")).isInstanceOf(IsolationException.class);
    }

    @Test
    void theAuditShouldSayWhoWhenWhyAndTheRulesBeforeAndAfter() {
        IsolationServiceImpl s = service();
        s.isolate("10.0.1.2", null, "clicked http://bad.example", null, "linkguard");
        clock.advance(Duration.ofMinutes(1));
        s.isolate("10.0.1.3", null, "manual", Duration.ofHours(1), "alice");
        clock.advance(Duration.ofMinutes(1));
        assertThat(s.release("10.0.1.2", "bob")).isTrue();
        assertThat(s.release("10.0.1.2", "bob")).isFalse();
        assertThat(s.release("10.0.1.99", null)).isFalse();

        assertThat(store.audits()).extracting(IsolationAudit::at, IsolationAudit::actor, IsolationAudit::action,
                IsolationAudit::ip, IsolationAudit::rulesBefore, IsolationAudit::rulesAfter).containsExactly(
                org.assertj.core.groups.Tuple.tuple(T0, "linkguard", "isolate", "10.0.1.2", "", "10.0.1.2"),
                org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(60), "alice", "isolate", "10.0.1.3", "10.0.1.2",
                        "10.0.1.2,10.0.1.3"),
                org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(120), "bob", "release", "10.0.1.2",
                        "10.0.1.2,10.0.1.3", "10.0.1.3"));
        assertThat(store.audits().get(0).reason()).isEqualTo("clicked http://bad.example");
        assertThat(s.list()).extracting(Isolation::ip).containsExactly("10.0.1.3");
        assertThat(log.last().action()).isEqualTo("release");
    }

    @Test
    void oneIpv6Slash64ShouldNotFillTheIsolationList() {
        IsolationServiceImpl s = service();
        for (int i = 1; i <= IsolationServiceImpl.MAX_PER_IPV6_64; i++) {
            s.isolate("2001:db8:1:2::" + Integer.toHexString(i), null, "clicked", null, "linkguard");
        }
        // the next fresh address of that /64 is refused, saying why
        assertThatThrownBy(() -> s.isolate("2001:db8:1:2:aaaa::1", null, "clicked", null, "linkguard"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("/64")
                .hasMessageContaining("2001:db8:1:2:aaaa::1");
        // one already isolated is still extended, another /64 and IPv4 hosts are still isolated
        s.isolate("2001:db8:1:2::1", null, "clicked again", null, "linkguard");
        s.isolate("2001:db8:1:3::1", null, "clicked", null, "linkguard");
        s.isolate("10.0.1.9", null, "clicked", null, "linkguard");
        assertThat(store.list()).hasSize(IsolationServiceImpl.MAX_PER_IPV6_64 + 2);
        // an isolation that expired no longer counts against the /64
        clock.advance(Duration.ofDays(8));
        s.isolate("2001:db8:1:2:aaaa::1", null, "clicked", null, "linkguard");
    }

    @Test
    void badConfigurationShouldBeRefusedWithAClearMessage() {
        assertThatThrownBy(() -> service(Map.of("default.ttl", "4 hours"), log))
                .hasMessageContaining("default.ttl");
        assertThatThrownBy(() -> service(Map.of("default.ttl", "P8D"), log)).hasMessageContaining("max.ttl");
        assertThatThrownBy(() -> service(Map.of("protected", "10.0.0.0/33"), log)).hasMessageContaining("protected");
        assertThatThrownBy(() -> service(Map.of("management", "mgmt.example"), log)).hasMessageContaining("management");
        assertThatThrownBy(() -> service(Map.of("enforcers", " "), log)).hasMessageContaining("enforcers");
        assertThatThrownBy(() -> service(Map.of("repeat.multiplier", 0.5), log)).hasMessageContaining("repeat.multiplier");
        assertThatThrownBy(() -> service(Map.of("expiry.check.seconds", 0), log)).hasMessageContaining("expiry");
    }

    private static void waitFor(Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(end);
            Thread.sleep(20);
        }
    }
}
