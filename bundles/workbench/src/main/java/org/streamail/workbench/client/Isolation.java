package org.streamail.workbench.client;

import java.time.Instant;

/**
 * An isolated host ({@code GET /isolation}): its address, MAC (empty when unknown), why and by whom
 * ({@code actor}: a user name or {@code linkguard}), since when, until when ({@code null}: until released) and
 * how many times it was isolated. Strings never {@code null}.
 */
public record Isolation(String ip, String mac, String reason, String actor, Instant since, Instant until,
        int offences) {
}
