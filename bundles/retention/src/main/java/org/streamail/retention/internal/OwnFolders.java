package org.streamail.retention.internal;

import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;

/**
 * The folders a sweep, an extension or a recall may open in the mailbox it logged in to: those of
 * {@code LIST "" "*"} that hold messages, belong to the mailbox itself, and are not virtual views of it.
 *
 * <ul>
 *   <li><b>Only the personal namespace.</b> {@code LIST "" "*"} also shows the folders of the public and
 *       other-users namespaces (RFC 2342), for example Dovecot's {@code Public/...} or
 *       {@code shared/bob/INBOX}: another mailbox's mail, which another user may have opted out of
 *       retention or exempted. A folder belongs to the namespace with the longest matching prefix
 *       ({@code NAMESPACE}); only personal ones are kept, and INBOX always is. A server without
 *       NAMESPACE has only the personal one.</li>
 *   <li><b>No virtual views.</b> A folder with the special-use attribute {@code \All} or {@code \Flagged}
 *       (RFC 6154) or {@code \Important} (RFC 8457) shows messages that live in other folders, exempt ones
 *       included (Dovecot's virtual plugin, Gmail's All Mail), and an expunge there removes the real
 *       message. Such folders are never opened. A virtual folder that does not announce one of these
 *       attributes cannot be recognised: put it (or its namespace prefix, e.g. {@code Virtual}) in
 *       {@code exempt.folders}.</li>
 * </ul>
 * Stateless.
 */
final class OwnFolders {

    /** Special-use attributes of folders that present messages stored elsewhere (lower case). */
    static final Set<String> VIRTUAL_VIEWS = Set.of("\\all", "\\flagged", "\\important");

    /**
     * The folders found, and how many of the listed ones were left out and why. Every own folder is kept: the
     * callers bound the folders they open (a sweep per run, a recall per mailbox), in name order.
     *
     * @param personalPrefixes the personal namespace prefixes without delimiter, for matching configured names
     */
    record Listing(List<Folder> folders, int listed, int otherNamespace, int virtualView,
            List<String> personalPrefixes) {
    }

    private OwnFolders() {
    }

    /** Lists the mailbox's own folders that hold messages, in the server's order. */
    static Listing list(Store store) throws MessagingException {
        List<Prefix> prefixes = namespaces(store);
        Folder[] all = store.getDefaultFolder().list("*");
        List<Folder> out = new ArrayList<>();
        int other = 0;
        int virtual = 0;
        for (Folder f : all) {
            if ((f.getType() & Folder.HOLDS_MESSAGES) == 0) {
                continue;
            }
            if (!personal(f.getFullName(), prefixes)) {
                other++;
                continue;
            }
            if (virtualView(f)) {
                virtual++;
                continue;
            }
            out.add(f);
        }
        return new Listing(out, all.length, other, virtual,
                personalPrefixes(prefixes).stream().map(Prefix::name).toList());
    }

    /** A namespace prefix without its trailing delimiter ("" for the root), and whether it is personal. */
    record Prefix(String name, char separator, boolean personal) {

        /** The length of the match of {@code fullName} in this namespace, or -1. */
        int match(String fullName) {
            if (name.isEmpty()) {
                return 0;
            }
            if (fullName.equals(name) || fullName.startsWith(name + separator)) {
                return name.length();
            }
            return -1;
        }
    }

    static List<Prefix> namespaces(Store store) throws MessagingException {
        List<Prefix> out = new ArrayList<>();
        add(out, store.getPersonalNamespaces(), true);
        if (store instanceof IMAPStore) {
            add(out, store.getSharedNamespaces(), false);
            add(out, store.getUserNamespaces(null), false);
        }
        return out;
    }

    private static void add(List<Prefix> out, Folder[] namespaces, boolean personal) throws MessagingException {
        for (Folder ns : namespaces) {
            out.add(new Prefix(ns.getFullName(), ns.getSeparator(), personal));
        }
    }

    /**
     * Whether a folder lies in a personal namespace: the namespace with the longest matching prefix decides;
     * INBOX is always personal. Without any namespace matching, it is not personal.
     */
    static boolean personal(String fullName, List<Prefix> prefixes) {
        if (fullName.equalsIgnoreCase("INBOX")) {
            return true;
        }
        int best = -1;
        boolean personal = false;
        for (Prefix p : prefixes) {
            int m = p.match(fullName);
            if (m > best || (m == best && m >= 0 && !p.personal())) {
                best = m;
                personal = p.personal(); // a tie between a personal and another namespace: not personal
            }
        }
        return best >= 0 && personal;
    }

    static boolean virtualView(Folder f) throws MessagingException {
        if (!(f instanceof IMAPFolder imap)) {
            return false;
        }
        String[] attributes = imap.getAttributes();
        if (attributes == null) {
            return false;
        }
        for (String a : attributes) {
            if (a != null && VIRTUAL_VIEWS.contains(a.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The server's name for a folder configured as the documentation says ({@code move:} target,
     * {@code recall.folder}): written with {@code /} and without the personal namespace prefix. On a server
     * whose personal namespace is {@code INBOX.} with separator {@code .} (Courier, Cyrus), {@code Quarantine}
     * is {@code INBOX.Quarantine} and {@code Security/Recalled} is {@code INBOX.Security.Recalled}; without
     * this, creating the folder fails there and no recall or move can happen. A name already under the
     * prefix, and INBOX, stay as they are.
     */
    static String serverName(Store store, String configured) throws MessagingException {
        Folder[] personal = store.getPersonalNamespaces();
        if (personal.length == 0) {
            return configured;
        }
        String prefix = personal[0].getFullName();
        char sep = personal[0].getSeparator();
        String name = sep == '/' ? configured : configured.replace('/', sep);
        if (prefix.isEmpty() || configured.equalsIgnoreCase("INBOX") || name.equalsIgnoreCase(prefix)
                || name.regionMatches(true, 0, prefix + sep, 0, prefix.length() + 1)) {
            return name;
        }
        return prefix + sep + name;
    }

    /** The personal namespace prefixes (without delimiter, non-empty ones), for matching configured names. */
    static List<Prefix> personalPrefixes(List<Prefix> prefixes) {
        return prefixes.stream().filter(p -> p.personal() && !p.name().isEmpty()).toList();
    }
}
