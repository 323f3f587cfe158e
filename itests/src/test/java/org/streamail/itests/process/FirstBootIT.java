package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped distribution as a newcomer gets it: booted with an empty HOME (no ~/.m2, no Maven settings)
 * and only its own system/ folder, no STREAMAIL_ADMIN_PASSWORD. Checks the first-boot security defaults.
 */
class FirstBootIT {

    static GatewayProcess gateway;

    @BeforeAll
    static void boot() throws Exception {
        gateway = GatewayProcess.unpack("first-boot");
        gateway.start(Duration.ofSeconds(120));
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void bootsOfflineWithEveryBootFeatureInstalled() throws Exception {
        String log = Files.readString(gateway.data().resolve("log/karaf.log"));
        assertThat(log).doesNotContain("Error installing boot features").doesNotContain("Could not find artifact");
        // nothing was fetched into the (private) local repository: everything came from system/
        Path local = gateway.data().resolve("maven-local");
        if (Files.exists(local)) {
            try (var s = Files.walk(local)) {
                assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
        assertThat(Files.readString(gateway.home().resolve("etc/org.ops4j.pax.url.mvn.cfg")))
                .containsPattern("(?m)^org.ops4j.pax.url.mvn.repositories\\s*=\\s*$");
    }

    @Test
    void generatedAdminPasswordIsWrittenOnceToAnOwnerOnlyFileAndOnlyItsHashIsStored() throws Exception {
        Path file = gateway.data().resolve("streamail/initial-admin-password");
        Path usersFile = gateway.home().resolve("etc/users.properties");
        // the password file is written first, then the (bcrypt, so slowish) hash into users.properties
        GatewayProcess.waitFor("the initial password file and the admin entry", Duration.ofSeconds(30), () -> {
            try {
                return Files.exists(file) && Files.readString(usersFile).contains("\nadmin = ");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String password = Files.readString(file).trim();
        assertThat(password).hasSizeGreaterThanOrEqualTo(20);

        String users = Files.readString(usersFile);
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^admin = \\{CRYPT\\}([0-9a-fA-F]+)\\{CRYPT\\},_g_:admingroup$").matcher(users);
        assertThat(m.find()).as("hashed admin entry in users.properties").isTrue();
        String stored = new String(java.util.HexFormat.of().parseHex(m.group(1)), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(stored).as("a salted bcrypt hash").matches("\\$2[aby]?\\$\\d\\d\\$.{53}");
        assertThat(users).doesNotContain(password);
        assertThat(users).doesNotContainPattern("(?m)^karaf\\s*=");
        assertThat(Files.readString(gateway.data().resolve("log/karaf.log")))
                .containsPattern("WARN .*" + java.util.regex.Pattern.quote(file.toString()));

        gateway.useAdminPassword(password);
        assertThat(gateway.admin("GET", "/health").statusCode()).isEqualTo(200);
        assertThat(gateway.rest("GET", "/health", "admin", password + "x", null, null).statusCode()).isEqualTo(401);
        assertThat(gateway.rest("GET", "/health", "karaf", "karaf", null, null).statusCode()).isEqualTo(401);
    }

    /**
     * What the gateway writes under data/ (the H2 database with quarantined mail, the spool, logs naming senders and
     * subjects) is not readable by other accounts on the host, whatever the umask it was started with (bin/setenv).
     */
    @Test
    void nothingTheGatewayWritesUnderDataIsReadableByOtherAccounts() throws Exception {
        GatewayProcess.waitFor("the database file", Duration.ofSeconds(30), () -> {
            try (var s = Files.walk(gateway.data().resolve("streamail"))) {
                return s.anyMatch(p -> p.getFileName().toString().endsWith(".mv.db"));
            } catch (java.io.IOException e) {
                return false;
            }
        });
        List<String> open = new ArrayList<>();
        // data/streamail (database, spool, delivered mail, password file) and data/log; data/ itself and data/tmp come
        // from the distribution's archive as unpacked
        List<Path> written = new ArrayList<>();
        for (String dir : new String[] {"streamail", "log"}) {
            try (var s = Files.walk(gateway.data().resolve(dir))) {
                written.addAll(s.toList());
            }
        }
        assertThat(written).as("files the gateway wrote").hasSizeGreaterThan(3);
        for (Path p : written) {
            if (Files.isSymbolicLink(p) || !Files.exists(p)) {
                continue; // a lock file gone since the walk
            }
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
            if (mode.charAt(6) != '-' || mode.charAt(7) != '-') {
                open.add(mode + " " + gateway.data().relativize(p));
            }
        }
        assertThat(open).as("readable or writable by others").isEmpty();
    }

    /**
     * What Jetty answers itself, before a request reaches the {@code /streamail} context (a malformed request line,
     * header fields or a URI too large, a path outside every context), names neither the server nor its version:
     * pax-web's own HTTP configuration turns both off, and the shipped jetty.xml defines none that would replace it.
     */
    @Test
    void theWebServersOwnErrorAnswersNameNoServerNorVersion() throws Exception {
        String[][] requests = {
            {"GET /streamail/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "400"},
            {"GET /streamail/api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(20_000)
                    + "\r\n\r\n", "431"},
            {"GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "414"},
            {"GET /\u0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "400"},
            {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "404"},
            {"GET /streamail/api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "401"},
        };
        for (String[] r : requests) {
            String answer = rawHttp(r[0]);
            String head = answer.contains("\r\n\r\n") ? answer.substring(0, answer.indexOf("\r\n\r\n")) : answer;
            String shown = answer.length() > 300 ? answer.substring(0, 300) : answer;
            assertThat(head).as("answer to %.60s", r[0]).startsWith("HTTP/1.1 " + r[1] + " ");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).as(shown)
                    .doesNotContain("\nserver:").doesNotContain("\nx-powered-by:");
            assertThat(answer).as(shown).doesNotContainIgnoringCase("jetty").doesNotContain("9.4.");
        }
    }

    /** Sends the bytes as they are and reads the answer until the server closes the connection (at most 64 KiB). */
    private static String rawHttp(String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.httpPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            byte[] answer = new byte[64 * 1024];
            int length = 0;
            int n;
            try {
                while (length < answer.length && (n = s.getInputStream().read(answer, length, answer.length - length)) > 0) {
                    length += n;
                }
            } catch (java.net.SocketException reset) {
                // the server may reset a connection it refused once its answer is out
            }
            return new String(answer, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void everyListeningSocketOfTheGatewayIsOnLoopback() throws Exception {
        List<String> open = new ArrayList<>();
        for (int port : new int[] {gateway.sshPort, gateway.httpPort, gateway.smtpPort, gateway.rmiRegistryPort,
                gateway.rmiServerPort}) {
            List<String> addresses = ListeningSockets.addressesListeningOn(port);
            assertThat(addresses).as("something listens on port %d", port).isNotEmpty();
            open.addAll(addresses);
        }
        assertThat(open).allSatisfy(a -> assertThat(a).isIn("127.0.0.1", "::ffff:127.0.0.1", "::1"));
    }
}
