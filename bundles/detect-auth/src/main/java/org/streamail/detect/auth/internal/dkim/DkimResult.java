package org.streamail.detect.auth.internal.dkim;

import java.util.Locale;

/** The outcome of one DKIM signature (RFC 6376 section 6.1, result names of RFC 8601 section 2.7.1). */
public enum DkimResult {
    PASS, FAIL, NEUTRAL, POLICY, TEMPERROR, PERMERROR;

    /** RFC 8601 spelling: "pass", "fail", "neutral", "policy", "temperror", "permerror". */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
