package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.streamail.core.internal.delivery.DeliverySettings.Hop;
import org.streamail.core.internal.delivery.DeliverySettings.Tls;

/** The memory of hops whose STARTTLS failed: for a period, once per period, bounded. */
class TlsFallbacksTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private static Hop hop(String host) {
        return new Hop(host, 25, Paths.get("unused"), Tls.MAY);
    }

    @Test
    void aMarkLastsThePeriodIsNewOncePerPeriodAndThenStarttlsIsTriedAgain() {
        TlsFallbacks f = new TlsFallbacks(clock, Duration.ofHours(1));
        assertThat(f.current(hop("mx.a.test"))).isEmpty();
        assertThat(f.mark(hop("mx.a.test"), "STARTTLS failed: 454").getValue()).isTrue();
        now.set(now.get().plusSeconds(600));
        // a second failure within the period (another thread's message): not new, not logged again, same deadline
        var again = f.mark(hop("MX.A.test"), "STARTTLS failed: other");
        assertThat(again.getValue()).isFalse();
        assertThat(again.getKey().until()).isEqualTo(Instant.parse("2026-12-06T11:00:00Z"));
        assertThat(f.current(hop("mx.a.test"))).hasValueSatisfying(m -> assertThat(m.reason()).contains("454"));
        assertThat(f.current(new Hop("mx.a.test", 587, Paths.get("unused"), Tls.MAY))).isEmpty();
        now.set(Instant.parse("2026-12-06T11:00:00Z"));
        assertThat(f.current(hop("mx.a.test"))).isEmpty();
        assertThat(f.mark(hop("mx.a.test"), "STARTTLS failed: 454").getValue()).isTrue();
    }

    @Test
    void atMostMaxHopsAreRemembered() {
        TlsFallbacks f = new TlsFallbacks(clock, Duration.ofHours(1));
        for (int i = 0; i < TlsFallbacks.MAX_HOPS + 500; i++) {
            f.mark(hop("mx" + i + ".test"), "x");
        }
        assertThat(f.size()).isEqualTo(TlsFallbacks.MAX_HOPS);
        assertThat(f.current(hop("mx0.test"))).as("the oldest went first").isEmpty();
        assertThat(f.current(hop("mx" + (TlsFallbacks.MAX_HOPS + 499) + ".test"))).isPresent();
    }
}
