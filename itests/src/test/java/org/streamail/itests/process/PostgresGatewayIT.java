package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway with its store on a real PostgreSQL, switched by the one datasource file. The database is
 * the one named by {@code STREAMAIL_TEST_PG_URL} (a JDBC URL with user and password parameters; .ci/run
 * starts Debian's PostgreSQL and sets it). Skipped without it, unless {@code STREAMAIL_REQUIRE_PG=true}.
 */
class PostgresGatewayIT {

    static final String ADMIN_PASSWORD = "pg-Admin-" + UUID.randomUUID();
    static final String SCHEMA = "streamail_gateway_it";
    static GatewayProcess gateway;
    static String pgUrl;

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
        gateway = GatewayProcess.unpack("postgres").adminPasswordFromEnvironment(ADMIN_PASSWORD);
        // the documented switch: replace etc/org.ops4j.datasource-streamail.cfg
        Files.writeString(gateway.home().resolve("etc/org.ops4j.datasource-streamail.cfg"),
                "osgi.jdbc.driver.class = org.postgresql.Driver\n"
                        + "dataSourceName = streamail\n"
                        + "url = " + pgUrl.replace("\\", "\\\\") + "\n", StandardCharsets.ISO_8859_1);
        gateway.start(Duration.ofSeconds(120));
        gateway.waitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void shutdown() throws Exception {
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
        try (Connection c = DriverManager.getConnection(pgUrl);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM directory_address WHERE address = ?")) {
            ps.setString(1, address);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
        try (Connection c = DriverManager.getConnection(pgUrl);
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM message_log WHERE subject = ?")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
        assertThat(Files.exists(gateway.data().resolve("streamail/db"))).as("no H2 database created").isFalse();
    }
}
