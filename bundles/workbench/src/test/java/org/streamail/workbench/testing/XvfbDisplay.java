package org.streamail.workbench.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Makes sure an X display is there for the UI tests. GTK reads {@code DISPLAY} from the process environment,
 * which a JVM cannot change, so the build sets it (the pom's {@code no-display} profile uses {@code :99} when
 * none is set); if nothing serves that display yet and {@code Xvfb} is installed, it is started here and
 * stopped when the JVM exits. Without a display the tests are skipped, unless
 * {@code STREAMAIL_REQUIRE_DISPLAY=true}, then they fail.
 */
public final class XvfbDisplay {

    private static final Pattern LOCAL = Pattern.compile(":(\\d+)(\\.\\d+)?");
    private static Process xvfb;
    private static String problem;
    private static boolean checked;

    private XvfbDisplay() {
    }

    /** Skips (or fails, when a display is required) the calling test if there is no usable display. */
    public static synchronized void require() {
        if (!checked) {
            checked = true;
            problem = prepare();
        }
        skipOrFail(problem);
    }

    /** Skips or fails with this reason; does nothing when {@code reason} is {@code null}. */
    public static void skipOrFail(String reason) {
        if (reason == null) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("STREAMAIL_REQUIRE_DISPLAY"))) {
            Assertions.fail("STREAMAIL_REQUIRE_DISPLAY=true but " + reason);
        }
        Assumptions.assumeTrue(false, "UI test skipped: " + reason);
    }

    private static String prepare() {
        String display = System.getenv("DISPLAY");
        if (display == null || display.isBlank()) {
            return "no DISPLAY is set (run through Maven, which sets DISPLAY=:99, or set one)";
        }
        Matcher m = LOCAL.matcher(display.strip());
        if (!m.matches()) {
            return null; // a remote or unusual display: let GTK try it
        }
        Path socket = Path.of("/tmp/.X11-unix/X" + m.group(1));
        if (Files.exists(socket)) {
            return null;
        }
        String exe = which("Xvfb");
        if (exe == null) {
            return "nothing serves DISPLAY=" + display + " and Xvfb is not installed (apt-get install xvfb)";
        }
        try {
            xvfb = new ProcessBuilder(exe, ":" + m.group(1), "-screen", "0", "1280x900x24", "-nolisten", "tcp")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> xvfb.destroy()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.exists(socket)) {
                if (!xvfb.isAlive()) {
                    return "Xvfb :" + m.group(1) + " exited with " + xvfb.exitValue();
                }
                if (System.nanoTime() > deadline) {
                    return "Xvfb :" + m.group(1) + " did not come up within 15 s";
                }
                Thread.sleep(50);
            }
            return null;
        } catch (IOException e) {
            return "cannot start Xvfb: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting Xvfb";
        }
    }

    private static String which(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
