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
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
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
 * target and the recall folder without opening them, and in each other folder (all of them, in name order, within
 * {@link #MAX_FOLDERS} folders and {@link #TIME_BUDGET}; a cut is named in the outcome, a failing folder too)
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

    /**
     * Most folders one recall searches in a mailbox: ten times the folders a sweep opens per run, since a recall is a
     * one-shot action that cannot go on in a next run. Past it the recall stops and names what it did not search.
     */
    static final int MAX_FOLDERS = 10 * RetentionSweeper.MAX_FOLDERS;
    /**
     * Longest a recall searches one mailbox (from its login); past it the recall stops and names the folders it did
     * not search. A folder costs a SELECT, a SEARCH and an UNSELECT when it holds no copy.
     */
    static final Duration TIME_BUDGET = Duration.ofMinutes(10);
    /** An INFO line per this many folders searched in a big mailbox. */
    static final int PROGRESS_EVERY = 1000;
    /** Most folder names a report spells out; a longer range of folders not searched is named by its ends. */
    static final int MAX_NAMED_FOLDERS = 20;
    /** Most times one recall searches a folder again after its connection was lost there. */
    static final int MAX_RETRIES = 3;
    /**
     * Folders in a row whose connection was lost (or could not be made), once the retries are used up, after which a
     * recall stops and names the rest: the server is gone, and each further folder would wait for its timeout.
     */
    static final int MAX_LOST_IN_A_ROW = 5;
    /** Most problems an outcome spells out; the others are counted (every one has its WARN line). */
    static final int MAX_PROBLEMS = 10;
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
    /** Most folders a recall searches per mailbox ({@link #MAX_FOLDERS}; lower in tests). */
    int maxFolders = MAX_FOLDERS;
    /** Time a recall may spend on one mailbox ({@link #TIME_BUDGET}; other in tests). */
    Duration timeBudget = TIME_BUDGET;
    /** Searches of a folder again after a lost connection, per recall ({@link #MAX_RETRIES}; 0 in a test). */
    int maxRetries = MAX_RETRIES;
    /** Nanosecond clock of the time budget (a stepping one in tests). */
    LongSupplier ticker = System::nanoTime;
    /** Runs between the LIST and the first SELECT with the recall's store; tests remove a folder or cut it there. */
    Consumer<Store> afterListing = store -> { };

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
        long budgetStart = ticker.getAsLong();
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
            // every own folder: the bounds below apply to the folders searched, taken in a stable order
            OwnFolders.Listing listing = OwnFolders.list(store);
            List<String> personal = listing.personalPrefixes();
            String target = OwnFolders.serverName(store, recallFolder);
            if (action == RecallAction.MOVE && !policy.dryRun()) {
                Folder box = store.getFolder(target);
                if (!box.exists() && !box.create(Folder.HOLDS_MESSAGES)) {
                    return new RecallOutcome(mailbox, 0, 0, 0, "cannot create the recall folder " + recallFolder);
                }
            }
            List<Folder> toSearch = new ArrayList<>();
            for (Folder folder : listing.folders()) {
                if (!skipped(folder.getFullName(), folder.getSeparator(), personal)) {
                    toSearch.add(folder);
                }
            }
            // Sorted by name: a stable order, so that a cut (budget used up, connection lost) is one named range. The
            // recall used to search only the first 10,000 folders in the server's LIST order and never the others.
            toSearch.sort(Comparator.comparing(Folder::getFullName));
            afterListing.accept(store);
            int total = toSearch.size();
            c.folders = total;
            int next = 0;
            int retries = 0;
            int lostInARow = 0;
            String stoppedBy = null;
            for (; next < total; next++) {
                if (next >= maxFolders) {
                    stoppedBy = "the bound of " + String.format(Locale.ROOT, "%,d", maxFolders) + " folders per recall";
                    break;
                }
                if (ticker.getAsLong() - budgetStart >= timeBudget.toNanos()) {
                    stoppedBy = "the time budget of " + timeBudget.toSeconds() + " s per mailbox";
                    break;
                }
                Folder folder = toSearch.get(next);
                int[] before = {c.found, c.moved + c.deleted, c.otherDelivery};
                try {
                    recallInFolder(mailbox, (IMAPFolder) folder, core, gatewayId, reason, actor, serverMove, target, c);
                } catch (MessagingException | RuntimeException e) {
                    // Angus says only "connection failure" when it cannot open a new one: ask the session too
                    boolean lost = connectionLost(e) || !store.isConnected();
                    if (lost && retries < maxRetries) {
                        // A dropped connection says nothing about the folder: search it again on a new one (a move it
                        // cut is finished there, not repeated: UnfinishedSteps). Logging in again if the session is gone.
                        retries++;
                        // what the attempt finished counts; what it only found is found again
                        c.found = before[0] + (c.moved + c.deleted - before[1]);
                        c.otherDelivery = before[2];
                        LOG.warn("Recall: {}: connection lost in {} ({}); searching it again ({} of {})", mailbox,
                                folder.getFullName(), e.toString(), retries, maxRetries);
                        if (!store.isConnected()) {
                            reconnect(store, mailbox);
                        }
                        next--;
                        continue;
                    }
                    // A folder deleted since the LIST, one without permission, and the audit store down land here (the
                    // audit comes first, so nothing of that folder was touched): reported, and the recall goes on.
                    c.failed(folder.getFullName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    LOG.warn("Recall: {} / {} failed: {}", mailbox, folder.getFullName(), e.toString());
                    // A NO for one folder shows the server is there; only lost connections in a row stop the recall.
                    lostInARow = lost ? lostInARow + 1 : 0;
                    if (lostInARow >= MAX_LOST_IN_A_ROW) {
                        next++;
                        stoppedBy = "the connection to the IMAP server was lost in " + lostInARow + " folders in a row";
                        break;
                    }
                    continue;
                }
                lostInARow = 0;
                if ((next + 1) % PROGRESS_EVERY == 0) {
                    LOG.info("Recall: {}: {} of {} folders searched, {} copies found so far", mailbox,
                            String.format(Locale.ROOT, "%,d", next + 1), String.format(Locale.ROOT, "%,d", total),
                            c.found);
                }
            }
            c.searched = next - c.failedFolders;
            if (next < total) {
                c.notSearched = notSearched(toSearch, next, stoppedBy);
                LOG.warn("Recall: {}: {}", mailbox, c.notSearched);
            }
        } catch (MessagingException | RuntimeException e) {
            c.problem(e.getMessage() == null ? e.toString() : e.getMessage());
            LOG.warn("Recall: mailbox {} could not be searched: {}", mailbox, e.toString());
        }
        LOG.info("Recall of <{}>{} in {} by {} ({} ms, {} of {} folders searched, {} failed): found {}, moved {}, "
                + "deleted {}{}{}", core, gatewayId == null ? "" : " as delivered in " + gatewayId, mailbox, actor,
                Duration.ofNanos(System.nanoTime() - started).toMillis(), c.searched, c.folders, c.failedFolders,
                c.found, c.moved, c.deleted,
                c.otherDelivery == 0 ? "" : ", left " + c.otherDelivery + " other message(s) with that Message-ID",
                c.problems.isEmpty() ? "" : ", problems: " + c.problems);
        return new RecallOutcome(mailbox, c.found, c.moved, c.deleted, c.error());
    }

    /**
     * What a recall cut short did not search: folders {@code from}.. of {@code sorted} (in name order), by name when
     * they are few, else by count and the names at both ends.
     */
    static String notSearched(List<Folder> sorted, int from, String why) {
        int total = sorted.size();
        int count = total - from;
        StringBuilder b = new StringBuilder("not searched, ").append(why).append(": ")
                .append(String.format(Locale.ROOT, "%,d of %,d folders (%,d-%,d in name order)", count, total,
                        from + 1, total));
        if (count <= MAX_NAMED_FOLDERS) {
            b.append(": ");
            for (int i = from; i < total; i++) {
                b.append(i == from ? "" : ", ").append('\'').append(printable(sorted.get(i).getFullName())).append('\'');
            }
        } else {
            b.append(", from '").append(printable(sorted.get(from).getFullName())).append("' to '")
                    .append(printable(sorted.get(total - 1).getFullName())).append('\'');
        }
        return b.toString();
    }

    /** Running totals of one recall. Confined to the calling thread. */
    private static final class Counts {
        int found;
        /** Copies with the Message-ID that the gateway delivered under another id (or never): left alone. */
        int otherDelivery;
        int moved;
        int deleted;
        final List<String> problems = new ArrayList<>();
        /** Problems not spelled out in {@link #problems} (over {@link #MAX_PROBLEMS}). */
        int moreProblems;
        /** The folders a recall cut short did not search, or {@code null}. */
        String notSearched;

        void problem(String what) {
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(what);
            } else {
                moreProblems++;
            }
        }

        /** Folders to search (own, not virtual, not exempt, not the recall folder), searched, and failed. */
        int folders;
        int searched;
        int failedFolders;

        /** A folder that could not be searched (gone, no permission, audit store down); the recall went on. */
        void failed(String what) {
            failedFolders++;
            problem(what);
        }

        /** The outcome's error: what was not searched first, so it is never among the problems left out. */
        String error() {
            List<String> all = new ArrayList<>();
            if (notSearched != null) {
                all.add(notSearched);
            }
            all.addAll(problems);
            if (moreProblems > 0) {
                all.add(moreProblems + " more problem(s), see the log");
            }
            return String.join("; ", all);
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

    /** Whether a folder failed because its connection was lost (or could not be made), rather than for itself. */
    static boolean connectionLost(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
            if (t instanceof jakarta.mail.FolderClosedException || t instanceof jakarta.mail.StoreClosedException
                    || t instanceof org.eclipse.angus.mail.iap.ConnectionException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Closes what is left of the store's session and logs in again; false when the login fails. */
    private boolean reconnect(Store store, String mailbox) {
        try {
            store.close();
        } catch (MessagingException | RuntimeException e) {
            LOG.debug("Recall: closing a lost session: {}", e.toString());
        }
        try {
            store.connect(imap.host(), imap.port(), imap.loginFor(mailbox), imap.passwordFor(mailbox));
            return true;
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("Recall: {}: logging in again failed: {}", mailbox, e.toString());
            return false;
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
