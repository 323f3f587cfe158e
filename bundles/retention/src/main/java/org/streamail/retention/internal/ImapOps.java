package org.streamail.retention.internal;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Date;
import org.eclipse.angus.mail.iap.Argument;
import org.eclipse.angus.mail.iap.Literal;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.protocol.BASE64MailboxEncoder;

/**
 * The few IMAP commands the sweeper sends itself, all addressed BY UID so that sequence numbers shifting
 * under concurrent clients can never make them hit another message: {@code UID STORE}, {@code UID EXPUNGE}
 * (RFC 4315 UIDPLUS), {@code UID MOVE} (RFC 6851), {@code UID COPY}, and APPEND. A UID that no longer exists
 * is silently skipped by the server, which makes every command safe to repeat. Untagged responses are
 * passed to the folder so its message cache stays in step. Stateless.
 */
final class ImapOps {

    /** Longest UID set sent in one command; larger sets are split so command lines stay bounded. */
    static final int MAX_UIDS_PER_COMMAND = 500;

    private ImapOps() {
    }

    /** {@code 3:5,9,12:13} for the sorted, distinct UIDs. */
    static String uidSet(long[] uids) {
        long[] u = Arrays.stream(uids).sorted().distinct().toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < u.length; i++) {
            int j = i;
            while (j + 1 < u.length && u[j + 1] == u[j] + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(u[i]);
            if (j > i) {
                sb.append(':').append(u[j]);
            }
            i = j;
        }
        return sb.toString();
    }

    static void addFlags(IMAPFolder folder, long[] uids, String flagList) throws MessagingException {
        simple(folder, "UID STORE " + uidSet(uids) + " +FLAGS.SILENT (" + flagList + ")", null);
    }

    static void removeFlags(IMAPFolder folder, long[] uids, String flagList) throws MessagingException {
        simple(folder, "UID STORE " + uidSet(uids) + " -FLAGS.SILENT (" + flagList + ")", null);
    }

    /** Removes exactly these UIDs (RFC 4315); never the plain EXPUNGE that would take others' \Deleted too. */
    static void uidExpunge(IMAPFolder folder, long[] uids) throws MessagingException {
        simple(folder, "UID EXPUNGE " + uidSet(uids), null);
    }

    static void uidMove(IMAPFolder folder, long[] uids, String target) throws MessagingException {
        simple(folder, "UID MOVE " + uidSet(uids), mailbox(target));
    }

    static void uidCopy(IMAPFolder folder, long[] uids, String target) throws MessagingException {
        simple(folder, "UID COPY " + uidSet(uids), mailbox(target));
    }

    /** APPENDs raw bytes with flags and INTERNALDATE; the new UID when the server reports it (UIDPLUS), else -1. */
    static long append(IMAPFolder folder, byte[] raw, jakarta.mail.Flags flags, Date internalDate)
            throws MessagingException {
        Literal literal = new Literal() {
            @Override
            public int size() {
                return raw.length;
            }

            @Override
            public void writeTo(OutputStream os) throws IOException {
                os.write(raw);
            }
        };
        Object uid = folder.doCommand(p -> {
            AppendUID a = p.appenduid(folder.getFullName(), flags, internalDate, literal);
            return a == null ? -1L : a.uid;
        });
        return (Long) uid;
    }

    private static Argument mailbox(String name) {
        Argument a = new Argument();
        a.writeString(BASE64MailboxEncoder.encode(name));
        return a;
    }

    private static void simple(IMAPFolder folder, String command, Argument args) throws MessagingException {
        folder.doCommand(p -> {
            Response[] r = p.command(command, args);
            p.notifyResponseHandlers(r);
            p.handleResult(r[r.length - 1]);
            return null;
        });
    }
}
