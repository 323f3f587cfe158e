package org.streamail.retention.internal;

import java.util.Locale;
import java.util.Properties;

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
 */
record ImapSettings(String host, int port, Security security, String user, String password, String masterSeparator,
        int timeoutMillis) {

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
        return new ImapSettings(host, port, security, c.imap_user() == null ? "" : c.imap_user().strip(),
                c.imap_password() == null ? "" : c.imap_password(), sep, timeout);
    }

    String protocol() {
        return security == Security.TLS ? "imaps" : "imap";
    }

    /** The login name that reaches {@code mailbox}. */
    String loginFor(String mailbox) {
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
