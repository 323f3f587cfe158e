package org.streamail.rest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyFileExistsException;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimKeysEntries;
import org.streamail.api.dkim.NewDkimKey;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.JsonBodies;
import org.streamail.rest.internal.http.Permission;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.json.JsonMapping;

/**
 * The DKIM signing keys of outbound mail: {@code GET /dkim} (what is configured, the records to publish and whether
 * DNS publishes them) and {@code POST /dkim/keys} (a new key pair). The REST face of {@code streamail:dkim-status}
 * and {@code streamail:dkim-keygen}; kept apart from {@link RestApi} so the feature adds one line there.
 *
 * <p>{@link DkimKeys} comes from the detect-auth bundle and may come and go: it is looked up in the service registry
 * per request, and while it is absent these endpoints answer 503. The status holds public data only (the private keys
 * never leave their files), so every user may read it; making a key writes a secret file of the gateway and needs the
 * admin role. A new key is always written where the shell writes it by default ({@code ${karaf.etc}/dkim}): a
 * request cannot choose a directory. Thread-safe (stateless).
 */
final class DkimRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(DkimRoutes.class);

    /** Longest domain or selector accepted: a DNS name has at most 253 characters. */
    static final int MAX_NAME_LENGTH = 253;
    /** The RSA key sizes {@link DkimKeys#generate} makes (RFC 8301: verifiers handle 1024 to 4096). */
    static final List<Integer> RSA_BITS = List.of(2048, 3072, 4096);
    /** The algorithms as a request names them. */
    static final List<String> ALGORITHMS = Arrays.stream(DkimAlgorithm.values()).map(Enum::name).toList();

    private final ServiceAccess<DkimKeys> keys;
    private final ObjectMapper mapper;
    private final int maxJsonSize;

    private DkimRoutes(ServiceAccess<DkimKeys> keys, ObjectMapper mapper, int maxJsonSize) {
        this.keys = keys;
        this.mapper = mapper;
        this.maxJsonSize = maxJsonSize;
    }

    /** {@link DkimKeys} from the OSGi registry of this bundle, looked up per request. */
    static ServiceAccess<DkimKeys> registry() {
        return ServiceAccess.registry(DkimKeys.class, "DKIM signing (detect-auth bundle)");
    }

    /** Adds the routes over {@code keys} ({@link #registry()}, or a stand-in in tests). */
    static void register(Router router, ServiceAccess<DkimKeys> keys, ObjectMapper mapper, int maxJsonSize) {
        DkimRoutes r = new DkimRoutes(keys, mapper, maxJsonSize);
        router.add("GET", "/dkim", Permission.READ, r::status)
                .add("POST", "/dkim/keys", Permission.ADMIN, r::generate);
    }

    // ---- status

    /** {@code GET /dkim?dns=true|false}: DNS is asked unless {@code dns=false}, as {@code dkim-status} does. */
    private ApiResponse status(ApiRequest request) {
        String dns = request.query("dns");
        if (dns != null && !dns.equals("true") && !dns.equals("false")) {
            throw ApiException.badRequest("dns must be true or false, got '" + abbrev(dns) + "'");
        }
        boolean checkDns = !"false".equals(dns);
        return ApiResponse.ok(JsonMapping.dkimStatus(keys.with(k -> k.status(checkDns))));
    }

    // ---- a new key

    /** What a {@code POST /dkim/keys} body asks for, checked. */
    private record KeyRequest(String domain, String selector, DkimAlgorithm algorithm, int bits) {
    }

    /**
     * {@code POST /dkim/keys} with {@code {"domain","selector","algorithm":"RSA|ED25519","bits":2048|3072|4096}}
     * ({@code algorithm} defaults to RSA, {@code bits} to 2048 and is for RSA only): 201 with the record to publish
     * and the {@code keys} entry; 400 for a body the service refuses, 409 when the key file exists already, 503 when
     * the service is absent or the file cannot be written.
     */
    private ApiResponse generate(ApiRequest request) {
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /dkim/keys needs Content-Type: application/json, got " + abbrev(type));
        }
        JsonNode body = JsonBodies.object(request, mapper, maxJsonSize);
        KeyRequest wanted = keyRequest(body);
        String actor = request.user().name();
        Made made;
        try {
            made = keys.with(k -> make(k, wanted));
        } catch (DkimKeyFileExistsException e) {
            throw ApiException.conflict(String.valueOf(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid key request" : e.getMessage());
        } catch (UncheckedIOException e) {
            // the path and the system's reason belong in the log; the client learns that nothing usable was written
            LOG.warn("DKIM key for {} (selector {}) requested by {} could not be written: {}", wanted.domain(),
                    wanted.selector(), actor, String.valueOf(e.getCause()).replaceAll("\\p{Cntrl}", " "));
            throw ApiException.unavailable("the key file could not be written (" + ApiException.SEE_LOG + ")");
        }
        NewDkimKey k = made.key();
        LOG.info("DKIM key for {} (selector {}, {} {} bits) made by {}: {}", k.domain(), k.selector(), k.algorithm(),
                k.bits(), actor, k.file());
        return ApiResponse.json(201, JsonMapping.newDkimKey(k, made.keys(), made.replaces()));
    }

    /** A key made, and the {@code keys} value that configures it ({@code replaces}: the selector it takes over). */
    private record Made(NewDkimKey key, String keys, String replaces) {
    }

    /**
     * Makes the key and reads the configuration with the same service object, so a service that goes away between
     * the two cannot answer 503 for a key that was written.
     */
    private static Made make(DkimKeys service, KeyRequest r) {
        NewDkimKey k;
        try {
            k = service.generate(r.domain(), r.selector(), r.algorithm(), r.bits(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DkimKeysEntries keys = DkimKeysEntries.adding(service.status(false).keys(), k);
        return new Made(k, keys.value(), keys.replaced().isEmpty() ? null : String.join(", ", keys.replaced()));
    }

    /** The body checked field by field, each refusal naming its field; the names themselves the service checks. */
    private static KeyRequest keyRequest(JsonNode body) {
        JsonBodies.onlyFields(body, "domain", "selector", "algorithm", "bits");
        String domain = requiredName(body, "domain", "the domain the key signs for, e.g. example.org");
        String selector = requiredName(body, "selector", "the selector to publish the key under, e.g. s2026");
        DkimAlgorithm algorithm = DkimAlgorithm.RSA;
        JsonNode a = body.get("algorithm");
        if (a != null && !a.isNull()) {
            if (!a.isTextual()) {
                throw ApiException.badRequest("\"algorithm\" must be a string: one of " + ALGORITHMS);
            }
            try {
                algorithm = DkimAlgorithm.valueOf(a.asText().strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("unknown \"algorithm\" '" + abbrev(a.asText()) + "': one of "
                        + ALGORITHMS);
            }
        }
        JsonNode b = body.get("bits");
        int bits = 0;
        if (b != null && !b.isNull()) {
            if (algorithm == DkimAlgorithm.ED25519) {
                throw ApiException.badRequest("\"bits\" is for RSA keys: an Ed25519 key has no size to choose (leave"
                        + " \"bits\" out)");
            }
            if (!b.isIntegralNumber() || !b.canConvertToInt() || !RSA_BITS.contains(b.intValue())) {
                throw ApiException.badRequest("\"bits\" must be one of " + RSA_BITS + " (an RSA key's size), got "
                        + abbrev(b.toString()));
            }
            bits = b.intValue();
        }
        return new KeyRequest(domain, selector, algorithm, bits);
    }

    private static String requiredName(JsonNode body, String field, String what) {
        String value = JsonBodies.optionalText(body, field, MAX_NAME_LENGTH);
        if (value == null || value.isEmpty()) {
            throw ApiException.badRequest("\"" + field + "\" (a string) is required: " + what);
        }
        return value;
    }

    private static String abbrev(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "...";
    }
}
