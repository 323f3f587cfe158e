package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.smtp.internal.server.DataReader.Problem;

/**
 * Fuzzes what the Internet sends the listener: the MAIL FROM / RCPT TO argument parser ({@link Paths}), the DATA
 * reader ({@link DataReader}) and whole sessions over loopback against one {@link SmtpEngine} started once per
 * JVM. In {@code mvn test} the seeds under {@code src/test/resources/.../SmtpFuzzTestInputs/<method>/} run as
 * regression tests; {@code JAZZER_FUZZ=1 mvn -o test -pl bundles/smtp -Dtest='SmtpFuzzTest#<method>'} fuzzes one
 * target for its {@code maxDuration}.
 *
 * <p>What must hold: {@link Paths#parse} never throws, accepts only what RFC 5321 section 4.1.2 calls a path
 * (plus the relay rules for recipients) and is idempotent on what it accepts; {@link DataReader#read} agrees with a
 * plain reference reading of the same bytes (where the data ends, what is kept, which problem wins, which
 * exception), and a properly dot-stuffed message reads back byte for byte; a session answers only well-formed
 * reply lines (three digits, space or hyphen, printable ASCII, at most 512 octets with CRLF), never shows an
 * internal failure, ends once the client half-closes, and logs nothing at ERROR.
 */
class SmtpFuzzTest {

    // ---------------------------------------------------------------- Paths

