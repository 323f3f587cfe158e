package org.streamail.api.service;

import org.osgi.annotation.versioning.ProviderType;

/** Health and counters of the gateway, for {@code GET /health} and {@code streamail:status}. */
@ProviderType
public interface GatewayStatus {
    StatusReport status();
}
