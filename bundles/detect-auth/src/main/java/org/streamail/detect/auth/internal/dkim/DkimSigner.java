package org.streamail.detect.auth.internal.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.RawHeader.Field;

/**
 * Makes the DKIM-Signature field of a message (RFC 6376 5, RFC 8463) with the code the verifier checks signatures
 * with: the header is read by {@link RawHeader}, the fields to sign are picked and canonicalised by
 * {@link DkimVerifier#signedFields}, the signature field itself by {@link DkimVerifier#withEmptyB} after
 * {@link TagList} has parsed it, and the body is hashed by {@link BodyHash.Canonicaliser} as it is read. What this
 * signs is therefore what the verifier (and any verifier that canonicalises like it) reconstructs.
 *
 * <p>The signature: {@code v=1; a=; c=; d=; s=; t=; [x=;] h=; bh=; b=}, never {@code l=} (a signature over a prefix
 * of the body lets anyone append text under it). {@code h=} lists each configured field name as often as the message
 * has that field, and the over-signed names once more, so a receiver's verifier refuses a copy to which such a field
 * was added on the way (the extra entry stands for "no further field of this name"). Lines are folded at
 * {@value #WIDTH} characters; {@code b=} last, its value folded too (the folding is part of the value a verifier
 * empties).
 *
 * <p>A domain with an RSA and an Ed25519 key (RFC 8463 8) gets both signatures from one call: the body is read and
 * hashed once, and each signature covers the message as it was given, so neither signs the other ({@code h=} never
 * names DKIM-Signature: a verifier judges each on its own, whichever of the two it understands).
 *
 * <p>Bounds: the header is read up to {@link #MAX_FIELDS} fields and {@link #MAX_HEADER_BYTES} bytes (the core
 * quarantines a header of more fields, so no delivered message has one); the body in pieces of 64 KiB, never whole;
 * at most {@link #MAX_SIGNATURES} signatures per message. Each signature is checked with the public key before it is
 * returned. Stateless and thread-safe.
 */
public final class DkimSigner {

    /** Header fields read at most: the core's own limit on a header section (its parser holds more as malformed). */
    public static final int MAX_FIELDS = 10_000;
    /** Header bytes read at most; ten thousand fields of 800 bytes. */
    public static final int MAX_HEADER_BYTES = 8 << 20;
    /** Signatures made for one message at most: one per algorithm, RSA and Ed25519. */
    public static final int MAX_SIGNATURES = 2;
    /** Folding width of the signature field. */
    static final int WIDTH = 78;
    private static final int CHUNK = 64 * 1024;

    private final boolean relaxedHeader;
    private final boolean relaxedBody;
    private final List<String> headers;
    private final Set<String> oversign;
    private final Duration expiry;

    /**
     * @param relaxedHeader "relaxed" header canonicalisation, else "simple"
     * @param relaxedBody   "relaxed" body canonicalisation, else "simple"
     * @param headers       the field names to sign, lower case, each once, "from" among them, "dkim-signature" not
     * @param oversign      those of {@code headers} listed once more than present
     * @param expiry        how long a signature is valid ({@code x=}), {@code null} for no limit
     */
    public DkimSigner(boolean relaxedHeader, boolean relaxedBody, List<String> headers, Set<String> oversign,
            Duration expiry) {
        this.relaxedHeader = relaxedHeader;
        this.relaxedBody = relaxedBody;
        this.headers = List.copyOf(headers);
        this.oversign = Set.copyOf(oversign);
        if (!this.headers.contains("from")) {
            throw new IllegalArgumentException("the signed fields must include From (RFC 6376 5.4)");
        }
        if (this.headers.contains("dkim-signature")) {
            throw new IllegalArgumentException("a signature of ours never signs a DKIM-Signature field");
        }
        if (!this.headers.containsAll(this.oversign)) {
            throw new IllegalArgumentException("over-signed fields must be signed fields");
        }
        this.expiry = expiry;
    }

