package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.retention.internal.ExpiryCalculator.Decision;
import org.streamail.testsupport.LinearWork;

/**
 * Fuzzes the retention headers a sender controls, the way the gateway and the sweeper read them: the raw message
 * through {@link Stamper#stamp} (for an internal, a trusted and a stranger's envelope), its header section through
 * {@link HeaderBlock} and {@link ExpiryCalculator#decide}, and the single values through {@link RetentionDates}
 * and {@link RetentionPeriods}. In {@code mvn test} the seeds under
 * {@code src/test/resources/.../RetentionFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn -o test -pl bundles/retention -Dtest='RetentionFuzzTest#<method>'} fuzzes one target.
 *
 * <p>What must always hold: nothing but {@link HeaderBlock.MalformedMessageException} is thrown; an expiry is
 * absent or inside [INTERNALDATE + min.age, INTERNALDATE + max.age]; a stamped message carries exactly one
 * signature field that the sweeper accepts, an unstamped one none that any reader could see; a date the parser
 * reads comes back the same from the form the gateway writes; and the work on a header grown from a repeated
 * fragment grows linearly (a ratio, not a wall-clock limit: the fuzzer's hooks slow every call down).
 */
class RetentionFuzzTest {

    static final Instant RECEIVED = Instant.parse("2026-03-01T12:00:00Z");
    static final Duration MIN_AGE = Duration.ofDays(1);
    static final Duration MAX_AGE = Duration.ofDays(365);
    static final Signer SIGNER = new Signer(SignerTest.KEY);
    static final Policy POLICY = PolicyTest.policy(Map.of("trusted.domains", "partner.example", "min.age", "P1D",
            "max.age", "P365D", "default.rules", "marketing@*=P14D"));
    static final Set<String> INTERNAL = Set.of("corp.example");
    static final Stamper STAMPER = new Stamper(SIGNER, POLICY, INTERNAL);
    static final ExpiryCalculator CALC = new ExpiryCalculator(SIGNER, POLICY, INTERNAL);

    /** Internal outbound, internal outbound under a rule, a trusted partner inbound, a stranger inbound. */
    static final String[][] ENVELOPES = {{"ceo@corp.example", "OUTBOUND"}, {"marketing@corp.example", "OUTBOUND"},
        {"p@partner.example", "INBOUND"}, {"x@stranger.example", "INBOUND"}, {"", "INBOUND"}};


    @FuzzTest(maxDuration = "60s")
    void headersOfAnyBytes(FuzzedDataProvider in) {
        String[] who = in.pickValue(ENVELOPES);
        // INTERNALDATE anywhere within two centuries of now, to the second
        Instant internalDate = RECEIVED.plusSeconds(in.consumeLong(-100L * 365 * 86400, 100L * 365 * 86400));
        byte[] raw = in.consumeRemainingAsBytes();
        check(raw, who, internalDate);
    }

    /** A header grown from one fuzzed fragment: stamping and deciding take time linear in its size. */
    @FuzzTest(maxDuration = "60s")
    void repeatedHeaderFragment(FuzzedDataProvider in) {
        String[] who = in.pickValue(ENVELOPES);
        String field = in.pickValue(new String[] {"From", "X-Retention-Period", "Expires", "Expiry-Date",
            "X-Streamail-Retention-Sig", "Message-ID", "Subject", "X-Retention-Modifiable"});
        int reps = 1 << in.consumeInt(0, 18);
        byte[] head = in.consumeBytes(in.consumeInt(0, 256));
        byte[] unit = in.consumeBytes(in.consumeInt(1, 32));
        byte[] tail = in.consumeRemainingAsBytes();
        if (unit.length == 0) {
            unit = new byte[] {' '};
        }
        byte[] small = grown(field, head, unit, reps / 8, tail);
        byte[] large = grown(field, head, unit, reps, tail);
        LinearWork.check("bytes", small.length, () -> check(small, who, RECEIVED),
                large.length, () -> check(large, who, RECEIVED));
    }

