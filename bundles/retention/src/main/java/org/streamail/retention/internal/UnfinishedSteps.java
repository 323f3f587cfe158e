package org.streamail.retention.internal;

import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.HeaderTerm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.MessageIds;

/**
 * Steps of two IMAP commands or more that a crash or a lost connection can cut in half, and how the next run
 * finishes them instead of making another copy.
 *
 * <p>A move on a server without MOVE is {@code UID COPY} + {@code \Deleted} + {@code UID EXPUNGE}. Cut after
 * the COPY, it leaves the message in its folder and a copy in the target; the next sweep or recall used to copy
 * it again, so every interruption added one more copy to the target. Now the messages get the keyword
 * {@link #MOVING} before the COPY. A message that still carries it has perhaps been copied already: when the
 * target holds a copy with the same content (SHA-256 of {@code BODY.PEEK[]}), found by the same Message-ID or, for
 * a message without one, by the same size, it is not copied again, only removed from its folder. Each copy in the
 * target stands for one message only. The keyword is only a hint (a stale one costs a search); the content decides,
 * so nothing is ever removed without a copy in the target.
 *
 * <p>The extension's half ({@link #REPLACING}) is in {@link RetentionSweeper}. Stateless.
 */
final class UnfinishedSteps {

    /** On a message being moved by COPY + \Deleted + UID EXPUNGE, from before the COPY until it is expunged. */
    static final String MOVING = "$StreamailMoving";
    /** On a message whose extension (APPEND of a re-signed copy, then removal of this one) is under way. */
    static final String REPLACING = "$StreamailReplacing";
    /** Most copies with the same Message-ID compared in the target, per message. */
    static final int MAX_COMPARED = 20;
    /** Most marked messages handled per folder and run; the rest are handled by the next run. */
    static final int MAX_MARKED = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(UnfinishedSteps.class);

    /** One message to move: its UID in the open folder, its Message-ID as written, its hex SHA-256 ("" unknown). */
    record Item(long uid, String messageId, String hash) {
    }

    private UnfinishedSteps() {
    }

    /**
     * Moves the messages to {@code target} with UID COPY + \Deleted + UID EXPUNGE (the server lacks MOVE; UIDPLUS
     * is required), never copying one that an earlier, interrupted move already copied.
     *
     * @return how many were found already copied (an interrupted move finished)
     */
    static int copyMove(Store store, IMAPFolder folder, List<Item> items, String target) throws MessagingException {
        Set<Long> marked = uidsWith(folder, MOVING);
        List<Long> toCopy = new ArrayList<>();
        int finished = 0;
        Folder targetFolder = null;
        Set<Long> proofs = new HashSet<>(); // target UIDs already taken as the copy of one message of this batch
        try {
            for (Item i : items) {
                if (marked.contains(i.uid())) {
                    if (targetFolder == null) {
                        targetFolder = store.getFolder(target);
                        targetFolder.open(Folder.READ_ONLY);
                    }
                    Long copy = copyOf((IMAPFolder) targetFolder, folder, i, proofs);
                    if (copy != null) {
                        proofs.add(copy);
                        finished++;
                        LOG.info("Retention: {} / uid {} was copied to {} by an interrupted move; not copied again",
                                folder.getFullName(), i.uid(), target);
                        continue;
                    }
                }
                toCopy.add(i.uid());
            }
        } finally {
            if (targetFolder != null && targetFolder.isOpen()) {
                targetFolder.close(false);
            }
        }
        long[] all = items.stream().mapToLong(Item::uid).toArray();
        if (!toCopy.isEmpty()) {
            long[] copy = toCopy.stream().mapToLong(Long::longValue).toArray();
            ImapOps.addFlags(folder, copy, MOVING);
            ImapOps.uidCopy(folder, copy, target);
        }
        ImapOps.addFlags(folder, all, "\\Deleted");
        ImapOps.uidExpunge(folder, all);
        unmark(store, target);
        return finished;
    }

    /** The UIDs of the open folder's messages that carry the keyword (at most {@link #MAX_MARKED}). */
    static Set<Long> uidsWith(IMAPFolder folder, String keyword) throws MessagingException {
        Message[] hits = folder.search(new FlagTerm(new Flags(keyword), true));
        if (hits.length == 0) {
            return Set.of();
        }
        hits = Arrays.copyOf(hits, Math.min(hits.length, MAX_MARKED));
        FetchProfile fp = new FetchProfile();
        fp.add(UIDFolder.FetchProfileItem.UID);
        folder.fetch(hits, fp);
        Set<Long> out = new HashSet<>();
        for (Message m : hits) {
            if (!m.isExpunged()) {
                out.add(folder.getUID(m));
            }
        }
        return out;
    }

