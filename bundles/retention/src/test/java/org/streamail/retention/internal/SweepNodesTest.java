package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.retention.SweepStatus;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

/**
 * Several gateway nodes on one store: the mailboxes are swept once per interval whichever nodes are due, a node that
 * died mid-sweep is taken over once its lease lapsed, and a requested sweep is refused while another node sweeps.
 * "Nodes" are components over one shared record store (the in-memory {@link InMemorySharedState} with the JDBC store's
 * compare-and-set) and one GreenMail server. The sweeps are dry runs where a second sweep must be visible: a dry run
 * audits what it would do every time, so each sweep of a mailbox leaves one audit record per expired message.
 */
class SweepNodesTest {

    static final String PASSWORD = "user-secret";
    static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    /** INTERNALDATE at 09:00 (GreenMail issue #211, see SweeperContractTest). */
    static final Instant DAYS_AGO_30 = START.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(9))
            .minus(Duration.ofDays(30));
    static final String DEAD_NODE = "4242@gw-2.corp.example#a1b2c3";

    private static GreenMailFixture greenMail;

    final Signer signer = new Signer(SignerTest.KEY);
    final MemoryAuditStore audit = new MemoryAuditStore();
    final InMemorySharedState shared = new InMemorySharedState();
    final MutableClock clock = new MutableClock(START);
    final List<RetentionComponent> nodes = new ArrayList<>();

    @BeforeAll
    static void start() {
        greenMail = GreenMailFixture.start("node", PASSWORD);
    }

    @AfterAll
    static void stop() {
        greenMail.close();
    }

    @AfterEach
    void deactivate() throws InterruptedException {
        for (RetentionComponent c : nodes) {
            c.deactivate();
        }
    }

    /** A node sweeping {@code mailboxes} every hour (its schedule's turns are the test's calls of scheduledSweep). */
    RetentionComponent node(SharedState store, boolean dryRun, String... mailboxes) {
        Map<String, Object> props = new HashMap<>(greenMail.imapSettings(mailboxes[0]));
        props.put("imap.user", ""); // each mailbox logs in as itself
        props.put("imap.password", "");
        props.put("imap.credentials.file", credentials(mailboxes));
        props.put("mailboxes", String.join(",", mailboxes));
        props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
        props.put("internal.domains", "corp.example");
        props.put("sweep.interval", "PT1H");
        props.put("dry.run", String.valueOf(dryRun));
        RetentionComponent c = new RetentionComponent(TestConfig.of(props), audit, null, clock, null, false);
        c.sharedState = store;
        nodes.add(c);
        return c;
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    /** A 0600 credentials file: every mailbox logs in as itself (GreenMail has no master user). */
    String credentials(String... mailboxes) {
        try {
            java.nio.file.Path f = dir.resolve("credentials-" + UUID.randomUUID());
            StringBuilder b = new StringBuilder();
            for (String m : mailboxes) {
                b.append(m).append(" = ").append(PASSWORD).append('\n');
            }
            java.nio.file.Files.writeString(f, b);
            java.nio.file.Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString(
                    "rw-------"));
            return f.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A new mailbox with one expired message in INBOX. */
    String mailboxWithExpiredMail() throws Exception {
        String mailbox = greenMail.newMailbox();
        append(mailbox, "INBOX");
        return mailbox;
    }

    String append(String mailbox, String folder) throws Exception {
        String id = "<" + UUID.randomUUID() + "@corp.example>";
        byte[] raw = ("From: ceo@corp.example\r\nTo: " + mailbox + "\r\nMessage-ID: " + id + "\r\nSubject: offer\r\n"
                + "X-Retention-Period: P14D\r\nX-Streamail-Retention-Sig: " + signer.sign("P14D", false, id)
                + "\r\n\r\nBody\r\n").getBytes(StandardCharsets.US_ASCII);
        try (Store store = greenMail.userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                f.create(Folder.HOLDS_MESSAGES);
            }
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)) {
                @Override
                public Date getReceivedDate() {
                    return Date.from(DAYS_AGO_30);
                }
            };
            f.appendMessages(new Message[] {m});
        }
        return id;
    }

    /** The audit records of a mailbox (one per sweep of its expired message, as these sweeps are dry runs). */
    List<AuditRecord> audited(String mailbox) {
        return audit.all().stream().filter(r -> r.mailbox().equals(mailbox)).toList();
    }

    SweepLedger.State record() {
        return shared.peek(SweepLedger.NAME).map(e -> SweepLedger.parse(e.value(), e.version()))
                .orElseThrow();
    }

    /** Another node's sweep in progress: started five minutes ago, its lease to five minutes from now. */
    void anotherNodeIsSweeping(String node, Instant lastStart) {
        Instant now = clock.instant();
        shared.put(SweepLedger.NAME, SweepLedger.format(new SweepLedger.State(Optional.of(lastStart),
                Optional.of(lastStart.plusSeconds(60)), "1@gw-1#000000", "", new SweepLedger.Run(node,
                        now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofMinutes(5)), true, 3), 0)));
    }

    static SweepReport last(RetentionComponent c) {
        return c.policySummary().lastSweep();
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void twoNodesDueAtTheSameTimeSweepOnceBetweenThemAndThenOncePerInterval() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        RetentionComponent b = node(shared, true, mailbox);

        a.scheduledSweep();
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("not due before sweep.interval after the start").isEmpty();

        clock.advance(Duration.ofHours(1));
        a.scheduledSweep();
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("swept once, by the first node").hasSize(1);
        assertThat(last(a)).isNotNull();
        assertThat(last(b)).as("the other node found the sweep done").isNull();
        SweepLedger.State s = record();
        assertThat(s.run()).as("the lease was released").isNull();
        assertThat(s.lastStart()).contains(clock.instant());
        assertThat(s.lastSummary()).contains("mailboxes=1", "expired=1", "dry-run");

        clock.advance(Duration.ofMinutes(59));
        b.scheduledSweep();
        a.scheduledSweep();
        assertThat(audited(mailbox)).as("the last sweep, by any node, started less than an hour ago").hasSize(1);

        clock.advance(Duration.ofMinutes(1));
        b.scheduledSweep();
        a.scheduledSweep();
        assertThat(audited(mailbox)).as("once per interval, whichever node comes first").hasSize(2);
        assertThat(last(b)).isNotNull();
    }

    @Test
    void twoNodesReadingTheRecordAtTheSameMomentSweepOnce() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        RetentionComponent b = node(shared, true, mailbox);
        clock.advance(Duration.ofHours(1));
        CyclicBarrier bothRead = new CyclicBarrier(2);
        shared.afterRead = () -> {
            try {
                bothRead.await(5, TimeUnit.SECONDS); // both nodes have read the record before either writes it
            } catch (Exception e) {
                // without a second reader: go on
            }
        };
        CompletableFuture<Void> onA = CompletableFuture.runAsync(a::scheduledSweep);
        CompletableFuture<Void> onB = CompletableFuture.runAsync(b::scheduledSweep);
        onA.get(60, TimeUnit.SECONDS);
        onB.get(60, TimeUnit.SECONDS);
        shared.afterRead = null;

        assertThat(audited(mailbox)).as("exactly one of the two swept").hasSize(1);
        assertThat(last(a) == null).as("exactly one of the two swept").isNotEqualTo(last(b) == null);
        assertThat(record().run()).isNull();
    }

    @Test
    void aNodeThatDiedMidSweepIsWaitedForWithinItsLeaseAndTakenOverAfter() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        clock.set(START.minus(Duration.ofHours(3)));
        RetentionComponent b = node(shared, true, mailbox); // up for hours: due by its own clock too
        clock.set(START);
        anotherNodeIsSweeping(DEAD_NODE, START.minus(Duration.ofHours(2)));

        b.scheduledSweep();
        clock.advance(Duration.ofMinutes(4));
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("the other node's lease runs to " + record().run().lease()).isEmpty();
        assertThat(b.sweepStatus().running()).as("what an administrator sees on the waiting node")
                .hasValueSatisfying(r -> {
                    assertThat(r.node()).isEqualTo(DEAD_NODE);
                    assertThat(r.lapsed()).isFalse();
                });

        clock.advance(Duration.ofMinutes(1)); // the lease has lapsed now
        assertThat(b.sweepStatus().running()).get().extracting(SweepStatus.Running::lapsed).isEqualTo(true);
        b.scheduledSweep();
        assertThat(audited(mailbox)).hasSize(1);
        SweepLedger.State s = record();
        assertThat(s.run()).isNull();
        assertThat(s.lastStart()).as("the sweep taken over keeps its start").contains(START.minus(Duration.ofMinutes(5)));
        assertThat(s.lastNode()).isNotEqualTo(DEAD_NODE).contains("#");
        SweepStatus status = b.sweepStatus();
        assertThat(status.coordinated()).isTrue();
        assertThat(status.running()).isEmpty();
        assertThat(status.lastStart()).isEqualTo(s.lastStart());
        assertThat(status.lastNode()).isEqualTo(s.lastNode());
        assertThat(status.lastSummary()).contains("mailboxes=1");
    }

    @Test
    void aRequestedSweepWhileAnotherNodeHoldsTheLeaseIsRefusedNamingItAndItsLease() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        anotherNodeIsSweeping(DEAD_NODE, START.minus(Duration.ofHours(2)));
        Instant lease = record().run().lease();

        assertThatThrownBy(a::sweep).isInstanceOf(RetentionException.class)
                .hasMessageContaining("running on node " + DEAD_NODE)
                .hasMessageContaining("its lease runs to " + lease);
        assertThatThrownBy(() -> a.sweep(mailbox)).isInstanceOf(RetentionException.class)
                .hasMessageContaining(DEAD_NODE);
        assertThat(audited(mailbox)).isEmpty();

        clock.advance(Duration.ofMinutes(6));
        assertThat(a.sweep().expired()).isEqualTo(1);
        assertThat(audited(mailbox)).hasSize(1);
        assertThat(record().lastStart()).as("a requested full sweep counts as the last sweep").contains(clock.instant());
    }

    @Test
    void whileARequestedSweepRunsAnotherNodeNeitherSweepsOnScheduleNorOnRequest() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        RetentionComponent b = node(shared, true, mailbox);
        clock.advance(Duration.ofHours(2)); // both due
        List<String> seen = new ArrayList<>();
        audit.afterRecord = r -> {
            if (r.actor().equals(RetentionSweeper.SWEEPER_ACTOR) && seen.isEmpty()) {
                seen.add("a is sweeping");
                b.scheduledSweep();
                assertThatThrownBy(b::sweep).isInstanceOf(RetentionException.class)
                        .hasMessageContaining("a retention sweep is running on node");
                SweepLedger.Run run = record().run();
                seen.add("lease " + run.lease() + " for " + run.full());
            }
        };
        a.sweep(mailbox);
        audit.afterRecord = null;

        assertThat(seen).containsExactly("a is sweeping", "lease " + clock.instant().plus(RetentionComponent.LEASE)
                + " for false");
        assertThat(last(b)).isNull();
        assertThat(audited(mailbox)).hasSize(1);
        assertThat(record().run()).as("released").isNull();
        assertThat(record().lastStart()).as("a sweep of one requested mailbox is not the scheduled sweep").isEmpty();
        b.scheduledSweep();
        assertThat(audited(mailbox)).hasSize(2);
    }

    @Test
    void theLeaseIsRenewedAfterEachMailboxAndANodeWhoseSweepWasTakenOverStopsAfterTheMailbox() throws Exception {
        String first = mailboxWithExpiredMail();
        String second = mailboxWithExpiredMail();
        String third = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, first, second, third);
        clock.advance(Duration.ofHours(1));
        List<String> leases = new ArrayList<>();
        audit.afterRecord = r -> {
            SweepLedger.Run run = record().run();
            leases.add(run.done() + " done, lease " + run.lease());
            clock.advance(Duration.ofMinutes(9)); // each mailbox takes nine minutes
            if (r.mailbox().equals(second)) {
                anotherNodeIsSweeping(DEAD_NODE, START); // this node's lease lapsed meanwhile, say: taken over
            }
        };
        a.scheduledSweep();
        audit.afterRecord = null;

        Instant t0 = START.plus(Duration.ofHours(1));
        assertThat(leases).containsExactly("0 done, lease " + t0.plus(RetentionComponent.LEASE),
                "1 done, lease " + t0.plus(Duration.ofMinutes(9)).plus(RetentionComponent.LEASE));
        assertThat(audited(first)).hasSize(1);
        assertThat(audited(second)).hasSize(1);
        assertThat(audited(third)).as("stopped after the mailbox whose renewal failed").isEmpty();
        SweepReport report = last(a);
        assertThat(report.problems()).singleElement().asString()
                .contains("stopped after 2 mailbox(es)", "another node took this sweep over");
        assertThat(record().run().node()).as("the record is left to the node that took over").isEqualTo(DEAD_NODE);
    }

    /**
     * The choice for a store that is down: no node sweeps (the audit store, in the same database, could not record an
     * action anyway); the schedule tries again at its next turn, and a requested sweep is refused.
     */
    @Test
    void withTheSharedRecordUnavailableNoSweepIsStartedAndTheNextTurnSweeps() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        clock.advance(Duration.ofHours(1));
        shared.failure = new StoreException("connection refused: jdbc:postgresql://db/streamail");

        a.scheduledSweep();
        assertThat(audited(mailbox)).isEmpty();
        assertThatThrownBy(a::sweep).isInstanceOf(RetentionException.class)
                .hasMessageContaining("shared sweep record is not available")
                .hasMessageNotContaining("jdbc");
        assertThat(audited(mailbox)).isEmpty();

        shared.failure = null;
        clock.advance(RetentionComponent.TICK); // the schedule's next turn
        a.scheduledSweep();
        assertThat(audited(mailbox)).hasSize(1);
    }

    @Test
    void aDamagedRecordNeverStopsTheSweepsAndIsWrittenAnew() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(shared, true, mailbox);
        RetentionComponent b = node(shared, true, mailbox);
        shared.put(SweepLedger.NAME, "last.start=yesterday\nrun.node=\nrun.lease=2026-13-45\n\u0001garbage");
        clock.advance(Duration.ofHours(1));

        a.scheduledSweep();
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("swept once").hasSize(1);
        assertThat(record().lastStart()).contains(clock.instant());

        SweepLedger.State parsed = SweepLedger.parse("run.node=x\nrun.started=nonsense\nrun.lease=2026-12-07T08:00:00Z\n"
                + "last.start=2026-12-07T07:00:00Z\n", 3);
        assertThat(parsed.run()).as("a run missing a field is no run").isNull();
        assertThat(parsed.lastStart()).contains(Instant.parse("2026-12-07T07:00:00Z"));
    }

    /** Without SharedState (an older store): each node sweeps on its own every sweep.interval, as before. */
    @Test
    void withoutSharedStateEachNodeSweepsOnItsOwnEveryInterval() throws Exception {
        String mailbox = mailboxWithExpiredMail();
        RetentionComponent a = node(null, true, mailbox);
        RetentionComponent b = node(null, true, mailbox);

        clock.advance(Duration.ofMinutes(59));
        a.scheduledSweep();
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("sweep.interval after the activation").isEmpty();

        clock.advance(Duration.ofMinutes(1));
        a.scheduledSweep();
        b.scheduledSweep();
        assertThat(audited(mailbox)).as("each node swept").hasSize(2);
        a.scheduledSweep();
        assertThat(audited(mailbox)).as("the next one an interval after this node's last").hasSize(2);
        assertThat(a.sweep().expired()).isEqualTo(1);
        assertThat(audited(mailbox)).hasSize(3);
        assertThat(shared.peek(SweepLedger.NAME)).isEmpty();
    }

    /**
     * The folder rotation of a mailbox over the bound is kept in a shared record: another node (or this one after a
     * restart, a new component) goes on where the last run stopped instead of at the first folder.
     */
    @Test
    void anotherNodeGoesOnWithTheFolderRotationWhereTheLastSweepStopped() throws Exception {
        String mailbox = greenMail.newMailbox();
        List<String> folders = List.of("Zeta", "Projects", "Alpha", "Receipts", "Mid", "Beta", "Gamma");
        Map<String, String> byId = new HashMap<>();
        for (String folder : folders) {
            byId.put(append(mailbox, folder), folder);
        }
        RetentionComponent a = node(shared, true, mailbox);
        RetentionComponent b = node(shared, true, mailbox);
        a.maxFolders = 3;
        b.maxFolders = 3;

        a.sweep();
        clock.advance(Duration.ofMinutes(1));
        b.sweep();
        clock.advance(Duration.ofMinutes(1));
        RetentionComponent restarted = node(shared, true, mailbox);
        restarted.maxFolders = 3;
        restarted.sweep();

        // INBOX (empty) and the seven, by name: Alpha Beta Gamma | INBOX Mid Projects | Receipts Zeta
        List<AuditRecord> all = audited(mailbox);
        assertThat(all).hasSize(7);
        assertThat(all.stream().map(r -> byId.get(r.messageId())).toList())
                .containsExactly("Alpha", "Beta", "Gamma", "Mid", "Projects", "Receipts", "Zeta");
        String name = FolderRotation.recordName(mailbox);
        assertThat(name).startsWith(FolderRotation.PREFIX).hasSizeLessThanOrEqualTo(SharedState.MAX_NAME)
                .isEqualTo(FolderRotation.recordName(mailbox.toUpperCase(java.util.Locale.ROOT)));
        assertThat(shared.peek(name).orElseThrow().value()).contains("after=Zeta");
        assertThat(FolderRotation.parse(FolderRotation.format("a@b", "Stra\u00dfe/x y%\n"), "a@b"))
                .contains("Stra\u00dfe/x y%\n");
        assertThat(FolderRotation.parse("mailbox=other%40b\nafter=Zeta\n", "a@b")).as("another mailbox's").isEmpty();
    }

    /** A full sweep another node left unfinished: started 20 minutes ago, its lease lapsed a minute ago. */
    void anotherNodeLeftASweep(int done, String last, int stalls) {
        Instant now = clock.instant();
        shared.put(SweepLedger.NAME, SweepLedger.format(new SweepLedger.State(Optional.of(START.minus(Duration.ofHours(
                2))), Optional.of(START.minus(Duration.ofHours(2)).plusSeconds(60)), "1@gw-1#000000", "",
                new SweepLedger.Run(DEAD_NODE, now.minus(Duration.ofMinutes(20)), now.minus(Duration.ofMinutes(1)),
                        true, done, last, stalls), 0)));
    }

    /**
     * A node taking over a sweep left unfinished goes on after the last mailbox that sweep finished (its start kept for
     * the schedule), instead of sweeping every mailbox again; before, the takeover swept them all.
     */
    @Test
    void aNodeTakingOverAnUnfinishedSweepGoesOnAfterTheLastMailboxItFinished() throws Exception {
        String a = mailboxWithExpiredMail();
        String b = mailboxWithExpiredMail();
        String c = mailboxWithExpiredMail();
        RetentionComponent node = node(shared, true, a, b, c);
        anotherNodeLeftASweep(1, a, 0);
        Instant deadStarted = record().run().started();

        node.scheduledSweep();

        assertThat(audited(a)).as("finished by the node that died").isEmpty();
        assertThat(audited(b)).hasSize(1);
        assertThat(audited(c)).hasSize(1);
        SweepLedger.State s = record();
        assertThat(s.run()).isNull();
        assertThat(s.lastStart()).as("the schedule keeps the first node's start").contains(deadStarted);
        assertThat(s.lastSummary()).contains("mailboxes=2").contains("went on with an unfinished sweep");

        // the next turn, an interval after that start, sweeps every mailbox again
        clock.advance(Duration.ofHours(1));
        node.scheduledSweep();
        assertThat(audited(a)).hasSize(1);
        assertThat(audited(b)).hasSize(2);
    }

    /**
     * While it goes on, the record says after each mailbox which one it finished last and how many are done, so a
     * second takeover goes on from there; a finished mailbox also clears the stall count.
     */
    @Test
    void theRecordFollowsEachFinishedMailboxSoASecondTakeoverGoesOnFromThere() throws Exception {
        String a = mailboxWithExpiredMail();
        String b = mailboxWithExpiredMail();
        String c = mailboxWithExpiredMail();
        List<SweepLedger.Run> written = new ArrayList<>();
        SharedState recording = new SharedState() {
            @Override
            public Optional<Entry> read(String name) {
                return shared.read(name);
            }

            @Override
            public Optional<Entry> compareAndSet(String name, long expectedVersion, String value) {
                Optional<Entry> e = shared.compareAndSet(name, expectedVersion, value);
                e.ifPresent(x -> written.add(SweepLedger.parse(value, x.version()).run()));
                return e;
            }
        };
        RetentionComponent node = node(recording, true, a, b, c);
        anotherNodeLeftASweep(0, "", 1);

        node.scheduledSweep();

        assertThat(audited(a)).hasSize(1);
        assertThat(audited(c)).hasSize(1);
        // the claim, one renewal per mailbox, the end
        assertThat(written).hasSize(5);
        assertThat(written.get(0).stalls()).as("the claim counts the stall of the node that stopped").isEqualTo(2);
        assertThat(written.subList(1, 4)).extracting(SweepLedger.Run::last).containsExactly(a, b, c);
        assertThat(written.subList(1, 4)).extracting(SweepLedger.Run::done).containsExactly(1, 2, 3);
        assertThat(written.subList(1, 4)).extracting(SweepLedger.Run::stalls).containsOnly(0);
        assertThat(written.get(4)).isNull();
    }

    /**
     * A mailbox on which three nodes in a row stopped (each took the sweep over and stopped before finishing it) is
     * skipped by the next, which goes on with the rest: otherwise that one mailbox would stop every sweep for good.
     */
    @Test
    void aMailboxThatStoppedThreeNodesInARowIsSkippedAndTheRestSwept() throws Exception {
        String a = mailboxWithExpiredMail();
        String poison = mailboxWithExpiredMail();
        String c = mailboxWithExpiredMail();
        RetentionComponent node = node(shared, true, a, poison, c);

        anotherNodeLeftASweep(1, a, SweepLedger.STALLS_TO_SKIP - 2);
        // the record as the second node to stop left it: one more stall, nothing finished since
        SweepLedger.Run left = record().run();
        shared.put(SweepLedger.NAME, SweepLedger.format(record().withRun(new SweepLedger.Run(DEAD_NODE, left.started(),
                left.lease(), true, left.done(), left.last(), SweepLedger.STALLS_TO_SKIP - 1))));

        node.scheduledSweep();

        assertThat(audited(a)).isEmpty();
        assertThat(audited(poison)).as("skipped this time").isEmpty();
        assertThat(audited(c)).hasSize(1);
        assertThat(record().run()).isNull();

        // with fewer stalls the same mailbox is tried again
        String d = mailboxWithExpiredMail();
        RetentionComponent other = node(shared, true, a, poison, d);
        clock.advance(Duration.ofHours(2));
        anotherNodeLeftASweep(1, a, SweepLedger.STALLS_TO_SKIP - 2);
        other.scheduledSweep();
        assertThat(audited(poison)).hasSize(1);
        assertThat(audited(d)).hasSize(1);
    }

    /** When the last mailbox finished is no longer configured, every mailbox is swept (twice is harmless, skipped not). */
    @Test
    void aTakeoverWhoseLastMailboxIsGoneSweepsEveryMailboxAndARequestedSweepAlwaysDoes() throws Exception {
        String a = mailboxWithExpiredMail();
        String b = mailboxWithExpiredMail();
        RetentionComponent node = node(shared, true, a, b);
        anotherNodeLeftASweep(5, "removed@corp.example", 0);
        node.scheduledSweep();
        assertThat(audited(a)).hasSize(1);
        assertThat(audited(b)).hasSize(1);

        anotherNodeLeftASweep(1, a, 0);
        node.sweep();
        assertThat(audited(a)).as("a requested sweep starts afresh").hasSize(2);
        assertThat(audited(b)).hasSize(2);
    }
}
