package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.store.Housekeeping;

/** {@code streamail:housekeeping-run} against a housekeeping service that returns a chosen result. */
class HousekeepingCommandTest extends CommandTestSupport {

    private int runs;

    private HousekeepingRunCommand command(Housekeeping.Result result) {
        HousekeepingRunCommand c = new HousekeepingRunCommand();
        c.housekeeping = () -> {
            runs++;
            return result;
        };
        return c;
    }

    private static Map<String, Long> counts(Object... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return m;
    }

    @Test
    void aRunPrintsTheCountOfEveryTableInRunOrderAndHowLongItTook() throws Exception {
        String out = run(command(new Housekeeping.Result(counts("message_log", 1200, "alert", 35, "spam_pending", 0),
                Map.of(), false, Duration.ofMillis(820)))::execute);
        assertThat(runs).isEqualTo(1);
        assertThat(out).containsSubsequence("message_log   1200", "alert         35", "spam_pending  0",
                "Took 820 ms");
        assertThat(out).doesNotContain("remain");
    }

    @Test
    void anIncompleteRunSaysRowsRemain() throws Exception {
        String out = run(command(new Housekeeping.Result(counts("link_delivery", 10_000_000), Map.of(), true,
                Duration.ofSeconds(90)))::execute);
        assertThat(out).contains("link_delivery  10000000", "more rows remain");
    }

    @Test
    void aFailedTableIsPrintedAndFailsTheCommandNamingIt() throws Exception {
        HousekeepingRunCommand c = command(new Housekeeping.Result(counts("message_log", 3, "alert", 0),
                Map.of("alert", "relation \"alert\" does not exist\u001b[2J"), false, Duration.ofMillis(5)));
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("Housekeeping failed for alert (relation \"alert\" does not exist?[2J)")
                .hasMessageContaining("other tables were cleaned");
        assertThat(captured.toString()).contains("message_log  3", "alert        0  (failed part way)");
    }

    @Test
    void everythingKeptForeverSaysSo() throws Exception {
        String out = run(command(new Housekeeping.Result(Map.of(), Map.of(), false, Duration.ZERO))::execute);
        assertThat(out).contains("Nothing to do: every table is kept forever.");
    }

    @Test
    void withoutTheStoreBundleTheCommandSaysWhatIsMissing() {
        assertThatThrownBy(new HousekeepingRunCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("store housekeeping (store bundle) is not available");
    }
}
