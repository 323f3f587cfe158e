package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.rest.internal.RestApiTest.ADMIN;
import static org.streamail.rest.internal.RestApiTest.VIEWER;
import static org.streamail.rest.internal.RestApiTest.assertError;
import static org.streamail.rest.internal.RestApiTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyFileExistsException;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimRecord;
import org.streamail.api.dkim.DkimStatus;
import org.streamail.api.dkim.NewDkimKey;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;

/** {@code GET /dkim} and {@code POST /dkim/keys} over a recording stand-in for the detect-auth bundle's service. */
class DkimRestTest {

    static final String ETC = "/opt/streamail/etc/dkim/";
    static final DkimRecord RECORD = new DkimRecord("s2026._domainkey.example.org",
            List.of("v=DKIM1; k=rsa; p=" + "A".repeat(236), "B".repeat(156)));

    /** What the service was asked, in order: {@code status true}, {@code generate example.org s1 RSA 2048 null}. */
    final List<String> calls = new ArrayList<>();
    /** The key files the service wrote (what a request changed, for {@link RestFuzzTest}). */
    final List<String> made = new ArrayList<>();
    final List<DkimKeyStatus> configured = new ArrayList<>(List.of(
            new DkimKeyStatus("example.org", "s2026", Optional.of(DkimAlgorithm.RSA), 2048,
                    ETC + "example.org.s2026.pem", "", Optional.of(RECORD), DnsCheck.MATCHES, ""),
            new DkimKeyStatus("shop.example", "e1", Optional.empty(), 0, ETC + "shop.example.e1.pem",
                    "keys 'shop.example.e1.pem' is open to group or others (mode rw-r--r--); it must be 600 or 400"
                            + " (chmod 600)", Optional.empty(), DnsCheck.NOT_CHECKED, "")));

    final DkimKeys service = new DkimKeys() {
        @Override
        public DkimStatus status(boolean checkDns) {
            calls.add("status " + checkDns);
            return new DkimStatus(true, configured, checkDns ? "asked 127.0.0.1:53 (dns.servers of"
                    + " org.streamail.detect.auth)" : "");
        }

        @Override
        public NewDkimKey generate(String domain, String selector, DkimAlgorithm algorithm, int bits, Path directory)
                throws IOException {
            calls.add("generate " + domain + " " + selector + " " + algorithm.name() + " " + bits + " " + directory);
            String file = ETC + domain + "." + selector + ".pem";
            switch (domain) {
                case "localhost" -> throw new IllegalArgumentException("'localhost' is not a domain name");
                case "taken.example" -> throw new DkimKeyFileExistsException(file, file + " exists already; a key"
                        + " file is never replaced (choose another selector, or move the old file away first)");
                case "readonly.example" -> throw new AccessDeniedException(ETC + ".taken.example.pem.tmp");
                default -> {
                    // what the bundle answers: A-labels, the size it made, the record of the new public key
                }
            }
            made.add(file);
            boolean ed = algorithm == DkimAlgorithm.ED25519;
            DkimRecord record = new DkimRecord(selector + "._domainkey." + domain,
                    List.of("v=DKIM1; k=" + algorithm.keyType() + "; p=" + (ed ? "C".repeat(44) : "D".repeat(392))));
            return new NewDkimKey(domain, selector, algorithm, ed ? 256 : bits == 0 ? 2048 : bits, file, record,
                    domain + ":" + selector + ":" + file);
        }
    };
    DkimKeys present = service;

    final InMemoryGateway gateway = new InMemoryGateway();
    final RestApi api = new RestApi(gateway.services(), new RestApi.Limits(1024, 1024),
            IncidentRoutes.Access.registry(), ServiceAccess.of(() -> null, "report service"),
            ServiceAccess.of(() -> null, "block list"), ServiceAccess.of(() -> null, "quarantine digest"),
            ServiceAccess.of(() -> present, "DKIM signing (detect-auth bundle)"));

    ApiResponse call(AuthenticatedUser user, String method, String pathAndQuery, String contentType, String body) {
        int q = pathAndQuery.indexOf('?');
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        InputStream in = bytes == null ? InputStream.nullInputStream() : new ByteArrayInputStream(bytes);
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        return api.handle(new ApiRequest(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? null : pathAndQuery.substring(q + 1), n -> headers.get(n.toLowerCase()),
                bytes == null ? -1 : bytes.length, in, user));
    }

    ApiResponse post(AuthenticatedUser user, String body) {
        return call(user, "POST", "/dkim/keys", "application/json", body);
    }

