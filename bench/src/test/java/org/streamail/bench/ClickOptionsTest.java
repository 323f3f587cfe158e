package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClickOptionsTest {

    private static final String URL = "http://127.0.0.1:8181/streamail/click/AAAA.BBBB";

    @Test
    void clickModeTakesTheUrlCountConcurrencyWarmupHeadersAndExpectedStatus() {
        BenchOptions o = BenchOptions.parse("click", "--url", URL, "-n", "5000", "-c", "100", "--warmup", "50",
                "--header", "X-Forwarded-For: 192.0.2.7", "--header=Accept:text/html", "--expect", "302");
        assertThat(o.mode()).isEqualTo(BenchOptions.Mode.CLICK);
        assertThat(o.url()).isEqualTo(URL);
        assertThat(o.messages()).isEqualTo(5000);
        assertThat(o.concurrency()).isEqualTo(100);
        assertThat(o.warmup()).isEqualTo(50);
        assertThat(o.headers()).containsExactly(Map.entry("X-Forwarded-For", "192.0.2.7"),
                Map.entry("Accept", "text/html"));
        assertThat(o.expect()).isEqualTo(302);
    }

    @Test
    void withoutHeadersOrExpectNothingIsAddedAndAnyStatusIsAccepted() {
        BenchOptions o = BenchOptions.parse("click", "--url", URL);
        assertThat(o.headers()).isEmpty();
        assertThat(o.expect()).isZero();
        assertThat(o.warmup()).isEqualTo(200);
    }

    @Test
    void clickModeWithoutAUrlIsRefusedRatherThanHittingTheApiRoot() {
        assertThatThrownBy(() -> BenchOptions.parse("click", "-n", "10"))
                .hasMessageContaining("click mode needs --url");
    }

    @Test
    void aUrlThatIsNotAnAbsoluteHttpUrlIsRefused() {
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", "ftp://h/x")).hasMessageContaining("http(s)");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", "http://u:p@h/x"))
                .hasMessageContaining("without user or fragment");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", "http://h/a b"))
                .hasMessageContaining("not a valid URL");
    }

    @Test
    void malformedHeadersAreRefusedWithTheReason() {
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--header", "no colon"))
                .hasMessageContaining("is not 'NAME: VALUE'");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--header", "Bad Name: x"))
                .hasMessageContaining("not a valid header name");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--header", "X-A: a\r\nX-B: b"))
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--header", "Host: evil.example"))
                .hasMessageContaining("does not send it");
    }

    @Test
    void headersAreBounded() {
        String[] args = new String[3 + 2 * (BenchOptions.MAX_HEADERS + 1)];
        args[0] = "click";
        args[1] = "--url";
        args[2] = URL;
        for (int i = 0; i <= BenchOptions.MAX_HEADERS; i++) {
            args[3 + 2 * i] = "--header";
            args[4 + 2 * i] = "X-H" + i + ": v";
        }
        assertThatThrownBy(() -> BenchOptions.parse(args)).hasMessageContaining("at most 32 --header");
    }

    @Test
    void expectIsAnHttpStatus() {
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--expect", "99"))
                .hasMessageContaining("--expect must be 100..599");
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "--expect", "ok"))
                .hasMessageContaining("not a whole number");
    }

    @Test
    void headerAndExpectBelongToClickModeOnly() {
        assertThatThrownBy(() -> BenchOptions.parse("scan", "--header", "X-A: 1"))
                .hasMessageContaining("click mode only");
        assertThatThrownBy(() -> BenchOptions.parse("smtp", "--expect", "302"))
                .hasMessageContaining("click mode only");
    }

    @Test
    void theOtherOptionsStillMayNotBeGivenTwice() {
        assertThatThrownBy(() -> BenchOptions.parse("click", "--url", URL, "-c", "2", "-c", "3"))
                .hasMessageContaining("given twice");
    }
}
