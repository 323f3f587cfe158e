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
 */
public record DkimSignatureResult(DkimResult result, String domain, String selector, String identity,
        String algorithm, String reason) {
}
