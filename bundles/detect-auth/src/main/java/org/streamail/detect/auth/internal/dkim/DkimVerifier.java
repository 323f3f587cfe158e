package org.streamail.detect.auth.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.streamail.detect.auth.internal.dkim.RawHeader.Field;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.Names;
import org.streamail.detect.auth.internal.dns.DnsTemporaryException;

/**
 * Verifies the DKIM signatures of a raw message: RFC 6376 with RFC 8301 (no rsa-sha1, RSA keys of at least
 * {@code minRsaBits}) and RFC 8463 (ed25519-sha256). Each DKIM-Signature field of the top-level header gets its own
 * {@link DkimSignatureResult}; nothing here decides what a message's results mean (that is DMARC's and the
 * detector's job).
 *
 * <p>The message is read as bytes: a bare LF counts as CRLF, the header is read by {@link RawHeader} (bounded), the
 * body is hashed in one pass per distinct (canonicalisation, l=, hash) without copying it. Within one call key
 * records are looked up once per selector and domain. Any input gives results, never an exception: what cannot be
 * read is a PERMERROR, a DNS failure a TEMPERROR, and once {@code deadline} has passed the signatures not yet
 * verified are TEMPERROR "time-out". Stateless between calls and thread-safe.
 */
public final class DkimVerifier {

