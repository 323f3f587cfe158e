package org.streamail.detect.auth.internal.dmarc;

import java.util.Locale;

/** The DMARC result of a message (RFC 7489 11.2, the "dmarc=" of Authentication-Results). */
public enum DmarcResult {
    /** No DMARC record for the From domain or its organisational domain (or not a usable one). */
    NONE,
    /** An aligned SPF or DKIM pass. */
    PASS,
    /** A record was found and neither SPF nor DKIM passed aligned with the From domain. */
    FAIL,
    /** The record could not be looked up this time (a DNS failure another try may cure). */
    TEMPERROR,
    /** DMARC cannot apply to this message at all (no valid From domain). */
    PERMERROR;

    /** The result as Authentication-Results writes it: {@code none}, {@code pass}, ... */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
