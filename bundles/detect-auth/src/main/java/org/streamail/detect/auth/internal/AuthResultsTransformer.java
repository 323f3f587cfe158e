package org.streamail.detect.auth.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.RawHeaderFields;

/**
 * Puts the {@code auth} detector's results into an {@code Authentication-Results} header (RFC 8601) at the top
 * of delivered inbound mail, and first renames every {@code Authentication-Results} field that claims this
 * gateway's authserv-id to {@value #RENAMED}: a sender may not forge our verdict (RFC 8601 section 5). Idempotent:
 * our own field of an earlier pass, on top, is dropped and written again.
 *
 * <p>Ranking {@value #RANKING}: after the HTML disarming (100), whose quarantined original stays the message as
 * received, and before the retention stamp (0) and the link guard (-100). A transformer that changes the body
 * breaks DKIM signatures for the mailbox server; this header keeps what was verified at receipt. Threading:
 * stateless but for the settings.
 */
@Component(service = MessageTransformer.class, configurationPid = AuthConfig.PID,
        property = {Constants.SERVICE_RANKING + ":Integer=" + AuthResultsTransformer.RANKING,
            "transformer=" + AuthResultsTransformer.NAME})
public final class AuthResultsTransformer implements MessageTransformer {

    private static final Logger LOG = LoggerFactory.getLogger(AuthResultsTransformer.class);
    static final String NAME = "auth-results";
    static final int RANKING = 50;
    static final String FIELD = "Authentication-Results";
    /** What a field claiming our authserv-id is renamed to: as long as {@link #FIELD}. */
    static final String RENAMED = "X-Untrusted-AuthResult";
    private static final byte[] RENAMED_BYTES = RENAMED.getBytes(StandardCharsets.US_ASCII);
    /** Our own field is at most this long (4,000 characters of results and the folding). */
    private static final int MAX_OWN_FIELD = 8192;

    private final AuthSettings settings;

    @Activate
    public AuthResultsTransformer(AuthConfig config, Map<String, Object> properties) {
        ConfigCheck.check(AuthConfig.PID, AuthConfig.class, properties, java.util.Set.of("transformer"));
        this.settings = AuthSettings.from(config);
    }

    AuthResultsTransformer(AuthSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Content transform(Transformation t) {
        if (!settings.enabled() || !settings.resultsHeader() || t.envelope().direction() == Direction.OUTBOUND) {
            return t.raw();
        }
        String results = AuthChecker.resultsOf(t.verdict().findings());
        byte[] raw = t.raw().toByteArray();
        byte[] cleaned = withoutOurs(raw, settings.authservId());
        if (results == null) {
            // not checked (authenticated session, a scan without the detector): only the forged fields go
            if (cleaned != raw) {
                LOG.info("Message {}: renamed an Authentication-Results field claiming {}", t.id(),
                        settings.authservId());
                return Content.of(cleaned);
            }
            return t.raw();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(cleaned.length + results.length() + 64);
        out.writeBytes(field(settings.authservId(), results).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(cleaned);
        return Content.of(out.toByteArray());
    }

    /** The field, folded before each result: {@code Authentication-Results: id;\r\n\tspf=...;\r\n\tdkim=...\r\n}. */
    static String field(String authservId, String results) {
        StringBuilder sb = new StringBuilder(FIELD).append(": ").append(authservId).append(';');
        String[] parts = results.split("; ");
        for (int i = 0; i < parts.length; i++) {
            sb.append("\r\n\t").append(parts[i]).append(i + 1 < parts.length ? ";" : "");
        }
        return sb.append("\r\n").toString();
    }

    /**
     * The message with this gateway's own field of an earlier pass dropped and every other top-level
     * Authentication-Results field that claims {@code id} renamed to {@value #RENAMED} (RFC 8601 section 5 allows
     * removing or renaming). The new name is as long as the old, so no byte moves and no line break changes: the end
     * of the header is exactly where it was, whatever bare CRs or LFs the sender put around the field (removing
     * forged fields could glue a bare CR to the empty line's LF and turn the body into header, or the reverse:
     * found by fuzzing). Our own field is dropped only in the exact form {@link #field} writes it, at the top.
     */
    static byte[] withoutOurs(byte[] raw, String id) {
        int skip = ownField(raw, id);
        List<Integer> starts = RawHeaderFields.starts(raw, FIELD, false);
        int headerEnd = RawHeaderFields.headerEnd(raw);
        byte[] out = null;
        for (int start : starts) {
            if (start < skip) {
                continue;
            }
            int end = fieldEnd(raw, start, headerEnd);
            String value = new String(raw, start, end - start, StandardCharsets.ISO_8859_1);
            if (id.equals(authservId(value.substring(value.indexOf(':') + 1)))) {
                if (out == null) {
                    out = raw.clone();
                }
                System.arraycopy(RENAMED_BYTES, 0, out, start, RENAMED_BYTES.length);
            }
        }
        byte[] result = out == null ? raw : out;
        return skip == 0 ? result : Arrays.copyOfRange(result, skip, result.length);
    }

    /**
     * The length of the field {@link #field} writes for {@code id} when the message starts with it (printable ASCII
     * lines joined by CRLF + tab, ended by a CRLF that no tab follows), else 0.
     */
    static int ownField(byte[] raw, String id) {
        byte[] prefix = (FIELD + ": " + id + ";").getBytes(StandardCharsets.US_ASCII);
        if (raw.length < prefix.length || !Arrays.equals(raw, 0, prefix.length, prefix, 0, prefix.length)) {
            return 0;
        }
        for (int p = prefix.length; p + 1 < raw.length && p < MAX_OWN_FIELD; p++) {
            byte b = raw[p];
            if (b == '\r' && raw[p + 1] == '\n') {
                if (p + 2 < raw.length && raw[p + 2] == '\t') {
                    p += 2;
                    continue;
                }
                return p + 2;
            }
            if (b < 0x20 || b > 0x7e) {
                return 0;
            }
        }
        return 0;
    }

    /** Where the field starting at {@code start} ends: after its last line's line break (continuations included). */
    private static int fieldEnd(byte[] raw, int start, int headerEnd) {
        int p = start;
        while (p < headerEnd) {
            int eol = p;
            while (eol < headerEnd && raw[eol] != '\n' && raw[eol] != '\r') {
                eol++;
            }
            if (eol < headerEnd && raw[eol] == '\r') {
                eol++;
            }
            if (eol < headerEnd && raw[eol] == '\n') {
                eol++;
            }
            p = eol;
            if (p >= headerEnd || (raw[p] != ' ' && raw[p] != '\t')) {
                return p;
            }
        }
        return headerEnd;
    }

    /**
     * The authserv-id of a field's value: its first token, after comments and white space are dropped, up to a
     * {@code ;}, white space or a comment; lower case. A bounded scan: comments nest at most 10 deep.
     */
    static String authservId(String value) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < value.length() && sb.length() < 300; i++) {
            char c = value.charAt(i);
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth = Math.min(depth + 1, 10);
                } else if (c == ')') {
                    depth--;
                }
                continue;
            }
            if (c == '(') {
                if (sb.length() > 0) {
                    break;
                }
                depth = 1;
            } else if (c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                if (sb.length() > 0) {
                    break;
                }
            } else if (c == '"') {
                // a quoted-string authserv-id: take its content
                int close = value.indexOf('"', i + 1);
                if (close < 0) {
                    break;
                }
                sb.append(value, i + 1, close);
                i = close;
            } else {
                sb.append(c);
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
