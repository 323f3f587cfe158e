package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaultsAreTheBriefsFigures() {
        BenchOptions o = BenchOptions.parse("smtp");
        assertThat(o.mode()).isEqualTo(BenchOptions.Mode.SMTP);
        assertThat(o.messages()).isEqualTo(2000);
        assertThat(o.concurrency()).isEqualTo(8);
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isEqualTo(2525);
        assertThat(o.url()).isEqualTo("http://127.0.0.1:8181/streamail/api/v1");
        assertThat(o.user()).isEqualTo("admin");
        assertThat(o.sink()).isTrue();
        assertThat(o.direct()).isFalse();
        assertThat(o.mix()).isEqualTo(MessageSet.DEFAULT_MIX);
    }

    @Test
    void shortAliasesAndEqualsFormAreAccepted() {
        BenchOptions o = BenchOptions.parse("scan", "-n", "10", "-c=3", "--timeout=5", "--direct");
        assertThat(o.messages()).isEqualTo(10);
        assertThat(o.concurrency()).isEqualTo(3);
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.direct()).isTrue();
    }

    @Test
    void noArgumentsOrHelpShowTheUsage() {
        assertThat(BenchOptions.parse().mode()).isEqualTo(BenchOptions.Mode.HELP);
        assertThat(BenchOptions.parse("--help").mode()).isEqualTo(BenchOptions.Mode.HELP);
        assertThat(BenchOptions.parse("smtp", "-h").mode()).isEqualTo(BenchOptions.Mode.HELP);
    }

    @Test
    void outOfRangeNumbersAreRefusedWithTheirName() {
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "-c", "0"))
                .hasMessageContaining("--concurrency must be 1..1024, got 0");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--port", "70000"))
                .hasMessageContaining("--port must be 1..65535");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "-n", "lots"))
                .hasMessageContaining("--messages 'lots' is not a whole number");
    }

    @Test
    void unknownRepeatedOrIncompleteOptionsAreRefused() {
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--colour", "red"))
                .hasMessageContaining("unknown option(s) --colour");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "-n", "1", "--messages", "2"))
                .hasMessageContaining("--messages given twice");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--port"))
                .hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> BenchOptions.parse("bench"))
                .hasMessageContaining("unknown mode 'bench'");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--direct=yes"))
                .hasMessageContaining("--direct takes no value");
    }

    @Test
    void addressesThatWouldBreakTheSmtpCommandAreRefused() {
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--to", "a@b.com> NOTIFY=NEVER"))
                .hasMessageContaining("not a plain local@domain address");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--from", "nobody"))
                .hasMessageContaining("--from 'nobody'");
    }

    @Test
    void contradictoryOptionsAreRefused() {
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--direct", "--no-sink"))
                .hasMessageContaining("--direct");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--eml-dir", "/tmp", "--mix", "plain:1"))
                .hasMessageContaining("--mix applies to generated messages");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--mix", "plain:0,html:0"))
                .hasMessageContaining("add up to 0");
    }
}
