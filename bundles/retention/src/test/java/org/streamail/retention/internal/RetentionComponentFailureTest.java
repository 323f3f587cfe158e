package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.store.Directory;

/** What a caller (the REST API, the shell) is told when a service beneath the retention component fails. */
class RetentionComponentFailureTest {

    /**
     * The directory fails with the database's own text (its SQL statement). The caller learns that the directory is
     * unavailable; the database text stays in the log and in the cause, not in the message a client is shown.
     */
    @Test
    void aFailingDirectoryIsReportedWithoutTheDatabasesTextInTheMessage() throws Exception {
        IllegalStateException dbFailure = new IllegalStateException(
                "listing the directory failed: Table \"DIRECTORY\" not found; SQL statement: SELECT address FROM directory");
        Directory failing = (Directory) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Directory.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? "failing directory" : method.invoke(this, args);
                    }
                    throw dbFailure;
                });
        Map<String, Object> props = new HashMap<>();
        props.put("imap.host", "127.0.0.1");
        props.put("imap.security", "none");
        props.put("imap.user", "master");
        props.put("imap.password", "master-secret");
        props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
        props.put("internal.domains", "corp.example");
        props.put("sweep.interval", "");
        RetentionComponent component = new RetentionComponent(TestConfig.of(props), new MemoryAuditStore(), failing,
                java.time.Clock.systemUTC(), null, false);
        try {
            assertThatThrownBy(() -> component.sweep("ann@corp.example"))
                    .isInstanceOf(RetentionException.class)
                    .hasMessageContaining("directory of mailboxes is not available")
                    .hasMessageNotContaining("SQL").hasMessageNotContaining("SELECT")
                    .hasCause(dbFailure);
        } finally {
            component.deactivate();
        }
    }
}
