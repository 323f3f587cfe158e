package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.store.StoreException;
import org.streamail.store.internal.SchemaMigrator.Migration;

/** The migration runner's parsing and bookkeeping rules, without a database. */
class SchemaMigratorTest {

    private static Migration m(int version) {
        return new Migration(version, "m" + version, "SELECT 1;", "c" + version);
    }

    @Test
    void theShippedScriptsShouldBeFoundOnTheClassPathStartingAtVersionOne() {
        List<Migration> found = SchemaMigrator.discover(SchemaMigrator.class);

        assertThat(found).extracting(Migration::version).contains(1);
        Migration v1 = found.stream().filter(x -> x.version() == 1).findFirst().orElseThrow();
        assertThat(v1.description()).isEqualTo("init");
        assertThat(v1.checksum()).hasSize(64);
        assertThat(SchemaMigrator.statements(SchemaMigrator.substitute(v1.script(), Dialect.POSTGRESQL.placeholders(), 1)))
                .anySatisfy(sql -> assertThat(sql).startsWith("CREATE TABLE quarantine (").contains("BYTEA"))
                .noneSatisfy(sql -> assertThat(sql).contains("${"));
    }

    @Test
    void scriptsShouldSplitAtSemicolonsOutsideLiteralsAndDropComments() {
        String script = "-- header; with a semicolon\n"
                + "CREATE TABLE a (x VARCHAR(10) DEFAULT 'it''s; fine'); -- trailing comment\n"
                + "\n  INSERT INTO a VALUES ('--not a comment');\n"
                + "UPDATE a SET x = 'y'";

        assertThat(SchemaMigrator.statements(script)).containsExactly(
                "CREATE TABLE a (x VARCHAR(10) DEFAULT 'it''s; fine')",
                "INSERT INTO a VALUES ('--not a comment')",
                "UPDATE a SET x = 'y'");
        assertThatThrownBy(() -> SchemaMigrator.statements("INSERT INTO a VALUES ('open);"))
                .isInstanceOf(StoreException.class).hasMessageContaining("unterminated");
    }

    @Test
    void placeholdersShouldBeFilledPerDialectAndUnknownOnesRefused() {
        assertThat(SchemaMigrator.substitute("a ${blob}, b ${text}", Dialect.H2.placeholders(), 1))
                .isEqualTo("a BLOB, b CLOB");
        assertThat(SchemaMigrator.substitute("a ${blob}, b ${text}", Dialect.POSTGRESQL.placeholders(), 1))
                .isEqualTo("a BYTEA, b TEXT");
        assertThatThrownBy(() -> SchemaMigrator.substitute("x ${clob}", Map.of("blob", "BLOB"), 7))
                .isInstanceOf(StoreException.class).hasMessageContaining("V7").hasMessageContaining("${clob}");
    }

    @Test
    void versionsShouldRunFromOneWithoutGapsOrDuplicates() {
        assertThat(new SchemaMigrator(List.of(m(2), m(1), m(3))).migrations()).extracting(Migration::version)
                .containsExactly(1, 2, 3);
        assertThat(new SchemaMigrator(List.of(m(1), m(2))).latestVersion()).isEqualTo(2);
        assertThatThrownBy(() -> new SchemaMigrator(List.of(m(1), m(3))))
                .isInstanceOf(StoreException.class).hasMessageContaining("V2 is missing");
        assertThatThrownBy(() -> new SchemaMigrator(List.of(m(1), m(1))))
                .isInstanceOf(StoreException.class).hasMessageContaining("two schema migrations have version 1");
    }
}
