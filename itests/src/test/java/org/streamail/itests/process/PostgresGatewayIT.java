package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway with its store on a real PostgreSQL, switched by the one datasource file; and two gateway
 * nodes on that one database, a spam report on node A refusing the copy sent to node B, and a directory harvester
 * blocked on node A refused by node B. The database is
 * the one named by {@code STREAMAIL_TEST_PG_URL} (a JDBC URL with user and password parameters; .ci/run
 * starts Debian's PostgreSQL and sets it). Skipped without it, unless {@code STREAMAIL_REQUIRE_PG=true}.
 *
 * <p>The gateways get the database as the README tells an administrator to write it: the user in the datasource
 * file, the password as {@code $[env:STREAMAIL_DB_PASSWORD]} (resolved by Felix ConfigAdmin's interpolation plugin
 * when pax-jdbc-config reads the configuration) and given in the gateway process's environment only.
 */
class PostgresGatewayIT {

    static final String ADMIN_PASSWORD = "pg-Admin-" + UUID.randomUUID();
    static final String SCHEMA = "streamail_gateway_it";
    static final String PASSWORD_VARIABLE = "STREAMAIL_DB_PASSWORD";
    static GatewayProcess gateway;
    static GatewayProcess nodeB;
    /** The test's own JDBC URL, user and password in it. */
    static String pgUrl;
    /** What the gateways get: {@link #pgUrl} without its user and password parameters. */
    static String gatewayUrl;
    static String dbUser;
    static String dbPassword;

    static String setting(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? System.getProperty(name) : v;
    }

    @BeforeAll
    static void boot() throws Exception {
        pgUrl = setting("STREAMAIL_TEST_PG_URL");
        if (pgUrl == null || pgUrl.isBlank()) {
            if (Boolean.parseBoolean(setting("STREAMAIL_REQUIRE_PG"))) {
                throw new IllegalStateException("STREAMAIL_REQUIRE_PG=true but STREAMAIL_TEST_PG_URL is not set");
            }
            assumeTrue(false, "STREAMAIL_TEST_PG_URL not set: PostgreSQL gateway test skipped");
        }
        // a schema of its own, recreated each run: the gateway's migrations never meet tables left by an
        // earlier run, and the store's own tests in the same database never meet the gateway's
        try (Connection c = DriverManager.getConnection(pgUrl); var st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            st.execute("CREATE SCHEMA " + SCHEMA);
        }
        pgUrl = pgUrl + (pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
        splitCredentials(pgUrl);
        gateway = onPostgres("postgres");
        gateway.start(Duration.ofSeconds(120));
        gateway.waitReady(Duration.ofSeconds(60));
    }

    /**
     * Takes {@code user} and {@code password} out of the JDBC URL's query: {@link #gatewayUrl} keeps every other
     * parameter. The URL must carry both (the gateway is to log in with a password given through its environment).
     */
    static void splitCredentials(String url) {
        int q = url.indexOf('?');
        List<String> kept = new ArrayList<>();
        dbUser = null;
        dbPassword = null;
        for (String param : url.substring(q + 1).split("&")) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
            switch (key) {
                case "user" -> dbUser = value;
                case "password" -> dbPassword = value;
                default -> kept.add(param);
            }
        }
        if (dbUser == null || dbUser.isEmpty() || dbPassword == null || dbPassword.isEmpty()) {
            throw new IllegalStateException("STREAMAIL_TEST_PG_URL must carry user=… and password=… parameters");
        }
        gatewayUrl = url.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    /**
     * A gateway unpacked with the documented switch: etc/org.ops4j.datasource-streamail.cfg replaced, the password
     * referring to {@value #PASSWORD_VARIABLE}, which only the gateway's environment holds.
     */
    static GatewayProcess onPostgres(String name) throws Exception {
        GatewayProcess g = GatewayProcess.unpack(name).adminPasswordFromEnvironment(ADMIN_PASSWORD)
                .environment(PASSWORD_VARIABLE, dbPassword);
        Files.writeString(g.home().resolve("etc/org.ops4j.datasource-streamail.cfg"),
                "osgi.jdbc.driver.class = org.postgresql.Driver\n"
                        + "dataSourceName = streamail\n"
                        + "url = " + escape(gatewayUrl) + "\n"
                        + "user = " + escape(dbUser) + "\n"
                        + "password = $[env:" + PASSWORD_VARIABLE + "]\n", StandardCharsets.ISO_8859_1);
        // directory harvesting: only 127.0.0.1 exempt (the other tests' client), so a client connecting from another
        // loopback address is counted and refused; a low limit and no delay keep the harvest test short
        g.setConfig("org.streamail.smtp.cfg", "harvest.exempt.networks", "127.0.0.1/32, ::1/128");
        g.setConfig("org.streamail.smtp.cfg", "harvest.max.unknown.recipients", "3");
        g.setConfig("org.streamail.smtp.cfg", "harvest.delay.max.ms", "0");
        return g;
    }

    /** A value as one line of a .cfg file (java.util.Properties syntax). */
    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (nodeB != null) {
            nodeB.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void messagesAndDirectoryLiveInPostgres() throws Exception {
        String address = "pg-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        assertThat(gateway.adminJson("POST", "/directory", "{\"address\":\"" + address + "\"}").statusCode()).isIn(200, 201);
        String subject = "pg " + UUID.randomUUID();
        byte[] msg = ("From: bob@sender.example\r\nTo: " + address + "\r\nSubject: " + subject + "\r\n\r\nhello\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO pg-it");
            assertThat(c.send("bob@sender.example", List.of(address), msg)).startsWith("250");
        }
        GatewayProcess.waitFor("the message in the log", Duration.ofSeconds(30), () -> {
            try {
                return gateway.admin("GET", "/messages?limit=200").body().contains(subject);
            } catch (Exception e) {
                return false;
            }
        });

        // read PostgreSQL directly: the rows are there, so the gateway did not fall back to H2
        assertThat(rowsWhere("directory_address", "address", address)).isEqualTo(1);
        assertThat(rowsWhere("message_log", "subject", subject)).isEqualTo(1);
        assertThat(Files.exists(gateway.data().resolve("streamail/db"))).as("no H2 database created").isFalse();
    }

    /** Rows of {@code table} whose {@code column} is {@code value}, read from PostgreSQL directly. */
    private int rowsWhere(String table, String column, String value) throws Exception {
        try (Connection c = DriverManager.getConnection(pgUrl);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + column + " = ?")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * The database password reached pax-jdbc-config through ConfigAdmin's interpolation plugin, from the
     * environment: the datasource file names only the variable, the store answers (a directory write lands in
     * PostgreSQL, which refuses a login without the password), and no file of the instance holds the password,
     * neither ConfigAdmin's store under data/cache nor a log.
     */
    @Test
    void theDatabasePasswordComesFromTheEnvironmentAndIsInNoFile() throws Exception {
        String cfg = Files.readString(gateway.home().resolve("etc/org.ops4j.datasource-streamail.cfg"),
                StandardCharsets.ISO_8859_1);
        assertThat(cfg).contains("password = $[env:" + PASSWORD_VARIABLE + "]").doesNotContain("password=");

        String address = "env-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        HttpResponse<String> added = gateway.adminJson("POST", "/directory", "{\"address\":\"" + address + "\"}");
        assertThat(added.statusCode()).as(added.body()).isIn(200, 201);
        assertThat(rowsWhere("directory_address", "address", address)).isEqualTo(1);
        // the plugin names what it replaced (never the value) when pax-jdbc-config's factory gets the configuration
        assertThat(gateway.karafLogLines("Replaced value of configuration property 'password' for PID "
                + "org.ops4j.datasource~streamail")).isNotEmpty();
        assertThat(gateway.filesHolding(dbPassword)).as("files holding the database password").isEmpty();
    }

    /** Spam with a recipient-specific greeting and tracking id, as a campaign sends it. */
    static byte[] campaignCopy(String to, String name, String tracking) {
        String body = "Dear " + name + ",\r\n\r\nYour mailbox storage plan qualifies for a free upgrade to the premium "
                + "tier. Thousands of customers in your region already enjoy unlimited space, faster search and "
                + "priority support at no extra cost.\r\n\r\nActivate the upgrade from the customer portal before "
                + "Friday; after that the promotional pricing ends and the standard yearly fee applies again.\r\n\r\n"
                + "Reference " + tracking + "\r\n";
        return ("From: Storage Plans <offers@storage-plans.example>\r\nTo: " + name + " <" + to + ">\r\n"
                + "Subject: Free premium storage upgrade\r\nMessage-ID: <" + UUID.randomUUID() + "@storage-plans.example>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    static String send(GatewayProcess node, String to, byte[] msg) throws Exception {
        try (SmtpClient c = node.smtp()) {
            c.command("EHLO two-nodes-it");
            return c.send("offers@storage-plans.example", List.of(to), msg);
        }
    }

    /** Node B on the same database, started by the first test that needs it. */
    static synchronized GatewayProcess nodeB() throws Exception {
        if (nodeB == null) {
            nodeB = onPostgres("postgres-b");
            nodeB.start(Duration.ofSeconds(120));
            nodeB.waitReady(Duration.ofSeconds(60));
        }
        return nodeB;
    }

    /**
     * The reply to {@code RCPT TO:<to>} that a client connecting from {@code from} gets from {@code node}, or the
     * exception's text when the session failed.
     */
    static String rcpt(GatewayProcess node, String from, String to) {
        try (SmtpClient c = new SmtpClient(node.smtpPort, from)) {
            c.command("EHLO client.example");
            c.command("MAIL FROM:<someone@client.example>");
            return c.command("RCPT TO:<" + to + ">");
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void aDirectoryHarvesterBlockedOnNodeAIsRefusedByNodeB() throws Exception {
        GatewayProcess b = nodeB();
        String harvester = "127.0.0.9";
        String other = "127.0.0.10";
        String address = "known-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        assertThat(gateway.adminJson("POST", "/directory", "{\"address\":\"" + address + "\"}").statusCode()).isIn(200, 201);
        // node B knows the address (its directory refresh), asked from the exempt 127.0.0.1: until then its 550s count
        // for nobody that matters here
        GatewayProcess.waitFor("node B to accept the address registered on A", Duration.ofSeconds(30),
                () -> rcpt(b, "127.0.0.1", address).startsWith("250"));
        assertThat(rcpt(b, harvester, address)).as("no block yet").startsWith("250");
        assertThat(rcpt(b, other, address)).startsWith("250");

        // node A: three unknown recipients reach the limit; from then on A answers 450 to that client
        try (SmtpClient c = new SmtpClient(gateway.smtpPort, harvester)) {
            c.command("EHLO harvester.example");
            c.command("MAIL FROM:<list@harvester.example>");
            for (int i = 0; i < 3; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "-" + UUID.randomUUID() + "@example.org>")).startsWith("550");
            }
            assertThat(c.command("RCPT TO:<" + address + ">")).startsWith("450 4.7.1");
        }
        long blockedAt = System.nanoTime();

        // node B, which counted nothing for it, refuses it within its 2 s refresh; another client is still served
        String[] reply = new String[1];
        GatewayProcess.waitFor("node B to refuse the harvester blocked on A", Duration.ofSeconds(20), () -> {
            reply[0] = rcpt(b, harvester, address);
            return reply[0].startsWith("450");
        });
        System.out.printf("node B refused the harvester %d ms after node A blocked it: %s%n",
                (System.nanoTime() - blockedAt) / 1_000_000, reply[0].strip());
        assertThat(reply[0]).startsWith("450 4.7.1").contains("too many unknown recipients");
        assertThat(rcpt(b, other, address)).startsWith("250");
    }

    @Test
    void aSpamReportOnNodeARefusesTheCopySentToNodeBOnTheSameDatabase() throws Exception {
        GatewayProcess nodeB = nodeB();

        // registered once, on A: the directory is in the shared database
        String address = "two-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        assertThat(gateway.adminJson("POST", "/directory", "{\"address\":\"" + address + "\"}").statusCode()).isIn(200, 201);
        // node B's listener reads the directory every refresh.seconds (5 s); before any report it delivers
        GatewayProcess.waitFor("node B to accept mail for the address registered on A", Duration.ofSeconds(30), () -> {
            try {
                return send(nodeB, address, campaignCopy(address, "Dana", "RX-10001")).startsWith("250");
            } catch (Exception e) {
                return false;
            }
        });

        HttpResponse<String> reported = gateway.rest("POST", "/reports/spam", GatewayProcess.ADMIN, ADMIN_PASSWORD,
                "message/rfc822", campaignCopy(address, "Erin", "RX-20002"));
        assertThat(reported.statusCode()).as(reported.body()).isEqualTo(200);
        assertThat(reported.body()).contains("\"blocking\":true");
        long reportedAt = System.nanoTime();

        // node B pulls the shared fingerprints every refresh.seconds (2 s): the copy is refused within seconds
        String[] reply = new String[1];
        GatewayProcess.waitFor("node B to refuse the reported campaign", Duration.ofSeconds(20), () -> {
            try {
                reply[0] = send(nodeB, address, campaignCopy(address, "Frank", "RX-" + System.nanoTime()));
                return reply[0].startsWith("550");
            } catch (Exception e) {
                return false;
            }
        });
        System.out.printf("node B refused the copy %d ms after the report on node A: %s%n",
                (System.nanoTime() - reportedAt) / 1_000_000, reply[0].strip());
        assertThat(reply[0]).contains("5.7.1").contains("spam/fuzzy-match");
        assertThat(nodeB.filesHolding(dbPassword)).as("files of node B holding the database password").isEmpty();
    }
}