    /** How far in the future t= may be (the signer's clock may run ahead of ours). */
    static final long FUTURE_SKEW_SECONDS = 300;
    /** Entries in one h= list; more can only be an attack (a real header has far fewer fields to sign). */
    static final int MAX_SIGNED_FIELDS = 256;
    /** RSA moduli above this are refused: verifying costs grow with the key and no signer needs more. */
    static final int MAX_RSA_BITS = 8192;
    /** TXT records tried at one key name. */
    static final int MAX_KEY_RECORDS = 8;
    private static final int MAX_REASON = 200;
    /** SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key (RFC 8410): SEQ { SEQ { OID 1.3.101.112 }, BIT STRING }. */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21,
        0x00};
    /** AlgorithmIdentifier of rsaEncryption with NULL parameters, for keys published as bare PKCS#1 RSAPublicKey. */
    private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private final Dns dns;
    private final int maxSignatures;
    private final int minRsaBits;

    /**
     * @param dns           where key records are looked up
     * @param maxSignatures signatures verified per message (others ignored, the first N in header order)
     * @param minRsaBits    smallest RSA key accepted (1024 per RFC 8301)
     */
    public DkimVerifier(Dns dns, int maxSignatures, int minRsaBits) {
        this.dns = Objects.requireNonNull(dns, "dns");
        if (maxSignatures < 0 || minRsaBits < 0) {
            throw new IllegalArgumentException("maxSignatures and minRsaBits must not be negative");
        }
        this.maxSignatures = maxSignatures;
        this.minRsaBits = minRsaBits;
    }

    /**
     * Every DKIM-Signature header field of the raw message (top-level header only, the first {@code maxSignatures}),
     * verified, in header order; empty list when the message has none. Never throws for any input bytes.
     *
     * @param now      the time t= and x= are checked against
     * @param deadline after it, signatures not yet verified are TEMPERROR "time-out"
     */
    public List<DkimSignatureResult> verify(byte[] raw, Instant now, Instant deadline) {
        if (raw == null || maxSignatures == 0) {
            return List.of();
        }
        Instant at = now == null ? Instant.now() : now;
        Instant until = deadline == null ? Instant.MAX : deadline;
        RawHeader header = RawHeader.read(raw);
        List<Field> signatures = new ArrayList<>();
        for (Field f : header.fields()) {
            if (f.name().equals("dkim-signature") && signatures.size() < maxSignatures) {
                signatures.add(f);
            }
        }
        List<DkimSignatureResult> out = new ArrayList<>(signatures.size());
        Message message = new Message(header);
        for (Field f : signatures) {
            Check check = new Check();
            try {
                if (Instant.now().isAfter(until)) {
                    throw new Outcome(DkimResult.TEMPERROR, "time-out");
                }
                message.verify(f, at, until, check, false);
                out.add(check.result(DkimResult.PASS, ""));
            } catch (Outcome o) {
                out.add(check.result(o.result, o.getMessage()));
            } catch (RuntimeException | StackOverflowError e) {
                // a bug here must cost this signature, not the message's other results
                out.add(check.result(DkimResult.PERMERROR, "internal error: " + e.getClass().getSimpleName()));
            }
        }
        return out;
    }

    /** A verdict other than PASS, thrown to end one signature's checks. */
    private static final class Outcome extends Exception {
        private static final long serialVersionUID = 1L;
        final DkimResult result;

        Outcome(DkimResult result, String reason) {
            super(reason, null, false, false);
            this.result = result;
        }
    }

    private static Outcome permerror(String reason) {
        return new Outcome(DkimResult.PERMERROR, reason);
    }

    /** What one signature's result reports, filled in as its tags are read. */
    private static final class Check {
        String domain = "";
        String selector = "";
        String identity = "";
        String algorithm = "";
        boolean testing;
        long unsigned;

        DkimSignatureResult result(DkimResult r, String reason) {
            return new DkimSignatureResult(r, clean(domain), clean(selector), clean(identity), clean(algorithm),
                    r == DkimResult.PASS ? "" : clean(reason), testing, unsigned);
        }
    }

    /** A key look-up's outcome: the key, or why there is none. */
    private record Key(KeyRecord record, PublicKey key, Outcome failure) {
    }

    /** A verification of {@code header}'s message sharing body hashes and keys between calls (for ARC). */
    Message message(RawHeader header) {
        return new Message(header);
    }

    /**
     * One message's verification: its header, and the body hashes and keys its signatures share. Package-private
     * for {@link ArcVerifier}, which verifies an ARC-Message-Signature as a DKIM signature and an ARC-Seal with the
     * same keys.
     */
    final class Message {
        private final RawHeader header;
        private final byte[] raw;
        private final Map<String, BodyHash> bodyHashes = new HashMap<>();
        private final Map<String, Key> keys = new HashMap<>();
        /** Fields by lower-case name, top to bottom, for h= selection. */
        private final Map<String, List<Field>> byName;

        Message(RawHeader header) {
            this.header = header;
            this.raw = header.raw();
            this.byName = header.byName();
        }

        /**
         * An ARC-Message-Signature (RFC 8617 4.1.2): a DKIM signature without v=, whose i= is the ARC instance (the
         * caller reads it) and whose h= must not name ARC-Seal. The result's identity is "".
         */
        DkimSignatureResult verifyArcMessageSignature(Field field, Instant now, Instant deadline) {
            Check check = new Check();
            try {
                verify(field, now, deadline, check, true);
                return check.result(DkimResult.PASS, "");
            } catch (Outcome o) {
                return check.result(o.result, o.getMessage());
            }
        }

        /**
         * An ARC-Seal's signature (RFC 8617 5.1.2) over {@code data}, the sealed header fields the caller
         * canonicalised: a=, d=, s= and the key as for DKIM; no h= allowed, no body.
         */
        DkimSignatureResult verifySeal(TagList tags, byte[] data, Instant deadline) {
            Check check = new Check();
            try {
                String a = tags.get("a");
                String d = tags.get("d");
                String s = tags.get("s");
                check.algorithm = a != null && a.matches("[A-Za-z0-9-]{1,40}") ? a.toLowerCase(Locale.ROOT) : "";
                check.domain = d != null && validDomain(d) ? d.toLowerCase(Locale.ROOT) : "";
                check.selector = s != null && validDomain(s) ? s : "";
                for (String required : new String[] {"a", "b", "d", "s"}) {
                    if (tags.get(required) == null) {
                        throw permerror("missing tag " + required + "=");
                    }
                }
                if (tags.get("h") != null) {
                    throw permerror("h= not allowed in ARC-Seal");
                }
                if (!check.algorithm.equals("rsa-sha256") && !check.algorithm.equals("ed25519-sha256")) {
                    throw permerror("unknown algorithm a=" + a);
                }
                if (check.domain.isEmpty()) {
                    throw permerror("bad d=");
                }
                if (check.selector.isEmpty()) {
                    throw permerror("bad s=");
                }
                byte[] b = base64(tags.get("b"), "b");
                Key key = key(check.selector, check.domain);
                if (key.failure() != null) {
                    throw key.failure();
                }
                if (!key.record().type().equals(check.algorithm.substring(0, check.algorithm.indexOf('-')))) {
                    throw permerror("key type k=" + key.record().type() + " does not match a=" + check.algorithm);
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new Outcome(DkimResult.TEMPERROR, "time-out");
                }
                if (!signatureVerifies(check.algorithm, key.key(), data, b)) {
                    throw new Outcome(DkimResult.FAIL, "signature did not verify");
                }
                return check.result(DkimResult.PASS, "");
            } catch (Outcome o) {
                return check.result(o.result, o.getMessage());
            }
        }

        void verify(Field field, Instant now, Instant deadline, Check check, boolean arc) throws Outcome {
            TagList tags;
            try {
                tags = TagList.parse(header.value(field));
            } catch (TagList.InvalidException e) {
                throw permerror("malformed signature: " + e.getMessage());
            }
            String a = tags.get("a");
            String d = tags.get("d");
            String s = tags.get("s");
            // in an ARC-Message-Signature i= is the instance, not an identity
            String i = arc ? null : tags.get("i");
            String algorithm = a != null && a.matches("[A-Za-z0-9-]{1,40}") ? a.toLowerCase(Locale.ROOT) : "";
            String domain = d != null && validDomain(d) ? d.toLowerCase(Locale.ROOT) : "";
            String selector = s != null && validDomain(s) ? s : "";
            String identity = arc ? "" : i == null ? (domain.isEmpty() ? "" : "@" + domain) : identity(i);
            check.algorithm = algorithm;
            check.domain = domain;
            check.selector = selector;
            check.identity = identity;

            String v = tags.get("v");
            if (arc) {
                if (v != null) {
                    throw permerror("v= not allowed in ARC-Message-Signature");
                }
            } else if (v == null) {
                throw permerror("missing tag v=");
            } else if (!v.equals("1")) {
                throw permerror("unsupported version v=" + v);
            }
            for (String required : new String[] {"a", "b", "bh", "d", "h", "s"}) {
                if (tags.get(required) == null) {
                    throw permerror("missing tag " + required + "=");
                }
            }
            if (algorithm.equals("rsa-sha1")) {
                throw permerror("rsa-sha1 not accepted (RFC 8301)");
            }
            if (!algorithm.equals("rsa-sha256") && !algorithm.equals("ed25519-sha256")) {
                throw permerror("unknown algorithm a=" + a);
            }
            if (domain.isEmpty()) {
                throw permerror("bad d=");
            }
            if (selector.isEmpty()) {
                throw permerror("bad s=");
            }
            String identityDomain = domain;
            if (i != null) {
                int at = identity.lastIndexOf('@');
                if (at < 0) {
                    throw permerror("bad i=");
                }
                identityDomain = identity.substring(at + 1).toLowerCase(Locale.ROOT);
                if (!identityDomain.equals(domain) && !identityDomain.endsWith("." + domain)) {
                    throw permerror("i= not in d=");
                }
            }
            List<String> signed = signedFields(tags.get("h"));
            if (arc && signed.contains("arc-seal")) {
                throw permerror("h= includes ARC-Seal");
            }
            boolean[] canon = canonicalisation(tags.get("c"));
            String q = tags.get("q");
            if (q != null && !KeyRecord.listContains(q, "dns/txt")) {
                throw permerror("unsupported q=");
            }
            long t = number(tags.get("t"), "t");
            long x = number(tags.get("x"), "x");
            long l = number(tags.get("l"), "l");
            if (t >= 0 && x >= 0 && x < t) {
                throw permerror("x= before t=");
            }
            if (t >= 0 && t > now.getEpochSecond() + FUTURE_SKEW_SECONDS) {
                throw permerror("signature timestamp in the future");
            }
            if (x >= 0 && x < now.getEpochSecond()) {
                throw new Outcome(DkimResult.FAIL, "signature expired");
            }
            byte[] bh = base64(tags.get("bh"), "bh");
            byte[] b = base64(tags.get("b"), "b");
            if (header.truncated()) {
                throw permerror("header too large");
            }

            Key key = key(selector, domain);
            if (key.failure() != null) {
                throw key.failure();
            }
            if (!key.record().type().equals(algorithm.substring(0, algorithm.indexOf('-')))) {
                throw permerror("key type k=" + key.record().type() + " does not match a=" + algorithm);
            }
            check.testing = key.record().testing();
            if (key.record().strict() && !identityDomain.equals(domain)) {
                throw permerror("i= is a subdomain of d= but the key has t=s");
            }

            if (Instant.now().isAfter(deadline)) {
                throw new Outcome(DkimResult.TEMPERROR, "time-out");
            }
            BodyHash body = bodyHash(canon[1], l);
            if (l >= 0 && l > body.length()) {
                throw permerror("l= exceeds the body length");
            }
            check.unsigned = l >= 0 ? body.length() - l : 0;
            if (!MessageDigest.isEqual(body.digest(), bh)) {
                throw new Outcome(DkimResult.FAIL, "body hash did not verify");
            }
            byte[] data = headerData(field, tags.tag("b"), signed, canon[0]);
            if (!signatureVerifies(algorithm, key.key(), data, b)) {
                throw new Outcome(DkimResult.FAIL, "signature did not verify");
            }
        }

        private BodyHash bodyHash(boolean relaxed, long l) {
            String id = (relaxed ? "relaxed/" : "simple/") + l + "/sha256";
            BodyHash h = bodyHashes.get(id);
            if (h == null) {
                h = BodyHash.compute(raw, header.bodyStart(), relaxed, l, sha256());
                bodyHashes.put(id, h);
            }
            return h;
        }

        /** The signed header data: the h= fields, then this signature field with its b= value emptied, no line end. */
        private byte[] headerData(Field sig, TagList.Tag bTag, List<String> signed, boolean relaxed) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            signedFields(raw, byName, signed, relaxed, out);
            withEmptyB(raw, sig, bTag, relaxed, out);
            return out.toByteArray();
        }

        private Key key(String selector, String domain) {
            String name = selector + "._domainkey." + domain;
            Key k = keys.get(name.toLowerCase(Locale.ROOT));
            if (k == null) {
                k = lookUp(name);
                keys.put(name.toLowerCase(Locale.ROOT), k);
            }
            return k;
        }

        private Key lookUp(String name) {
            if (name.length() > 253) {
                return new Key(null, null, permerror("key name too long"));
            }
            List<String> records;
            try {
                records = dns.txt(name);
            } catch (DnsTemporaryException e) {
                return new Key(null, null, new Outcome(DkimResult.TEMPERROR, "key look-up failed: " + e.getMessage()));
            } catch (RuntimeException e) {
                return new Key(null, null, new Outcome(DkimResult.TEMPERROR, "key look-up failed"));
            }
            if (records == null || records.isEmpty()) {
                return new Key(null, null, permerror("no key"));
            }
            String firstProblem = null;
            for (int r = 0; r < records.size() && r < MAX_KEY_RECORDS; r++) {
                String txt = records.get(r);
                if (txt == null) {
                    continue;
                }
                KeyRecord record;
                try {
                    record = KeyRecord.parse(txt);
                } catch (TagList.InvalidException e) {
                    firstProblem = firstProblem == null ? e.getMessage() : firstProblem;
                    continue;
                }
                if (record.revoked()) {
                    return new Key(record, null, permerror("key revoked"));
                }
                try {
                    return new Key(record, publicKey(record), null);
                } catch (Outcome o) {
                    return new Key(record, null, o);
                }
            }
            return new Key(null, null, permerror("bad key record: " + firstProblem));
        }

        private PublicKey publicKey(KeyRecord record) throws Outcome {
            byte[] p = record.publicKey();
            try {
                if (record.type().equals("ed25519")) {
                    if (p.length != 32) {
                        throw permerror("ed25519 key is not 32 bytes");
                    }
                    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                    System.arraycopy(p, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                }
                KeyFactory rsa = KeyFactory.getInstance("RSA");
                PublicKey key;
                try {
                    key = rsa.generatePublic(new X509EncodedKeySpec(p));
                } catch (GeneralSecurityException e) {
                    // some domains publish the bare PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo
                    key = rsa.generatePublic(new X509EncodedKeySpec(wrapPkcs1(p)));
                }
                if (!(key instanceof RSAPublicKey rsaKey)) {
                    throw permerror("not an RSA key");
                }
                int bits = rsaKey.getModulus().bitLength();
                if (bits < minRsaBits) {
                    throw permerror("key too short: " + bits + " bits");
                }
                if (bits > MAX_RSA_BITS) {
                    throw permerror("key too long: " + bits + " bits");
                }
                return key;
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw permerror("unreadable " + record.type() + " key");
            }
        }
    }

    /**
     * The h= fields of a header canonicalised, each followed by CRLF: the first piece of the data a signature signs,
     * shared by the verifier and {@link DkimSigner} so that both pick the same fields. Each name is picked from the
     * bottom up (the second "from" in h= is the second From from the bottom), and a name listed more often than it
     * occurs contributes nothing for the extra entries: that is what makes over-signing refuse an added field.
     *
     * @param byName the header's fields by lower-case name ({@link RawHeader#byName()})
     * @param signed the h= names, lower case
     */
    static void signedFields(byte[] raw, Map<String, List<Field>> byName, List<String> signed, boolean relaxed,
            ByteArrayOutputStream out) {
        Map<String, Integer> used = new HashMap<>();
        for (String name : signed) {
            List<Field> all = byName.getOrDefault(name, List.of());
            int n = used.merge(name, 1, Integer::sum);
            if (n > all.size()) {
                continue;
            }
            Field f = all.get(all.size() - n);
            if (relaxed) {
                RawHeader.relaxed(raw, f.start(), f.end(), f.colon(), out);
            } else {
                RawHeader.simple(raw, f.start(), f.end(), out);
            }
            out.write('\r');
            out.write('\n');
        }
    }

    /**
     * A signature field canonicalised with its b= value emptied (every other byte kept) and no line end: the last
     * piece of the data a DKIM signature, an ARC-Message-Signature and an ARC-Seal sign.
     *
     * @param bTag the b= tag of the field's value, parsed from {@link RawHeader#value}
     */
    static void withEmptyB(byte[] raw, Field sig, TagList.Tag bTag, boolean relaxed, ByteArrayOutputStream out) {
        int valueStart = sig.colon() + 1;
        int cutFrom = valueStart + bTag.afterEquals();
        int cutTo = valueStart + bTag.end();
        byte[] field = new byte[(cutFrom - sig.start()) + (sig.end() - cutTo)];
        System.arraycopy(raw, sig.start(), field, 0, cutFrom - sig.start());
        System.arraycopy(raw, cutTo, field, cutFrom - sig.start(), sig.end() - cutTo);
        if (relaxed) {
            RawHeader.relaxed(field, 0, field.length, sig.colon() - sig.start(), out);
        } else {
            RawHeader.simple(field, 0, field.length, out);
        }
    }

    private static boolean signatureVerifies(String algorithm, PublicKey key, byte[] data, byte[] b) throws Outcome {
        try {
            Signature sig;
            byte[] signed;
            if (algorithm.equals("ed25519-sha256")) {
                // RFC 8463 3: Ed25519 signs the SHA-256 hash of the data, not the data (PureEdDSA over the hash)
                sig = Signature.getInstance("Ed25519");
                signed = sha256().digest(data);
            } else {
                sig = Signature.getInstance("SHA256withRSA");
                signed = data;
            }
            sig.initVerify(key);
            sig.update(signed);
            return sig.verify(b);
        } catch (InvalidKeyException e) {
            throw permerror("key unusable for " + algorithm);
        } catch (SignatureException e) {
            return false;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** h=: lower-case field names, "from" required. */
    private static List<String> signedFields(String h) throws Outcome {
        String list = TagList.stripFws(h);
        List<String> names = new ArrayList<>();
        int pos = 0;
        while (pos <= list.length()) {
            int colon = list.indexOf(':', pos);
            int end = colon < 0 ? list.length() : colon;
            String name = list.substring(pos, end);
            if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw permerror("bad h=");
            }
            if (names.size() >= MAX_SIGNED_FIELDS) {
                throw permerror("too many fields in h=");
            }
            names.add(name.toLowerCase(Locale.ROOT));
            if (colon < 0) {
                break;
            }
            pos = colon + 1;
        }
        if (!names.contains("from")) {
            throw permerror("From not signed (h=)");
        }
        return names;
    }

    /** c=: {header relaxed, body relaxed}; simple/simple by default, a lone header value means simple body. */
    private static boolean[] canonicalisation(String c) throws Outcome {
        if (c == null) {
            return new boolean[] {false, false};
        }
        String v = c.toLowerCase(Locale.ROOT);
        int slash = v.indexOf('/');
        String head = slash < 0 ? v : v.substring(0, slash);
        String body = slash < 0 ? "simple" : v.substring(slash + 1);
        boolean[] out = new boolean[2];
        String[] parts = {head, body};
        for (int k = 0; k < 2; k++) {
            if (parts[k].equals("relaxed")) {
                out[k] = true;
            } else if (!parts[k].equals("simple")) {
                throw permerror("unknown canonicalisation c=" + c);
            }
        }
        return out;
    }

    /** A decimal tag value (t=, x=, l=), -1 when absent. */
    private static long number(String value, String tag) throws Outcome {
        if (value == null) {
            return -1;
        }
        if (!value.matches("[0-9]{1,18}")) {
            throw permerror("bad " + tag + "=");
        }
        return Long.parseLong(value);
    }

    private static byte[] base64(String value, String tag) throws Outcome {
        try {
            byte[] decoded = Base64.getDecoder().decode(TagList.stripFws(value));
            if (decoded.length == 0) {
                throw permerror("empty " + tag + "=");
            }
            return decoded;
        } catch (IllegalArgumentException e) {
            throw permerror("bad " + tag + "= (not base64)");
        }
    }

    /** i= without FWS when it is printable ASCII with an '@' and a valid domain after it, else "". */
    private static String identity(String i) {
        String v = TagList.stripFws(i);
        int at = v.lastIndexOf('@');
        if (at < 0 || v.length() > 320 || !v.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return "";
        }
        return validDomain(v.substring(at + 1)) ? v : "";
    }

    /** A DNS name of LDH (and underscore) labels, as d= and s= must be. */
    static boolean validDomain(String d) {
        return Names.valid(d, Names.LDH_UNDERSCORE);
    }

    /** SubjectPublicKeyInfo around a PKCS#1 RSAPublicKey. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        ByteArrayOutputStream bitString = new ByteArrayOutputStream();
        bitString.write(0x03);
        derLength(pkcs1.length + 1, bitString);
        bitString.write(0);
        bitString.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        derLength(RSA_ALGORITHM_ID.length + bitString.size(), out);
        out.writeBytes(RSA_ALGORITHM_ID);
        out.writeBytes(bitString.toByteArray());
        return out.toByteArray();
    }

    private static void derLength(int n, ByteArrayOutputStream out) {
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** At most {@value #MAX_REASON} characters, control characters as '?'. */
    private static String clean(String s) {
        if (s == null) {
            return "";
        }
        String t = s.length() > MAX_REASON ? s.substring(0, MAX_REASON) : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (int k = 0; k < t.length(); k++) {
            char c = t.charAt(k);
            sb.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ? '?' : c);
        }
        return sb.toString();
    }
}
