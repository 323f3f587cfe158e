package org.streamail.detect.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.net.InternetDomainName;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.model.RawHeaderFields;
import org.streamail.api.net.IpBlock;
import org.streamail.detect.auth.internal.dkim.ArcResult;
import org.streamail.detect.auth.internal.dkim.ArcVerifier;
import org.streamail.detect.auth.internal.dkim.DkimResult;
import org.streamail.detect.auth.internal.dkim.DkimRfc8463Test;
import org.streamail.detect.auth.internal.dkim.DkimSignatureResult;
import org.streamail.detect.auth.internal.dkim.DkimSigner;
import org.streamail.detect.auth.internal.dkim.DkimVerifier;
import org.streamail.detect.auth.internal.dkim.SigningKey;
import org.streamail.detect.auth.internal.dkim.TestSigner;
import org.streamail.detect.auth.internal.dmarc.DmarcEvaluator;
import org.streamail.detect.auth.internal.dmarc.DmarcOutcome;
import org.streamail.detect.auth.internal.dmarc.DmarcResult;
import org.streamail.detect.auth.internal.dns.Zone;
import org.streamail.detect.auth.internal.spf.SpfEvaluator;
import org.streamail.detect.auth.internal.spf.SpfOutcome;

/**
 * Fuzzes what sender authentication reads from the sender's side: a raw message's DKIM signatures
 * ({@link DkimVerifier}), SPF records ({@link SpfEvaluator}), DMARC records and domains ({@link DmarcEvaluator}),
 * forged Authentication-Results fields ({@link AuthResultsTransformer}) and the Received fields of forwarding relays
 * ({@link AuthChecker#hopBeforeRelays}); and the other way round, what the DKIM signer makes of any message, checked by
 * the verifier ({@link #dkimSignThenVerify}). In {@code mvn test} the seeds under
 * {@code src/test/resources/.../AuthFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=AuthFuzzTest#<method>} fuzzes. Each target checks the reader's contract
 * (bounds, what a PASS requires), not only that nothing escapes.
 *
 * <p>Input layout, so that a seed is readable: the last one to three bytes choose the fixed parameters (the
 * {@link FuzzedDataProvider} takes numbers from the end), the rest is the text read, in UTF-8 and split at line
 * feeds where a target needs several strings (DKIM and Authentication-Results take the rest as raw message bytes).
 */
class AuthFuzzTest {

    /**
     * RFC 8463 A.2's Ed25519 ({@code brisbane}) and RSA ({@code test}) keys of football.example.com. Fixed keys, not
     * generated ones: a seed is a file, and only a key that is the same on every run lets a signed seed (RFC 8463
     * A.3's message) reach the signature check and pass, so that the fuzzer starts from the deepest path.
     */
    private static final Zone KEYS = DkimRfc8463Test.rfcZone();
    private static final String KEY_DOMAIN = "football.example.com";
    /** The RFC message's t= is 1528637909: just after it, long after it, before it (t= in the future), and 1970. */
    private static final Instant[] NOWS = {Instant.ofEpochSecond(1528637909L + 60),
        Instant.parse("2026-12-07T00:00:00Z"), Instant.ofEpochSecond(1528637909L - 3600), Instant.EPOCH};
    private static final int MAX_REASON = 200;

