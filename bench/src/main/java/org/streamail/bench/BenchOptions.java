package org.streamail.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line, parsed and validated: every value is range-checked here so a typo is one clear error
 * before anything connects. Immutable.
 */
record BenchOptions(
        Mode mode,
        String host,
        int port,
        String sinkBind,
        int sinkPort,
        boolean sink,
        boolean direct,
        int messages,
        int concurrency,
        int perSession,
        int warmup,
        long seed,
        String mix,
        Path emlDir,
        String from,
        String to,
        String url,
        String user,
        Duration timeout,
        Duration drainTimeout,
        int size,
        int ceilingMessages,
        boolean ceilingOnly,
        List<Map.Entry<String, String>> headers,
        int expect) {

    /** What to measure. */
    enum Mode {
        SMTP, SCAN, CEILING, SINK, CLICK, HELP
    }

    /** The most {@code --header} options (each a line of every click request). */
    static final int MAX_HEADERS = 32;
    private static final int MAX_HEADER_LENGTH = 8192;
    private static final java.util.regex.Pattern HEADER_NAME =
            java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}"); // RFC 9110 token

    static final int MAX_MESSAGES = 10_000_000;
    static final int MAX_CONCURRENCY = 1024;

    static final String USAGE = """
            usage: java -jar streamail-bench.jar MODE [options]

            modes
              smtp      send N messages over C SMTP sessions to the gateway, which relays them to the
                        built-in sink; prints msg/s end to end and the accept latency (DATA end -> 250)
              scan      POST the same messages to the REST /scan endpoint; prints scans/s and latency
                        (user admin, password from the environment variable STREAMAIL_ADMIN_PASSWORD)
              ceiling   Postfix smtp-source -> smtp-sink (the machine's raw SMTP ceiling), then the smtp
                        mode, and our end-to-end rate as a ratio of the ceiling
              sink      only run the built-in SMTP sink and print what arrives (Ctrl-C to stop)
              click     GET one click URL (--url, required) N times from C clients, redirects not
                        followed; prints the statuses, req/s and the latency (request -> whole response)

            options (defaults in brackets)
              -n, --messages N        messages to send / click requests to make [2000]
              -c, --concurrency C     concurrent SMTP sessions / HTTP clients [8]
              --per-session K         messages per SMTP session before reconnecting [50]
              --warmup W              messages / requests sent first and not counted (JIT warm-up) [200]
              --host H / --port P     the gateway's SMTP listener [127.0.0.1 / 2525]
              --sink-bind A / --sink-port P   where the built-in sink listens [127.0.0.1 / 2626]
              --no-sink               do not start the sink (the gateway relays elsewhere):
                                      only the accept rate is measured
              --direct                send straight to the built-in sink, no gateway: the tool's own
                                      ceiling
              --seed S                seed of the generated messages [42]
              --mix SPEC              weights of the generated kinds [plain:4,html:3,zip:2,pdf:1]
              --eml-dir DIR           send the *.eml files of DIR (round-robin) instead
              --from / --to ADDR      envelope sender / recipient [sender@example.net / bench@example.com]
              --url URL               REST API root [http://127.0.0.1:8181/streamail/api/v1];
                                      click: the click URL (<base.url>/streamail/click/<token>)
              --user U                REST user [admin]
              --timeout SECONDS       socket / request timeout [60]
              --drain-timeout SECONDS stop waiting for the sink after this long without an arrival [30]
              --size BYTES            ceiling: smtp-source payload size [average size of the messages]
              --ceiling-messages M    ceiling: messages smtp-source sends (a longer run is a steadier
                                      figure) [20000]
              --ceiling-only          ceiling: measure only the Postfix ceiling and the tool, no gateway
              --header 'NAME: VALUE'  click: a header line sent with every request (repeatable, at most
                                      32), e.g. 'X-Forwarded-For: 192.0.2.7'
              --expect STATUS         click: the HTTP status every answer should have (e.g. 302 or 403);
                                      any other is counted as a failure [any status but 5xx]
            """;

    private static final Set<String> FLAGS = Set.of("--no-sink", "--direct", "--ceiling-only", "-h", "--help");

    static BenchOptions parse(String... args) {
        if (args.length == 0) {
            return defaults(Mode.HELP);
        }
        Mode mode;
        try {
            mode = Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            if (args[0].equals("-h") || args[0].equals("--help")) {
                return defaults(Mode.HELP);
            }
            throw new IllegalArgumentException("unknown mode '" + args[0]
                    + "'; modes are smtp, scan, ceiling, sink, click");
        }
        Map<String, String> values = new HashMap<>();
        List<String> headerArgs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            name = switch (name) {
                case "-n" -> "--messages";
                case "-c" -> "--concurrency";
                default -> name;
            };
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new IllegalArgumentException(name + " takes no value");
                }
                value = "true";
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            if (name.equals("--header")) { // the one option that may be repeated
                if (headerArgs.size() >= MAX_HEADERS) {
                    throw new IllegalArgumentException("at most " + MAX_HEADERS + " --header options");
                }
                headerArgs.add(value);
                continue;
            }
            if (values.put(name, value) != null) {
                throw new IllegalArgumentException(name + " given twice");
            }
        }
        if (values.containsKey("-h") || values.containsKey("--help")) {
            return defaults(Mode.HELP);
        }
        Map<String, String> v = new HashMap<>(values);
        if (mode == Mode.CLICK && !v.containsKey("--url")) {
            throw new IllegalArgumentException("click mode needs --url <click URL> (a link of a delivered message, "
                    + "<base.url>/streamail/click/<token>)");
        }
        if (mode != Mode.CLICK && (!headerArgs.isEmpty() || v.containsKey("--expect"))) {
            throw new IllegalArgumentException("--header and --expect apply to click mode only");
        }
        BenchOptions o = new BenchOptions(
                mode,
                text(v, "--host", "127.0.0.1"),
                intIn(v, "--port", 2525, 1, 65535),
                text(v, "--sink-bind", "127.0.0.1"),
                intIn(v, "--sink-port", 2626, 0, 65535),
                !flag(v, "--no-sink"),
                flag(v, "--direct"),
                intIn(v, "--messages", 2000, 1, MAX_MESSAGES),
                intIn(v, "--concurrency", 8, 1, MAX_CONCURRENCY),
                intIn(v, "--per-session", 50, 1, 1_000_000),
                intIn(v, "--warmup", 200, 0, MAX_MESSAGES),
                longValue(v, "--seed", 42),
                text(v, "--mix", MessageSet.DEFAULT_MIX),
                v.containsKey("--eml-dir") ? Path.of(v.remove("--eml-dir")) : null,
                address(v, "--from", "sender@example.net"),
                address(v, "--to", "bench@example.com"),
                url(v, "--url", "http://127.0.0.1:8181/streamail/api/v1"),
                text(v, "--user", "admin"),
                Duration.ofSeconds(intIn(v, "--timeout", 60, 1, 3600)),
                Duration.ofSeconds(intIn(v, "--drain-timeout", 30, 1, 3600)),
                intIn(v, "--size", 0, 0, 50 * 1024 * 1024),
                intIn(v, "--ceiling-messages", 20_000, 1, MAX_MESSAGES),
                flag(v, "--ceiling-only"),
                headers(headerArgs),
                v.containsKey("--expect") ? intIn(v, "--expect", 0, 100, 599) : 0);
        if (!v.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + String.join(", ", v.keySet().stream().sorted().toList())
                    + "; see --help");
        }
        if (o.direct() && !o.sink()) {
            throw new IllegalArgumentException("--direct sends to the built-in sink, so it cannot go with --no-sink");
        }
        if (o.emlDir() != null && !o.mix().equals(MessageSet.DEFAULT_MIX)) {
            throw new IllegalArgumentException("--mix applies to generated messages, not to --eml-dir");
        }
        MessageSet.parseMix(o.mix()); // validate now, not after connecting
        if (mode == Mode.CLICK) {
            clickUri(o.url());
        }
        return o;
    }

    private static BenchOptions defaults(Mode mode) {
        BenchOptions o = parse("smtp");
        return new BenchOptions(mode, o.host, o.port, o.sinkBind, o.sinkPort, o.sink, o.direct, o.messages,
                o.concurrency, o.perSession, o.warmup, o.seed, o.mix, o.emlDir, o.from, o.to, o.url, o.user,
                o.timeout, o.drainTimeout, o.size, o.ceilingMessages, o.ceilingOnly, o.headers, o.expect);
    }

    /**
     * Checks a click URL: absolute http(s) with a host, no user info or fragment.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static URI clickUri(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url '" + url + "' is not a valid URL: " + e.getReason());
        }
        if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("--url '" + url + "' must be http(s)://host[:port]/path, without "
                    + "user or fragment");
        }
        return u;
    }

    /** "Name: value" lines → entries, each checked by the JDK client's own rules (restricted names too). */
    private static List<Map.Entry<String, String>> headers(List<String> lines) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.length() > MAX_HEADER_LENGTH) {
                throw new IllegalArgumentException("--header '" + abbreviate(line) + "' is not 'NAME: VALUE' (at most "
                        + MAX_HEADER_LENGTH + " characters)");
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("--header name '" + abbreviate(name) + "' is not a valid header "
                        + "name");
            }
            if (value.chars().anyMatch(ch -> ch < 0x20 && ch != '\t' || ch == 0x7f)) {
                throw new IllegalArgumentException("--header " + name + ": the value has control characters");
            }
            try {
                // The JDK refuses some names (Host, Connection, Content-Length, Expect, Upgrade): say so now.
                HttpRequest.newBuilder().header(name, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--header " + name + ": the JDK HTTP client does not send it ("
                        + e.getMessage() + ")");
            }
            out.add(Map.entry(name, value));
        }
        return List.copyOf(out);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static boolean flag(Map<String, String> v, String name) {
        return v.remove(name) != null;
    }

    private static String text(Map<String, String> v, String name, String def) {
        String s = v.remove(name);
        if (s == null) {
            return def;
        }
        if (s.isBlank()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        return s.trim();
    }

    private static String address(Map<String, String> v, String name, String def) {
        String s = text(v, name, def);
        // An address goes verbatim into MAIL FROM/RCPT TO: no brackets, spaces or line breaks.
        if (!s.matches("[^\\s<>@]{1,64}@[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException(name + " '" + s + "' is not a plain local@domain address");
        }
        return s;
    }

    private static String url(Map<String, String> v, String name, String def) {
        String s = text(v, name, def);
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new IllegalArgumentException(name + " '" + s + "' is not an http(s) URL");
        }
        return s;
    }

    private static int intIn(Map<String, String> v, String name, int def, int min, int max) {
        long value = longValue(v, name, def);
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return (int) value;
    }

    private static long longValue(Map<String, String> v, String name, long def) {
        String s = v.remove(name);
        if (s == null) {
            return def;
        }
        try {
            return Long.parseLong(s.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + s + "' is not a whole number");
        }
    }
}
