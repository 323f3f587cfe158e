package org.streamail.smtp.internal.server;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Holds one message between the end of DATA and the hand-over to the intake, so that nothing of a message
 * refused late (bare LF found at its end, too big) ever reaches the intake. Small messages stay in memory;
 * past {@link #MEMORY_THRESHOLD} the bytes go to an owner-only temporary file, so many concurrent sessions
 * cannot exhaust the heap. It never holds more than its capacity: a write beyond it is a programming error.
 *
 * <p>Used by one session thread; not thread-safe. {@link #close()} deletes the temporary file.
 */
final class SpoolBuffer implements AutoCloseable {

    static final int MEMORY_THRESHOLD = 256 * 1024;

    private final long capacity;
    private final Path tempDir;
    private byte[] memory = new byte[8192];
    private long size;
    private Path file;
    private OutputStream fileOut;

    /**
     * @param capacity the most bytes this buffer will ever hold
     * @param tempDir  where to create the overflow file, or {@code null} for the JVM default
     */
    SpoolBuffer(long capacity, Path tempDir) {
        this.capacity = capacity;
        this.tempDir = tempDir;
    }

    long size() {
        return size;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (size + len > capacity) {
            throw new IllegalStateException("spool buffer capacity " + capacity + " exceeded");
        }
        if (fileOut == null && size + len > MEMORY_THRESHOLD) {
            Path f = tempDir == null ? Files.createTempFile("streamail-smtp-", ".eml")
                    : Files.createTempFile(tempDir, "streamail-smtp-", ".eml");
            file = f;
            fileOut = new BufferedOutputStream(Files.newOutputStream(f), 65536);
            fileOut.write(memory, 0, (int) size);
            memory = null;
        }
        if (fileOut != null) {
            fileOut.write(b, off, len);
        } else {
            int needed = (int) size + len;
            if (needed > memory.length) {
                memory = Arrays.copyOf(memory, Math.min(MEMORY_THRESHOLD, Math.max(needed, memory.length * 2)));
            }
            System.arraycopy(b, off, memory, (int) size, len);
        }
        size += len;
    }

    /** The buffered bytes, from the start. Call once, after the last write. */
    InputStream open() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            fileOut = null;
            return Files.newInputStream(file);
        }
        if (file != null) {
            return Files.newInputStream(file);
        }
        return new ByteArrayInputStream(memory == null ? new byte[0] : memory, 0, (int) size);
    }

    /** Drops what was buffered, e.g. once the message is known to be refused. */
    void discard() {
        closeQuietly();
        memory = new byte[0];
        size = 0;
    }

    @Override
    public void close() {
        closeQuietly();
        memory = null;
    }

    private void closeQuietly() {
        if (fileOut != null) {
            try {
                fileOut.close();
            } catch (IOException e) {
                // the file is deleted next; nothing in it matters any more
            }
            fileOut = null;
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // left for the temp directory's own cleanup; the name carries no message content
            }
            file = null;
        }
    }
}