    /**
     * DKIM over a raw message (trailer: whether the deadline has passed, the "now", the signature limit). Never
     * throws, at most the limit of results, each reason short and printable, and a PASS only for a signature the
     * zone's keys can have made, in a message that holds a DKIM-Signature field.
     */
    @FuzzTest(maxDuration = "60s")
    void dkimVerify(FuzzedDataProvider in) {
        int maxSignatures = in.consumeInt(1, 6);
        Instant now = in.pickValue(NOWS);
        Instant deadline = in.consumeInt(0, 7) == 0 ? Instant.EPOCH : Instant.MAX;
        byte[] raw = in.consumeRemainingAsBytes();

        List<DkimSignatureResult> results = new DkimVerifier(KEYS, maxSignatures, 1024).verify(raw, now, deadline);

        assertThat(results).isNotNull().hasSizeLessThanOrEqualTo(maxSignatures);
        // the most generous reader of the header must see at least the fields the verifier read
        assertThat(results).hasSizeLessThanOrEqualTo(RawHeaderFields.starts(raw, "DKIM-Signature", false).size());
        for (DkimSignatureResult r : results) {
            assertThat(r.result()).isNotNull();
            assertThat(List.of(r.domain(), r.selector(), r.identity(), r.algorithm())).doesNotContainNull();
            assertPrintable(r.reason());
            if (r.result() == DkimResult.PASS) {
                assertThat(r.reason()).isEmpty();
                assertThat(r.domain()).isEqualTo(KEY_DOMAIN);
                assertThat(r.algorithm() + " " + r.selector().toLowerCase(Locale.ROOT))
                        .isIn("ed25519-sha256 brisbane", "rsa-sha256 test");
            }
            if (deadline == Instant.EPOCH) {
                assertThat(r.result()).isNotEqualTo(DkimResult.PASS);
            }
        }
    }

    /**
     * ARC over a raw message (trailer: whether the deadline has passed, the "now"), the sealers' keys RFC 8463's.
     * Never throws; the chain is none, pass or fail; none exactly when the header holds no ARC field a generous
     * reader sees is not required (the verifier reads fewer), but a pass needs an ARC-Seal field, a sealer, at most
     * 50 sets and no passed deadline; the reason and the sealer's results are short and printable.
     */
    @FuzzTest(maxDuration = "60s")
    void arcVerify(FuzzedDataProvider in) {
        Instant now = in.pickValue(NOWS);
        Instant deadline = in.consumeInt(0, 7) == 0 ? Instant.EPOCH : Instant.MAX;
        byte[] raw = in.consumeRemainingAsBytes();

        ArcResult r = new ArcVerifier(KEYS, 1024).verify(raw, now, deadline);

        assertThat(r).isNotNull();
        assertThat(r.chain()).isIn("none", "pass", "fail");
        assertThat(r.instances()).isBetween(0, 50);
        assertPrintable(r.reason());
        assertThat(r.authResults()).hasSizeLessThanOrEqualTo(1_000);
        assertThat(r.authResults().chars().noneMatch(Character::isISOControl)).isTrue();
        if (r.chain().equals("pass")) {
            assertThat(RawHeaderFields.starts(raw, "ARC-Seal", false)).isNotEmpty();
            assertThat(r.instances()).isPositive();
            assertThat(r.sealer()).isNotEmpty();
            assertThat(r.reason()).isEmpty();
            assertThat(deadline).isNotEqualTo(Instant.EPOCH);
        } else {
            assertThat(r.sealer()).isEmpty();
            assertThat(r.authResults()).isEmpty();
        }
        if (r.chain().equals("none")) {
            assertThat(r.instances()).isZero();
        }
    }

    private static final String[] CLIENTS = {"192.0.2.10", "192.0.2.65", "192.0.2.129", "192.0.2.3",
        "198.51.100.7", "2001:db8::cb01", "10.0.0.1", "::ffff:192.0.2.130"};
    private static final String[] SPF_DOMAINS = {"example.com", "EXAMPLE.com.", "mail.example.com", "example.org"};
    private static final String[] HELOS = {"mail.example.com", "", "[192.0.2.3]", "x"};
    /** At most this many records besides the one under test: enough for include targets, A, MX and PTR records. */
    private static final int MAX_EXTRA_RECORDS = 16;
    /**
     * Zone queries one check_host() may make: the TXT of the domain, then per DNS-querying term (10 at most; the
     * 11th ends the evaluation before it queries) its own query plus, for mx and ptr, an address look-up for each
     * of at most 10 names. include and redirect ask one TXT each and a, exists one A/AAAA: the mx/ptr case bounds
     * them all.
     */
    private static final int MAX_SPF_QUERIES = 1 + 10 * (1 + 10);

