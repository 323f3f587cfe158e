package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node booted while its database does not answer (PostgreSQL configured, nothing listening on its port): the
 * gateway comes up, but it cannot tell a registered recipient from a stranger, so {@code GET /health} says not
 * ready (503) with the reason and RCPT answers {@code 451}; once the administrator points it at a database that
 * answers (here: the embedded H2 file put back), it turns ready on its own. Needs no database server.
 */
class DatabaseDownAtBootIT {

    static final String ADMIN_PASSWORD = "down-Admin-" + UUID.randomUUID();
    static GatewayProcess gateway;
    static String embeddedDataSource;

    @BeforeAll
    static void boot() throws Exception {
        gateway = GatewayProcess.unpack("db-down").adminPasswordFromEnvironment(ADMIN_PASSWORD);
        Path cfg = gateway.home().resolve("etc/org.ops4j.datasource-streamail.cfg");
        embeddedDataSource = Files.readString(cfg, StandardCharsets.ISO_8859_1);
        int nothingListens = GatewayProcess.freePort();
        Files.writeString(cfg, "osgi.jdbc.driver.class = org.postgresql.Driver\n"
                + "dataSourceName = streamail\n"
                + "url = jdbc:postgresql://127.0.0.1:" + nothingListens + "/streamail?connectTimeout=2\n",
                StandardCharsets.ISO_8859_1);
        gateway.start(Duration.ofSeconds(120));
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void notReadyAndRcpt451WhileTheDatabaseNeverAnsweredThenReadyOnceItDoes() throws Exception {
        GatewayProcess.waitFor("health to name the directory", Duration.ofSeconds(60), () -> {
            try {
                return health().body().contains("recipient directory not read yet");
            } catch (Exception e) {
                return false;
            }
        });
        HttpResponse<String> down = health();
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"ready\":false").contains("recipients cannot be checked");
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO down-it");
            assertThat(c.command("MAIL FROM:<bob@sender.example>")).startsWith("250");
            assertThat(c.command("RCPT TO:<alice@example.org>")).startsWith("451 4.3.0");
        }

        Files.writeString(gateway.home().resolve("etc/org.ops4j.datasource-streamail.cfg"), embeddedDataSource,
                StandardCharsets.ISO_8859_1);
        gateway.waitReady(Duration.ofSeconds(90));
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO down-it");
            assertThat(c.command("MAIL FROM:<bob@sender.example>")).startsWith("250");
            // the directory answers now: an unregistered address is refused for good, not deferred
            assertThat(c.command("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
        }
    }

    private static HttpResponse<String> health() throws Exception {
        return gateway.admin("GET", "/health");
    }
}
