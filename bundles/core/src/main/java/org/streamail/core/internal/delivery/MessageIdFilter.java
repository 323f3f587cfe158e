package org.streamail.core.internal.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An output stream that rewrites the message ids in some fields of the <b>top-level header</b> of the message
 * written through it ({@code Message-ID}, {@code In-Reply-To}, {@code References}), and passes everything else
 * byte for byte: other fields, and everything from the blank line that ends the header on (nested messages'
 * ids are not touched). {@link MessageIdHiding} says what each id becomes.
 *
 * <p>A field whose ids all stay is written exactly as it came. A field with an id that changes is written
 * anew: its name as it came, then one id per line ({@code Name: <id1>}, folded {@code  <id2>}, ...), with the
 * field's own line ending; comments and anything that is not a bracketed id are left out.
 *
 * <p>Bounded: a field is kept as it came only up to {@link #MAX_FIELD_BYTES}; a longer one is written anew. At
 * most {@link #MAX_IDS} ids are kept per field: when there are more (a References of a very long thread), the
 * first and the last {@code MAX_IDS - 1} stay, as RFC 5537 suggests for trimming References, and the field is
 * written anew. An id longer than {@link MessageIdHiding#MAX_ID_CHARS} bytes is no id here: left in a field
 * written as it came, left out of a field written anew. Field names are decided on their first
 * {@link #MAX_NAME} bytes. Memory: at most about {@code MAX_FIELD_BYTES + MAX_IDS * MAX_ID_CHARS} bytes.
 *
 * <p>Not thread-safe; one instance per message. {@link #finish()} must be called after the last byte (a
 * message that ends inside its header); neither it nor {@link #close()} closes the underlying stream.
 */
final class MessageIdFilter extends OutputStream {

    /** What an id (without brackets) becomes: the replacement, or {@code null} to keep it. */
    interface IdMap {
        String map(String id) throws IOException;
    }

    static final Set<String> ALL_ID_FIELDS = Set.of("message-id", "in-reply-to", "references");
    static final Set<String> REPLY_FIELDS = Set.of("in-reply-to", "references");
    static final int MAX_FIELD_BYTES = 16 * 1024;
    static final int MAX_IDS = 100;
    static final int MAX_NAME = 1000;

    private final OutputStream out;
    private final Set<String> fields;
    private final IdMap map;

    private boolean body;
    /** Header bytes passed through, written in chunks (the target may be an unbuffered file channel). */
    private final byte[] pass = new byte[8192];
    private int passed;
    private boolean lineStart = true;
    /** The start of a line while its field name is not known yet. */
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private boolean deciding;
    private boolean collecting;

    // The field being collected.
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private boolean overflow;
    private String name;
    private String eol;
    private boolean sawCr;
    private String first;
    private final Deque<String> last = new ArrayDeque<>();
    private boolean trimmed;
    private boolean inId;
    private final ByteArrayOutputStream id = new ByteArrayOutputStream();
    private boolean longId;

    MessageIdFilter(OutputStream out, Set<String> fields, IdMap map) {
        this.out = out;
        this.fields = fields;
        this.map = map;
    }

    /** Whether {@code s} can stand between the brackets of a message id: 1..500 bytes, no space, control or bracket. */
    static boolean plainId(String s) {
        if (s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > MessageIdHiding.MAX_ID_CHARS) {
            return false;
        }
        return s.codePoints().allMatch(c -> c > 0x20 && c != 0x7F && c != '<' && c != '>');
    }

    @Override
    public void write(int b) throws IOException {
        if (body) {
            out.write(b);
        } else {
            header((byte) b);
            drain();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int i = off;
        int end = off + len;
        while (i < end && !body) {
            header(b[i++]);
        }
        drain();
        if (i < end) {
            out.write(b, i, end - i);
        }
    }

    /** Ends a header that was still open (a message that is all header). */
    void finish() throws IOException {
        if (deciding) {
            emit(head.toByteArray());
            head.reset();
            deciding = false;
        }
        if (collecting) {
            endField();
        }
        drain();
    }

    private void emit(byte b) throws IOException {
        if (passed == pass.length) {
            drain();
        }
        pass[passed++] = b;
    }

    private void emit(byte[] b) throws IOException {
        drain();
        out.write(b);
    }

    private void drain() throws IOException {
        if (passed > 0) {
            out.write(pass, 0, passed);
            passed = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
    }

    private void header(byte b) throws IOException {
        if (lineStart) {
            lineStart = false;
            if (b == ' ' || b == '\t') { // a folded line continues the current field
                if (collecting) {
                    collect(b);
                } else {
                    emit(b);
                }
                return;
            }
            if (collecting) {
                endField();
            }
            deciding = true;
            head.reset();
        }
        if (deciding) {
            head.write(b);
            if (b == ':') {
                deciding = false;
                String n = head.toString(StandardCharsets.ISO_8859_1);
                String key = n.substring(0, n.length() - 1).strip().toLowerCase(Locale.ROOT);
                if (fields.contains(key)) {
                    startField(n);
                } else {
                    emit(head.toByteArray());
                }
            } else if (b == '\n') {
                deciding = false;
                lineStart = true;
                int n = head.size();
                emit(head.toByteArray());
                if (n == 1 || n == 2 && head.toByteArray()[0] == '\r') {
                    body = true; // the blank line: the rest goes through untouched
                }
            } else if (head.size() >= MAX_NAME) {
                deciding = false; // no field name this long: not one of ours
                emit(head.toByteArray());
            }
            return;
        }
        if (collecting) {
            collect(b);
        } else {
            emit(b);
        }
        if (b == '\n') {
            lineStart = true;
        }
    }

    private void startField(String nameAndColon) {
        collecting = true;
        name = nameAndColon.substring(0, nameAndColon.length() - 1);
        raw.reset();
        raw.writeBytes(nameAndColon.getBytes(StandardCharsets.ISO_8859_1));
        overflow = false;
        eol = null;
        sawCr = false;
        first = null;
        last.clear();
        trimmed = false;
        inId = false;
        id.reset();
    }

    private void collect(byte b) {
        if (raw.size() < MAX_FIELD_BYTES) {
            raw.write(b);
        } else {
            overflow = true;
        }
        if (b == '\n') {
            lineStart = true;
            if (eol == null) {
                eol = sawCr ? "\r\n" : "\n";
            }
        }
        sawCr = b == '\r';
        if (b == '<') {
            inId = true;
            id.reset();
            longId = false;
        } else if (b == '>' && inId) {
            inId = false;
            if (!longId && id.size() > 0) {
                add(id.toString(StandardCharsets.UTF_8));
            }
        } else if (inId && b != ' ' && b != '\t' && b != '\r' && b != '\n') {
            if (id.size() < MessageIdHiding.MAX_ID_CHARS) {
                id.write(b);
            } else {
                longId = true;
            }
        }
    }

    private void add(String s) {
        if (first == null) {
            first = s;
            return;
        }
        last.addLast(s);
        if (last.size() > MAX_IDS - 1) {
            last.removeFirst();
            trimmed = true;
        }
    }

    private void endField() throws IOException {
        collecting = false;
        List<String> ids = new ArrayList<>(1 + last.size());
        if (first != null) {
            ids.add(first);
        }
        ids.addAll(last);
        boolean changed = false;
        List<String> mapped = new ArrayList<>(ids.size());
        for (String i : ids) {
            String m = plainId(i) ? map.map(i) : null;
            changed |= m != null;
            mapped.add(m == null ? i : m);
        }
        if (!changed && !overflow && !trimmed) {
            emit(raw.toByteArray());
        } else if (!ids.isEmpty()) {
            String nl = eol == null ? "\r\n" : eol;
            StringBuilder b = new StringBuilder(name.length() + 64 * ids.size()).append(name).append(':');
            for (int i = 0; i < mapped.size(); i++) {
                b.append(i == 0 ? " <" : nl + " <").append(mapped.get(i)).append('>');
            }
            b.append(nl);
            emit(b.toString().getBytes(StandardCharsets.UTF_8));
        }
        raw.reset();
        last.clear();
        id.reset();
    }
}
