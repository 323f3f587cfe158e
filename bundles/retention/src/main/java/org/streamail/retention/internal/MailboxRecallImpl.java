package org.streamail.retention.internal;

import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.search.HeaderTerm;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.campaign.MailboxRecall;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.model.GatewayReceived;
import org.streamail.api.model.MessageIds;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.RetentionAuditStore;

/**
 * Campaign pull-back over IMAP ({@link MailboxRecall}), with the same IMAP access, login and exempt folders
 * as the retention sweeper (PID {@code org.streamail.retention}, properties {@code imap.*},
 * {@code exempt.folders}, {@code dry.run}, plus {@code recall.action} and {@code recall.folder}).
 *
 * <p>Per call: log in to the mailbox, refuse to delete (or to move without MOVE) when the server lacks
 * UIDPLUS, create the recall folder when moving, LIST the folders, skip the exempt ones, the sweeper's move
 * target and the recall folder without opening them, and in each other folder
 * {@code SEARCH HEADER Message-ID <id>}, keep only exact matches (the server's search is a substring match),
 * write an audit row per copy, then act by UID only ({@code UID MOVE}, or {@code UID COPY} + {@code \Deleted}
 * + {@code UID EXPUNGE}; delete = {@code \Deleted} + {@code UID EXPUNGE}). Folders are closed without an
 * implicit expunge, so what other clients marked {@code \Deleted} stays. Moved copies sit in the recall
 * folder, which is never searched: a second recall finds nothing.
 *
 * <p>Lifecycle: active while a {@link RetentionAuditStore} is registered (no action without an audit row);
 * a configuration change re-creates it. Threading: thread-safe and stateless between calls; each call has
 * its own IMAP connection, and at most {@link #MAX_CONCURRENT} calls talk to the server at once.
 */
@Component(service = MailboxRecall.class, configurationPid = RetentionConfig.PID)
public final class MailboxRecallImpl implements MailboxRecall {

    static final int MAX_FOLDERS = RetentionSweeper.MAX_FOLDERS;
    /**
     * More copies of one Message-ID than this in one folder is not a campaign copy; only these are handled. The
     * bound counts exact matches, after the server's substring search has been narrowed down.
     */
    static final int MAX_HITS_PER_FOLDER = 1000;
    static final int MAX_CONCURRENT = 4;
    static final int MAX_ID_LENGTH = 500;
    static final int MAX_REASON_LENGTH = 500;
    /** Bytes read of a field of a copy whose fields are over {@link RetentionSweeper#MAX_FIELD_BYTES}. */
    static final int FIRST_FIELD_BYTES = 64 * 1024;
    /** A gateway message id as the core writes it into its Received field. */
    private static final java.util.regex.Pattern GATEWAY_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Logger LOG = LoggerFactory.getLogger(MailboxRecallImpl.class);

    /** What a recall does with a copy it finds. */
    enum RecallAction { MOVE, DELETE }

    private final Policy policy;
    private final ImapSettings imap;
    private final RecallAction action;
    private final String recallFolder;
    private final RetentionAuditStore audit;
    private final Clock clock;
    private final Semaphore permits = new Semaphore(MAX_CONCURRENT);

    @Activate
    public MailboxRecallImpl(RetentionConfig config, Map<String, Object> properties,
            @Reference RetentionAuditStore audit) {
        this(checked(config, properties), audit, Clock.systemUTC());
    }

    /** The values are checked strictly; RetentionComponent, on the same PID, logs the unknown keys once. */
    private static RetentionConfig checked(RetentionConfig config, Map<String, Object> properties) {
        ConfigCheck.check(RetentionConfig.PID, RetentionConfig.class, properties);
        return config;
    }

    MailboxRecallImpl(RetentionConfig config, RetentionAuditStore audit, Clock clock) {
        this.policy = Policy.from(config);
        this.imap = ImapSettings.from(config);
        String a = config.recall_action() == null ? "" : config.recall_action().strip().toLowerCase(Locale.ROOT);
        this.action = switch (a) {
            case "move" -> RecallAction.MOVE;
            case "delete" -> RecallAction.DELETE;
            default -> throw new IllegalArgumentException("recall.action must be move or delete, got '"
                    + config.recall_action() + "'");
        };
        this.recallFolder = Policy.folderName("recall.folder",
                Objects.requireNonNullElse(config.recall_folder(), ""));
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = clock;
        LOG.info("Mailbox recall active: {}{}{} via {}", action.name().toLowerCase(Locale.ROOT),
                action == RecallAction.MOVE ? " to " + recallFolder : "", policy.dryRun() ? " (DRY RUN)" : "", imap);
    }

