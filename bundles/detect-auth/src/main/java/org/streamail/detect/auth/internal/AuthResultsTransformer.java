package org.streamail.detect.auth.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import org.streamail.api.model.Finding;
import org.streamail.api.model.RawHeaderFields;

/**
 * Puts the {@code auth} detector's results into an {@code Authentication-Results} header (RFC 8601) at the top
 * of delivered inbound mail, and first removes every {@code Authentication-Results} field that claims this
 * gateway's authserv-id: a sender may not forge our verdict (RFC 8601 section 5). Idempotent: our own field of an
 * earlier pass is removed the same way and written again.
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
        String results = null;
        for (Finding f : t.verdict().findings()) {
            if (AuthChecker.DETECTOR.equals(f.detector()) && AuthChecker.RESULTS.equals(f.rule())) {
                results = f.detail();
                break;
            }
        }
        byte[] raw = t.raw().toByteArray();
        byte[] cleaned = withoutOurs(raw, settings.authservId());
        if (results == null || !results.matches("[\\x20-\\x7e]{1,4000}")) {
            // not checked (authenticated session, a scan without the detector): only the forged fields go
            if (cleaned.length != raw.length) {
                LOG.info("Message {}: removed an Authentication-Results field claiming {}", t.id(),
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

    /** The message without the top-level Authentication-Results fields whose authserv-id is {@code id}. */
    static byte[] withoutOurs(byte[] raw, String id) {
        List<Integer> starts = RawHeaderFields.starts(raw, FIELD, false);
        if (starts.isEmpty()) {
            return raw;
        }
        int headerEnd = RawHeaderFields.headerEnd(raw);
        List<int[]> cut = new ArrayList<>();
        for (int start : starts) {
            int end = fieldEnd(raw, start, headerEnd);
            String value = new String(raw, start, end - start, StandardCharsets.ISO_8859_1);
            value = value.substring(value.indexOf(':') + 1);
            if (id.equals(authservId(value))) {
                cut.add(new int[] {start, end});
            }
        }
        if (cut.isEmpty()) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int p = 0;
        for (int[] c : cut) {
            out.write(raw, p, c[0] - p);
            p = c[1];
        }
        out.write(raw, p, raw.length - p);
        return out.toByteArray();
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
