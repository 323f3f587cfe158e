package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;

/** The alarm without sockets: rate limit, bounded table, bounded queue, closing. */
class IntrusionAlarmTest {

    static final String LISTENER = "inbound listener (port 2525)";

    final RecordingAlerts alerts = RecordingAlerts.recording();
    /** A clock of nanoseconds that only moves when told. */
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    IntrusionAlarm alarm(long intervalSeconds, int maxTracked, int queueCapacity) {
        return new IntrusionAlarm(() -> alerts, intervalSeconds, maxTracked, queueCapacity, now::get);
    }

    @Test
    void aNegativeIntervalIsAnErrorNamingTheProperty() {
        assertThatThrownBy(() -> new IntrusionAlarm(() -> alerts, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intrusion.alert.interval.seconds")
                .hasMessageContaining("-1");
    }

    @Test
    void repeatsOfOneKindFromOneAddressAreAlertedOncePerIntervalAndCountedInTheNextAlert() {
        IntrusionAlarm alarm = alarm(300, 100, 100);
        alarm.tooManyErrors(LISTENER, "192.0.2.7", 10);
        now.addAndGet(TimeUnit.SECONDS.toNanos(299));
        alarm.tooManyErrors(LISTENER, "192.0.2.7", 10);
        alarm.tooManyErrors(LISTENER, "192.0.2.7", 10);
        alarm.connectionFlood(LISTENER, "192.0.2.7", 50);
        alarm.tooManyErrors(LISTENER, "192.0.2.8", 10);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        alarm.tooManyErrors(LISTENER, "192.0.2.7", 10);
        alarm.close();

        assertThat(alerts.raised).extracting(AlertRequest::kind, AlertRequest::subject).containsExactly(
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "192.0.2.7"),
                org.assertj.core.groups.Tuple.tuple("smtp-connection-flood", "192.0.2.7"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "192.0.2.8"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "192.0.2.7"));
        assertThat(alerts.raised.get(0).detail()).doesNotContain("more such event");
        assertThat(alerts.raised.get(3).detail()).contains("2 more such event(s) from this address");
    }

    @Test
    void eachKindHasItsSeverityAndAOneLineTitleNamingTheListenerAndTheAddress() {
        IntrusionAlarm alarm = alarm(300, 100, 100);
        alarm.notInternal("outbound listener (port 2587)", "203.0.113.9", "10.0.0.0/8");
        alarm.tooManyErrors(LISTENER, "203.0.113.9", 10);
        alarm.connectionFlood(LISTENER, "203.0.113.9", 50);
        alarm.notInternal("outbound listener (port 2587)", null, "10.0.0.0/8");
        alarm.close();

        assertThat(alerts.raised).extracting(AlertRequest::kind, AlertRequest::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("smtp-not-internal", Severity.MEDIUM),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", Severity.MEDIUM),
                org.assertj.core.groups.Tuple.tuple("smtp-connection-flood", Severity.LOW),
                org.assertj.core.groups.Tuple.tuple("smtp-not-internal", Severity.MEDIUM));
        assertThat(alerts.raised.get(0).title())
                .isEqualTo("SMTP outbound listener (port 2587): connection from non-internal host 203.0.113.9 refused");
        assertThat(alerts.raised.get(1).title()).contains(LISTENER).contains("203.0.113.9");
        assertThat(alerts.raised.get(2).detail()).contains("50 SMTP sessions").contains("421 4.7.0")
                .contains("max.connections.per.ip");
        assertThat(alerts.raised).allSatisfy(a -> {
            assertThat(a.title()).doesNotContain("\n").doesNotContain("\r");
            assertThat(a.messageId()).isEmpty();
            assertThat(a.recipient()).as("admins only").isEmpty();
        });
        assertThat(alerts.raised.get(3).subject()).isEqualTo("unknown");
    }

    @Test
    void theTableOfRecentAlertsStaysBoundedAndForgetsTheOldestFirst() {
        IntrusionAlarm alarm = alarm(300, 3, 100);
        for (int i = 1; i <= 4; i++) {
            alarm.connectionFlood(LISTENER, "198.51.100." + i, 50);
        }
        assertThat(alarm.tracked()).isEqualTo(3);
        alarm.connectionFlood(LISTENER, "198.51.100.4", 50); // still remembered: suppressed
        alarm.connectionFlood(LISTENER, "198.51.100.1", 50); // forgotten: alerted again
        alarm.close();
        assertThat(alerts.raised).extracting(AlertRequest::subject)
                .containsExactly("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.1");
    }

    @Test
    void theDefaultTableHoldsAtMostTenThousandAddresses() {
        IntrusionAlarm alarm = new IntrusionAlarm(() -> alerts, 300, 0); // no global cap: every address alerts
        try {
            for (int i = 0; i < IntrusionAlarm.MAX_TRACKED + 500; i++) {
                alarm.connectionFlood(LISTENER, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 50);
            }
            assertThat(alarm.tracked()).isEqualTo(IntrusionAlarm.MAX_TRACKED);
        } finally {
            alarm.close();
        }
        assertThat(alerts.raised.size() + alarm.dropped()).isEqualTo(IntrusionAlarm.MAX_TRACKED + 500);
    }

    @Test
    void aSlowAlertServiceNeverBlocksTheReporterAndAFullQueueDropsAndCounts() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        RecordingAlerts slow = RecordingAlerts.blockingUntil(release);
        IntrusionAlarm alarm = new IntrusionAlarm(() -> slow, 300, 100, 2, now::get);
        long started = System.nanoTime();
        for (int i = 1; i <= 5; i++) {
            alarm.tooManyErrors(LISTENER, "192.0.2." + i, 10); // 1 runs (and blocks), 2 and 3 wait, 4 and 5 drop
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2000);
        assertThat(alarm.dropped()).isEqualTo(2);
        release.countDown();
        alarm.close();
        assertThat(slow.raised).extracting(AlertRequest::subject)
                .containsExactly("192.0.2.1", "192.0.2.2", "192.0.2.3");
    }