    /**
     * SPF: the first line is the SPF record of the domain checked, the second the sender's local part, then extra
     * records, one a line: {@code txt NAME VALUE}, {@code a|aaaa NAME ADDRESS}, {@code mx NAME PREF EXCHANGE},
     * {@code ptr ADDRESS NAME}, {@code servfail NAME} (trailer: the client, the domain, the HELO name). Never throws,
     * at most 11 look-ups counted, at most {@link #MAX_SPF_QUERIES} asked, a short printable explanation.
     */
    @FuzzTest(maxDuration = "60s")
    void spfCheckHost(FuzzedDataProvider in) {
        InetAddress client = address(in.pickValue(CLIENTS));
        String domain = in.pickValue(SPF_DOMAINS);
        String helo = in.pickValue(HELOS);
        String[] lines = lines(in, 2 + MAX_EXTRA_RECORDS);
        Zone zone = new Zone();
        zone.txt(domain, lines[0]);
        for (int i = 2; i < lines.length; i++) {
            addRecord(zone, lines[i]);
        }
        String sender = (lines.length > 1 ? lines[1] : "") + "@" + domain;
        int before = zone.queries();

        SpfOutcome o = new SpfEvaluator(zone, "mx.example.org", Clock.fixed(NOWS[1], ZoneOffset.UTC))
                .checkHost(client, domain, sender, helo, Instant.MAX);

        assertThat(o.result()).isNotNull();
        assertThat(o.dnsLookups()).isBetween(0, 11);
        assertPrintable(o.explanation());
        assertThat(zone.queries() - before).isLessThanOrEqualTo(MAX_SPF_QUERIES);
    }

    /** One extra record of {@link #spfCheckHost}'s zone; a line that is none of the forms is ignored. */
    private static void addRecord(Zone zone, String line) {
        String[] f = line.split(" ", 3);
        if (f.length < 2 || f[1].isEmpty()) {
            return;
        }
        try {
            switch (f[0]) {
                case "txt" -> zone.txt(f[1], f.length > 2 ? f[2] : "");
                case "a" -> zone.a(f[1], f.length > 2 ? f[2] : "");
                case "aaaa" -> zone.aaaa(f[1], f.length > 2 ? f[2] : "");
                case "ptr" -> zone.ptr(f[1], f.length > 2 ? f[2] : "");
                case "servfail" -> zone.servfail(f[1]);
                case "mx" -> {
                    String[] m = f.length > 2 ? f[2].split(" ", 2) : new String[0];
                    if (m.length == 2 && m[0].matches("[0-9]{1,5}")) {
                        zone.mx(f[1], Integer.parseInt(m[0]), m[1]);
                    }
                }
                default -> {
                    // not a record line: nothing to add
                }
            }
        } catch (IllegalArgumentException e) {
            // the zone refuses what is not an address literal: the record is simply not there
        }
    }

    /**
     * DMARC: the first line is the DMARC record, the second the From domain, the third the domain SPF passed for
     * (empty: none), the rest the domains of passing DKIM signatures (trailer: the sample bucket, where the record
     * is published). Never throws, a known policy applied, and a PASS only with a given domain aligned with From
     * (seed {@code double-trailing-dot}, a finding: {@code x..} was read as {@code x.} and aligned with {@code x}).
     */
    @FuzzTest(maxDuration = "60s")
    void dmarcEvaluate(FuzzedDataProvider in) {
        int bucket = in.consumeInt(0, 99);
        int placement = in.consumeInt(0, 3);
        String[] lines = lines(in, 3 + 5);
        String record = lines[0];
        String from = lines.length > 1 ? lines[1] : "";
        String spf = lines.length > 2 && !lines[2].isEmpty() ? lines[2] : null;
        List<String> dkim = lines.length > 3 ? Arrays.asList(lines).subList(3, lines.length) : List.of();
        Zone zone = new Zone();
        String at = "_dmarc." + from.trim();
        switch (placement) {
            case 0 -> zone.txt(at, record);
            case 1 -> zone.txt("_dmarc." + DmarcEvaluator.organisationalDomain(from.trim()), record);
            case 2 -> zone.txt(at, record).txt(at, record + ";");
            default -> zone.txt(at, record).servfail(at);
        }

        DmarcOutcome o = new DmarcEvaluator(zone).evaluate(from, spf, dkim, bucket);

        assertThat(o.result()).isNotNull();
        assertThat(o.applied()).isIn("none", "quarantine", "reject");
        assertThat(o.reason()).hasSizeLessThanOrEqualTo(MAX_REASON);
        if (o.result() != DmarcResult.FAIL) {
            assertThat(o.applied()).isEqualTo("none");
        }
        if (o.result() == DmarcResult.PASS) {
            List<String> given = new ArrayList<>(dkim);
            if (spf != null) {
                given.add(spf);
            }
            assertThat(o.spfAligned() || o.dkimAligned()).isTrue();
            assertThat(given).as("domains aligned with %s", from).anyMatch(d -> relaxedAligned(from, d));
        }
    }

