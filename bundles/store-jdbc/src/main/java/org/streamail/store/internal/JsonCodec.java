package org.streamail.store.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.StoreException;

/**
 * JSON for the columns that hold API records (envelope, verdict, Received chain). Jackson databind binds
 * the API records directly through their canonical constructors, so a verdict row looks exactly like the
 * verdict JSON of the REST API, and a field added to a record later needs no codec change. Instants are
 * ISO-8601 strings via a two-line module, which spares the jsr310 bundle. Unknown properties are ignored
 * so rows written by a newer node still read. Thread-safe (the mapper is configured once, then shared).
 */
final class JsonCodec {

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private final ObjectMapper mapper;

    JsonCodec() {
        SimpleModule instants = new SimpleModule("streamail-instant");
        instants.addSerializer(Instant.class, new JsonSerializer<Instant>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(value.toString());
            }
        });
        instants.addDeserializer(Instant.class, new JsonDeserializer<Instant>() {
            @Override
            public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
                }
                try {
                    return Instant.parse(p.getText());
                } catch (DateTimeParseException e) {
                    return (Instant) ctxt.handleWeirdStringValue(Instant.class, p.getText(), "not an ISO-8601 instant");
                }
            }
        });
        mapper = new ObjectMapper()
                .registerModule(instants)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.getFactory().setCharacterEscapes(new SurrogateEscapes());
    }

    /**
     * Writes every UTF-16 surrogate as a JSON escape (backslash, u, four hex digits): a lone one (a finding quoting a
     * UTF-16 encoded word, say) has no UTF-8 form, so written bare it became '?' in the database (pgjdbc and H2's CLOB
     * both encode UTF-8) and the envelope or verdict read back was not the one stored. Escaped, it is ASCII and reads
     * back exactly; a pair reads back as the same pair. Other characters are written as before.
     */
    private static final class SurrogateEscapes extends CharacterEscapes {

        private static final int[] ASCII = standardAsciiEscapesForJSON();

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return Character.isSurrogate((char) ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    String envelope(Envelope envelope) {
        return write(envelope);
    }

    String verdict(Verdict verdict) {
        return verdict == null ? null : write(verdict);
    }

    String strings(List<String> strings) {
        return write(strings == null ? List.of() : strings);
    }

    Envelope readEnvelope(String json, String where) {
        return read(json, where, Envelope.class);
    }

    /** {@code null} for a {@code null} column (an undecided message). */
    Verdict readVerdict(String json, String where) {
        return json == null ? null : read(json, where, Verdict.class);
    }

    List<String> readStrings(String json, String where) {
        if (json == null) {
            return List.of();
        }
        try {
            return mapper.readValue(json, STRINGS);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new StoreException("unreadable JSON in " + where + ": " + e.getMessage(), e);
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(),
                    e);
        }
    }

    private <T> T read(String json, String where, Class<T> type) {
        try {
            T value = mapper.readValue(json, type);
            if (value == null) {
                throw new StoreException("null JSON in " + where);
            }
            return value;
        } catch (JsonProcessingException | RuntimeException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            // The records' constructors validate (e.g. a null action): that is corruption too.
            throw new StoreException("unreadable JSON in " + where + ": " + e.getMessage(), e);
        }
    }
}