    @Test
    void intervalZeroOrNoAlertServiceRaisesNothingAndRemembersNothing() {
        IntrusionAlarm off = alarm(0, 100, 100);
        off.notInternal(LISTENER, "192.0.2.1", "10.0.0.0/8");
        assertThat(off.tracked()).isZero();
        off.close();

        IntrusionAlarm noService = new IntrusionAlarm(() -> null, 300, 100, 100, now::get);
        noService.notInternal(LISTENER, "192.0.2.1", "10.0.0.0/8");
        assertThat(noService.tracked()).isZero();
        noService.close();
        assertThat(alerts.calls).hasValue(0);
    }

    @Test
    void aThrowingAlertServiceIsCaughtAndLaterAlertsStillGoOut() {
        RecordingAlerts failing = RecordingAlerts.failing();
        IntrusionAlarm alarm = new IntrusionAlarm(() -> failing, 300, 100, 100, now::get);
        alarm.tooManyErrors(LISTENER, "192.0.2.1", 10);
        alarm.tooManyErrors(LISTENER, "192.0.2.2", 10);
        alarm.close();
        assertThat(failing.calls).as("the worker survived the first failure").hasValue(2);
    }

    /** A capped alarm on the hand-moved clock. */
    IntrusionAlarm capped(int maxPerInterval) {
        return new IntrusionAlarm(() -> alerts, 300, maxPerInterval, 100, 100, now::get, false);
    }

    @Test
    void alertsOfOneKindStopAtTheCapOverAllAddressesAndOneSummaryFollowsWhenTheNextIntervalOpens() {
        IntrusionAlarm alarm = capped(3);
        for (int i = 1; i <= 10; i++) {
            alarm.tooManyErrors(LISTENER, "198.51.100." + i, 10);
        }
        alarm.tooManyErrors(LISTENER, "198.51.100.9", 10); // counted again, but the same address
        alarm.connectionFlood(LISTENER, "198.51.100.9", 50); // another kind has its own cap
        now.addAndGet(TimeUnit.SECONDS.toNanos(300));
        alarm.tooManyErrors(LISTENER, "203.0.113.1", 10);
        now.addAndGet(TimeUnit.SECONDS.toNanos(300));
        alarm.flushDue();
        alarm.close();

        assertThat(alerts.raised).extracting(AlertRequest::kind, AlertRequest::subject).containsExactly(
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "198.51.100.1"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "198.51.100.2"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "198.51.100.3"),
                org.assertj.core.groups.Tuple.tuple("smtp-connection-flood", "198.51.100.9"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "many-addresses"),
                org.assertj.core.groups.Tuple.tuple("smtp-too-many-errors", "203.0.113.1"));
        AlertRequest summary = alerts.raised.get(4);
        assertThat(summary.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(summary.title()).isEqualTo("SMTP " + LISTENER
                + ": 8 more smtp-too-many-errors event(s) from 7 address(es) not alerted one by one");
        assertThat(summary.detail()).contains("After 3 alert(s)").contains("intrusion.alert.max.per.interval")
                .contains("8 further event(s) from 7 distinct address(es)");
    }

