package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Base of the command tests: commands print to System.out, which each test captures and restores. */
abstract class CommandTestSupport {

    final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalOut;

    @BeforeEach
    void captureOut() {
        originalOut = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOut() {
        System.setOut(originalOut);
    }

    /** Runs a command (which returns nothing: it prints) and returns what it printed. */
    String run(Callable<Object> command) throws Exception {
        captured.reset();
        assertThat(command.call()).isNull();
        return captured.toString(StandardCharsets.UTF_8);
    }
}
