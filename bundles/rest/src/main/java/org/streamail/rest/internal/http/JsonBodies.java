package org.streamail.rest.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading a JSON object request body with a clear 400 for everything else. Stateless. */
public final class JsonBodies {

    private JsonBodies() {
    }

    /**
     * The body as a JSON object.
     *
     * @throws ApiException 400 when empty, malformed or not an object; 413 when over {@code maxBytes}
     */
    public static JsonNode object(ApiRequest request, ObjectMapper mapper, int maxBytes) {
        JsonNode node = optionalObject(request, mapper, maxBytes);
        if (node == null) {
            throw ApiException.badRequest("empty body: a JSON object is required");
        }
        return node;
    }

    /** The body as a JSON object, or {@code null} when the body is empty. */
    public static JsonNode optionalObject(ApiRequest request, ObjectMapper mapper, int maxBytes) {
        byte[] bytes = request.body(maxBytes);
        if (bytes.length == 0) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw ApiException.badRequest("the body must be a JSON object");
            }
            return node;
        } catch (java.io.IOException e) {
            throw JsonErrors.malformed(e);
        }
    }

    /**
     * Refuses a field the endpoint does not know: a misspelt optional field ({@code "expire"} for
     * {@code "expires"}) would otherwise be ignored and the request do something else than meant (fourth
     * audit: a block rule meant to expire in an hour was created permanent).
     *
     * @throws ApiException 400 naming the first unknown field and the known ones
     */
    public static void onlyFields(JsonNode body, String... known) {
        java.util.Set<String> allowed = java.util.Set.of(known);
        java.util.Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
                shown = shown.chars().anyMatch(Character::isISOControl) ? "(a name with control characters)"
                        : "\"" + shown + "\"";
                throw ApiException.badRequest("unknown field " + shown + ": this request takes "
                        + String.join(", ", java.util.Arrays.stream(known).map(k -> "\"" + k + "\"").toList()));
            }
        }
    }

    /**
     * An optional string field: {@code null} when absent or JSON null.
     *
     * @throws ApiException 400 when present but not a string, longer than {@code maxLength} or holding
     *                      control characters
     */
    public static String optionalText(JsonNode body, String field, int maxLength) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().length() > maxLength
                || n.asText().chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("\"" + field + "\" must be a string of at most " + maxLength
                    + " characters without control characters");
        }
        return n.asText().strip();
    }
}
