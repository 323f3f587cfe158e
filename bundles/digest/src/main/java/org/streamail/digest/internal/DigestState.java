package org.streamail.digest.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the last digest's window, kept in one small file (an ISO-8601 instant) so that a restart neither sends
 * the same digest twice nor skips one. Written to a temporary file, forced to disk and renamed over the old one: a
 * crash leaves the old or the new instant, never a torn one. Without a file (outside Karaf, unconfigured) the instant
 * is kept in memory. An unreadable file is reported and treated as absent (the next digest then covers
 * {@code first.window}). Not thread-safe: the digest's runs are serialised.
 */
final class DigestState {

    private static final Logger LOG = LoggerFactory.getLogger(DigestState.class);
    private static final int MAX_BYTES = 200;
    private final Path file;
    private Instant inMemory;

    DigestState(Path file) {
        this.file = file;
    }

    /** The end of the last window, if any. */
    Optional<Instant> lastEnd() {
        if (file == null) {
            return Optional.ofNullable(inMemory);
        }
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes;
            try (var in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES) {
                throw new IOException("larger than " + MAX_BYTES + " bytes");
            }
            return Optional.of(Instant.parse(new String(bytes, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | DateTimeParseException e) {
            LOG.warn("Digest: the state file {} cannot be read ({}); the next digest covers first.window", file,
                    e.toString());
            return Optional.empty();
        }
    }

    /** Records the end of a window. */
    void setLastEnd(Instant end) throws IOException {
        if (file == null) {
            inMemory = end;
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((end.toString() + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
