package org.streamail.detect.auth.internal.dkim;

import java.util.Base64;

/**
 * A DKIM key record (RFC 6376 3.6.1, RFC 8463 4.2) as published in TXT at {@code <s>._domainkey.<d>}.
 *
 * @param type      "rsa" or "ed25519" (k=, default rsa)
 * @param publicKey the decoded p= value; empty when the key is revoked
 * @param testing   t=y: the domain is testing DKIM
 * @param strict    t=s: i= must be in d= itself, not a subdomain
 */
record KeyRecord(String type, byte[] publicKey, boolean testing, boolean strict) {

    /** Reads one TXT record; throws with a short reason when it is not a usable DKIM key record. */
    static KeyRecord parse(String txt) throws TagList.InvalidException {
        TagList tags = TagList.parse(txt);
        String v = tags.get("v");
        if (v != null && (!"v".equals(tags.firstName()) || !"DKIM1".equals(v))) {
            throw new TagList.InvalidException("key record v= is not DKIM1 first");
        }
        String k = tags.get("k");
        String type = k == null ? "rsa" : k;
        if (!"rsa".equals(type) && !"ed25519".equals(type)) {
            throw new TagList.InvalidException("unknown key type k=" + type);
        }
        String h = tags.get("h");
        if (h != null && !listContains(h, "sha256")) {
            throw new TagList.InvalidException("key h= does not allow sha256");
        }
        String s = tags.get("s");
        if (s != null && !listContains(s, "email") && !listContains(s, "*")) {
            throw new TagList.InvalidException("key not for email (s=)");
        }
        String p = tags.get("p");
        if (p == null) {
            throw new TagList.InvalidException("key record without p=");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(TagList.stripFws(p));
        } catch (IllegalArgumentException e) {
            throw new TagList.InvalidException("key p= is not base64");
        }
        String t = tags.get("t");
        return new KeyRecord(type, key, t != null && listContains(t, "y"), t != null && listContains(t, "s"));
    }

    boolean revoked() {
        return publicKey.length == 0;
    }

    /** Whether a colon-separated list (FWS allowed around items) has {@code item}. */
    static boolean listContains(String list, String item) {
        for (String x : TagList.stripFws(list).split(":", 65)) {
            if (x.equals(item)) {
                return true;
            }
        }
        return false;
    }
}
