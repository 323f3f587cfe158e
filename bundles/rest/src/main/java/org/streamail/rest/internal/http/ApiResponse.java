package org.streamail.rest.internal.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a route answers: a status, a JSON tree or raw bytes, and extra headers. Immutable once built; the
 * servlet writes it.
 *
 * @param status      HTTP status
 * @param json        the JSON body (a Jackson tree or a value Jackson can write), or {@code null} for none
 * @param bytes       a raw body, used when {@code json} is {@code null}; or {@code null} for an empty body
 * @param contentType the content type of {@code bytes}; ignored for JSON
 * @param headers     extra headers
 */
public record ApiResponse(int status, Object json, byte[] bytes, String contentType, Map<String, String> headers) {

    public ApiResponse {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public static ApiResponse json(int status, Object json) {
        return new ApiResponse(status, Objects.requireNonNull(json, "json"), null, null, Map.of());
    }

    public static ApiResponse ok(Object json) {
        return json(200, json);
    }

    public static ApiResponse bytes(int status, String contentType, byte[] bytes) {
        return new ApiResponse(status, null, bytes, contentType, Map.of());
    }

    /** A copy with one more header. */
    public ApiResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiResponse(status, json, bytes, contentType, h);
    }
}
