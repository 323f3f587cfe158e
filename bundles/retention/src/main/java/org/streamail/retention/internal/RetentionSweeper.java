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
import java.util.Comparator;
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
    /**
     * Most bytes of the wanted header fields read from one message bigger than {@link #HEADER_FETCH_BYTES} (a
     * smaller one is bounded by its part). Such a message's fields are first measured with a partial FETCH
     * ({@code BODY.PEEK[HEADER.FIELDS (...)]<0.n>}); over this they are not read, and the message is left alone
     * and reported.
     */
    static final int MAX_FIELD_BYTES = 1024 * 1024;
    static final int MAX_FOLDERS = 10_000;
    static final int MAX_MESSAGES_PER_FOLDER = 5_000_000;
    /** Largest message read whole (to re-sign it on extension); hashing streams and has no limit. */
    static final int MAX_EXTEND_BYTES = 64 * 1024 * 1024;
    static final String SWEEPER_ACTOR = "sweeper";
    /** Most copies of one Message-ID one extension changes in a mailbox. */
    static final int MAX_EXTENDED_COPIES = 100;
    /** The fields an extension removes; what remains of a message and of its re-signed copy is the same. */
    static final List<String> REWRITTEN = List.of(PERIOD, EXPIRES, EXPIRY_DATE, SIGNATURE);

    private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

    private final ImapSettings imap;
    private final ExpiryCalculator calculator;
    private final RetentionAuditStore audit;
    private final Clock clock;
    /** Most folders a sweep opens per mailbox and run ({@link #MAX_FOLDERS}; lower in tests). */
    int maxFolders = MAX_FOLDERS;
    /** Where each mailbox's previous sweep stopped when it has more than {@link #maxFolders} folders to sweep. */
    FolderRotation rotation = new FolderRotation();
    /**
     * Asked after each folder and each batch of a sweep: whether this node still holds the sweep (the component renews
     * its lease on the shared record here); false stops the mailbox there.
     */
    java.util.function.BooleanSupplier stillHeld = () -> true;

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
            // all own folders: the bound applies to the folders a run opens, chosen below in a stable order
            OwnFolders.Listing listing = OwnFolders.list(store);
            List<String> personal = listing.personalPrefixes();
            if (listing.otherNamespace() + listing.virtualView() > 0) {
                LOG.debug("Retention: {}: {} folders of other namespaces and {} virtual views not opened", mailbox,
                        listing.otherNamespace(), listing.virtualView());
            }
            String moveTarget = policy.moveFolder() == null ? null : OwnFolders.serverName(store, policy.moveFolder());
            if (policy.action() == Policy.ExpiredAction.MOVE && !policy.dryRun()) {
                ensureFolder(store, moveTarget);
            }
            List<Folder> toSweep = new ArrayList<>();
            for (Folder folder : listing.folders()) {
                if (policy.isExempt(folder.getFullName(), folder.getSeparator(), personal)) {
                    c.exempt++;
                    LOG.debug("Retention: {} / {} is exempt; not opened", mailbox, folder.getFullName());
                    continue;
                }
                toSweep.add(folder);
            }
            // Sorted by name, a stable order: a run opens at most maxFolders of them, going on after the last folder
            // the previous run swept, so every folder is swept within ceil(N / maxFolders) runs. The folders past the
            // first 10,000 in the server's LIST order used to be never swept.
            toSweep.sort(Comparator.comparing(Folder::getFullName));
            FolderRotation.Window window = rotation.next(mailbox,
                    toSweep.stream().map(Folder::getFullName).toList(), maxFolders);
            if (window.partial()) {
                LOG.warn("Retention: {}: {} this run; more than {} folders to sweep, so each run goes on (in the order "
                        + "of their names) where the previous one stopped, and all are swept within {} runs", mailbox,
                        window.describe(), maxFolders, (window.total() + maxFolders - 1) / maxFolders);
            }
            String last = null;
            for (Folder folder : toSweep.subList(window.from(), window.to())) {
                try {
                    if (!sweepFolder(mailbox, (IMAPFolder) folder, store, move, moveTarget, c)) {
                        // the sweep is no longer this node's (the caller reports it): the next run goes on with this folder
                        LOG.warn("Retention: {}: stopped in {}: this node no longer holds the sweep", mailbox,
                                folder.getFullName());
                        break;
                    }
                } catch (MessagingException | RuntimeException e) {
                    c.error(mailbox + "/" + folder.getFullName() + ": " + e.getMessage());
                    LOG.warn("Retention: sweeping {} / {} failed: {}", mailbox, folder.getFullName(), e.toString());
                    if (!store.isConnected()) {
                        // the rest of the window would fail too: the next run starts again with this folder
                        c.error(mailbox + ": connection lost at " + folder.getFullName() + "; the next run goes on "
                                + "from there");
                        break;
                    }
                }
                last = folder.getFullName();
                if (!stillHeld.getAsBoolean()) {
                    LOG.warn("Retention: {}: stopped after {}: this node no longer holds the sweep", mailbox, last);
                    break;
                }
            }
            if (!window.partial()) {
                rotation.sweptUpTo(mailbox, null);
            } else if (last != null) {
                rotation.sweptUpTo(mailbox, last);
            }
        } catch (MessagingException | IllegalStateException e) {
            c.error(mailbox + ": " + e.getMessage());
            LOG.warn("Retention: mailbox {} could not be swept: {}", mailbox, e.toString());
        }
        LOG.info("Retention: swept {} in {} ms: {} with retention headers, {} expired", mailbox,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), c.scanned - scannedBefore,
                c.expired - expiredBefore);
    }

    /** Sweeps one folder; false when it stopped before its end because this node no longer holds the sweep. */
    private boolean sweepFolder(String mailbox, IMAPFolder folder, Store store, boolean serverMove, String moveTarget,
            Counters c)
            throws MessagingException {
        Policy policy = calculator.policy();
        folder.open(policy.dryRun() ? Folder.READ_ONLY : Folder.READ_WRITE);
        try {
            long uidValidity = folder.getUIDValidity();
            if (!policy.dryRun()) {
                finishExtensions(mailbox, folder, SWEEPER_ACTOR);
            }
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
                }, (m, uid, what) -> c.error(mailbox + "/" + what));
                if (!expired.isEmpty()) {
                    c.expired += expired.size();
                    checkUidValidity(store, folder, uidValidity);
                    act(mailbox, store, folder, uidValidity, expired, serverMove, moveTarget, c);
                }
                if (found.length > BATCH) {
                    LOG.info("Retention: {} / {}: {} of {} candidates examined", mailbox, folder.getFullName(),
                            Math.min(found.length, start + BATCH), found.length);
                }
                if (start + BATCH < found.length && !stillHeld.getAsBoolean()) {
                    return false;
                }
            }
            return true;
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

    private void act(String mailbox, Store store, IMAPFolder folder, long uidValidity, List<Candidate> expired,
            boolean serverMove, String moveTarget, Counters c) throws MessagingException {
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
        List<UnfinishedSteps.Item> items = new ArrayList<>();
        for (Candidate e : expired) {
            String hash = hash(e.message());
            items.add(new UnfinishedSteps.Item(e.uid(), e.messageId(), hash));
            audit.record(new AuditRecord(mailbox, folder.getFullName(), e.messageId(), hash,
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
                    // COPY + \Deleted + UID EXPUNGE, finishing (not repeating) a move an earlier run left half done
                    UnfinishedSteps.copyMove(store, folder, items, moveTarget);
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
        List<Extension> done = new ArrayList<>();
        SecurityException[] refused = new SecurityException[1];
        try (Store store = connect(mailbox)) {
            if (!((IMAPStore) store).hasCapability("UIDPLUS")) {
                throw new RetentionException("the IMAP server lacks UIDPLUS: the old copy could not be removed by UID");
            }
            // Every folder a sweep reaches, over its runs (see sweepMailbox): a message past the first maxFolders must
            // be extendable too, or the sweep would delete it although the recipient asked to keep it.
            OwnFolders.Listing listing = OwnFolders.list(store);
            List<String> personal = listing.personalPrefixes();
            if (listing.folders().size() > maxFolders) {
                LOG.info("Retention: {}: an extension searches all {} folders (more than the {} a sweep opens per run)",
                        mailbox, listing.folders().size(), maxFolders);
            }
            for (Folder f : listing.folders()) {
                if (policy.isExempt(f.getFullName(), f.getSeparator(), personal)) {
                    continue;
                }
                IMAPFolder folder = (IMAPFolder) f;
                folder.open(policy.dryRun() ? Folder.READ_ONLY : Folder.READ_WRITE);
                try {
                    if (!policy.dryRun()) {
                        finishExtensions(mailbox, folder, actor); // else the old copy of one would be extended again
                    }
                    // The server's search is a substring match: found by the id without brackets, compared exactly
                    // without them, so a message whose Message-ID has none can be extended too; its signature
                    // binds the id as the message writes it.
                    Message[] hits = folder.search(new HeaderTerm(MESSAGE_ID, core));
                    if (hits.length > MAX_MESSAGES_PER_FOLDER) {
                        hits = Arrays.copyOf(hits, MAX_MESSAGES_PER_FOLDER);
                    }
                    FetchProfile fields = headerFieldsProfile();
                    for (int start = 0; start < hits.length && done.size() < MAX_EXTENDED_COPIES; start += BATCH) {
                        Message[] batch = Arrays.copyOfRange(hits, start, Math.min(hits.length, start + BATCH));
                        visitFetched(folder, batch, fields, m -> {
                            String actual = first(m, MESSAGE_ID);
                            if (actual.isEmpty() || !core.equals(MessageIds.bare(actual))
                                    || m.isSet(Flags.Flag.DELETED)) {
                                return true;
                            }
                            try {
                                // every copy in the mailbox that grants it: a copy left with the old date would
                                // vanish on that date although the recipient asked to keep the message
                                done.add(extendMessage(mailbox, store, folder, (IMAPMessage) m, actual, wanted, actor));
                                return done.size() < MAX_EXTENDED_COPIES;
                            } catch (SecurityException e) {
                                // another message under this id (a lure reusing it) came first: the genuine copy
                                // may still grant the change; the refusal is audited either way
                                refused[0] = refused[0] == null ? e : refused[0];
                                return true;
                            }
                        }, (m, uid, what) -> { }); // logged; such a copy is not extended
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
        if (!done.isEmpty()) {
            if (done.size() >= MAX_EXTENDED_COPIES) {
                LOG.warn("Retention: {} has more than {} copies of {}; only the first {} extended", mailbox,
                        MAX_EXTENDED_COPIES, messageId, MAX_EXTENDED_COPIES);
            }
            return done.get(0);
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
            rewritten = headers.rewrite(REWRITTEN, List.of(
                    EXPIRES + ": " + RetentionDates.format(clamped.expiry()),
                    SIGNATURE + ": " + calculator.signer().sign(term, true, messageId)));
        } catch (HeaderBlock.MalformedMessageException e) {
            throw new RetentionException("message " + messageId + " has no readable header section: " + e.getMessage(),
                    e);
        }
        Flags flags = new Flags(m.getFlags());
        flags.remove(Flags.Flag.RECENT);
        flags.remove(Flags.Flag.DELETED);
        flags.remove(UnfinishedSteps.REPLACING);
        flags.remove(UnfinishedSteps.MOVING);
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
        // APPEND first, then remove the old copy by UID: a crash in between leaves two copies, never none. The old
        // copy is marked before, so that the next sweep or extension finds the re-signed copy and removes the old
        // one (finishExtensions) instead of leaving it or extending it a second time.
        ImapOps.addFlags(folder, new long[] {uid}, UnfinishedSteps.REPLACING);
        long newUid = ImapOps.append(folder, rewritten, flags, java.util.Date.from(internal));
        ImapOps.addFlags(folder, new long[] {uid}, "\\Deleted");
        ImapOps.uidExpunge(folder, new long[] {uid});
        LOG.info("Retention: {} extended {} in {} / {} to {} (uid {} -> {})", actor, messageId, mailbox,
                folder.getFullName(), clamped.expiry(), uid, newUid);
        return new Extension(mailbox, folder.getFullName(), messageId, before.expiry(), clamped.expiry());
    }

    /**
     * Finishes the extensions an earlier run left half done in the open folder. A message marked
     * {@link UnfinishedSteps#REPLACING} is the old copy of an extension that was cut off: if the folder holds its
     * re-signed copy (same Message-ID, a valid gateway signature granting modification, and the same bytes once
     * the retention fields are removed from both), the old copy is removed (audited {@code EXTEND} first);
     * otherwise the APPEND never happened, the old copy is the only one and just loses the mark.
     *
     * @return how many old copies were removed
     */
    int finishExtensions(String mailbox, IMAPFolder folder, String actor) throws MessagingException {
        Set<Long> marked = UnfinishedSteps.uidsWith(folder, UnfinishedSteps.REPLACING);
        int removed = 0;
        for (long uid : marked) {
            Message old = folder.getMessageByUID(uid);
            if (old == null || old.isExpunged()) {
                continue;
            }
            byte[] oldRaw = readWhole((IMAPMessage) old);
            String messageId = "";
            Long replacement = null;
            try {
                HeaderBlock block = HeaderBlock.parse(oldRaw);
                List<String> ids = block.values(MESSAGE_ID);
                messageId = ids.isEmpty() ? "" : ids.get(0).strip();
                replacement = replacement(folder, uid, messageId, block.rewrite(REWRITTEN, List.of()));
            } catch (HeaderBlock.MalformedMessageException e) {
                // not a message an extension rewrote: nothing to finish
            }
            long[] one = {uid};
            if (replacement == null) {
                ImapOps.removeFlags(folder, one, UnfinishedSteps.REPLACING);
                LOG.info("Retention: {} / {}: an extension of {} was cut off before its copy was written; the message "
                        + "stays as it was", mailbox, folder.getFullName(), messageId);
                continue;
            }
            audit.record(new AuditRecord(mailbox, folder.getFullName(), messageId, sha256(oldRaw), null,
                    "interrupted extension", AuditRecord.Action.EXTEND, clock.instant(), actor, false,
                    "finished: old copy removed uidvalidity=" + folder.getUIDValidity() + " uid=" + uid
                    + " re-signed copy uid=" + replacement));
            ImapOps.addFlags(folder, one, "\\Deleted");
            ImapOps.uidExpunge(folder, one);
            removed++;
            LOG.info("Retention: {} / {}: finished an interrupted extension of {}: old copy uid {} removed, re-signed "
                    + "copy uid {} kept", mailbox, folder.getFullName(), messageId, uid, replacement);
        }
        return removed;
    }

    /** The UID of the re-signed copy of a message (its bytes without the retention fields given), or null. */
    private Long replacement(IMAPFolder folder, long oldUid, String messageId, byte[] stripped)
            throws MessagingException {
        String core = MessageIds.bare(messageId);
        if (core.isEmpty()) {
            return null;
        }
        Message[] hits = folder.search(new HeaderTerm(MESSAGE_ID, core));
        int compared = 0;
        for (int i = hits.length - 1, seen = 0; i >= 0 && compared < UnfinishedSteps.MAX_COMPARED
                && seen < 10 * UnfinishedSteps.MAX_COMPARED; i--, seen++) { // the newest first
            Message m = hits[i];
            long uid = folder.getUID(m);
            if (uid == oldUid || m.isExpunged() || m.isSet(Flags.Flag.DELETED) || m.getSize() > MAX_EXTEND_BYTES) {
                continue;
            }
            compared++;
            try {
                byte[] raw = readWhole((IMAPMessage) m);
                HeaderBlock block = HeaderBlock.parse(raw);
                List<String> ids = block.values(MESSAGE_ID);
                List<String> sigs = block.values(SIGNATURE);
                if (ids.isEmpty() || !ids.get(0).strip().equals(messageId) || sigs.size() != 1
                        || !calculator.signer().verify(sigs.get(0).strip(), messageId)
                                .map(Signer.SignedClaim::modifiable).orElse(false)) {
                    continue; // only a copy the gateway signed can be the one an extension wrote
                }
                if (Arrays.equals(block.rewrite(REWRITTEN, List.of()), stripped)) {
                    return uid;
                }
            } catch (HeaderBlock.MalformedMessageException | RetentionException e) {
                // not the re-signed copy
            }
        }
        return null;
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

    /** Told of a message whose wanted fields exceed {@link #MAX_FIELD_BYTES}: they were not fetched. */
    @FunctionalInterface
    interface Oversized {
        void handle(Message m, long uid, String what) throws MessagingException;
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
    static boolean visitFetched(Folder folder, Message[] batch, FetchProfile fields, FetchedMessage visit,
            Oversized oversized) throws MessagingException {
        folder.fetch(batch, sizeProfile());
        for (Message[] part : bySize(batch, HEADER_FETCH_BYTES)) {
            if (part.length == 1 && sizeOf(part[0]) > HEADER_FETCH_BYTES && !part[0].isExpunged()) {
                // A big message alone in its part: its fields could be as big as the message. Measured first.
                long uid = ((UIDFolder) folder).getUID(part[0]);
                int length = fieldsLength((IMAPFolder) folder, uid, fields.getHeaderNames(), MAX_FIELD_BYTES + 1);
                if (length > MAX_FIELD_BYTES) {
                    String what = folder.getFullName() + " uid " + uid + ": its header fields "
                            + String.join(", ", fields.getHeaderNames()) + " exceed " + MAX_FIELD_BYTES
                            + " bytes; not read, the message is left alone";
                    LOG.warn("Retention: {}", what);
                    oversized.handle(part[0], uid, what);
                    continue;
                }
            }
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
     * How many bytes of the named header fields of one message the server returns, asking for at most {@code max}
     * ({@code UID FETCH uid (BODY.PEEK[HEADER.FIELDS (...)]<0.max>)}); -1 when the message is gone.
     */
    static int fieldsLength(IMAPFolder folder, long uid, String[] names, int max) throws MessagingException {
        byte[] b = fieldsBytes(folder, uid, names, max);
        return b == null ? -1 : b.length;
    }

    /**
     * The first value of a header field of one message, read from at most {@code max} bytes of its fields of that name
     * (a partial FETCH); null when it has none or is gone. A value cut by the bound is returned cut.
     */
    static String firstField(IMAPFolder folder, long uid, String name, int max) throws MessagingException {
        byte[] b = fieldsBytes(folder, uid, new String[] {name}, max);
        if (b == null) {
            return null;
        }
        String[] v = new jakarta.mail.internet.InternetHeaders(new java.io.ByteArrayInputStream(b)).getHeader(name);
        return v == null || v.length == 0 ? null : v[0];
    }

    /** At most {@code max} bytes of the named fields of one message ({@code BODY.PEEK[HEADER.FIELDS]<0.max>}). */
    private static byte[] fieldsBytes(IMAPFolder folder, long uid, String[] names, int max) throws MessagingException {
        String command = "UID FETCH " + uid + " (BODY.PEEK[HEADER.FIELDS (" + String.join(" ", names) + ")]<0." + max
                + ">)";
        Object length = folder.doCommand(p -> {
            org.eclipse.angus.mail.iap.Response[] r = p.command(command, null);
            p.handleResult(r[r.length - 1]);
            byte[] bytes = null;
            for (org.eclipse.angus.mail.iap.Response response : r) {
                if (response instanceof org.eclipse.angus.mail.imap.protocol.FetchResponse f) {
                    org.eclipse.angus.mail.imap.protocol.BODY body =
                            f.getItem(org.eclipse.angus.mail.imap.protocol.BODY.class);
                    if (body != null && body.getByteArray() != null) {
                        bytes = body.getByteArray().getNewBytes();
                    }
                }
            }
            return bytes;
        });
        return (byte[]) length;
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
    static String hash(IMAPMessage m) {
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
