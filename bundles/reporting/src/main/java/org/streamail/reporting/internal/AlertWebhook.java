package org.streamail.reporting.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs alert JSON to the configured webhook, signed with HMAC-SHA256 over the exact body bytes
 * ({@code X-Streamail-Signature: sha256=<hex>}) when a secret is configured. Plain http only to a loopback
 * address; no credentials in the URL (they would end up in logs); redirects are not followed; the whole
 * exchange (connect, request, reply body) is bounded by the timeout. {@link #toString()} shows the URL without its
 * path and query (a hook's token often sits in its path), never the secret. Thread-safe (the JDK client is).
 */
final class AlertWebhook {

    static final String SIGNATURE_HEADER = "X-Streamail-Signature";
    static final int MAX_SECRET_BYTES = 4096;

    private final URI uri;
    private final byte[] secret;
    private final Duration timeout;
    private final HttpClient client;

    AlertWebhook(URI uri, byte[] secret, Duration timeout) {
        this.uri = uri;
        this.secret = secret == null ? new byte[0] : secret.clone();
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * The webhook from the configuration, or {@code null} when {@code webhook.url} is empty.
     *
     * @throws IllegalArgumentException naming the property when the URL or secret file is unusable
     */
    static AlertWebhook from(String url, String secretFile, int timeoutSeconds) {
        if (url == null || url.isBlank()) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            // the reason and position only: the input may hold the hook's token (see toString)
            throw new IllegalArgumentException("webhook.url is not a URL: " + e.getReason() + " at index "
                    + e.getIndex());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("webhook.url must be an absolute https URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("webhook.url must not carry credentials; use webhook.secret.file");
        }
        if (scheme.equals("http") && !Texts.isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("webhook.url must use https unless it points to a loopback address "
                    + "(alerts name users and hosts); got host " + uri.getHost());
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 60) {
            throw new IllegalArgumentException("webhook.timeout.seconds must be 1..60, got " + timeoutSeconds);
        }
        return new AlertWebhook(uri, readSecret(secretFile), Duration.ofSeconds(timeoutSeconds));
    }

    private static byte[] readSecret(String file) {
        if (file == null || file.isBlank()) {
            return new byte[0];
        }
        Path p = Path.of(file.strip());
        try {
            if (Files.size(p) > MAX_SECRET_BYTES) {
                throw new IllegalArgumentException("webhook.secret.file " + p + " is larger than " + MAX_SECRET_BYTES
                        + " bytes");
            }
            String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("webhook.secret.file " + p + " is empty");
            }
            return text.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("webhook.secret.file " + p + " cannot be read: " + e);
        }
    }

    boolean signed() {
        return secret.length > 0;
    }

    /** {@code sha256=<hex>} of {@code body} under {@code key}. */
    static String signature(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }

    /**
     * Sends one JSON document.
     *
     * @return the HTTP status
     * @throws IOException when the hook cannot be reached, or does not reply completely within the timeout
     */
    int post(String json) throws IOException, InterruptedException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "Streamail-alerts")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signed()) {
            r.header(SIGNATURE_HEADER, signature(secret, body));
        }
        // The request timeout only runs until the reply's headers: a hook that then trickles its body would hold
        // the thread for good. The whole exchange is bounded here, and abandoned (connection closed) past it.
        CompletableFuture<HttpResponse<Void>> response = client.sendAsync(r.build(),
                HttpResponse.BodyHandlers.discarding());
        try {
            return response.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("no complete reply within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            response.cancel(true);
        }
    }

    /**
     * Scheme, host and port only: many hooks carry their secret in the path (Slack {@code /services/T/B/<token>},
     * Discord {@code /api/webhooks/<id>/<token>}), and this is what every log line shows.
     */
    @Override
    public String toString() {
        String path = uri.getRawPath();
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (path == null || path.isEmpty() || path.equals("/") ? "" : "/...")
                + (signed() ? " (signed)" : " (unsigned)");
    }
}
