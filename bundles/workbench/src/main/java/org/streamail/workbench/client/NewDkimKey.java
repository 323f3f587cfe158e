package org.streamail.workbench.client;

/**
 * A key pair the gateway made ({@code POST /dkim/keys}): its domain (A-labels), selector, algorithm ({@code RSA},
 * {@code ED25519}), size and the private key's file on the gateway; the DNS record to publish before the key is used;
 * {@code keysEntry}, the entry to add to {@code keys} of {@code etc/org.streamail.dkim.sign.cfg}, and {@code keys},
 * the whole new value (the other domains' entries kept), which takes the place of the key of the same domain whose
 * selector {@code replaces} names (empty when there was none). Strings never {@code null}.
 */
public record NewDkimKey(String domain, String selector, String algorithm, String signatureAlgorithm, int bits,
        String file, DkimRecord record, String keysEntry, String keys, String replaces) {
}
