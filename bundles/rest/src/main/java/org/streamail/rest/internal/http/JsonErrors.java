package org.streamail.rest.internal.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;

/**
 * Turns a Jackson read failure into a plain 400 message ({@code "malformed JSON: <reason>"}). Jackson's own
 * messages name library classes and features ({@code JsonNode}, {@code FAIL_ON_TRAILING_TOKENS},
 * {@code StreamReadConstraints...}), which mean nothing to a client and tell an attacker the stack, so they are
 * never passed on: the reason is chosen from the exception type, plus the line and column when known.
 * Stateless and thread-safe.
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** A 400 for a body that could not be read as JSON. */
    public static ApiException malformed(IOException e) {
        return ApiException.badRequest("malformed JSON: " + reason(e));
    }

    static String reason(IOException e) {
        if (e instanceof StreamConstraintsException) {
            // the only constraints set are nesting depth and string length (number length keeps its default)
            String m = String.valueOf(((StreamConstraintsException) e).getOriginalMessage());
            if (m.contains("epth")) {
                return "nested too deeply";
            }
            if (m.contains("umber")) {
                return "number too long";
            }
            return "string too long";
        }
        if (!(e instanceof JsonProcessingException)) {
            return "the body could not be read";
        }
        JsonProcessingException j = (JsonProcessingException) e;
        String original = String.valueOf(j.getOriginalMessage());
        if (e instanceof JsonEOFException) {
            return "unexpected end of input" + at(j);
        }
        if (e instanceof MismatchedInputException && original.startsWith("Trailing token")) {
            return "trailing content after the JSON value";
        }
        if (original.startsWith("Duplicate field")) {
            return "duplicate field" + at(j);
        }
        if (original.startsWith("Unexpected end-of-input") || original.startsWith("No content")) {
            return "unexpected end of input" + at(j);
        }
        if (original.startsWith("Invalid UTF-8") || original.startsWith("Invalid UTF")) {
            return "invalid UTF-8" + at(j);
        }
        if (original.startsWith("Illegal unquoted character") || original.startsWith("Illegal character")) {
            return "control character in a string" + at(j);
        }
        return "unexpected character" + at(j);
    }

    private static String at(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        if (l == null || l.getLineNr() < 1) {
            return "";
        }
        return " at line " + l.getLineNr() + (l.getColumnNr() > 0 ? " column " + l.getColumnNr() : "");
    }
}