    // ---- GET /dkim

    @Test
    void aViewerSeesEveryKeyItsRecordToPublishAndWhatDnsPublishes() {
        ApiResponse r = call(VIEWER, "GET", "/dkim", null, null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("enabled").asBoolean()).isTrue();
        assertThat(n.get("dns").asText()).isEqualTo("asked 127.0.0.1:53 (dns.servers of org.streamail.detect.auth)");
        assertThat(n.get("keys")).hasSize(2);

        JsonNode good = n.get("keys").get(0);
        assertThat(good.get("domain").asText()).isEqualTo("example.org");
        assertThat(good.get("selector").asText()).isEqualTo("s2026");
        assertThat(good.get("algorithm").asText()).isEqualTo("RSA");
        assertThat(good.get("signatureAlgorithm").asText()).isEqualTo("rsa-sha256");
        assertThat(good.get("bits").asInt()).isEqualTo(2048);
        assertThat(good.get("file").asText()).as("as the API gives it, as dkim-status shows it")
                .isEqualTo(ETC + "example.org.s2026.pem");
        assertThat(good.get("usable").asBoolean()).isTrue();
        assertThat(good.get("problem").asText()).isEmpty();
        assertThat(good.get("dns").asText()).isEqualTo("MATCHES");
        assertThat(good.get("dnsDetail").asText()).isEmpty();
        JsonNode record = good.get("record");
        assertThat(record.get("name").asText()).isEqualTo("s2026._domainkey.example.org");
        assertThat(record.get("strings")).hasSize(2);
        assertThat(record.get("text").asText()).isEqualTo(RECORD.text()).startsWith("v=DKIM1; k=rsa; p=AAA");
        assertThat(record.get("zoneLine").asText()).isEqualTo(RECORD.zoneLine())
                .startsWith("s2026._domainkey.example.org IN TXT \"v=DKIM1; k=rsa; p=").endsWith("BBB\"");

        JsonNode broken = n.get("keys").get(1);
        assertThat(broken.get("usable").asBoolean()).isFalse();
        assertThat(broken.get("problem").asText()).contains("is open to group or others").contains("chmod 600");
        assertThat(broken.get("algorithm").isNull()).isTrue();
        assertThat(broken.get("signatureAlgorithm").isNull()).isTrue();
        assertThat(broken.get("bits").asInt()).isZero();
        assertThat(broken.get("record").isNull()).isTrue();
        assertThat(broken.get("dns").asText()).isEqualTo("NOT_CHECKED");
        assertThat(calls).as("DNS asked by default, as dkim-status does").containsExactly("status true");
    }

    @Test
    void theStatusHoldsPublicDataOnlyInAFixedSetOfFields() {
        JsonNode n = json(call(VIEWER, "GET", "/dkim", null, null));
        assertThat(n.fieldNames()).toIterable().containsExactly("enabled", "dns", "keys");
        for (JsonNode key : n.get("keys")) {
            assertThat(key.fieldNames()).toIterable().containsExactly("domain", "selector", "algorithm",
                    "signatureAlgorithm", "bits", "file", "usable", "problem", "record", "dns", "dnsDetail");
        }
        assertThat(n.get("keys").get(0).get("record").fieldNames()).toIterable()
                .containsExactly("name", "text", "strings", "zoneLine");
        assertThat(n.toString()).doesNotContainIgnoringCase("private").doesNotContainIgnoringCase("password")
                .doesNotContain("BEGIN");
    }

    @Test
    void dnsFalseSkipsTheLookUpsAndAnythingElseIsABadRequest() {
        JsonNode n = json(call(VIEWER, "GET", "/dkim?dns=false", null, null));
        assertThat(n.get("dns").asText()).isEmpty();
        assertThat(call(VIEWER, "GET", "/dkim?dns=true", null, null).status()).isEqualTo(200);
        assertThat(calls).containsExactly("status false", "status true");
        assertError(call(VIEWER, "GET", "/dkim?dns=no", null, null), 400, "dns must be true or false, got 'no'");
        assertThat(calls).hasSize(2);
    }

    @Test
    void headAnswersAsGetAndOtherMethodsAre405() {
        assertThat(call(VIEWER, "HEAD", "/dkim", null, null).status()).isEqualTo(200);
        ApiResponse r = call(ADMIN, "DELETE", "/dkim", null, null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers()).containsEntry("Allow", "GET, HEAD");
        ApiResponse keys = call(ADMIN, "GET", "/dkim/keys", null, null);
        assertThat(keys.status()).isEqualTo(405);
        assertThat(keys.headers()).containsEntry("Allow", "POST");
    }

