package org.streamail.rest.internal;

import java.util.function.Supplier;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.service.Scanner;
import org.streamail.api.store.Directory;
import org.streamail.api.store.MessageLog;
import org.streamail.rest.internal.http.ApiException;

/**
 * The gateway services the API calls, looked up per request: each may come and go while the bundles that
 * provide it are updated, and a missing one answers 503 for its endpoints only. Suppliers return
 * {@code null} when the service is absent. Thread-safe if the suppliers are.
 */
record Services(
        Supplier<Scanner> scanner,
        Supplier<QuarantineService> quarantine,
        Supplier<GatewayStatus> status,
        Supplier<MessageLog> messageLog,
        Supplier<Directory> directory,
        Supplier<RetentionService> retention,
        Supplier<RetentionAuditStore> retentionAudit) {

    /** Without the retention services (their endpoints answer 503). */
    Services(Supplier<Scanner> scanner, Supplier<QuarantineService> quarantine, Supplier<GatewayStatus> status,
            Supplier<MessageLog> messageLog, Supplier<Directory> directory) {
        this(scanner, quarantine, status, messageLog, directory, () -> null, () -> null);
    }

    RetentionService requireRetention() {
        return require(retention, "retention service (retention bundle)");
    }

    RetentionAuditStore requireRetentionAudit() {
        return require(retentionAudit, "retention audit (store)");
    }

    Scanner requireScanner() {
        return require(scanner, "scanner (gateway core)");
    }

    QuarantineService requireQuarantine() {
        return require(quarantine, "quarantine service (gateway core)");
    }

    GatewayStatus requireStatus() {
        return require(status, "gateway status (gateway core)");
    }

    MessageLog requireMessageLog() {
        return require(messageLog, "message log (store)");
    }

    Directory requireDirectory() {
        return require(directory, "directory (store)");
    }

    private static <T> T require(Supplier<T> supplier, String what) {
        T service = supplier.get();
        if (service == null) {
            throw ApiException.unavailable("the " + what + " is not available right now");
        }
        return service;
    }
}
