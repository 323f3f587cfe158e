package org.streamail.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SharedFieldsTest {

    static final Instant T = Instant.parse("2026-12-07T08:00:00Z");

    @Test
    void whatIsWrittenReadsTheSameAndEachValueStaysOnItsLine() {
        String v = SharedFields.create().put("end", T).put("node", "1@h#ab\r\nrun.lease=forged\0").put("done", 3)
                .put("absent", null).format();
        assertThat(v).isEqualTo("end=2026-12-07T08:00:00Z\nnode=1@h#ab  run.lease=forged\ndone=3\n");
        SharedFields f = SharedFields.parse(v);
        assertThat(f.instant("end")).contains(T);
        assertThat(f.text("node", "")).isEqualTo("1@h#ab  run.lease=forged");
        assertThat(f.instant("run.lease")).as("a value cannot make a field of its own").isEmpty();
        assertThat(f.count("done")).isEqualTo(3);
        assertThat(f.text("absent")).isEmpty();
        assertThatThrownBy(() -> SharedFields.create().put("a=b", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedFields.create().put("a\nb", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedValueReadsAsAbsentFieldsNeverAsAnError() {
        SharedFields f = SharedFields.parse("end=yesterday\nnoise\n=x\ndone=-4\nsent=12x\n \t\nkey = spaced \n");
        assertThat(f.instant("end")).isEmpty();
        assertThat(f.count("done")).isZero();
        assertThat(f.count("sent")).isZero();
        assertThat(f.text("key", "")).isEqualTo("spaced");
        assertThat(SharedFields.parse(null).format()).isEmpty();
        assertThat(SharedFields.parse("a=1\n".repeat(10_000) + "b=2").text("b")).as("lines read at most").isEmpty();
    }
}
