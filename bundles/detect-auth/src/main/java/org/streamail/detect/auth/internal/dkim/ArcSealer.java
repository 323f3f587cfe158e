package org.streamail.detect.auth.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.detect.auth.internal.dkim.RawHeader.Field;

/**
 * Adds this gateway's ARC set to a message (RFC 8617 5.1): an ARC-Authentication-Results field with what the gateway
 * verified at receipt, an ARC-Message-Signature over the message as it is delivered, and an ARC-Seal over the chain.
 * The gateway changes inbound mail (links rewritten, active HTML removed), which breaks the senders' DKIM signatures
 * for the mailbox server; a mailbox server that trusts this sealer (Microsoft 365's "trusted ARC sealers", Gmail)
 * reads the authentication results the gateway saw instead of failing DMARC on what it changed.
 *
 * <p>As {@link DkimSigner} does, this signs with the code the verifiers check with: fields picked and canonicalised
 * by {@link DkimVerifier#signedFields}, each signature field by {@link DkimVerifier#withEmptyB} once parsed back by
 * {@link TagList}, the body hashed by {@link BodyHash.Canonicaliser}, relaxed/relaxed throughout; each signature is
 * checked with the public key before it is returned ({@link DkimSigner#signature}).
 *
 * <p>The chain (5.1.1 and 5.1.2): the instance is one more than the highest already there; none is added when that
 * would pass {@value ArcVerifier#MAX_INSTANCES}, when the newest seal already says {@code cv=fail} (the chain is
 * over), or when the message is this sealer's own output (its seal, the same sealer and authserv-id, is the first
 * field: a second pass adds nothing; the same set below other fields is a message that came back in, and is sealed
 * again). {@code cv} is {@code none} for the first set, {@code pass} when the chain as received was
 * complete and validated at receipt, else {@code fail}; a {@code fail} seal covers its own set only, as 5.1.2 says and
 * dkimpy does. Bounds: the header as {@link DkimSigner} reads it ({@value DkimSigner#MAX_FIELDS} fields, 8 MiB), the
 * results at most 4,000 printable ASCII characters. Stateless and thread-safe.
 */
public final class ArcSealer {

    /** The fields the ARC-Message-Signature signs, each as often as the message has it ({@code from} at least once). */
    public static final List<String> SIGNED = List.of("from", "to", "cc", "subject", "date", "message-id", "reply-to",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "dkim-signature", "list-id", "list-unsubscribe", "list-unsubscribe-post");

    private static final int AAR = 0;
    private static final int AMS = 1;
    private static final int AS = 2;
    private static final Pattern AAR_INSTANCE = Pattern.compile("[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*([0-9]{1,9})"
            + "[ \t\r\n]*;[ \t\r\n]*([^; \t\r\n]*)");

    /**
     * What sealing gave.
     *
     * @param fields   the fields to put on top of the message, CRLF-terminated (ARC-Seal, ARC-Message-Signature,
     *                 ARC-Authentication-Results), or none
     * @param instance the new set's instance, 0 when none
     * @param cv       the new seal's chain validation status, "" when none
     * @param skipped  why no set was added, "" when one was
     */
    public record Sealed(List<String> fields, int instance, String cv, String skipped) {
        public Sealed {
            fields = List.copyOf(fields);
        }

        static Sealed skipped(String why) {
            return new Sealed(List.of(), 0, "", why);
        }
    }

    private ArcSealer() {
    }

    /**
     * This gateway's ARC set for {@code raw}.
     *
     * @param key         the sealing key (its domain and selector go into d= and s=)
     * @param authservId  this gateway's authserv-id, as in its Authentication-Results field
     * @param results     the authentication results seen at receipt (RFC 8601 resinfo list, as in that field)
     * @param chainPassed whether the ARC chain the message arrived with validated at receipt (ignored without one)
     * @param now         the seals' time ({@code t=})
     * @throws IllegalArgumentException when the results are not 1 to 4,000 printable ASCII characters, or the header
     *                                  is larger than the sealer reads
     * @throws IllegalStateException    when the key cannot sign, or its signature does not verify with its public key
     */
    public static Sealed seal(byte[] raw, SigningKey key, String authservId, String results, boolean chainPassed,
            Instant now) {
        return seal(raw, 0, key, authservId, results, chainPassed, now);
    }

