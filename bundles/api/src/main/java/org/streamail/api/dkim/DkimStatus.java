package org.streamail.api.dkim;

import java.util.List;

/**
 * Outbound signing as configured.
 *
 * @param enabled whether outbound mail is signed (the signing component is enabled and its configuration valid)
 * @param keys    every configured key, in configuration order
 * @param dns     how the records were looked up, for the operator: the resolver asked, or why none was
 *                ({@code ""} when DNS was not asked)
 */
public record DkimStatus(boolean enabled, List<DkimKeyStatus> keys, String dns) {
    public DkimStatus {
        keys = List.copyOf(keys);
        dns = dns == null ? "" : dns;
    }
}