    private static final String ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
    private static final Pattern DOT_STRING = Pattern.compile("[" + ATEXT + "]+(?:\\.[" + ATEXT + "]+)*");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"");
    private static final String LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern DOMAIN = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*");
    /** RFC 5321 4.1.3: an address literal, here only as far as its characters go (dcontent). */
    private static final Pattern LITERAL = Pattern.compile("\\[[\\x21-\\x5a\\x5e-\\x7e]+\\]");
    private static final Pattern ROUTE = Pattern.compile("@" + DOMAIN + "(?:,@" + DOMAIN + ")*:",
            Pattern.CASE_INSENSITIVE);

    @FuzzTest(maxDuration = "60s")
    void pathOfAnyText(FuzzedDataProvider in) {
        boolean recipient = in.consumeBoolean();
        String arg = in.consumeRemainingAsString();
        Paths.Parsed p = Paths.parse(arg, recipient);
        if (!p.ok()) {
            assertThat(p.address()).isNull();
            assertThat(p.error().code()).isBetween(500, 559);
            return;
        }
        assertThat(p.params()).hasSizeLessThanOrEqualTo(Paths.MAX_PARAMS);
        assertThat(p.params()).allSatisfy(x -> assertThat(x).isNotEmpty().doesNotContain(" "));
        String address = p.address();
        if (address.isEmpty()) {
            assertThat(recipient).as("the null path is a sender only").isFalse();
            return;
        }
        assertThat(address.length()).isLessThanOrEqualTo(Paths.MAX_PATH);
        // The local part ends at its first '@' (a Dot-string has none) or after its closing quote; an address
        // literal may hold '@' itself.
        int at = address.indexOf('@', address.startsWith("\"") ? closingQuote(address) : 0);
        assertThat(at).isPositive();
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        assertThat(local.length()).isLessThanOrEqualTo(Paths.MAX_LOCAL);
        assertThat(DOT_STRING.matcher(local).matches() || QUOTED.matcher(local).matches())
                .as("local part %s of %s is a Dot-string or a Quoted-string", local, arg).isTrue();
        boolean literal = !recipient && LITERAL.matcher(domain).matches();
        assertThat(literal || DOMAIN.matcher(domain).matches() && domain.length() <= Paths.MAX_DOMAIN)
                .as("domain %s of %s is a host name%s", domain, arg, recipient ? "" : " or an address literal")
                .isTrue();
        if (recipient) {
            String routing = local.startsWith("\"") ? "@%!" : "%!";
            assertThat(local).as("no routing characters in a recipient").doesNotContainPattern("[" + routing + "]");
        }
        String s = arg.stripLeading();
        if (s.startsWith("<@")) {
            assertThat(recipient).as("a source route is refused for a recipient").isFalse();
            String route = s.substring(1, s.indexOf(':') + 1);
            assertThat(ROUTE.matcher(route).matches()).as("source route %s of %s", route, arg).isTrue();
        }
        // Idempotent: what was accepted, written back as a path, is accepted as the same address.
        Paths.Parsed again = Paths.parse("<" + address + ">", recipient);
        assertThat(again.ok()).as("re-parse of %s", address).isTrue();
        assertThat(again.address()).isEqualTo(address);
        if (recipient) {
            // The sender rules are the laxer ones.
            Paths.Parsed asSender = Paths.parse(arg, false);
            assertThat(asSender.ok()).isTrue();
            assertThat(asSender.address()).isEqualTo(address);
            assertThat(asSender.params()).isEqualTo(p.params());
        }
    }

    /** The index of the quote closing the Quoted-string that starts {@code s}, or 0 when there is none. */
    private static int closingQuote(String s) {
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.charAt(i) == '"') {
                return i;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- DataReader

    /** Any bytes after the 354: the reader agrees with {@link #reference}, whatever the stream hands out per read. */
    @FuzzTest(maxDuration = "60s")
    void dataOfAnyBytes(FuzzedDataProvider in) throws IOException {
        long maxSize = in.consumeLong(1, 4096);
        long hardLimit = in.consumeLong(1, 16384);
        int kind = in.consumeInt(0, 3);
        byte[] raw = in.consumeRemainingAsBytes();
        Expected want = reference(raw, maxSize, hardLimit);
        InputStream stream = stream(raw, kind);
        try (SpoolBuffer out = new SpoolBuffer(maxSize, null)) {
            Problem got;
            try {
                got = new DataReader(stream, out, maxSize, hardLimit).read();
            } catch (DataReader.TooMuchDataException e) {
                assertThat(want.outcome).isEqualTo("too much");
                return;
            } catch (EOFException e) {
                assertThat(want.outcome).isEqualTo("eof");
                return;
            }
            assertThat(want.outcome).isEqualTo("ended");
            assertThat(got).isEqualTo(want.problem);
            assertThat(out.size()).isLessThanOrEqualTo(maxSize);
            if (got == Problem.NONE) {
                try (InputStream kept = out.open()) {
                    assertThat(kept.readAllBytes()).isEqualTo(want.kept);
                }
            } else {
                assertThat(out.size()).as("a refused message is dropped").isZero();
            }
            assertThat(stream.readAllBytes()).as("what follows the end marker stays in the stream")
                    .isEqualTo(java.util.Arrays.copyOfRange(raw, want.consumed, raw.length));
        }
    }

    /** Fuzzed lines, sent dot-stuffed as a client must: read back byte for byte; one byte less is TOO_BIG. */
    @FuzzTest(maxDuration = "60s")
    void dataWrittenProperlyReadsBack(FuzzedDataProvider in) throws IOException {
        int kind = in.consumeInt(0, 3);
        String text = new String(in.consumeRemainingAsBytes(), StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        if (!text.isEmpty()) {
            for (String line : text.split("\r\n", -1)) {
                String clean = line.replace("\r", "").replace("\n", "");
                clean = clean.substring(0, Math.min(clean.length(), DataReader.MAX_LINE - 2));
                message.writeBytes((clean + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                wire.writeBytes(((clean.startsWith(".") ? "." : "") + clean + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        wire.writeBytes(".\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] expected = message.toByteArray();
        long size = Math.max(1, expected.length);
        InputStream stream = stream(wire.toByteArray(), kind);
        try (SpoolBuffer out = new SpoolBuffer(size, null)) {
            assertThat(new DataReader(stream, out, size, wire.size()).read()).isEqualTo(Problem.NONE);
            try (InputStream kept = out.open()) {
                assertThat(kept.readAllBytes()).isEqualTo(expected);
            }
            assertThat(new String(stream.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("QUIT\r\n");
        }
        if (expected.length > 1) {
            try (SpoolBuffer out = new SpoolBuffer(expected.length - 1, null)) {
                assertThat(new DataReader(stream(wire.toByteArray(), kind), out, expected.length - 1, wire.size())
                        .read()).isEqualTo(Problem.TOO_BIG);
                assertThat(out.size()).isZero();
            }
        }
    }

    private record Expected(String outcome, Problem problem, byte[] kept, int consumed) {
    }

    /**
     * A plain reading of RFC 5321 4.1.1.4 / 4.5.2 with the reader's rules: only CRLF ends a line, the line "."
     * ends the data, a line holding a bare CR or LF makes the message BARE_LINE_END, one over 998 octets (a
     * leading dot not counted) LINE_TOO_LONG, a clean message over {@code maxSize} after unstuffing TOO_BIG (the
     * worst one wins).
     */
    private static Expected reference(byte[] raw, long maxSize, long hardLimit) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        Problem worst = Problem.NONE;
        long size = 0;
        int pos = 0;
        while (true) {
            int crlf = indexOfCrlf(raw, pos);
            if (crlf < 0) {
                return new Expected(raw.length > hardLimit ? "too much" : "eof", null, null, -1);
            }
            int end = crlf + 2;
            int len = crlf - pos;
            if (len == 1 && raw[pos] == '.') {
                if (end > hardLimit) {
                    return new Expected("too much", null, null, -1);
                }
                return new Expected("ended", worst, kept.toByteArray(), end);
            }
            boolean bare = false;
            for (int i = pos; i < crlf; i++) {
                bare |= raw[i] == '\r' || raw[i] == '\n';
            }
            // RFC 5321 4.5.3.1.6: the dot duplicated for transparency does not count
            boolean tooLong = len - (len > 0 && raw[pos] == '.' ? 1 : 0) > DataReader.MAX_LINE - 2;
            if (bare) {
                worst = max(worst, Problem.BARE_LINE_END);
            }
            if (tooLong) {
                worst = max(worst, Problem.LINE_TOO_LONG);
            }
            if (!bare && !tooLong && worst == Problem.NONE) {
                int off = len > 0 && raw[pos] == '.' ? 1 : 0;
                size += len - off + 2;
                if (size > maxSize) {
                    worst = Problem.TOO_BIG;
                } else {
                    kept.write(raw, pos + off, len - off);
                    kept.write('\r');
                    kept.write('\n');
                }
            }
            pos = end;
        }
    }

    private static Problem max(Problem a, Problem b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static int indexOfCrlf(byte[] raw, int from) {
        for (int i = from; i + 1 < raw.length; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The client stream as the listener may see it: markable, a small buffer, not markable, or a trickle. */
    private static InputStream stream(byte[] raw, int kind) {
        InputStream base = new ByteArrayInputStream(raw);
        return switch (kind) {
            case 0 -> base;
            case 1 -> new BufferedInputStream(base, 7);
            case 2 -> new FilterInputStream(base) {
                @Override
                public boolean markSupported() {
                    return false;
                }
            };
            default -> new BufferedInputStream(new FilterInputStream(base) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return super.read(b, off, Math.min(len, 3)); // a socket handing out a few bytes at a time
                }
            }, 64);
        };
    }

    // ---------------------------------------------------------------- whole sessions

    private static final Pattern REPLY_LINE = Pattern.compile("[2-5][0-5][0-9](?:[ -][\\x20-\\x7e]*)?");
    private static final List<String> INTERNAL = List.of("exception", "java.", "problem attempting",
            "mail system failure", "error reading");
    private static final String[] VERBS = {"HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP", "QUIT",
        "VRFY", "EXPN", "HELP", "AUTH", "STARTTLS", "BDAT", "GET", "mail from:", "rcpt to:", "", " "};

    @FuzzTest(maxDuration = "60s")
    void sessionOfAnyCommands(FuzzedDataProvider in) throws Exception {
        ByteArrayOutputStream script = new ByteArrayOutputStream();
        for (int op = 0; op < 24 && in.remainingBytes() > 0 && script.size() < 64 * 1024; op++) {
            switch (in.consumeInt(0, 6)) {
                case 0 -> script.writeBytes(ascii(in.pickValue(VERBS) + in.consumeAsciiString(120) + "\r\n"));
                case 1 -> script.writeBytes(in.consumeBytes(in.consumeInt(0, 300)));
                case 2 -> script.writeBytes(ascii("EHLO client.test\r\nMAIL FROM:<s@sender.test>\r\n"
                        + "RCPT TO:<alice@example.org>\r\n"));
                case 3 -> {
                    script.writeBytes(ascii("DATA\r\n"));
                    script.writeBytes(in.consumeBytes(in.consumeInt(0, 3000)));
                    script.writeBytes(ascii("\r\n.\r\n"));
                }
                case 4 -> script.writeBytes(ascii(in.pickValue(VERBS) + "x".repeat(in.consumeInt(0, 1100)) + "\r\n"));
                case 5 -> {
                    String arg = in.consumeString(100);
                    script.writeBytes((in.pickValue(new String[] {"MAIL FROM:", "RCPT TO:"}) + arg + "\r\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                default -> script.writeBytes(in.consumeBytes(in.consumeInt(0, 60)));
            }
        }
        session(script.toByteArray());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Connects, sends {@code script}, half-closes, and checks every reply until the server closes. */
    private static void session(byte[] script) throws Exception {
        Listener l = Listener.get();
        l.errorsLogged.set(0);
        int port = l.engine.port();
        // Jazzer's SSRF detector reports every connect; this one, to our own listener, is the point of the test.
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, p) -> p == port);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true);
            InputStream fromServer = s.getInputStream();
            // Read while writing: a long pipeline's replies must not fill the socket buffers both ways.
            Future<Replies> replies = l.readers.submit(() -> readAll(fromServer));
            try {
                OutputStream toServer = s.getOutputStream();
                toServer.write(script);
                toServer.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // the server may close first (BDAT, too many errors, an overlong line): its replies still count
            }
            Replies got;
            try {
                got = replies.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                replies.cancel(true);
                fail("the server neither answered nor closed within 30 s of the half-close");
                return;
            }
            try {
                checkReplies(got, endsInsideEightBitLine(script));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nafter the client sent: " + printable(script), e);
            }
        }
        // The session's thread is done (and has logged) once the engine forgets it.
        for (int i = 0; i < 5000 && l.engine.activeSessions() > 0; i++) {
            Thread.sleep(1);
        }
        assertThat(l.engine.activeSessions()).as("the session ended after the client closed").isZero();
        assertThat(l.errorsLogged.get()).as("lines logged at ERROR").isZero();
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            s.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }

    /** What the server sent; {@code cut} when the connection was reset, so the last line may be incomplete. */
    private record Replies(byte[] bytes, boolean cut) {
    }

    private static Replies readAll(InputStream in) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                b.write(buf, 0, n);
            }
        } catch (IOException e) {
            // a reset after the server closed while we were still writing: keep what arrived
            return new Replies(b.toByteArray(), true);
        }
        return new Replies(b.toByteArray(), false);
    }

    /**
     * Whether subethasmtp's UTF-8 command reader may see an end of stream inside a sequence. It casts each byte
     * after a lead byte to {@code byte} before its end-of-stream test, so a 0xFF there reads as the end, and so does
     * the real end inside a sequence. Either way it throws EOFException, which the library's session loop answers
     * with its generic {@code 421 4.4.0 Problem attempting to execute commands} (and a WARN) before closing; no
     * Streamail code runs. Allowed then, as the very last reply only: for any 0xFF, for a lead byte among the last
     * five bytes, and for 8-bit bytes in an unterminated last line (a superset of the two cases, kept simple).
     */
    private static boolean endsInsideEightBitLine(byte[] script) {
        for (byte b : script) {
            if (b == (byte) 0xff) {
                return true;
            }
        }
        for (int i = Math.max(0, script.length - 5); i < script.length; i++) {
            if ((script[i] & 0xff) >= 0xc0) {
                return true;
            }
        }
        for (int i = script.length - 1; i >= 0 && script[i] != '\n'; i--) {
            if (script[i] < 0) {
                return true;
            }
        }
        return false;
    }

    private static final String LIBRARY_IO_FAILURE = "421 4.4.0 Problem attempting to execute commands.";

    private static void checkReplies(Replies got, boolean truncatedUtf8) {
        String all = new String(got.bytes(), StandardCharsets.ISO_8859_1);
        boolean cut = got.cut();
        String[] lines = all.split("\r\n", -1);
        int complete = lines.length - 1; // the part after the last CRLF
        assertThat(cut || lines[complete].isEmpty()).as("replies end with CRLF: %s", all).isTrue();
        assertThat(complete > 0 || cut).as("a greeting").isTrue();
        if (complete > 0) {
            assertThat(lines[0]).startsWith("220 ");
        }
        String continued = null;
        for (int i = 0; i < complete; i++) {
            String line = lines[i];
            assertThat(line.length() + 2).as("octets of reply line %s", line).isLessThanOrEqualTo(512);
            assertThat(REPLY_LINE.matcher(line).matches()).as("well-formed reply line: '%s'", line).isTrue();
            if (truncatedUtf8 && i == complete - 1 && line.startsWith(LIBRARY_IO_FAILURE)) {
                continue;
            }
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            for (String bad : INTERNAL) {
                assertThat(lower).as("reply shows an internal failure").doesNotContain(bad);
            }
            if (continued != null) {
                assertThat(line).as("a multi-line reply keeps its code").startsWith(continued);
            }
            continued = line.length() > 3 && line.charAt(3) == '-' ? line.substring(0, 3) : null;
        }
    }

    /** The one engine all session inputs talk to, started on first use and left to die with the JVM. */
    private static final class Listener {
        private static Listener instance;

        final SmtpEngine engine;
        final ExecutorService readers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "smtp-fuzz-reader");
            t.setDaemon(true);
            return t;
        });
        final java.util.concurrent.atomic.AtomicInteger errorsLogged = new java.util.concurrent.atomic.AtomicInteger();

        private Listener() throws IOException {
            // Keep the log to warnings (a fuzzed session per millisecond), and count the ERROR lines.
            System.setProperty("org.slf4j.simpleLogger.log.org.streamail.smtp", "warn");
            System.setProperty("org.slf4j.simpleLogger.log.org.subethamail", "warn");
            System.setErr(new PrintStream(new ErrorCounter(System.err, errorsLogged), true));
            ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                    64 * 1024, 100, 1000, 1000, 5_000, 10, 10, null, null);
            engine = new SmtpEngine(settings, new DiscardingIntake(), TestDirectory.withoutHistory("alice@example.org"), List::of);
            engine.start();
        }

        static synchronized Listener get() throws IOException {
            if (instance == null) {
                instance = new Listener();
            }
            return instance;
        }
    }

    /** Passes stderr through and counts the lines slf4j-simple writes at ERROR. */
    private static final class ErrorCounter extends OutputStream {
        private final PrintStream target;
        private final java.util.concurrent.atomic.AtomicInteger count;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        ErrorCounter(PrintStream target, java.util.concurrent.atomic.AtomicInteger count) {
            this.target = target;
            this.count = count;
        }

        @Override
        public synchronized void write(int b) {
            target.write(b);
            if (b == '\n') {
                if (line.toString(StandardCharsets.ISO_8859_1).contains("] ERROR ")) {
                    count.incrementAndGet();
                }
                line.reset();
            } else if (line.size() < 4096) {
                line.write(b);
            }
        }

        @Override
        public void flush() {
            target.flush();
        }
    }

    /** Takes every message and forgets it. */
    private static final class DiscardingIntake implements MessageIntake {
        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
            data.transferTo(OutputStream.nullOutputStream());
            return new IntakeResult("F1", IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "queued as F1"),
                    null);
        }
    }
}