    @Override
    public RecallOutcome recall(String mailbox, String messageId, String reason, String actor) {
        return recallCopies(mailbox, messageId, null, reason, actor);
    }

    @Override
    public RecallOutcome recall(String mailbox, String messageId, String gatewayId, String reason, String actor) {
        if (gatewayId == null || !GATEWAY_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("gatewayId must be a gateway message id (letters, digits, '.', '_', '-',"
                    + " at most 128), got '" + printable(String.valueOf(gatewayId)) + "'");
        }
        return recallCopies(mailbox, messageId, gatewayId, reason, actor);
    }

    /** @param gatewayId only copies the gateway delivered under this id, or {@code null} for every copy */
    private RecallOutcome recallCopies(String mailbox, String messageId, String gatewayId, String reason,
            String actor) {
        String box = Policy.mailboxName("mailbox", Objects.requireNonNullElse(mailbox, ""));
        String core = messageIdCore(messageId);
        String why = bounded(reason, "recall");
        String who = bounded(actor, "unknown");
        if (!imap.canReach(box)) {
            return new RecallOutcome(box, 0, 0, 0, "no IMAP login for this mailbox: set imap.user or list it in "
                    + "imap.credentials.file (PID " + RetentionConfig.PID + ")");
        }
        try {
            if (!permits.tryAcquire(imap.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                return new RecallOutcome(box, 0, 0, 0, "too many recalls running; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RecallOutcome(box, 0, 0, 0, "interrupted");
        }
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        // Jakarta Mail finds its providers through the context class loader: make it angus-mail's in OSGi.
        t.setContextClassLoader(IMAPStore.class.getClassLoader());
        try {
            return recallIn(box, core, gatewayId, why, who);
        } finally {
            t.setContextClassLoader(before);
            permits.release();
        }
    }

    /**
     * The Message-ID without angle brackets, after checking it is one: printable ASCII without spaces,
     * brackets, quotes or backslashes, with an {@code @}, at most {@link #MAX_ID_LENGTH} characters.
     *
     * @throws IllegalArgumentException otherwise
     */
    static String messageIdCore(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            throw new IllegalArgumentException("messageId is required");
        }
        String id = MessageIds.bare(messageId);
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("messageId must have 1.." + MAX_ID_LENGTH + " characters");
        }
        int at = id.indexOf('@');
        if (at <= 0 || at == id.length() - 1 || id.chars().anyMatch(ch -> ch <= ' ' || ch >= 127 || ch == '<'
                || ch == '>' || ch == '"' || ch == '\\')) {
            throw new IllegalArgumentException("messageId is not a Message-ID (<left@right>, printable ASCII): '"
                    + printable(messageId) + "'");
        }
        return id;
    }

    private RecallOutcome recallIn(String mailbox, String core, String gatewayId, String reason, String actor) {
        long started = System.nanoTime();
        Counts c = new Counts();
        try (Store store = connect(mailbox)) {
            IMAPStore imapStore = (IMAPStore) store;
            boolean uidplus = imapStore.hasCapability("UIDPLUS");
            boolean serverMove = imapStore.hasCapability("MOVE");
            if (!policy.dryRun() && !uidplus && (action == RecallAction.DELETE || !serverMove)) {
                return new RecallOutcome(mailbox, 0, 0, 0, "the IMAP server lacks UIDPLUS (UID EXPUNGE); refusing to "
                        + action.name().toLowerCase(Locale.ROOT) + " because a plain EXPUNGE would also remove what "
                        + "other clients marked \\Deleted");
            }
            OwnFolders.Listing listing = OwnFolders.list(store, MAX_FOLDERS);
            List<String> personal = listing.personalPrefixes();
            List<Folder> folders = listing.folders();
            if (listing.truncated() > 0) {
                c.problem((MAX_FOLDERS + listing.truncated()) + " folders, more than " + MAX_FOLDERS
                        + "; only the first searched");
                LOG.warn("Recall: {}: {} folders, more than {}; only the first {} searched", mailbox,
                        MAX_FOLDERS + listing.truncated(), MAX_FOLDERS, MAX_FOLDERS);
            }
            String target = OwnFolders.serverName(store, recallFolder);
            if (action == RecallAction.MOVE && !policy.dryRun()) {
                Folder box = store.getFolder(target);
                if (!box.exists() && !box.create(Folder.HOLDS_MESSAGES)) {
                    return new RecallOutcome(mailbox, 0, 0, 0, "cannot create the recall folder " + recallFolder);
                }
            }
            for (Folder folder : folders) {
                if (skipped(folder.getFullName(), folder.getSeparator(), personal)) {
                    continue;
                }
                try {
                    recallInFolder(mailbox, (IMAPFolder) folder, core, gatewayId, reason, actor, serverMove, target, c);
                } catch (MessagingException | RuntimeException e) {
                    // The audit store down lands here too: the audit comes first, so nothing was touched.
                    c.problem(folder.getFullName() + ": " + e.getMessage());
                    LOG.warn("Recall: {} / {} failed: {}", mailbox, folder.getFullName(), e.toString());
                }
            }
        } catch (MessagingException | RuntimeException e) {
            c.problem(e.getMessage() == null ? e.toString() : e.getMessage());
            LOG.warn("Recall: mailbox {} could not be searched: {}", mailbox, e.toString());
        }
        LOG.info("Recall of <{}>{} in {} by {} ({} ms): found {}, moved {}, deleted {}{}{}", core,
                gatewayId == null ? "" : " as delivered in " + gatewayId, mailbox, actor,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), c.found, c.moved, c.deleted,
                c.otherDelivery == 0 ? "" : ", left " + c.otherDelivery + " other message(s) with that Message-ID",
                c.problems.isEmpty() ? "" : ", problems: " + c.problems);
        return new RecallOutcome(mailbox, c.found, c.moved, c.deleted, String.join("; ", c.problems));
    }

