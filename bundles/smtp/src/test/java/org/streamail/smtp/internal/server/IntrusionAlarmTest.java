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
        IntrusionAlarm alarm = new IntrusionAlarm(() -> alerts, 300);
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
