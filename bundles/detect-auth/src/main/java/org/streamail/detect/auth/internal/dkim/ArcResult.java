package org.streamail.detect.auth.internal.dkim;

/**
 * The outcome of validating a message's ARC chain (RFC 8617 section 5.2).
 *
 * @param chain       "none" (no ARC header fields), "pass" or "fail": the chain validation status (cv) of the whole
 *                    chain as validated here; a DNS failure or the deadline is a "fail" whose reason starts with
 *                    "temperror: " (not validated, not proven forged)
 * @param instances   the number of ARC sets (0 for none); for a "fail", the distinct instances read before it
 * @param sealer      d= of the newest ARC-Seal, lower case ("" when chain is not "pass")
 * @param authResults the newest ARC-Authentication-Results value without its "i=N;" prefix, unfolded, control
 *                    characters removed, at most 1,000 characters ("" when chain is not "pass")
 * @param reason      short human text for a "fail" ("ARC-Seal i=2 did not verify", "instance 3 missing", ...), ""
 *                    otherwise
 */
public record ArcResult(String chain, int instances, String sealer, String authResults, String reason) {

    /** The result of a message without ARC header fields. */
    public static final ArcResult NONE = new ArcResult("none", 0, "", "", "");
}
