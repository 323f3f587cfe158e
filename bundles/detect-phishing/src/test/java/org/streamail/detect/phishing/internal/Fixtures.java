package org.streamail.detect.phishing.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Action;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;

/** The test organisation (contoso.com, contoso.fr and five people) and helpers shared by the tests. */
final class Fixtures {

    static final Set<String> DOMAINS = Set.of("contoso.com", "contoso.fr");

    private Fixtures() {
    }

    /** A working in-memory directory with the test organisation's people. */
    static final class MemoryDirectory implements Directory {
        private final List<DirectoryEntry> entries = new ArrayList<>(List.of(
                entry("marie.dupont@contoso.com", "Marie Dupont"),
                entry("jean.martin@contoso.fr", "Jean Martin"),
                entry("paul.bernard@contoso.com", "Paul Bernard"),
                entry("sophie.laurent@contoso.fr", "Sophie Laurent"),
                entry("servicedesk@contoso.com", "IT Service Desk")));

        private static DirectoryEntry entry(String a, String n) {
            return new DirectoryEntry(a, n, Instant.EPOCH);
        }

        @Override
        public RecipientCheck check(String address) {
            String a = address.toLowerCase(Locale.ROOT);
            if (find(a).isPresent()) {
                return RecipientCheck.LOCAL;
            }
            return isProtectedDomain(a.substring(a.indexOf('@') + 1)) ? RecipientCheck.UNKNOWN_LOCAL : RecipientCheck.FOREIGN;
        }

        @Override
        public Set<String> protectedDomains() {
            return DOMAINS;
        }

        @Override
        public boolean isProtectedDomain(String domain) {
            return DOMAINS.contains(domain.toLowerCase(Locale.ROOT));
        }

        @Override
        public List<DirectoryEntry> list() {
            return List.copyOf(entries);
        }

        @Override
        public Optional<DirectoryEntry> find(String address) {
            return entries.stream().filter(e -> e.address().equalsIgnoreCase(address)).findFirst();
        }

        @Override
        public DirectoryEntry add(String address, String displayName) {
            DirectoryEntry e = entry(address.toLowerCase(Locale.ROOT), displayName);
            entries.add(e);
            return e;
        }

        @Override
        public boolean remove(String address) {
            return entries.removeIf(e -> e.address().equalsIgnoreCase(address));
        }
    }

    /** A message log that only answers {@code seenBefore}, from pairs the test registers. */
    static final class MemoryLog implements MessageLog {
        final Set<String> pairs = new HashSet<>();
        int queries;

        void seen(String sender, String rcpt) {
            pairs.add(sender.toLowerCase(Locale.ROOT) + ">" + rcpt.toLowerCase(Locale.ROOT));
        }

        @Override
        public boolean seenBefore(String sender, String recipient, Instant before) {
            queries++;
            return pairs.contains(sender.toLowerCase(Locale.ROOT) + ">" + recipient.toLowerCase(Locale.ROOT));
        }

        @Override
        public void received(LogEntry entry) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void decided(String id, Verdict verdict) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void status(String id, DeliveryStatus status, String detail) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<LogEntry> get(String id) {
            return Optional.empty();
        }

        @Override
        public List<LogEntry> query(LogQuery query) {
            return List.of();
        }

        @Override
        public Map<Action, Long> countByAction(Instant since) {
            return Map.of();
        }
    }

    /** A configuration as DS would build it, with the defaults of {@link PhishingDetector.Config}. */
    static PhishingDetector.Config config(Path rulesDir, long reloadMs) {
        return config(rulesDir, reloadMs, 1.0);
    }

    static PhishingDetector.Config config(Path rulesDir, long reloadMs, double globalMultiplier) {
        return new PhishingDetector.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return PhishingDetector.Config.class;
            }

            @Override
            public String rules_dir() {
                return rulesDir == null ? "" : rulesDir.toString();
            }

            @Override
            public long reload_interval_ms() {
                return reloadMs;
            }

            @Override
            public double score_multiplier() {
                return globalMultiplier;
            }

            @Override
            public double link_multiplier() {
                return 1.0;
            }

            @Override
            public double sender_multiplier() {
                return 1.0;
            }

            @Override
            public double intent_multiplier() {
                return 1.0;
            }

            @Override
            public double form_multiplier() {
                return 1.0;
            }

            @Override
            public double combo_multiplier() {
                return 1.0;
            }

            @Override
            public String protected_domains() {
                return "";
            }

            @Override
            public int max_text_chars() {
                return 200_000;
            }

            @Override
            public int max_links() {
                return 500;
            }
        };
    }

    /** A detector on a fresh rules folder under {@code dir}, with the test directory bound. */
    static PhishingDetector detector(Path dir, long reloadMs) {
        PhishingDetector d = new PhishingDetector(config(dir, reloadMs));
        d.setDirectory(new MemoryDirectory());
        return d;
    }

    /**
     * An inspection of an .eml file. Test-only headers stand for the SMTP envelope: X-Test-Auth
     * (authenticated user), X-Test-Direction, X-Test-Envelope-From (default: the From address).
     */
    static Inspection inspection(byte[] raw) {
        try {
            ParsedMessage m = EmlParser.parse(raw);
            String from = m.sender().map(a -> a.address()).orElse("");
            String envFrom = m.header("X-Test-Envelope-From").orElse(from);
            List<String> rcpts = new ArrayList<>();
            m.to().forEach(a -> rcpts.add(a.address()));
            Direction dir = m.header("X-Test-Direction").map(Direction::valueOf).orElse(Direction.INBOUND);
            Envelope env = new Envelope(envFrom, rcpts, "203.0.113.9", "mx.example.net", true, Instant.now(), dir,
                    m.header("X-Test-Auth").orElse(null));
            return new Inspection("test", env, m, Content.of(raw), Instant.now().plusSeconds(30));
        } catch (Exception e) {
            throw new IllegalStateException("cannot parse test message", e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double total(List<Finding> findings) {
        return findings.stream().mapToDouble(Finding::score).sum();
    }
}