    /** Same organisational domain, read independently of the evaluator (Guava's public suffix list). */
    private static boolean relaxedAligned(String a, String b) {
        String x = organisation(a);
        return x != null && x.equals(organisation(b));
    }

    private static String organisation(String domain) {
        String d = domain.trim().toLowerCase(Locale.ROOT);
        d = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
        if (d.isEmpty() || !InternetDomainName.isValid(d)) {
            return null;
        }
        InternetDomainName n = InternetDomainName.from(d);
        return n.isUnderPublicSuffix() ? n.topPrivateDomain().toString() : d;
    }

    private static final String[] AUTHSERV_IDS = {"gw.example.org", "mx.example.com", "example", "gw"};

    /**
     * Removing the Authentication-Results fields that claim our authserv-id (trailer: the id), the rest being the
     * raw message. Never throws, never grows the message, leaves the body byte for byte, and leaves no top-level
     * field claiming the id as the most generous reader sees the header. The {@code bare-cr-*} seeds are what the
     * fuzzer found: a field removed between a bare CR and the empty line took that line with it (the body, and a
     * forged field in it, became header), and one ending in a bare CR before a CRLF made a new empty line.
     */
    @FuzzTest(maxDuration = "60s")
    void authResultsWithoutOurs(FuzzedDataProvider in) {
        String id = in.pickValue(AUTHSERV_IDS);
        byte[] raw = in.consumeRemainingAsBytes();
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        assertThat(AuthResultsTransformer.authservId(text)).hasSizeLessThanOrEqualTo(text.length());

        byte[] out = AuthResultsTransformer.withoutOurs(raw, id);

        assertThat(out.length).isLessThanOrEqualTo(raw.length);
        assertThat(Arrays.copyOfRange(out, RawHeaderFields.headerEnd(out), out.length)).as("body")
                .isEqualTo(Arrays.copyOfRange(raw, RawHeaderFields.headerEnd(raw), raw.length));
        int headerEnd = RawHeaderFields.headerEnd(out);
        for (int start : RawHeaderFields.starts(out, AuthResultsTransformer.FIELD, false)) {
            String field = new String(out, start, fieldEnd(out, start, headerEnd) - start, StandardCharsets.ISO_8859_1);
            String value = field.substring(field.indexOf(':') + 1);
            assertThat(AuthResultsTransformer.authservId(value)).as("a field left: %s", field).isNotEqualTo(id);
        }
    }

    /**
     * The end of a field: its line and every following line that starts with a blank, a line ending at CRLF, LF or
     * a bare CR as the most generous reader has it (the test's own reading, not the transformer's).
     */
    private static int fieldEnd(byte[] raw, int start, int headerEnd) {
        int p = start;
        while (true) {
            while (p < headerEnd && raw[p] != '\r' && raw[p] != '\n') {
                p++;
            }
            if (p < headerEnd && raw[p] == '\r') {
                p++;
            }
            if (p < headerEnd && raw[p] == '\n') {
                p++;
            }
            if (p >= headerEnd || (raw[p] != ' ' && raw[p] != '\t')) {
                return p;
            }
        }
    }

