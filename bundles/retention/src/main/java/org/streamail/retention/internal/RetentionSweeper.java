package org.streamail.retention.internal;

import static org.streamail.retention.internal.RetentionHeaders.*;

import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.search.AndTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.HeaderTerm;
import jakarta.mail.search.NotTerm;
import jakarta.mail.search.OrTerm;
import jakarta.mail.search.SearchTerm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.MessageIds;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionException;
import org.streamail.retention.internal.ExpiryCalculator.Decision;

/**
 * The IMAP side of retention: sweeps one mailbox, or extends one message, over Jakarta Mail (Angus).
 *
 * <p>Per mailbox: log in (master user), refuse to delete or move when the server lacks UIDPLUS, list the
 * folders, skip exempt ones without opening them, and per folder: note UIDVALIDITY, SEARCH for messages
 * with a retention header, fetch their headers, INTERNALDATE and UID in batches of {@link #BATCH}, decide
 * each with the {@link ExpiryCalculator}, and act on the expired ones only, by UID. Before acting on a batch
 * the UIDVALIDITY is read again (STATUS); a change aborts the folder. Every action is audited BEFORE it is
 * sent (no action without a record; a crash in between leaves a record whose action the next sweep
 * completes). Flagged messages are not searched again and moved ones sit in an exempt folder, so a second
 * sweep changes nothing. Folders are closed without expunging (UNSELECT), so nothing but our UIDs is ever
 * removed.
 *
 * <p>One instance serves one sweep at a time (the caller serialises); it holds no connection between calls.
 */
final class RetentionSweeper {

    static final int BATCH = 500;
    /**
     * Most message bytes (RFC822.SIZE) whose header fields one FETCH asks for: a batch is fetched in parts of at
     * most this, or one bigger message alone, so a folder of huge header fields is never held all at once.
     */
    static final long HEADER_FETCH_BYTES = 8L * 1024 * 1024;
    static final int MAX_FOLDERS = 10_000;
    static final int MAX_MESSAGES_PER_FOLDER = 5_000_000;
    /** Largest message read whole (to re-sign it on extension); hashing streams and has no limit. */
    static final int MAX_EXTEND_BYTES = 64 * 1024 * 1024;
    static final String SWEEPER_ACTOR = "sweeper";

    private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

    private final ImapSettings imap;
    private final ExpiryCalculator calculator;
    private final RetentionAuditStore audit;
    private final Clock clock;

    RetentionSweeper(ImapSettings imap, ExpiryCalculator calculator, RetentionAuditStore audit, Clock clock) {
        this.imap = imap;
        this.calculator = calculator;
        this.audit = audit;
        this.clock = clock;
    }

    /** Running totals of one sweep. Confined to the sweeping thread. */
    static final class Counters {
        long scanned;
        long expired;
        long deleted;
        long moved;
        long flagged;
        long exempt;
        long errors;
        final List<String> problems = new ArrayList<>();

        void error(String what) {
            errors++;
            if (problems.size() < org.streamail.api.retention.SweepReport.MAX_PROBLEMS) {
                problems.add(what);
            }
        }
    }

    /** A folder was aborted because its UIDVALIDITY changed: UIDs from before mean nothing now. */
    static final class UidValidityChanged extends MessagingException {
        private static final long serialVersionUID = 1L;

        UidValidityChanged(String folder, long before, long now) {
            super("UIDVALIDITY of " + folder + " changed from " + before + " to " + now + "; folder aborted");
        }
    }

    // ---------------------------------------------------------------- sweep

