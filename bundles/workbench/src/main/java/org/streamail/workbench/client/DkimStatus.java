package org.streamail.workbench.client;

import java.util.List;

/**
 * The DKIM signing of outbound mail ({@code GET /dkim}): whether it is on, how DNS was asked ({@code dns}: the
 * resolver, or why none was; empty when the records were not looked up) and every configured key in configuration
 * order. Holds no secret. {@code keys} unmodifiable.
 */
public record DkimStatus(boolean enabled, String dns, List<DkimKey> keys) {

    public DkimStatus {
        keys = List.copyOf(keys);
    }
}
