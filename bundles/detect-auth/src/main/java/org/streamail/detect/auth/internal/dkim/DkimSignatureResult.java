package org.streamail.detect.auth.internal.dkim;

/**
 * One DKIM-Signature field's outcome.
 *
 * @param result    the verdict for this signature
 * @param domain    the d= value, lower case ("" if unreadable)
 * @param selector  s= ("" if unreadable)
 * @param identity  i= (or "@"+d when absent; "" if unreadable)
 * @param algorithm a= ("" if unreadable)
 * @param reason    short human text for non-PASS ("body hash did not verify", "key revoked", "signature expired",
 *                  "rsa-sha1 not accepted (RFC 8301)", "key too short: 512 bits", ...), "" for PASS; at most 200
 *                  characters, no control characters
 * @param testing   the key says t=y: the domain is testing DKIM; RFC 6376 (3.6.1) wants its mail treated no worse
 *                  than unsigned mail, even when the signature fails
 * @param unsigned  canonical body bytes after the l= length the signature covers (0 without l=): text anyone may
 *                  have appended to the signed message
 */
public record DkimSignatureResult(DkimResult result, String domain, String selector, String identity,
        String algorithm, String reason, boolean testing, long unsigned) {

    /** A result of a key without t=y and a signature over the whole body. */
    public DkimSignatureResult(DkimResult result, String domain, String selector, String identity, String algorithm,
            String reason) {
        this(result, domain, selector, identity, algorithm, reason, false, 0);
    }

    /**
     * Whether this signature vouches for its domain (for DMARC): it verifies over the whole body. A verified signature
     * of a key in testing mode still does, as the large receivers count it.
     */
    public boolean vouches() {
        return result == DkimResult.PASS && unsigned == 0;
    }
}