    @Test
    void theSummaryComesWithoutAFurtherEventOnceTheIntervalIsOverOrWhenTheAlarmCloses() {
        IntrusionAlarm alarm = capped(1);
        alarm.notInternal(LISTENER, "192.0.2.1", "10.0.0.0/8");
        alarm.notInternal(LISTENER, "192.0.2.2", "10.0.0.0/8");
        alarm.flushDue(); // not before the interval is over: the summary below counts the next event too
        now.addAndGet(TimeUnit.SECONDS.toNanos(299));
        alarm.notInternal(LISTENER, "192.0.2.2", "10.0.0.0/8");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        alarm.flushDue();
        alarm.notInternal(LISTENER, "192.0.2.3", "10.0.0.0/8");
        alarm.notInternal(LISTENER, "192.0.2.4", "10.0.0.0/8");
        alarm.close(); // a listener restart: the counted events are not lost
        assertThat(alerts.raised).extracting(AlertRequest::subject)
                .containsExactly("192.0.2.1", "many-addresses", "192.0.2.3", "many-addresses");
        assertThat(alerts.raised.get(1).title()).contains(": 2 more smtp-not-internal event(s) from 1 address(es)");
        assertThat(alerts.raised.get(3).title()).contains(": 1 more smtp-not-internal event(s) from 1 address(es)");
    }

    @Test
    void theSummaryTimerFiresInRealTimeWhenAllGoesQuiet() throws InterruptedException {
        IntrusionAlarm alarm = new IntrusionAlarm(() -> alerts, 1, 1);
        try {
            alarm.tooManyErrors(LISTENER, "192.0.2.1", 10);
            alarm.tooManyErrors(LISTENER, "192.0.2.2", 10);
            for (int i = 0; i < 100 && alerts.raised.size() < 2; i++) {
                Thread.sleep(50);
            }
            assertThat(alerts.raised).extracting(AlertRequest::subject)
                    .containsExactly("192.0.2.1", "many-addresses");
        } finally {
            alarm.close();
        }
    }

    @Test
    void distinctAddressesPastTheCapAreCountedUpToABoundThenSaidToBeAtLeastThatMany() {
        IntrusionAlarm alarm = capped(1);
        alarm.tooManyErrors(LISTENER, "10.255.255.255", 10);
        int events = IntrusionAlarm.MAX_DISTINCT_COUNTED + 500;
        for (int i = 0; i < events; i++) {
            alarm.tooManyErrors(LISTENER, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 10);
        }
        assertThat(alarm.tracked()).as("addresses over the cap are not put in the table").isEqualTo(1);
        alarm.close();
        assertThat(alerts.raised).hasSize(2);
        assertThat(alerts.raised.get(1).title())
                .contains(events + " more smtp-too-many-errors event(s) from at least 1000 address(es)");
    }

    @Test
    void aNegativeCapIsAnErrorNamingThePropertyAndZeroMeansNoCapOverAllAddresses() {
        assertThatThrownBy(() -> new IntrusionAlarm(() -> alerts, 300, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intrusion.alert.max.per.interval")
                .hasMessageContaining("-1");
        IntrusionAlarm alarm = capped(0);
        for (int i = 1; i <= 50; i++) {
            alarm.connectionFlood(LISTENER, "198.51.100." + i, 50);
        }
        alarm.close();
        assertThat(alerts.raised).hasSize(50).noneMatch(a -> a.subject().equals("many-addresses"));
    }

    @Test
    void ipv6ClientsAreRateLimitedPerSlash64ButNamedByTheirFullAddress() {
        IntrusionAlarm alarm = capped(10);
        alarm.tooManyErrors(LISTENER, "2001:db8:1:2:0:0:0:1", 10);
        alarm.tooManyErrors(LISTENER, "2001:db8:1:2:ffff:0:0:9", 10); // same /64: a repeat
        alarm.tooManyErrors(LISTENER, "2001:db8:1:3:0:0:0:1", 10); // next /64: its own alert
        alarm.tooManyErrors(LISTENER, "192.0.2.1", 10);
        alarm.tooManyErrors(LISTENER, "192.0.2.2", 10); // IPv4 stays per address
        now.addAndGet(TimeUnit.SECONDS.toNanos(300));
        alarm.tooManyErrors(LISTENER, "2001:db8:1:2:0:0:0:77", 10);
        alarm.close();
        assertThat(alerts.raised).extracting(AlertRequest::subject).containsExactly("2001:db8:1:2:0:0:0:1",
                "2001:db8:1:3:0:0:0:1", "192.0.2.1", "192.0.2.2", "2001:db8:1:2:0:0:0:77");
        assertThat(alerts.raised.get(4).detail()).contains("1 more such event(s) from this address or its IPv6"
                + " network 2001:db8:1:2::/64");
        assertThat(IntrusionAlarm.rateKey("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(IntrusionAlarm.rateKey("fe80:0:0:0:1:2:3:4%eth0")).isEqualTo("fe80::/64");
        assertThat(IntrusionAlarm.rateKey("unknown")).isEqualTo("unknown");
    }

    @Test
    void reportsAfterCloseAreIgnored() {
        IntrusionAlarm alarm = alarm(300, 100, 100);
        alarm.close();
        alarm.tooManyErrors(LISTENER, "192.0.2.1", 10);
        alarm.close();
        assertThat(alerts.calls).hasValue(0);
        assertThat(alarm.dropped()).isZero();
    }
}
