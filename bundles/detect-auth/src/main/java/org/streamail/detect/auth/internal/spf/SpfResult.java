package org.streamail.detect.auth.internal.spf;

import java.util.Locale;

/** The result of an SPF check (RFC 7208 section 2.6). */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** RFC 8601 / RFC 7208 spelling: "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror". */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