    /**
     * A message's header, read for signing, and the stream its body is still to be read from (once, by
     * {@link #sign}).
     */
    public static final class Message {
        private final RawHeader header;
        private final InputStream rest;
        private final Map<String, List<Field>> byName;

        private Message(RawHeader header, InputStream rest) {
            this.header = header;
            this.rest = rest;
            this.byName = header.byName();
        }

        /** The values (text after the colon, folding kept, one char per byte) of the fields named {@code name}. */
        public List<String> values(String name) {
            List<String> out = new ArrayList<>();
            for (Field f : byName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of())) {
                out.add(header.value(f));
            }
            return out;
        }
    }

    /**
     * Reads the header of the message in {@code in} (until its empty line, bounded); the body stays in the stream.
     *
     * @throws IllegalArgumentException when the header is larger than {@link #MAX_FIELDS} fields or
     *                                  {@link #MAX_HEADER_BYTES} bytes
     */
    public static Message read(InputStream in) throws IOException {
        byte[] buf = new byte[16 * 1024];
        int len = 0;
        int lineStart = 0;
        int scanned = 0;
        boolean ended = false;
        while (!ended) {
            if (len == buf.length) {
                if (buf.length > MAX_HEADER_BYTES) {
                    throw tooLarge();
                }
                buf = Arrays.copyOf(buf, (int) Math.min(2L * buf.length, MAX_HEADER_BYTES + 1L));
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                break; // a message of header only
            }
            len += n;
            // the header ends at the first empty line (nothing, or a lone CR, before its LF), as RawHeader reads it
            for (; scanned < len; scanned++) {
                if (buf[scanned] == '\n') {
                    int content = scanned - lineStart;
                    if (content == 0 || (content == 1 && buf[lineStart] == '\r')) {
                        ended = true;
                        scanned++;
                        break;
                    }
                    lineStart = scanned + 1;
                }
            }
            if (!ended && len > MAX_HEADER_BYTES) {
                throw tooLarge();
            }
        }
        RawHeader header = RawHeader.read(Arrays.copyOf(buf, len), MAX_FIELDS, MAX_HEADER_BYTES);
        if (header.truncated()) {
            throw tooLarge();
        }
        return new Message(header, in);
    }

    private static IllegalArgumentException tooLarge() {
        return new IllegalArgumentException("the message header is larger than the signer reads (" + MAX_FIELDS
                + " fields, " + (MAX_HEADER_BYTES >> 20) + " MiB)");
    }

    /**
     * The DKIM-Signature field of {@code message} with {@code key}, CRLF-terminated. Reads the rest of the body.
     *
     * @param now the signature's time ({@code t=}, and {@code x=} from it)
     * @throws IOException           when the body cannot be read
     * @throws IllegalStateException when the key cannot sign, or its signature does not verify with its public key
     */
    public String sign(Message message, SigningKey key, Instant now) throws IOException {
        return sign(message, List.of(Objects.requireNonNull(key, "key")), now).get(0);
    }

    /**
     * The DKIM-Signature fields of {@code message}, one per key in the order of {@code keys}, each CRLF-terminated.
     * Reads the rest of the body once: the signatures share its hash and the list of signed fields, and each covers
     * the message as given, none the others (so their order on top of the message is free).
     *
     * @param keys one to {@link #MAX_SIGNATURES} keys
     * @param now  the signatures' time ({@code t=}, and {@code x=} from it)
     * @throws IOException              when the body cannot be read
     * @throws IllegalArgumentException when {@code keys} is empty or longer than {@link #MAX_SIGNATURES}
     * @throws IllegalStateException    when a key cannot sign, or its signature does not verify with its public key;
     *                                  then no field is returned
     */
    public List<String> sign(Message message, List<SigningKey> keys, Instant now) throws IOException {
        if (keys.isEmpty() || keys.size() > MAX_SIGNATURES) {
            throw new IllegalArgumentException("one to " + MAX_SIGNATURES + " keys sign a message, not " + keys.size());
        }
        RawHeader header = message.header;
        byte[] head = header.raw();
        BodyHash.Canonicaliser body = new BodyHash.Canonicaliser(relaxedBody, -1, DkimVerifier.sha256());
        body.update(head, header.bodyStart(), head.length - header.bodyStart());
        byte[] chunk = new byte[CHUNK];
        for (int n; (n = message.rest.read(chunk)) > 0;) {
            body.update(chunk, 0, n);
        }
        String bh = Base64.getEncoder().encodeToString(body.finish().digest());

        List<String> signed = new ArrayList<>();
        for (String name : headers) {
            int present = message.byName.getOrDefault(name, List.of()).size();
            int times = present + (oversign.contains(name) ? 1 : 0);
            if (name.equals("from")) {
                times = Math.max(times, 1); // h= always names From (RFC 6376 5.4), were it absent from the message
            }
            for (int k = times; k > 0; k--) {
                signed.add(name);
            }
        }
        // the selected fields, canonicalised: the first part of what every signature signs
        ByteArrayOutputStream fields = new ByteArrayOutputStream(2048);
        DkimVerifier.signedFields(head, message.byName, signed, relaxedHeader, fields);
        byte[] selected = fields.toByteArray();

        List<String> out = new ArrayList<>(keys.size());
        for (SigningKey key : keys) {
            out.add(field(Objects.requireNonNull(key, "key"), signed, bh, selected, now.getEpochSecond()));
        }
        return out;
    }

    /** One signature field: its tags, then {@code b=} over {@code selected} and the field itself with b= empty. */
    private String field(SigningKey key, List<String> signed, String bh, byte[] selected, long t) {
        Folder f = new Folder("DKIM-Signature:");
        f.tag("v=1");
        f.tag("a=" + key.algorithm().signatureAlgorithm());
        f.tag("c=" + (relaxedHeader ? "relaxed" : "simple") + "/" + (relaxedBody ? "relaxed" : "simple"));
        f.tag("d=" + key.domain());
        f.tag("s=" + key.selector());
        f.tag("t=" + t);
        if (expiry != null) {
            f.tag("x=" + (t + expiry.toSeconds()));
        }
        f.list("h=", signed);
        f.tag("bh=" + bh);
        f.last("b=");
        String unsigned = f.text();

        // The data to sign: the selected fields, then this field with an empty b= and no line end, canonicalised by
        // the verifier's code from the field as parsed back (b= is empty here already; the parse also proves the tag
        // list well-formed, so no verifier stumbles over it).
        ByteArrayOutputStream data = new ByteArrayOutputStream(selected.length + 1024);
        data.writeBytes(selected);
        return signed(key, unsigned, data, relaxedHeader);
    }

    /**
     * A signature field (DKIM-Signature, ARC-Message-Signature, ARC-Seal) completed: {@code unsigned}, which ends in an
     * empty {@code b=}, is parsed back (which proves its tag list well-formed, so no verifier stumbles over it),
     * canonicalised by the verifier's code with no line end and appended to {@code data}; the signature of that is
     * folded in as the b= value. CRLF-terminated.
     *
     * @throws IllegalStateException when the field does not parse back, the key cannot sign, or the signature does not
     *                               verify with the public key
     */
    static String signed(SigningKey key, String unsigned, ByteArrayOutputStream data, boolean relaxed) {
        byte[] own = (unsigned + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        RawHeader ownHeader = RawHeader.read(own);
        Field ownField = ownHeader.fields().get(0);
        TagList tags;
        try {
            tags = TagList.parse(ownHeader.value(ownField));
        } catch (TagList.InvalidException e) {
            throw new IllegalStateException("the signature field is malformed: " + e.getMessage(), e);
        }
        DkimVerifier.withEmptyB(own, ownField, tags.tag("b"), relaxed, data);
        byte[] signature = signature(key, data.toByteArray());
        return unsigned + fold(Base64.getEncoder().encodeToString(signature), unsigned) + "\r\n";
    }

    /**
     * Signs a fixed text with {@code key} and checks the signature with its public key, so that a key whose halves do
     * not belong together is refused when its file is read rather than at the first message.
     *
     * @throws IllegalStateException when it does not verify, or the key cannot sign
     */
    public static void selfTest(SigningKey key) {
        signature(key, "Streamail DKIM key check".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Signs {@code data} (RSA: SHA-256 with PKCS#1 v1.5; Ed25519: PureEdDSA over the SHA-256 hash of the data, RFC
     * 8463 3) and checks the signature with the public key before anyone sees it.
     */
    static byte[] signature(SigningKey key, byte[] data) {
        boolean ed = key.algorithm() == DkimAlgorithm.ED25519;
        byte[] input = ed ? DkimVerifier.sha256().digest(data) : data;
        String jca = ed ? "Ed25519" : "SHA256withRSA";
        try {
            Signature s = Signature.getInstance(jca);
            s.initSign(key.privateKey());
            s.update(input);
            byte[] b = s.sign();
            Signature v = Signature.getInstance(jca);
            v.initVerify(key.publicKey());
            v.update(input);
            if (!v.verify(b)) {
                throw new IllegalStateException("the signature made with the key of " + key.domain() + " (selector "
                        + key.selector() + ") does not verify with its public key: is the key file damaged?");
            }
            return b;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the key of " + key.domain() + " (selector " + key.selector()
                    + ") cannot sign: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The b= value folded after what {@code before} leaves of its last line, then at {@link #WIDTH}. */
    private static String fold(String value, String before) {
        String last = before.substring(before.lastIndexOf('\n') + 1);
        int column = last.startsWith("\t") ? 8 + last.length() - 1 : last.length(); // a folding tab: 8 columns
        StringBuilder b = new StringBuilder(value.length() + 16);
        int i = 0;
        int room = Math.max(8, WIDTH - column);
        while (i < value.length()) {
            int take = Math.min(room, value.length() - i);
            if (i > 0) {
                b.append("\r\n\t");
            }
            b.append(value, i, i + take);
            i += take;
            room = WIDTH - 8; // a tab counts as up to 8 columns
        }
        return b.toString();
    }

    /** Writes {@code tag=value;} items, folding before an item that would pass {@link #WIDTH}. */
    static final class Folder {
        private final StringBuilder text;
        private int column;

        Folder(String start) {
            text = new StringBuilder(start);
            column = start.length();
        }

        void tag(String item) {
            put(item + ";");
        }

        /** {@code h=a:b:c;}, folded after a colon where a line would pass the width. */
        void list(String tag, List<String> items) {
            StringBuilder first = new StringBuilder(tag);
            int k = 0;
            // as many names as fit on the line the tag starts on (at least one)
            put(null);
            for (; k < items.size(); k++) {
                String next = items.get(k) + (k + 1 < items.size() ? ":" : ";");
                if (k > 0 && column + first.length() + next.length() > WIDTH) {
                    break;
                }
                first.append(next);
            }
            text.append(first);
            column += first.length();
            for (; k < items.size(); k++) {
                String next = items.get(k) + (k + 1 < items.size() ? ":" : ";");
                if (column + next.length() > WIDTH) {
                    text.append("\r\n\t");
                    column = 8;
                }
                text.append(next);
                column += next.length();
            }
        }

        /** The last tag, whose value follows after {@link #text()}. */
        void last(String item) {
            put(item);
        }

        /**
         * Starts an item: a space after the previous one, or a fold when {@code item} (if known) would not fit. A
         * {@code null} item starts a list, which folds itself: the fold comes first when the line is well used.
         */
        private void put(String item) {
            int length = item == null ? 16 : item.length();
            if (column + 1 + length > WIDTH) {
                text.append("\r\n\t");
                column = 8;
            } else {
                text.append(' ');
                column++;
            }
            if (item != null) {
                text.append(item);
                column += item.length();
            }
        }

        String text() {
            return text.toString();
        }
    }
}