    /** Running totals of one recall. Confined to the calling thread. */
    private static final class Counts {
        int found;
        /** Copies with the Message-ID that the gateway delivered under another id (or never): left alone. */
        int otherDelivery;
        int moved;
        int deleted;
        final List<String> problems = new ArrayList<>();

        void problem(String what) {
            if (problems.size() < 10) {
                problems.add(what);
            }
        }
    }

    /**
     * Exempt folders (and subfolders), the sweeper's move target, and the recall folder (and subfolders) are
     * never searched; names are matched as {@link Policy#isExempt(String, char, List)} matches them.
     */
    boolean skipped(String fullName, char separator) {
        return skipped(fullName, separator, List.of());
    }

    boolean skipped(String fullName, char separator, List<String> personalPrefixes) {
        return policy.isExempt(fullName, separator, personalPrefixes)
                || Policy.covers(fullName, separator, personalPrefixes, recallFolder, true);
    }

    private void recallInFolder(String mailbox, IMAPFolder folder, String core, String gatewayId, String reason,
            String actor, boolean serverMove, String target, Counts c) throws MessagingException {
        folder.open(policy.dryRun() ? Folder.READ_ONLY : Folder.READ_WRITE);
        try {
            long uidValidity = folder.getUIDValidity();
            // SEARCH HEADER is a substring match on the server: the bare id finds both the <id> and id forms,
            // and the exact comparison below drops longer ids that merely contain it.
            Message[] hits = folder.search(new HeaderTerm("Message-ID", core));
            if (hits.length == 0) {
                return;
            }
            if (hits.length > RetentionSweeper.MAX_MESSAGES_PER_FOLDER) {
                c.problem(folder.getFullName() + ": " + hits.length + " matches; only the first "
                        + RetentionSweeper.MAX_MESSAGES_PER_FOLDER + " examined");
                hits = Arrays.copyOf(hits, RetentionSweeper.MAX_MESSAGES_PER_FOLDER);
            }
            FetchProfile fp = new FetchProfile();
            fp.add("Message-ID");
            if (gatewayId != null) {
                fp.add("Received");
            }
            List<Long> uids = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            // The bound is on exact copies, not on the substring hits: longer ids that merely contain this one
            // (which a sender can mail in bulk beforehand) must not push the copy out of reach.
            int[] exact = {0};
            for (int start = 0; start < hits.length; start += RetentionSweeper.BATCH) {
                Message[] batch = Arrays.copyOfRange(hits, start, Math.min(hits.length, start + RetentionSweeper.BATCH));
                // the fields in parts of bounded size, as the sweeper fetches them (Received fields can be large)
                RetentionSweeper.visitFetched(folder, batch, fp, m -> {
                    String[] values = m.getHeader("Message-ID");
                    if (values != null && values.length > 0 && core.equals(MessageIds.bare(values[0]))) {
                        if (gatewayId != null && !GatewayReceived.firstGatewayId(received(m))
                                .map(gatewayId::equals).orElse(false)) {
                            c.otherDelivery++; // the Message-ID reused by another message: not this delivery's copy
                        } else if (++exact[0] <= MAX_HITS_PER_FOLDER) {
                            uids.add(folder.getUID(m));
                            ids.add(values[0].strip());
                        }
                    }
                    return true;
                }, (m, uid, what) -> {
                    // Fields too big to read whole (a sender can inflate its Received fields): the first Message-ID
                    // and the first (top, the gateway's) Received field are read from a bounded part of them.
                    String id = RetentionSweeper.firstField(folder, uid, "Message-ID", FIRST_FIELD_BYTES);
                    if (id == null || !core.equals(MessageIds.bare(id))) {
                        return;
                    }
                    String top = gatewayId == null ? null
                            : RetentionSweeper.firstField(folder, uid, "Received", FIRST_FIELD_BYTES);
                    if (gatewayId != null && !GatewayReceived.firstGatewayId(top == null ? List.of() : List.of(top))
                            .map(gatewayId::equals).orElse(false)) {
                        c.otherDelivery++;
                    } else if (++exact[0] <= MAX_HITS_PER_FOLDER) {
                        uids.add(uid);
                        ids.add(id.strip());
                    }
                });
            }
            if (exact[0] > MAX_HITS_PER_FOLDER) {
                c.problem(folder.getFullName() + ": " + exact[0] + " copies; only the first " + MAX_HITS_PER_FOLDER
                        + " handled");
            }
            if (uids.isEmpty()) {
                return;
            }
            c.found += uids.size();
            AuditRecord.Action auditAction = action == RecallAction.MOVE ? AuditRecord.Action.MOVE
                    : AuditRecord.Action.DELETE;
            String detailBase = (action == RecallAction.MOVE ? "recall-move to=" + recallFolder : "recall-delete")
                    + " uidvalidity=" + uidValidity;
            Instant now = clock.instant();
            // Audit first: if the store is down this throws and the folder is left untouched.
            List<UnfinishedSteps.Item> items = new ArrayList<>();
            for (int i = 0; i < uids.size(); i++) {
                IMAPMessage m = (IMAPMessage) folder.getMessageByUID(uids.get(i));
                String hash = m == null ? "" : hash(m);
                items.add(new UnfinishedSteps.Item(uids.get(i), ids.get(i), hash));
                audit.record(new AuditRecord(mailbox, folder.getFullName(), ids.get(i), hash, null,
                        reason, auditAction, now, actor, policy.dryRun(), detailBase + " uid=" + uids.get(i)));
            }
            if (policy.dryRun()) {
                return;
            }
            long[] set = uids.stream().mapToLong(Long::longValue).toArray();
            for (int from = 0; from < set.length; from += ImapOps.MAX_UIDS_PER_COMMAND) {
                long[] part = Arrays.copyOfRange(set, from, Math.min(set.length, from + ImapOps.MAX_UIDS_PER_COMMAND));
                if (action == RecallAction.DELETE) {
                    ImapOps.addFlags(folder, part, "\\Deleted");
                    ImapOps.uidExpunge(folder, part);
                    c.deleted += part.length;
                } else {
                    if (serverMove) {
                        ImapOps.uidMove(folder, part, target);
                    } else {
                        // COPY + \Deleted + UID EXPUNGE, finishing (not repeating) a move an earlier recall left
                        // half done
                        UnfinishedSteps.copyMove(folder.getStore(), folder,
                                items.subList(from, from + part.length), target);
                    }
                    c.moved += part.length;
                }
            }
        } finally {
            if (folder.isOpen()) {
                folder.close(false); // UNSELECT (or EXAMINE + CLOSE): never an implicit expunge
            }
        }
    }

