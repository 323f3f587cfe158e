package org.streamail.store.internal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The shared-state contract on an H2 file database in a temporary folder, as in the embedded default. */
class H2SharedStateTest extends SharedStateContractTest {

    @TempDir
    Path dir;
    private final List<JdbcDataSource> opened = new ArrayList<>();

    @Override
    protected DataSource newDatabase() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db" + opened.size()).resolve("streamail") + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        ds.setPassword("");
        opened.add(ds);
        return ds;
    }

    @AfterEach
    void shutDown() throws Exception {
        for (JdbcDataSource ds : opened) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
        }
    }
}