    @Test
    void withoutTheDetectAuthBundleBothAre503() {
        present = null;
        assertError(call(VIEWER, "GET", "/dkim", null, null), 503,
                "DKIM signing (detect-auth bundle) is not available");
        assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\"}"), 503,
                "DKIM signing (detect-auth bundle) is not available");
        assertThat(calls).isEmpty();
    }

    // ---- POST /dkim/keys

    @Test
    void anAdminMakesAKeyAndGetsTheRecordToPublishAndTheKeysLine() {
        ApiResponse r = post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s2027\",\"algorithm\":\"RSA\","
                + "\"bits\":3072}");
        assertThat(r.status()).isEqualTo(201);
        JsonNode n = json(r);
        assertThat(n.get("domain").asText()).isEqualTo("example.org");
        assertThat(n.get("selector").asText()).isEqualTo("s2027");
        assertThat(n.get("algorithm").asText()).isEqualTo("RSA");
        assertThat(n.get("signatureAlgorithm").asText()).isEqualTo("rsa-sha256");
        assertThat(n.get("bits").asInt()).isEqualTo(3072);
        assertThat(n.get("file").asText()).isEqualTo(ETC + "example.org.s2027.pem");
        assertThat(n.get("record").get("name").asText()).isEqualTo("s2027._domainkey.example.org");
        assertThat(n.get("record").get("zoneLine").asText())
                .startsWith("s2027._domainkey.example.org IN TXT \"v=DKIM1; k=rsa; p=DDD");
        assertThat(n.get("keysEntry").asText()).isEqualTo("example.org:s2027:" + ETC + "example.org.s2027.pem");
        // as dkim-keygen prints it: the other domains' entries kept, the earlier key of this domain replaced
        assertThat(n.get("keys").asText()).isEqualTo("shop.example:e1:" + ETC + "shop.example.e1.pem, "
                + "example.org:s2027:" + ETC + "example.org.s2027.pem");
        assertThat(n.get("replaces").asText()).isEqualTo("s2026");
        // written where the shell writes by default: a request cannot choose the directory
        assertThat(calls).containsExactly("generate example.org s2027 RSA 3072 null", "status false");
    }

    @Test
    void anEd25519KeyAndTheDefaultsOfAlgorithmAndSize() {
        JsonNode ed = json(post(ADMIN,
                "{\"domain\":\"new.example\",\"selector\":\"e2026\",\"algorithm\":\"ed25519\"}"));
        assertThat(ed.get("algorithm").asText()).isEqualTo("ED25519");
        assertThat(ed.get("signatureAlgorithm").asText()).isEqualTo("ed25519-sha256");
        assertThat(ed.get("bits").asInt()).isEqualTo(256);
        assertThat(ed.get("replaces").isNull()).as("no earlier key of new.example").isTrue();
        assertThat(ed.get("keys").asText()).endsWith(", new.example:e2026:" + ETC + "new.example.e2026.pem")
                .contains("example.org:s2026:");
        assertThat(post(ADMIN, "{\"domain\":\"plain.example\",\"selector\":\"s1\",\"bits\":null}").status())
                .isEqualTo(201);
        // an Ed25519 key for a domain that signs with RSA joins that key (one of each per domain)
        JsonNode pair = json(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"e1\",\"algorithm\":\"ED25519\"}"));
        assertThat(pair.get("replaces").isNull()).as("the RSA key of example.org stays").isTrue();
        assertThat(pair.get("keys").asText()).contains("example.org:s2026:" + ETC + "example.org.s2026.pem")
                .endsWith(", example.org:e1:" + ETC + "example.org.e1.pem");
        assertThat(calls).containsExactly("generate new.example e2026 ED25519 0 null", "status false",
                "generate plain.example s1 RSA 0 null", "status false", "generate example.org e1 ED25519 0 null",
                "status false");
    }

    @Test
    void aViewerMayReadButNotMakeAKey() {
        assertThat(call(VIEWER, "GET", "/dkim", null, null).status()).isEqualTo(200);
        assertError(post(VIEWER, "{\"domain\":\"example.org\",\"selector\":\"s1\"}"), 403, "admin role required");
        assertThat(calls).containsExactly("status true");
    }

    @Test
    void badBodiesAre400NamingTheFieldAndReachNoService() {
        assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\",\"dir\":\"/tmp\"}"), 400,
                "unknown field \"dir\": this request takes \"domain\", \"selector\", \"algorithm\", \"bits\"");
        assertError(post(ADMIN, "{\"selector\":\"s1\"}"), 400, "\"domain\" (a string) is required");
        assertError(post(ADMIN, "{\"domain\":\"  \",\"selector\":\"s1\"}"), 400, "\"domain\" (a string) is required");
        assertError(post(ADMIN, "{\"domain\":\"example.org\"}"), 400, "\"selector\" (a string) is required");
        assertError(post(ADMIN, "{\"domain\":42,\"selector\":\"s1\"}"), 400, "\"domain\" must be a string");
        assertError(post(ADMIN, "{\"domain\":\"a\\u0000b.example\",\"selector\":\"s1\"}"), 400,
                "\"domain\" must be a string of at most 253 characters without control characters");
        assertError(post(ADMIN, "{\"domain\":\"" + "a".repeat(254) + "\",\"selector\":\"s1\"}"), 400, "domain");
        assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\",\"algorithm\":\"DSA\"}"), 400,
                "unknown \"algorithm\" 'DSA': one of [RSA, ED25519]");
        assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\",\"algorithm\":1}"), 400,
                "\"algorithm\" must be a string");
        assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\",\"algorithm\":\"ED25519\","
                + "\"bits\":256}"), 400, "\"bits\" is for RSA keys: an Ed25519 key has no size to choose");
        for (String bits : List.of("1024", "2048.5", "\"2048\"", "99999999999", "true")) {
            assertError(post(ADMIN, "{\"domain\":\"example.org\",\"selector\":\"s1\",\"bits\":" + bits + "}"), 400,
                    "\"bits\" must be one of [2048, 3072, 4096]");
        }
        assertError(post(ADMIN, "[\"example.org\"]"), 400, "JSON object");
        assertError(post(ADMIN, "{\"domain\":\"example.org\","), 400, "malformed JSON");
        assertError(post(ADMIN, ""), 400, "empty body");
        assertError(post(ADMIN, "{\"domain\":\"a.example\",\"domain\":\"b.example\",\"selector\":\"s1\"}"), 400,
                "malformed JSON");
        assertThat(calls).isEmpty();
    }

    @Test
    void whatTheServiceRefusesIs400WithItsReason() {
        assertError(post(ADMIN, "{\"domain\":\"localhost\",\"selector\":\"s1\"}"), 400,
                "'localhost' is not a domain name");
        assertThat(calls).containsExactly("generate localhost s1 RSA 0 null");
    }

    @Test
    void anExistingKeyFileIs409AndNothingIsReplaced() {
        ApiResponse r = post(ADMIN, "{\"domain\":\"taken.example\",\"selector\":\"s1\"}");
        assertError(r, 409, ETC + "taken.example.s1.pem exists already; a key file is never replaced");
        assertThat(calls).containsExactly("generate taken.example s1 RSA 0 null");
    }

    @Test
    void aFileThatCannotBeWrittenIs503WithoutThePathOrTheSystemsWords() {
        ApiResponse r = post(ADMIN, "{\"domain\":\"readonly.example\",\"selector\":\"s1\"}");
        assertError(r, 503, "the key file could not be written (see the gateway log)");
        assertThat(json(r).get("error").asText()).doesNotContain(ETC, "AccessDenied", "Exception");
    }

    @Test
    void anotherContentTypeIs415AndABrowserFormOrCrossSitePostIsRefused() {
        assertError(call(ADMIN, "POST", "/dkim/keys", "text/xml", "<key/>"), 415,
                "POST /dkim/keys needs Content-Type: application/json, got text/xml");
        assertError(call(ADMIN, "POST", "/dkim/keys", "application/x-www-form-urlencoded", "domain=example.org"),
                415, "a browser form cannot call this API");
        Map<String, String> headers = Map.of("content-type", "application/json", "origin", "https://evil.example",
                "host", "127.0.0.1:8181");
        byte[] body = "{\"domain\":\"example.org\",\"selector\":\"s1\"}".getBytes(StandardCharsets.UTF_8);
        ApiResponse r = api.handle(new ApiRequest("POST", "/dkim/keys", null, n -> headers.get(n.toLowerCase()),
                body.length, new ByteArrayInputStream(body), ADMIN));
        assertError(r, 403, "cross-site request refused");
        assertThat(calls).isEmpty();
    }

    @Test
    void aBodyWithoutContentTypeIsTakenAsJson() {
        assertThat(call(ADMIN, "POST", "/dkim/keys", null, "{\"domain\":\"example.net\",\"selector\":\"s1\"}")
                .status()).isEqualTo(201);
    }
}