    private Store connect(String mailbox) throws MessagingException {
        Session session = Session.getInstance(imap.sessionProperties());
        Store store = session.getStore(imap.protocol());
        store.connect(imap.host(), imap.port(), imap.loginFor(mailbox), imap.passwordFor(mailbox));
        return store;
    }

    /** Hex SHA-256 of the raw message, streamed with BODY.PEEK[] (no \Seen); "" when it cannot be read. */
    private static String hash(IMAPMessage m) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
                m.setPeek(true);
                m.writeTo(out);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | MessagingException e) {
            LOG.warn("Recall: could not read a message to hash it: {}", e.toString());
            return "";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String bounded(String text, String fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        String t = printable(text.strip());
        return t.length() > MAX_REASON_LENGTH ? t.substring(0, MAX_REASON_LENGTH) : t;
    }

    /** Control characters replaced, so log lines and audit rows stay one line each. */
    /** The Received field values of a fetched message, in header order (none: an empty list). */
    private static List<String> received(Message m) throws MessagingException {
        String[] v = m.getHeader("Received");
        return v == null ? List.of() : Arrays.asList(v);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 1000));
        s.codePoints().limit(1000).forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return b.toString();
    }

    RecallAction action() {
        return action;
    }

    String recallFolder() {
        return recallFolder;
    }
}