    /**
     * As {@link #seal(byte[], SigningKey, String, String, boolean, Instant)}, for a message whose first {@code ownTop}
     * bytes are fields the gateway writes above its set (its own Authentication-Results field): the message is this
     * sealer's own output when its seal is the first field from there.
     */
    public static Sealed seal(byte[] raw, int ownTop, SigningKey key, String authservId, String results,
            boolean chainPassed, Instant now) {
        Objects.requireNonNull(key, "key");
        if (results == null || !results.matches("[\\x20-\\x7e]{1,4000}")) {
            throw new IllegalArgumentException("the authentication results must be 1 to 4000 printable ASCII characters");
        }
        if (authservId == null || !authservId.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("the authserv-id must be a DNS name");
        }
        RawHeader header = RawHeader.read(raw, DkimSigner.MAX_FIELDS, DkimSigner.MAX_HEADER_BYTES);
        if (header.truncated()) {
            throw new IllegalArgumentException("the message header is larger than the sealer reads ("
                    + DkimSigner.MAX_FIELDS + " fields, " + (DkimSigner.MAX_HEADER_BYTES >> 20) + " MiB)");
        }

        // the chain as it is: the fields of each instance, and whether it is whole
        Field[][] sets = new Field[ArcVerifier.MAX_INSTANCES + 1][3];
        TagList[] seals = new TagList[ArcVerifier.MAX_INSTANCES + 1];
        String[] aarIds = new String[ArcVerifier.MAX_INSTANCES + 1];
        int newest = 0;
        boolean whole = true;
        for (Field f : header.fields()) {
            int kind = switch (f.name()) {
                case "arc-authentication-results" -> AAR;
                case "arc-message-signature" -> AMS;
                case "arc-seal" -> AS;
                default -> -1;
            };
            if (kind < 0) {
                continue;
            }
            String value = header.value(f);
            int instance = -1;
            TagList tags = null;
            if (kind == AAR) {
                Matcher m = AAR_INSTANCE.matcher(value);
                if (m.lookingAt()) {
                    instance = Integer.parseInt(m.group(1));
                    if (instance >= 1 && instance <= ArcVerifier.MAX_INSTANCES) {
                        aarIds[instance] = m.group(2).toLowerCase(Locale.ROOT);
                    }
                }
            } else {
                try {
                    tags = TagList.parse(value);
                    String i = tags.get("i");
                    instance = i != null && i.matches("[0-9]{1,9}") ? Integer.parseInt(i) : -1;
                } catch (TagList.InvalidException e) {
                    instance = -1;
                }
            }
            if (instance > ArcVerifier.MAX_INSTANCES) {
                return Sealed.skipped("the chain has more than " + ArcVerifier.MAX_INSTANCES + " sets");
            }
            if (instance < 1 || sets[instance][kind] != null) {
                whole = false;
                continue;
            }
            sets[instance][kind] = f;
            if (kind == AS) {
                seals[instance] = tags;
            }
            newest = Math.max(newest, instance);
        }
        for (int k = 1; k <= newest; k++) {
            whole &= sets[k][AAR] != null && sets[k][AMS] != null && sets[k][AS] != null;
        }
        if (newest == ArcVerifier.MAX_INSTANCES) {
            return Sealed.skipped("the chain has " + ArcVerifier.MAX_INSTANCES + " sets, the most there may be");
        }
        TagList top = seals[newest];
        if (top != null && "fail".equalsIgnoreCase(top.get("cv"))) {
            return Sealed.skipped("the chain ended before: its newest seal (i=" + newest + ") says cv=fail");
        }
        // our own output (the set on top of the header, nothing above it): a second pass adds nothing. The same set
        // below other fields is a message that left and came back in (a forward, a loop): it gets the next set.
        Field first = header.fields().stream().filter(f -> f.start() >= ownTop).findFirst().orElse(null);
        boolean ownOutput = first != null && first == sets[newest][AS];
        if (top != null && ownOutput && key.domain().equalsIgnoreCase(String.valueOf(top.get("d")))
                && key.selector().equalsIgnoreCase(String.valueOf(top.get("s")))
                && authservId.equalsIgnoreCase(String.valueOf(aarIds[newest]))) {
            return Sealed.skipped("its newest set (i=" + newest + ") is this gateway's own");
        }
        int i = newest + 1;
        String cv = newest == 0 ? "none" : whole && chainPassed ? "pass" : "fail";
        long t = now.getEpochSecond();

        // ARC-Authentication-Results, folded before each result as the Authentication-Results field is
        StringBuilder aar = new StringBuilder("ARC-Authentication-Results: i=").append(i).append("; ")
                .append(authservId.toLowerCase(Locale.ROOT)).append(';');
        String[] parts = results.split("; ");
        for (int p = 0; p < parts.length; p++) {
            aar.append("\r\n\t").append(parts[p]).append(p + 1 < parts.length ? ";" : "");
        }
        aar.append("\r\n");

        // ARC-Message-Signature: the DKIM signature of the message as delivered, with i= in place of v=
        byte[] head = header.raw();
        BodyHash.Canonicaliser body = new BodyHash.Canonicaliser(true, -1, DkimVerifier.sha256());
        body.update(head, header.bodyStart(), head.length - header.bodyStart());
        String bh = Base64.getEncoder().encodeToString(body.finish().digest());
        Map<String, List<Field>> byName = header.byName();
        List<String> signed = new ArrayList<>();
        for (String name : SIGNED) {
            int times = byName.getOrDefault(name, List.of()).size();
            if (name.equals("from")) {
                times = Math.max(times, 1);
            }
            for (int k = 0; k < times; k++) {
                signed.add(name);
            }
        }
        DkimSigner.Folder ams = new DkimSigner.Folder("ARC-Message-Signature:");
        ams.tag("i=" + i);
        ams.tag("a=" + key.algorithm().signatureAlgorithm());
        ams.tag("c=relaxed/relaxed");
        ams.tag("d=" + key.domain());
        ams.tag("s=" + key.selector());
        ams.tag("t=" + t);
        ams.list("h=", signed);
        ams.tag("bh=" + bh);
        ams.last("b=");
        String amsUnsigned = ams.text();
        ByteArrayOutputStream amsData = new ByteArrayOutputStream(4096);
        DkimVerifier.signedFields(head, byName, signed, true, amsData);
        String amsField = DkimSigner.signed(key, amsUnsigned, amsData, true);

        // ARC-Seal: over the sets 1..i in order (its own set only when cv=fail), its own b= empty, no line end
        DkimSigner.Folder as = new DkimSigner.Folder("ARC-Seal:");
        as.tag("i=" + i);
        as.tag("a=" + key.algorithm().signatureAlgorithm());
        as.tag("cv=" + cv);
        as.tag("d=" + key.domain());
        as.tag("s=" + key.selector());
        as.tag("t=" + t);
        as.last("b=");
        String asUnsigned = as.text();
        ByteArrayOutputStream asData = new ByteArrayOutputStream(8192);
        if (!cv.equals("fail")) {
            for (int k = 1; k < i; k++) {
                for (int kind = 0; kind < 3; kind++) {
                    Field f = sets[k][kind];
                    RawHeader.relaxed(head, f.start(), f.end(), f.colon(), asData);
                    asData.write('\r');
                    asData.write('\n');
                }
            }
        }
        RawHeader own = RawHeader.read((aar + amsField + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (Field f : own.fields()) {
            RawHeader.relaxed(own.raw(), f.start(), f.end(), f.colon(), asData);
            asData.write('\r');
            asData.write('\n');
        }
        String asField = DkimSigner.signed(key, asUnsigned, asData, true);
        return new Sealed(List.of(asField, amsField, aar.toString()), i, cv, "");
    }
}
