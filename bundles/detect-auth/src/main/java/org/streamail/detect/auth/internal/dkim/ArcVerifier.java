package org.streamail.detect.auth.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.streamail.detect.auth.internal.dkim.RawHeader.Field;
import org.streamail.detect.auth.internal.dns.Dns;

/**
 * Validates the ARC chain of a raw message (RFC 8617 section 5.2): the ARC sets of the top-level header are
 * collected by instance, their structure checked (instances 1..N each complete and once, N at most
 * {@value #MAX_INSTANCES}, cv=none at i=1 and cv=pass above, no cv=fail on top), the newest
 * ARC-Message-Signature verified as a DKIM signature would be, then every ARC-Seal from the newest down.
 *
 * <p>Whether a validated chain is believed (its newest sealer trusted) is the caller's decision. Keys, header
 * reading, canonicalisation and signature checks are {@link DkimVerifier}'s, so the same limits apply (header of
 * at most 1,000 fields and 1 MiB, RSA keys of {@code minRsaBits} to 8,192 bits). A DNS failure or the deadline
 * makes the chain "fail" with a reason starting "temperror: ". Any input gives a result, never an exception.
 * Stateless between calls and thread-safe.
 */
public final class ArcVerifier {

    /** Most ARC sets a chain may have (RFC 8617 4.2.1). */
    static final int MAX_INSTANCES = 50;
    /** Most characters of {@link ArcResult#authResults()}. */
    static final int MAX_AUTH_RESULTS = 1_000;
    private static final int MAX_REASON = 200;
    private static final int AAR = 0;
    private static final int AMS = 1;
    private static final int AS = 2;
    private static final String[] NAMES = {"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"};
    /** The "i=N;" that starts an ARC-Authentication-Results value (RFC 8617 4.1.1), FWS allowed around its parts. */
    private static final Pattern AAR_INSTANCE = Pattern.compile("[ \t\r\n]*i[ \t\r\n]*=[ \t\r\n]*([0-9]{1,9})"
            + "[ \t\r\n]*;");

    private final DkimVerifier dkim;

    /**
     * @param dns        where the sealers' and signers' keys are looked up
     * @param minRsaBits smallest RSA key accepted (1024 per RFC 8301)
     */
    public ArcVerifier(Dns dns, int minRsaBits) {
        this.dkim = new DkimVerifier(Objects.requireNonNull(dns, "dns"), 1, minRsaBits);
    }

    /**
     * The ARC chain of the raw message, validated. Never throws for any input bytes.
     *
     * @param now      the time the ARC-Message-Signature's t= and x= are checked against
     * @param deadline after it, what is not yet verified makes the chain "fail" with reason "temperror: time-out"
     */
    public ArcResult verify(byte[] raw, Instant now, Instant deadline) {
        if (raw == null) {
            return ArcResult.NONE;
        }
        Chain chain = new Chain();
        try {
            return validate(raw, now == null ? Instant.now() : now, deadline == null ? Instant.MAX : deadline,
                    chain);
        } catch (RuntimeException | StackOverflowError e) {
            // a bug here must cost the chain, not the message's other results
            return fail(chain.count, "internal error: " + e.getClass().getSimpleName());
        }
    }

    /** The ARC fields read so far, by instance and kind, with the parsed tags of the signatures. */
    private static final class Chain {
        final Field[][] fields = new Field[MAX_INSTANCES + 1][3];
        final TagList[][] tags = new TagList[MAX_INSTANCES + 1][3];
        int count;
        int newest;
    }