    /**
     * The UID of a message in the open target folder that is a copy of {@code item} (the same bytes: the same SHA-256
     * of {@code BODY.PEEK[]}) and not one of {@code taken}, or null. Candidates are found by the Message-ID (exactly)
     * or, for a message without one, by its exact size (COPY keeps the bytes, so the size too); the newest hits only,
     * at most {@link #MAX_COMPARED} hashed. Without a hash nothing can be proven and the message is copied again.
     */
    private static Long copyOf(IMAPFolder target, IMAPFolder source, Item item, Set<Long> taken)
            throws MessagingException {
        String hash = item.hash();
        if (hash == null || hash.isEmpty()) {
            return null; // nothing to recognise the copy by: copy again (a duplicate, never a loss)
        }
        String core = MessageIds.bare(item.messageId() == null ? "" : item.messageId());
        int size = -1;
        Message[] look;
        if (!core.isEmpty()) {
            Message[] hits = target.search(new HeaderTerm(RetentionHeaders.MESSAGE_ID, core));
            // the newest hits only: an interrupted move's copy is among the last; the substring search may also find
            // longer ids, so the hits looked at are bounded as well as the copies compared
            look = newest(hits, 10 * MAX_COMPARED);
        } else {
            // No Message-ID: the copy is among the target's newest messages (COPY appends), or still carries the
            // keyword (COPY keeps it) unless a later move in the target removed it. The same size (RFC822.SIZE,
            // compared here: servers disagree on SEARCH LARGER, GreenMail compares the body's size) is the cheap
            // filter, the hash decides.
            Message original = source.getMessageByUID(item.uid());
            size = original == null || original.isExpunged() ? -1 : original.getSize();
            if (size < 0) {
                return null;
            }
            int count = target.getMessageCount();
            Message[] last = count == 0 ? new Message[0]
                    : target.getMessages(Math.max(1, count - 10 * MAX_COMPARED + 1), count);
            Message[] marked = newest(target.search(new FlagTerm(new Flags(MOVING), true)), 10 * MAX_COMPARED);
            java.util.TreeMap<Integer, Message> both = new java.util.TreeMap<>();
            for (Message[] some : List.of(marked, last)) {
                for (Message m : some) {
                    both.put(m.getMessageNumber(), m);
                }
            }
            look = both.descendingMap().values().toArray(Message[]::new); // the newest first
        }
        int wanted = size;
        FetchProfile idOnly = new FetchProfile();
        idOnly.add(RetentionHeaders.MESSAGE_ID);
        Long[] found = {null};
        int[] compared = {0};
        RetentionSweeper.visitFetched(target, look, idOnly, m -> {
            long uid = target.getUID(m);
            if (taken.contains(uid)) {
                return true;
            }
            if (!core.isEmpty()) {
                String[] ids = m.getHeader(RetentionHeaders.MESSAGE_ID);
                if (ids == null || ids.length == 0 || !core.equals(MessageIds.bare(ids[0]))) {
                    return true;
                }
            } else if (m.getSize() != wanted) {
                return true;
            }
            if (hash.equals(RetentionSweeper.hash((IMAPMessage) m))) {
                found[0] = uid;
                return false;
            }
            return ++compared[0] < MAX_COMPARED;
        }, (m, uid, what) -> { });
        return found[0];
    }

    private static Message[] newest(Message[] hits, int max) {
        return Arrays.copyOfRange(hits, Math.max(0, hits.length - max), hits.length);
    }

    /** Removes {@link #MOVING} from the target's copies (COPY carried it over); best effort, as it is only a hint. */
    private static void unmark(Store store, String target) {
        try {
            IMAPFolder t = (IMAPFolder) store.getFolder(target);
            t.open(Folder.READ_WRITE);
            try {
                Set<Long> marked = uidsWith(t, MOVING);
                if (!marked.isEmpty()) {
                    ImapOps.removeFlags(t, marked.stream().mapToLong(Long::longValue).toArray(), MOVING);
                }
            } finally {
                t.close(false);
            }
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("Retention: could not remove the keyword {} from the copies in {}: {}", MOVING, target,
                    e.toString());
        }
    }
}
