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
