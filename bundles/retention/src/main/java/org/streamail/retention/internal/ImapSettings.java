package org.streamail.retention.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * How to reach and log in to the IMAP server. Immutable. {@link #toString()} hides the password.
 *
 * @param host            server host
 * @param port            server port
 * @param security        transport security
 * @param user            admin or master user
 * @param password        its password (secret)
 * @param masterSeparator Dovecot master-user separator ({@code mailbox*master}); empty: log in as {@code user}
 * @param timeoutMillis   connect, read and write timeouts
 * @param mailboxPasswords per-mailbox credentials (lower-cased mailbox to password, secret); a listed mailbox
 *                        logs in as itself
 */
record ImapSettings(String host, int port, Security security, String user, String password, String masterSeparator,
        int timeoutMillis, Map<String, String> mailboxPasswords) {

    /** Largest credentials or password file read. */
    static final long MAX_SECRET_FILE_BYTES = 1 << 20;
    /** Most mailboxes a credentials file may list. */
    static final int MAX_CREDENTIALS = 100_000;

    ImapSettings {
        mailboxPasswords = Map.copyOf(mailboxPasswords);
    }

    /** Without per-mailbox credentials. */
    ImapSettings(String host, int port, Security security, String user, String password, String masterSeparator,
            int timeoutMillis) {
        this(host, port, security, user, password, masterSeparator, timeoutMillis, Map.of());
    }

    /** Transport security of the IMAP connection. */
    enum Security { STARTTLS, TLS, NONE }

    static ImapSettings from(RetentionConfig c) {
        Security security;
        try {
            security = Security.valueOf(c.imap_security().strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("imap.security must be starttls, tls or none, got '" + c.imap_security() + "'");
        }
        String host = c.imap_host() == null ? "" : c.imap_host().strip();
        if (host.isEmpty() || host.length() > 255 || host.chars().anyMatch(ch -> ch <= ' ')) {
            throw new IllegalArgumentException("imap.host is not a host name: '" + c.imap_host() + "'");
        }
        if (security == Security.NONE && !Policy.isLoopback(host)) {
            // The master password and every mailbox's content would cross the network in clear text.
            throw new IllegalArgumentException("imap.security=none is allowed only for a loopback imap.host "
                    + "(127.0.0.1, ::1, localhost), not '" + host + "'; use starttls or tls");
        }
        int port = c.imap_port() == 0 ? (security == Security.TLS ? 993 : 143) : c.imap_port();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("imap.port must be 1..65535, got " + c.imap_port());
        }
        String sep = c.imap_master_separator() == null ? "" : c.imap_master_separator().strip();
        if (sep.length() > 4) {
            throw new IllegalArgumentException("imap.master.separator must be a short string such as *, got '" + sep + "'");
        }
        int timeout = Math.max(1, Math.min(c.imap_timeout_seconds(), 3600)) * 1000;
        String password = c.imap_password() == null ? "" : c.imap_password();
        String passwordFile = c.imap_password_file() == null ? "" : c.imap_password_file().strip();
        if (password.isEmpty() && !passwordFile.isEmpty()) {
            List<String> lines = secretLines(passwordFile, "imap.password.file");
            password = lines.isEmpty() ? "" : lines.get(0);
        }
        String credentialsFile = c.imap_credentials_file() == null ? "" : c.imap_credentials_file().strip();
        Map<String, String> perMailbox = credentialsFile.isEmpty() ? Map.of() : credentials(credentialsFile);
        return new ImapSettings(host, port, security, c.imap_user() == null ? "" : c.imap_user().strip(),
                password, sep, timeout, perMailbox);
    }

    /** Parses a credentials file: {@code mailbox = password} lines, {@code #} comments, blank lines. */
    static Map<String, String> credentials(String file) {
        Map<String, String> out = new HashMap<>();
        int n = 0;
        for (String line : secretLines(file, "imap.credentials.file")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            String mailbox = eq < 0 ? "" : l.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String pw = eq < 0 ? "" : l.substring(eq + 1).strip();
            if (mailbox.isEmpty() || pw.isEmpty() || mailbox.length() > 320
                    || mailbox.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
                // never echo the line: it holds a password
                throw new IllegalArgumentException("imap.credentials.file line " + n + " is not 'mailbox = password'");
            }
            if (out.put(mailbox, pw) != null) {
                throw new IllegalArgumentException("imap.credentials.file lists " + mailbox + " twice (line " + n + ")");
            }
            if (out.size() > MAX_CREDENTIALS) {
                throw new IllegalArgumentException("imap.credentials.file lists more than " + MAX_CREDENTIALS + " mailboxes");
            }
        }
        return out;
    }

    /**
     * The lines of a secret file, refused when other users may read it (a password readable by everyone is
     * no secret) or when it is larger than {@link #MAX_SECRET_FILE_BYTES}.
     */
    static List<String> secretLines(String file, String property) {
        Path path = Path.of(file);
        try {
            if (Files.size(path) > MAX_SECRET_FILE_BYTES) {
                throw new IllegalArgumentException(property + " " + file + " is larger than " + MAX_SECRET_FILE_BYTES + " bytes");
            }
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    throw new IllegalArgumentException(property + " " + file + " is readable by other users: "
                            + "chmod 600 it");
                }
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: nothing to check
            }
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(property + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Whether any login is configured (an admin/master user, or per-mailbox credentials). */
    boolean configured() {
        return !user.isEmpty() || !mailboxPasswords.isEmpty();
    }

    /** Whether {@code mailbox} can be logged in to (its own credentials, or the admin/master user). */
    boolean canReach(String mailbox) {
        return !user.isEmpty() || mailboxPasswords.containsKey(mailbox.toLowerCase(Locale.ROOT));
    }

    /** The password for {@code mailbox}'s login (its own from the credentials file, else the admin's). */
    String passwordFor(String mailbox) {
        String own = mailboxPasswords.get(mailbox.toLowerCase(Locale.ROOT));
        return own != null ? own : password;
    }

    String protocol() {
        return security == Security.TLS ? "imaps" : "imap";
    }

    /** The login name that reaches {@code mailbox}. */
    String loginFor(String mailbox) {
        if (mailboxPasswords.containsKey(mailbox.toLowerCase(Locale.ROOT))) {
            return mailbox;
        }
        if (user.isEmpty()) {
            throw new IllegalStateException("imap.user is not configured");
        }
        if (masterSeparator.isEmpty()) {
            if (!mailbox.equalsIgnoreCase(user)) {
                throw new IllegalStateException("mailbox " + mailbox + " needs a master-user login "
                        + "(imap.master.separator) or must be imap.user itself");
            }
            return user;
        }
        return mailbox + masterSeparator + user;
    }

    Properties sessionProperties() {
        String p = "mail." + protocol() + ".";
        Properties props = new Properties();
        props.setProperty(p + "connectiontimeout", String.valueOf(timeoutMillis));
        props.setProperty(p + "timeout", String.valueOf(timeoutMillis));
        props.setProperty(p + "writetimeout", String.valueOf(timeoutMillis));
        // Reading a message (for its hash, or to re-sign it) must not mark it \Seen.
        props.setProperty(p + "peek", "true");
        props.setProperty(p + "fetchsize", String.valueOf(256 * 1024));
        props.setProperty(p + "ssl.checkserveridentity", "true");
        if (security == Security.STARTTLS) {
            props.setProperty(p + "starttls.enable", "true");
            props.setProperty(p + "starttls.required", "true");
        }
        return props;
    }

    @Override
    public String toString() {
        return host + ":" + port + " (" + security.name().toLowerCase(Locale.ROOT) + ")";
    }
}