    private static final IpBlock[] RELAYS = {IpBlock.parse("192.0.2.0/24"), IpBlock.parse("198.51.100.7"),
        IpBlock.parse("2001:db8:1::/48"), IpBlock.parse("10.0.0.0/8")};

    /**
     * The hop before the trusted relays: each line is a Received value, top first (trailer: which of
     * {@link #RELAYS} are trusted, a bit each). Never throws, and never names an address of a trusted relay.
     */
    @FuzzTest(maxDuration = "60s")
    void hopBeforeRelays(FuzzedDataProvider in) {
        int mask = in.consumeInt(0, 15);
        List<IpBlock> relays = new ArrayList<>();
        for (int i = 0; i < RELAYS.length; i++) {
            if ((mask & (1 << i)) != 0) {
                relays.add(RELAYS[i]);
            }
        }
        List<String> received = List.of(lines(in, 16));

        Optional<AuthChecker.Hop> hop = AuthChecker.hopBeforeRelays(received, relays);

        assertThat(hop).isNotNull();
        hop.ifPresent(h -> {
            assertThat(h.ip()).isNotNull();
            assertThat(relays).noneMatch(b -> b.contains(h.ip()));
            if (h.helo() != null) {
                // a token as the Received field wrote it: no blank or line break (other control characters may
                // come from the client's HELO, which SPF's own name checks refuse)
                assertThat(h.helo()).hasSizeBetween(1, 255);
                assertThat(h.helo().chars().noneMatch(c -> " \t\n\u000b\f\r".indexOf(c) >= 0))
                        .as("no blank in '%s'", h.helo()).isTrue();
            }
        });
    }

    /** The rest of the input in UTF-8, split at line feeds, at most {@code max} lines (the last holds the rest). */
    private static String[] lines(FuzzedDataProvider in, int max) {
        return new String(in.consumeRemainingAsBytes(), StandardCharsets.UTF_8).split("\n", max);
    }

    /** At most {@value #MAX_REASON} characters, none of them a control character: it goes into headers and logs. */
    /** A fixed Ed25519 key (fast to sign with) and its record, for {@link #dkimSignThenVerify}. */
    private static final java.security.KeyPair SIGNING = TestSigner.keys("Ed25519", 0);
    private static final SigningKey SIGNING_KEY = new SigningKey("example.org", "fuzz", DkimAlgorithm.ED25519,
            SIGNING.getPrivate(), SIGNING.getPublic(), 256);
    private static final Zone SIGNING_ZONE = new Zone().txt("fuzz._domainkey.example.org",
            SIGNING_KEY.record().text());

