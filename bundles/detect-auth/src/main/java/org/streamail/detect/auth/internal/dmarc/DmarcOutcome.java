package org.streamail.detect.auth.internal.dmarc;

import java.util.Objects;

/**
 * What DMARC says about one message.
 *
 * @param result the DMARC result
 * @param fromDomain the RFC5322.From domain evaluated (as given, lower-case)
 * @param policyDomain where the record was found ("" when none)
 * @param policy the published p= ("none","quarantine","reject"), "" when no record
 * @param applied what the receiver should do after sp=, pct=: "none","quarantine","reject" (FAIL only; "none"
 *        otherwise)
 * @param spfAligned SPF passed for a domain aligned with the From domain
 * @param dkimAligned a DKIM signature passed for a domain aligned with the From domain
 * @param reason short human text, at most 200 characters
 */
public record DmarcOutcome(DmarcResult result, String fromDomain, String policyDomain, String policy,
        String applied, boolean spfAligned, boolean dkimAligned, String reason) {

    static final int MAX_REASON = 200;

    public DmarcOutcome {
        Objects.requireNonNull(result, "result");
        fromDomain = Objects.requireNonNullElse(fromDomain, "");
        policyDomain = Objects.requireNonNullElse(policyDomain, "");
        policy = Objects.requireNonNullElse(policy, "");
        applied = Objects.requireNonNullElse(applied, "none");
        reason = Objects.requireNonNullElse(reason, "");
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 3) + "...";
        }
    }
}