    /** Single header values as the parsers see them. */
    @FuzzTest(maxDuration = "60s")
    void datesAndPeriodsOfAnyText(FuzzedDataProvider in) {
        String value = in.consumeRemainingAsString();
        Optional<Instant> date = RetentionDates.parse(value);
        if (date.isPresent()) {
            Instant d = date.get();
            int year = d.atOffset(ZoneOffset.UTC).getYear();
            if (year >= 1900 && year <= 9999) {
                // What the gateway writes (Expires after a sweep) must read back as the same second.
                assertThat(RetentionDates.parse(RetentionDates.format(d)))
                        .as("%s written as %s", value, RetentionDates.format(d))
                        .contains(d.truncatedTo(ChronoUnit.SECONDS));
            }
        }
        Optional<RetentionPeriods.RetentionPeriod> period = RetentionPeriods.parse(value);
        if (period.isPresent()) {
            RetentionPeriods.RetentionPeriod p = period.get();
            // The stamper signs the period's text as the term: it must be signable and read back the same.
            assertThat(Signer.validTerm(p.text())).as("period %s is a signable term", p.text()).isTrue();
            assertThat(RetentionPeriods.parse(p.text())).contains(p);
            Instant end = p.after(RECEIVED);
            assertThat(end).isAfter(RECEIVED).isBeforeOrEqualTo(RECEIVED.plus(RetentionPeriods.CEILING));
        }
    }

    private static byte[] grown(String field, byte[] head, byte[] unit, int reps, byte[] tail) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("Message-ID: <m1@corp.example>\r\nFrom: p@partner.example\r\n" + field + ": ")
                .getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(head);
        int n = Math.min(reps, (HeaderBlock.MAX_HEADER_BYTES - 1024) / unit.length);
        for (int i = 0; i < n; i++) {
            b.writeBytes(unit);
        }
        b.writeBytes(tail);
        b.writeBytes("\r\n\r\nbody\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    private static void check(byte[] raw, String[] who, Instant internalDate) {
        Envelope envelope = new Envelope(who[0], List.of("alice@corp.example"), "192.0.2.1", "client.test", false,
                internalDate, Direction.valueOf(who[1]), null);
        Stamper.Stamped stamped = STAMPER.stamp(raw, envelope);
        assertThat(stamped.outcome()).isNotNull();
        int visible = HeaderBlock.occurrences(stamped.raw(), RetentionHeaders.SIGNATURE);
        if (stamped.outcome().startsWith("stamped")) {
            assertThat(visible).as("one signature field after stamping").isEqualTo(1);
            HeaderBlock out = parse(stamped.raw());
            assertThat(out).as("a stamped message is readable").isNotNull();
            Decision d = decide(out, internalDate);
            assertThat(d.rule()).as("the sweeper accepts the gateway's signature").startsWith("signed:");
        } else {
            assertThat(visible).as("no signature field survives on an unstamped message (%s)", stamped.outcome())
                    .isZero();
        }
        HeaderBlock original = parse(raw);
        if (original != null) {
            decide(original, internalDate);
            if (HeaderBlock.headerEnd(raw) < raw.length) {
                // Nothing removed, nothing added: every byte as it was.
                assertThat(original.rewrite(List.of(), List.of())).isEqualTo(raw);
            }
        }
        HeaderBlock after = parse(stamped.raw());
        if (after != null) {
            decide(after, internalDate);
        }
    }

    private static HeaderBlock parse(byte[] raw) {
        try {
            return HeaderBlock.parse(raw);
        } catch (HeaderBlock.MalformedMessageException e) {
            return null;
        }
    }

    private static Decision decide(HeaderBlock headers, Instant internalDate) {
        Decision d = CALC.decide(headers::values, internalDate);
        assertThat(d.rule()).isNotNull();
        if (d.applies()) {
            assertThat(d.expiry()).as("expiry of %s", d.rule())
                    .isAfterOrEqualTo(internalDate.plus(MIN_AGE))
                    .isBeforeOrEqualTo(internalDate.plus(MAX_AGE));
        } else {
            assertThat(d.modifiable()).isFalse();
        }
        return d;
    }
}