    /**
     * The signer over what the core gives it: our Received line, then any bytes, every line end made CRLF (trailer:
     * the canonicalisation, whether to over-sign). It either refuses a header past its bounds (an
     * IllegalArgumentException) or returns one complete, folded, US-ASCII field that the bundle's verifier passes on
     * top of those bytes: signer and verifier read every byte alike.
     */
    @FuzzTest(maxDuration = "60s")
    void dkimSignThenVerify(FuzzedDataProvider in) throws java.io.IOException {
        int c = in.consumeInt(0, 3);
        boolean oversign = in.consumeBoolean();
        byte[] fuzzed = in.consumeRemainingAsBytes();
        byte[] raw = asDelivered(fuzzed);
        DkimSigner signer = new DkimSigner((c & 1) != 0, (c & 2) != 0, List.of("from", "to", "subject", "date",
                "message-id", "x-a"), oversign ? java.util.Set.of("from", "subject", "x-a") : java.util.Set.of(), null);
        String field;
        try {
            field = signer.sign(DkimSigner.read(new java.io.ByteArrayInputStream(raw)), SIGNING_KEY, NOWS[1]);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("the message header is larger than the signer reads");
            return;
        }
        assertThat(field).startsWith("DKIM-Signature: v=1; ").endsWith("\r\n");
        assertThat(field.chars().allMatch(ch -> ch == '\r' || ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f)))
                .isTrue();
        assertThat(field.split("\r\n")).allSatisfy(line -> assertThat(line).isNotBlank().hasSizeLessThanOrEqualTo(998));
        byte[] signed = new byte[field.length() + raw.length];
        System.arraycopy(field.getBytes(StandardCharsets.US_ASCII), 0, signed, 0, field.length());
        System.arraycopy(raw, 0, signed, field.length(), raw.length);
        List<DkimSignatureResult> results = new DkimVerifier(SIGNING_ZONE, 1, 1024).verify(signed, NOWS[1],
                Instant.MAX);
        assertThat(results).singleElement().satisfies(r -> assertThat(r.result()).as(r.reason())
                .isEqualTo(DkimResult.PASS));
    }

    /**
     * The ARC sealer over what the core gives it: our Received line, then any bytes, every line end made CRLF (trailer:
     * whether the chain validated at receipt). It either refuses a header past its bounds, or adds nothing with a
     * reason, or adds one set: three complete, folded, US-ASCII fields, instance 1 to 50, cv none exactly for the first
     * set; a first set on a message no ARC reader could see another ARC field in passes the bundle's verifier.
     */
    @FuzzTest(maxDuration = "60s")
    void arcSealThenVerify(FuzzedDataProvider in) {
        boolean passed = in.consumeBoolean();
        byte[] fuzzed = in.consumeRemainingAsBytes();
        byte[] raw = asDelivered(fuzzed);
        org.streamail.detect.auth.internal.dkim.ArcSealer.Sealed sealed;
        try {
            sealed = org.streamail.detect.auth.internal.dkim.ArcSealer.seal(raw, SIGNING_KEY, "gw.example.org",
                    "spf=pass smtp.mailfrom=example.net; dkim=none", passed, NOWS[1]);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("the message header is larger than the sealer reads");
            return;
        }
        if (sealed.fields().isEmpty()) {
            assertThat(sealed.skipped()).isNotEmpty();
            assertThat(sealed.instance()).isZero();
            return;
        }
        assertThat(sealed.fields()).hasSize(3);
        assertThat(sealed.instance()).isBetween(1, 50);
        assertThat(sealed.cv()).isEqualTo(sealed.instance() == 1 ? "none" : sealed.cv()).isIn("none", "pass", "fail");
        assertThat(sealed.cv().equals("none")).isEqualTo(sealed.instance() == 1);
        String fields = String.join("", sealed.fields());
        assertThat(fields.chars().allMatch(ch -> ch == '\r' || ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f)))
                .isTrue();
        assertThat(fields.split("\r\n")).allSatisfy(line -> assertThat(line).isNotBlank().hasSizeLessThanOrEqualTo(998));
        if (sealed.instance() == 1 && !new String(raw, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT)
                .contains("arc-")) {
            byte[] message = new byte[fields.length() + raw.length];
            System.arraycopy(fields.getBytes(StandardCharsets.US_ASCII), 0, message, 0, fields.length());
            System.arraycopy(raw, 0, message, fields.length(), raw.length);
            ArcResult r = new ArcVerifier(SIGNING_ZONE, 1024).verify(message, NOWS[1], Instant.MAX);
            assertThat(r.chain()).as(r.reason()).isEqualTo("pass");
            assertThat(r.instances()).isEqualTo(1);
        }
    }

    /** What the core hands a signer or sealer: our Received line, then {@code fuzzed} with every line end made CRLF. */
    private static byte[] asDelivered(byte[] fuzzed) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(fuzzed.length + 100);
        out.writeBytes("Received: by gw.example.org (Streamail) with ESMTP id f1\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < fuzzed.length; i++) {
            byte b = fuzzed[i];
            if (b == '\r' || (b == '\n' && (i == 0 || fuzzed[i - 1] != '\r'))) {
                out.write('\r');
                out.write('\n');
            } else if (b != '\n') {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private static void assertPrintable(String s) {
        assertThat(s).isNotNull().hasSizeLessThanOrEqualTo(MAX_REASON);
        assertThat(s.chars().noneMatch(Character::isISOControl)).as("no control character in '%s'", s).isTrue();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
