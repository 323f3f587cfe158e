package org.streamail.detect.auth.internal.spf;

import java.util.Objects;

/**
 * What {@link SpfEvaluator} concluded.
 *
 * @param result      the SPF result
 * @param domain      the domain checked
 * @param explanation short human text: the mechanism that matched ("ip4:192.0.2.0/24", "-all", "include:x.org"),
 *                    or why none/permerror/temperror; never null, at most 200 characters, no control characters
 * @param dnsLookups  how many DNS-querying terms (include, a, mx, ptr, exists, redirect) were evaluated
 */
public record SpfOutcome(SpfResult result, String domain, String explanation, int dnsLookups) {

    public SpfOutcome {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(explanation, "explanation");
    }
}