    private ArcResult validate(byte[] raw, Instant now, Instant deadline, Chain chain) {
        RawHeader header = RawHeader.read(raw);
        boolean any = false;
        for (Field f : header.fields()) {
            int kind = kind(f.name());
            if (kind < 0) {
                continue;
            }
            any = true;
            String value = header.value(f);
            int instance;
            if (kind == AAR) {
                Matcher m = AAR_INSTANCE.matcher(value);
                if (!m.lookingAt()) {
                    return fail(chain.count, NAMES[kind] + " without i=");
                }
                instance = Integer.parseInt(m.group(1));
            } else {
                TagList tags;
                try {
                    tags = TagList.parse(value);
                } catch (TagList.InvalidException e) {
                    return fail(chain.count, "malformed " + NAMES[kind] + ": " + e.getMessage());
                }
                String i = tags.get("i");
                if (i == null || !i.matches("[0-9]{1,9}")) {
                    return fail(chain.count, NAMES[kind] + " without a valid i=");
                }
                instance = Integer.parseInt(i);
                if (instance >= 1 && instance <= MAX_INSTANCES) {
                    chain.tags[instance][kind] = tags;
                }
            }
            if (instance < 1) {
                return fail(chain.count, NAMES[kind] + " with i=0");
            }
            if (instance > MAX_INSTANCES) {
                return fail(chain.count, "more than " + MAX_INSTANCES + " instances");
            }
            if (chain.fields[instance][kind] != null) {
                return fail(chain.count, "instance " + instance + " duplicated (" + NAMES[kind] + ")");
            }
            if (chain.fields[instance][AAR] == null && chain.fields[instance][AMS] == null
                    && chain.fields[instance][AS] == null) {
                chain.count++;
            }
            chain.fields[instance][kind] = f;
            chain.newest = Math.max(chain.newest, instance);
        }
        if (!any) {
            return ArcResult.NONE;
        }
        if (header.truncated()) {
            return fail(chain.count, "header too large");
        }
        int n = chain.newest;
        TagList top = chain.tags[n][AS];
        if (top != null && "fail".equalsIgnoreCase(top.get("cv"))) {
            return fail(chain.count, "newest ARC-Seal has cv=fail");
        }
        for (int k = 1; k <= n; k++) {
            for (int kind = 0; kind < 3; kind++) {
                if (chain.fields[k][kind] == null) {
                    return fail(chain.count, "instance " + k + " missing (" + NAMES[kind] + ")");
                }
            }
            String cv = chain.tags[k][AS].get("cv");
            String expected = k == 1 ? "none" : "pass";
            if (!expected.equalsIgnoreCase(cv)) {
                return fail(n, "ARC-Seal i=" + k + " has cv=" + (cv == null ? "(none)" : cv) + ", not " + expected);
            }
        }

        DkimVerifier.Message message = dkim.message(header);
        if (Instant.now().isAfter(deadline)) {
            return fail(n, "temperror: time-out");
        }
        DkimSignatureResult ams = message.verifyArcMessageSignature(chain.fields[n][AMS], now, deadline);
        if (ams.result() != DkimResult.PASS) {
            return signatureFailure(n, "ARC-Message-Signature i=" + n, ams);
        }
        for (int k = n; k >= 1; k--) {
            if (Instant.now().isAfter(deadline)) {
                return fail(n, "temperror: time-out");
            }
            TagList seal = chain.tags[k][AS];
            if (seal.tag("b") == null) {
                return fail(n, "ARC-Seal i=" + k + " did not verify: missing tag b=");
            }
            DkimSignatureResult as = message.verifySeal(seal, sealedData(header, chain, k), deadline);
            if (as.result() != DkimResult.PASS) {
                return signatureFailure(n, "ARC-Seal i=" + k, as);
            }
        }
        return new ArcResult("pass", n, chain.tags[n][AS].get("d").toLowerCase(Locale.ROOT),
                authResults(header, chain.fields[n][AAR]), "");
    }

    /**
     * What ARC-Seal {@code i} signs (RFC 8617 5.1.2): the ARC sets 1..i, each as AAR, AMS, AS, relaxed and ended by
     * CRLF, except the last AS, whose b= value is emptied and which has no line end.
     */
    private static byte[] sealedData(RawHeader header, Chain chain, int i) {
        byte[] raw = header.raw();
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        for (int k = 1; k <= i; k++) {
            for (int kind = 0; kind < 3; kind++) {
                Field f = chain.fields[k][kind];
                if (k == i && kind == AS) {
                    DkimVerifier.withEmptyB(raw, f, chain.tags[k][AS].tag("b"), true, out);
                } else {
                    RawHeader.relaxed(raw, f.start(), f.end(), f.colon(), out);
                    out.write('\r');
                    out.write('\n');
                }
            }
        }
        return out.toByteArray();
    }

    private static ArcResult signatureFailure(int instances, String what, DkimSignatureResult r) {
        if (r.result() == DkimResult.TEMPERROR) {
            return fail(instances, "temperror: " + what + ": " + r.reason());
        }
        return fail(instances, what + " did not verify: " + r.reason());
    }

    /** The AAR value after "i=N;", as UTF-8 (RFC 8616), unfolded, WSP runs as one SP, no control characters. */
    private static String authResults(RawHeader header, Field aar) {
        String value = new String(header.raw(), aar.colon() + 1, aar.end() - aar.colon() - 1,
                StandardCharsets.UTF_8);
        Matcher m = AAR_INSTANCE.matcher(value);
        String payload = m.lookingAt() ? value.substring(m.end()) : value;
        StringBuilder sb = new StringBuilder(Math.min(payload.length(), MAX_AUTH_RESULTS));
        boolean space = false;
        for (int k = 0; k < payload.length() && sb.length() < MAX_AUTH_RESULTS; k++) {
            char c = payload.charAt(k);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                space = sb.length() > 0;
            } else if (!control(c)) {
                if (space && sb.length() + 2 > MAX_AUTH_RESULTS) {
                    break;
                }
                if (space) {
                    sb.append(' ');
                    space = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int kind(String name) {
        return switch (name) {
            case "arc-authentication-results" -> AAR;
            case "arc-message-signature" -> AMS;
            case "arc-seal" -> AS;
            default -> -1;
        };
    }

    private static ArcResult fail(int instances, String reason) {
        String r = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        StringBuilder sb = new StringBuilder(r.length());
        for (int k = 0; k < r.length(); k++) {
            char c = r.charAt(k);
            sb.append(control(c) ? '?' : c);
        }
        return new ArcResult("fail", instances, "", "", sb.toString());
    }

    private static boolean control(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
    }
}