    void sweepMailbox(String mailbox, Counters c) {
        Policy policy = calculator.policy();
        long started = System.nanoTime();
        long scannedBefore = c.scanned;
        long expiredBefore = c.expired;
        try (Store store = connect(mailbox)) {
            IMAPStore imapStore = (IMAPStore) store;
            boolean uidplus = imapStore.hasCapability("UIDPLUS");
            boolean move = imapStore.hasCapability("MOVE");
            boolean needsUidplus = policy.action() == Policy.ExpiredAction.DELETE
                    || (policy.action() == Policy.ExpiredAction.MOVE && !move);
            if (needsUidplus && !uidplus && !policy.dryRun()) {
                c.error(mailbox + ": the IMAP server lacks UIDPLUS (UID EXPUNGE); refusing to " + policy.action()
                        .name().toLowerCase() + " because a plain EXPUNGE would also remove what other clients "
                        + "marked \\Deleted");
                return;
            }
            OwnFolders.Listing listing = OwnFolders.list(store, MAX_FOLDERS);
            List<String> personal = listing.personalPrefixes();
            List<Folder> folders = listing.folders();
            if (listing.truncated() > 0) {
                c.error(mailbox + ": " + (MAX_FOLDERS + listing.truncated()) + " folders, more than " + MAX_FOLDERS
                        + "; only the first " + MAX_FOLDERS + " swept");
            }
            if (listing.otherNamespace() + listing.virtualView() > 0) {
                LOG.debug("Retention: {}: {} folders of other namespaces and {} virtual views not opened", mailbox,
                        listing.otherNamespace(), listing.virtualView());
            }
            String moveTarget = policy.moveFolder() == null ? null : OwnFolders.serverName(store, policy.moveFolder());
            if (policy.action() == Policy.ExpiredAction.MOVE && !policy.dryRun()) {
                ensureFolder(store, moveTarget);
            }
            for (Folder folder : folders) {
                if (policy.isExempt(folder.getFullName(), folder.getSeparator(), personal)) {
                    c.exempt++;
                    LOG.debug("Retention: {} / {} is exempt; not opened", mailbox, folder.getFullName());
                    continue;
                }
                try {
                    sweepFolder(mailbox, (IMAPFolder) folder, store, move, moveTarget, c);
                } catch (MessagingException | RuntimeException e) {
                    c.error(mailbox + "/" + folder.getFullName() + ": " + e.getMessage());
                    LOG.warn("Retention: sweeping {} / {} failed: {}", mailbox, folder.getFullName(), e.toString());
                }
            }
        } catch (MessagingException | IllegalStateException e) {
            c.error(mailbox + ": " + e.getMessage());
            LOG.warn("Retention: mailbox {} could not be swept: {}", mailbox, e.toString());
        }
        LOG.info("Retention: swept {} in {} ms: {} with retention headers, {} expired", mailbox,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), c.scanned - scannedBefore,
                c.expired - expiredBefore);
    }

    private void sweepFolder(String mailbox, IMAPFolder folder, Store store, boolean serverMove, String moveTarget,
            Counters c)
            throws MessagingException {
        Policy policy = calculator.policy();
        folder.open(policy.dryRun() ? Folder.READ_ONLY : Folder.READ_WRITE);
        try {
            long uidValidity = folder.getUIDValidity();
            Message[] found = folder.search(candidates(policy));
            if (found.length > MAX_MESSAGES_PER_FOLDER) {
                c.error(mailbox + "/" + folder.getFullName() + ": " + found.length + " candidates; only the first "
                        + MAX_MESSAGES_PER_FOLDER + " swept");
                found = Arrays.copyOf(found, MAX_MESSAGES_PER_FOLDER);
            }
            FetchProfile headers = headerFieldsProfile();
            for (int start = 0; start < found.length; start += BATCH) {
                Message[] batch = Arrays.copyOfRange(found, start, Math.min(found.length, start + BATCH));
                Instant now = clock.instant();
                List<Candidate> expired = new ArrayList<>();
                visitFetched(folder, batch, headers, m -> {
                    c.scanned++;
                    Decision d = calculator.decide(name -> headerValues(m, name), received(m));
                    if (d.expiredAt(now)) {
                        expired.add(new Candidate((IMAPMessage) m, folder.getUID(m), first(m, MESSAGE_ID), d));
                    }
                    return true;
                });
                if (!expired.isEmpty()) {
                    c.expired += expired.size();
                    checkUidValidity(store, folder, uidValidity);
                    act(mailbox, folder, uidValidity, expired, serverMove, moveTarget, c);
                }
                if (found.length > BATCH) {
                    LOG.info("Retention: {} / {}: {} of {} candidates examined", mailbox, folder.getFullName(),
                            Math.min(found.length, start + BATCH), found.length);
                }
            }
        } finally {
            if (folder.isOpen()) {
                folder.close(false); // UNSELECT (or EXAMINE + CLOSE): never an implicit expunge
            }
        }
    }

    /**
     * Drops what a batch's FETCH loaded (headers, flags, dates) from its message objects. The folder keeps
     * one object per message for as long as it is open, and the candidate list holds them all, so without
     * this the heap would grow with every batch of a big folder (hundreds of bytes to kilobytes of headers
     * per candidate, millions of candidates). Memory per folder is then bounded by one batch's data plus a
     * small object per message.
     */
    static void forgetFetched(Message[] batch) {
        for (Message m : batch) {
            if (m instanceof IMAPMessage imap) {
                imap.invalidateHeaders();
            }
        }
    }

    private record Candidate(IMAPMessage message, long uid, String messageId, Decision decision) {
    }

    private void act(String mailbox, IMAPFolder folder, long uidValidity, List<Candidate> expired, boolean serverMove,
            String moveTarget, Counters c) throws MessagingException {
        Policy policy = calculator.policy();
        AuditRecord.Action action = switch (policy.action()) {
            case DELETE -> AuditRecord.Action.DELETE;
            case MOVE -> AuditRecord.Action.MOVE;
            case FLAG -> AuditRecord.Action.FLAG;
        };
        String detailBase = "uidvalidity=" + uidValidity + (policy.action() == Policy.ExpiredAction.MOVE
                ? " to=" + policy.moveFolder() : policy.action() == Policy.ExpiredAction.FLAG ? " keyword="
                + policy.flagKeyword() : "");
        // Audit first: if the store is down, this throws and nothing is touched.
        Instant now = clock.instant();
        for (Candidate e : expired) {
            audit.record(new AuditRecord(mailbox, folder.getFullName(), e.messageId(), hash(e.message()),
                    e.decision().expiry(), e.decision().rule(), action, now, SWEEPER_ACTOR, policy.dryRun(),
                    detailBase + " uid=" + e.uid()));
        }
        if (policy.dryRun()) {
            return;
        }
        long[] uids = expired.stream().mapToLong(Candidate::uid).toArray();
        switch (policy.action()) {
            case DELETE -> {
                ImapOps.addFlags(folder, uids, "\\Deleted");
                ImapOps.uidExpunge(folder, uids);
                c.deleted += uids.length;
            }
            case MOVE -> {
                if (serverMove) {
                    ImapOps.uidMove(folder, uids, moveTarget);
                } else {
                    ImapOps.uidCopy(folder, uids, moveTarget);
                    ImapOps.addFlags(folder, uids, "\\Deleted");
                    ImapOps.uidExpunge(folder, uids);
                }
                c.moved += uids.length;
            }
            case FLAG -> {
                ImapOps.addFlags(folder, uids, policy.flagKeyword());
                c.flagged += uids.length;
            }
        }
    }

    // ---------------------------------------------------------------- extend

    Extension extend(String mailbox, String messageId, Instant wanted, String actor) {
        Policy policy = calculator.policy();
        String core = MessageIds.bare(messageId);
        Extension[] done = new Extension[1];
        SecurityException[] refused = new SecurityException[1];
        try (Store store = connect(mailbox)) {
            if (!((IMAPStore) store).hasCapability("UIDPLUS")) {
                throw new RetentionException("the IMAP server lacks UIDPLUS: the old copy could not be removed by UID");
            }
            OwnFolders.Listing listing = OwnFolders.list(store, MAX_FOLDERS);
            List<String> personal = listing.personalPrefixes();
            for (Folder f : listing.folders()) {
                if (policy.isExempt(f.getFullName(), f.getSeparator(), personal)) {
                    continue;
                }
                IMAPFolder folder = (IMAPFolder) f;
                folder.open(policy.dryRun() ? Folder.READ_ONLY : Folder.READ_WRITE);
                try {
                    // The server's search is a substring match: found by the id without brackets, compared exactly
                    // without them, so a message whose Message-ID has none can be extended too; its signature
                    // binds the id as the message writes it.
                    Message[] hits = folder.search(new HeaderTerm(MESSAGE_ID, core));
                    if (hits.length > MAX_MESSAGES_PER_FOLDER) {
                        hits = Arrays.copyOf(hits, MAX_MESSAGES_PER_FOLDER);
                    }
                    FetchProfile fields = headerFieldsProfile();
                    for (int start = 0; start < hits.length && done[0] == null; start += BATCH) {
                        Message[] batch = Arrays.copyOfRange(hits, start, Math.min(hits.length, start + BATCH));
                        visitFetched(folder, batch, fields, m -> {
                            String actual = first(m, MESSAGE_ID);
                            if (actual.isEmpty() || !core.equals(MessageIds.bare(actual))
                                    || m.isSet(Flags.Flag.DELETED)) {
                                return true;
                            }
                            try {
                                done[0] = extendMessage(mailbox, store, folder, (IMAPMessage) m, actual, wanted, actor);
                                return false;
                            } catch (SecurityException e) {
                                // another message under this id (a lure reusing it) came first: the genuine copy
                                // may still grant the change; the refusal is audited either way
                                refused[0] = refused[0] == null ? e : refused[0];
                                return true;
                            }
                        });
                    }
                    if (done[0] != null) {
                        return done[0];
                    }
                } finally {
                    if (folder.isOpen()) {
                        folder.close(false);
                    }
                }
            }
        } catch (MessagingException e) {
            throw new RetentionException("extending " + messageId + " in " + mailbox + " failed: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new RetentionException(e.getMessage(), e);
        }
        if (refused[0] != null) {
            throw refused[0];
        }
        throw new NoSuchElementException("no message " + messageId + " in a swept folder of " + mailbox);
    }

    private Extension extendMessage(String mailbox, Store store, IMAPFolder folder, IMAPMessage m, String messageId,
            Instant wanted, String actor) throws MessagingException {
        Instant internal = received(m);
        Decision before = calculator.decide(name -> headerValues(m, name), internal);
        List<String> sigs = headerValues(m, SIGNATURE);
        boolean granted = sigs.size() == 1 && internal != null
                && calculator.signer().verify(sigs.get(0), messageId).map(Signer.SignedClaim::modifiable).orElse(false);
        Instant now = clock.instant();
        if (!granted) {
            String why = sigs.isEmpty() ? "no gateway signature" : "the signature does not grant modification or is invalid";
            audit.record(new AuditRecord(mailbox, folder.getFullName(), messageId, hash(m), before.expiry(),
                    before.rule(), AuditRecord.Action.EXTEND_REFUSED, now, actor, false,
                    "asked for " + wanted + ": " + why));
            throw new SecurityException("the sender did not grant permission to change the expiry of " + messageId
                    + " (" + why + ")");
        }
        Policy.Clamped clamped = calculator.policy().clamp(internal, wanted);
        long uid = folder.getUID(m);
        long uidValidity = folder.getUIDValidity();
        byte[] raw = readWhole(m);
        byte[] rewritten;
        try {
            HeaderBlock headers = HeaderBlock.parse(raw);
            String term = clamped.expiry().toString();
            rewritten = headers.rewrite(List.of(PERIOD, EXPIRES, EXPIRY_DATE, SIGNATURE), List.of(
                    EXPIRES + ": " + RetentionDates.format(clamped.expiry()),
                    SIGNATURE + ": " + calculator.signer().sign(term, true, messageId)));
        } catch (HeaderBlock.MalformedMessageException e) {
            throw new RetentionException("message " + messageId + " has no readable header section: " + e.getMessage(),
                    e);
        }
        Flags flags = new Flags(m.getFlags());
        flags.remove(Flags.Flag.RECENT);
        flags.remove(Flags.Flag.DELETED);
        boolean dryRun = calculator.policy().dryRun();
        audit.record(new AuditRecord(mailbox, folder.getFullName(), messageId, sha256(raw), clamped.expiry(),
                "signed:" + clamped.expiry() + (clamped.bound() == null ? "" : " clamped:" + clamped.bound()),
                AuditRecord.Action.EXTEND, now, actor, dryRun, "previous=" + before.expiry() + " uidvalidity="
                + uidValidity + " uid=" + uid));
        if (dryRun) {
            // like a sweep's dry run: audited as what would be done, the mailbox left as it is
            LOG.info("Retention (DRY RUN): {} would extend {} in {} / {} to {}", actor, messageId, mailbox,
                    folder.getFullName(), clamped.expiry());
            return new Extension(mailbox, folder.getFullName(), messageId, before.expiry(), clamped.expiry());
        }
        checkUidValidity(store, folder, uidValidity);
        // APPEND first, then remove the old copy by UID: a crash in between leaves two copies (the old one
        // still expires on its old date), never none.
        long newUid = ImapOps.append(folder, rewritten, flags, java.util.Date.from(internal));
        ImapOps.addFlags(folder, new long[] {uid}, "\\Deleted");
        ImapOps.uidExpunge(folder, new long[] {uid});
        LOG.info("Retention: {} extended {} in {} / {} to {} (uid {} -> {})", actor, messageId, mailbox,
                folder.getFullName(), clamped.expiry(), uid, newUid);
        return new Extension(mailbox, folder.getFullName(), messageId, before.expiry(), clamped.expiry());
    }

    // ---------------------------------------------------------------- helpers

    Store connect(String mailbox) throws MessagingException {
        Session session = Session.getInstance(imap.sessionProperties());
        Store store = session.getStore(imap.protocol());
        store.connect(imap.host(), imap.port(), imap.loginFor(mailbox), imap.passwordFor(mailbox));
        return store;
    }

    private static void ensureFolder(Store store, String name) throws MessagingException {
        Folder target = store.getFolder(name);
        if (!target.exists() && !target.create(Folder.HOLDS_MESSAGES)) {
            throw new MessagingException("cannot create the move target folder " + name);
        }
    }

    private static SearchTerm candidates(Policy policy) {
        SearchTerm[] any = RetentionHeaders.CANDIDATE.stream().map(h -> new HeaderTerm(h, "")).toArray(SearchTerm[]::new);
        SearchTerm term = new OrTerm(any);
        if (policy.action() == Policy.ExpiredAction.FLAG) {
            // Already flagged: done. This is what makes a second flag sweep change nothing.
            term = new AndTerm(term, new NotTerm(new FlagTerm(new Flags(policy.flagKeyword()), true)));
        }
        return term;
    }

    /** Looks at one message whose fields were fetched; answers whether to go on. */
    @FunctionalInterface
    interface FetchedMessage {
        boolean visit(Message m) throws MessagingException;
    }

    /**
     * For one batch: fetches UID, INTERNALDATE, FLAGS and SIZE, then {@code fields} in parts of at most
     * {@link #HEADER_FETCH_BYTES} of message size; hands each message not expunged meanwhile to {@code visit} and
     * drops what was fetched once its part is done. The sweep, the extension and the recall read their hits this way.
     *
     * @return false when {@code visit} stopped the walk
     */
    static boolean visitFetched(Folder folder, Message[] batch, FetchProfile fields, FetchedMessage visit)
            throws MessagingException {
        folder.fetch(batch, sizeProfile());
        for (Message[] part : bySize(batch, HEADER_FETCH_BYTES)) {
            folder.fetch(part, fields);
            try {
                for (Message m : part) {
                    if (!m.isExpunged() && !visit.visit(m)) { // expunged: another client removed it meanwhile
                        return false;
                    }
                }
            } finally {
                forgetFetched(part);
            }
        }
        return true;
    }

    /**
     * The messages in order, in parts whose sizes (RFC822.SIZE, fetched before) add up to at most {@code budget}; a
     * bigger message, or one whose size is unknown, is a part of its own. Header fields are never larger than
     * their message, so one FETCH of a part's fields returns at most {@code budget} bytes or one message's.
     */
    static List<Message[]> bySize(Message[] messages, long budget) {
        List<Message[]> parts = new ArrayList<>();
        int from = 0;
        long sum = 0;
        for (int i = 0; i < messages.length; i++) {
            long size = sizeOf(messages[i]);
            long weight = size < 0 ? budget : size;
            if (i > from && sum + weight > budget) {
                parts.add(Arrays.copyOfRange(messages, from, i));
                from = i;
                sum = 0;
            }
            sum += weight;
        }
        if (from < messages.length) {
            parts.add(Arrays.copyOfRange(messages, from, messages.length));
        }
        return parts;
    }

    private static long sizeOf(Message m) {
        try {
            return m.isExpunged() ? 0 : m.getSize();
        } catch (MessagingException e) {
            return -1;
        }
    }

    /** What a batch needs before its header fields: UID, INTERNALDATE, FLAGS and SIZE (small per message). */
    private static FetchProfile sizeProfile() {
        FetchProfile fp = new FetchProfile();
        fp.add(UIDFolder.FetchProfileItem.UID);
        fp.add(IMAPFolder.FetchProfileItem.INTERNALDATE);
        fp.add(FetchProfile.Item.FLAGS);
        fp.add(FetchProfile.Item.SIZE);
        return fp;
    }

    /** The retention header fields ({@code BODY.PEEK[HEADER.FIELDS (...)]}). */
    private static FetchProfile headerFieldsProfile() {
        FetchProfile fp = new FetchProfile();
        for (String h : FETCHED) {
            fp.add(h);
        }
        return fp;
    }

    private static void checkUidValidity(Store store, IMAPFolder open, long recorded) throws MessagingException {
        // A fresh Folder object is closed, so getUIDValidity() asks the server (STATUS) instead of the cache.
        long now = ((UIDFolder) store.getFolder(open.getFullName())).getUIDValidity();
        if (now != recorded) {
            throw new UidValidityChanged(open.getFullName(), recorded, now);
        }
    }

    static Instant received(Message m) throws MessagingException {
        java.util.Date d = m.getReceivedDate();
        return d == null ? null : d.toInstant();
    }

    static List<String> headerValues(Message m, String name) {
        try {
            String[] v = m.getHeader(name);
            return v == null ? List.of() : Arrays.asList(v);
        } catch (MessagingException e) {
            return List.of();
        }
    }

    private static String first(Message m, String name) {
        List<String> v = headerValues(m, name);
        return v.isEmpty() ? "" : v.get(0).strip();
    }

    /** Hex SHA-256 of the raw message, streamed (BODY.PEEK[]); "" when it cannot be read. */
    private static String hash(IMAPMessage m) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
                m.setPeek(true);
                m.writeTo(out);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | MessagingException e) {
            LOG.warn("Retention: could not read a message to hash it: {}", e.toString());
            return "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static String sha256(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static byte[] readWhole(IMAPMessage m) throws MessagingException {
        if (m.getSize() > MAX_EXTEND_BYTES) {
            throw new RetentionException("message larger than " + MAX_EXTEND_BYTES + " bytes; not rewritten");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, m.getSize()));
        try {
            m.setPeek(true);
            m.writeTo(new OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (out.size() + len > MAX_EXTEND_BYTES) {
                        throw new RetentionException("message larger than " + MAX_EXTEND_BYTES + " bytes; not rewritten");
                    }
                    out.write(b, off, len);
                }
            });
        } catch (IOException e) {
            throw new MessagingException("reading the message failed: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

}
