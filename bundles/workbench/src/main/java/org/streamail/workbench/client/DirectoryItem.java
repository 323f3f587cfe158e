package org.streamail.workbench.client;

import java.time.Instant;

/** A registered address of the directory. {@code createdAt} may be {@code null}. */
public record DirectoryItem(String address, String displayName, Instant createdAt) {
}
