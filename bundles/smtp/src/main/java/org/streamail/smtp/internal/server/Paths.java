package org.streamail.smtp.internal.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streamail.api.smtp.SmtpReply;

/**
 * Parses the arguments of MAIL FROM and RCPT TO (RFC 5321 4.1.2) strictly enough that no relay trick gets
 * through: source routes, {@code %} and {@code !} routing, quoted local parts hiding an {@code @}, IP
 * literals and trailing dots are refused for recipients. Stateless and thread-safe.
 */
final class Paths {

    static final int MAX_PATH = 256;
    static final int MAX_LOCAL = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PARAMS = 10;

    static final SmtpReply RELAY_DENIED = SmtpReply.of(550, "5.7.1", "relaying denied");

    /**
     * A parsed path and its ESMTP parameters, or the reply that refuses it.
     *
     * @param address the address with the domain in lower case; {@code ""} for the null reverse-path
     * @param params  the ESMTP parameters as given (keyword=value), at most {@link #MAX_PARAMS}
     * @param error   the refusal, or {@code null} when the path is acceptable
     */
    record Parsed(String address, List<String> params, SmtpReply error) {
        static Parsed refused(SmtpReply error) {
            return new Parsed(null, List.of(), error);
        }

        boolean ok() {
            return error == null;
        }
    }

    private Paths() {
    }

    /**
     * Parses what follows the colon of {@code MAIL FROM:} or {@code RCPT TO:}.
     *
     * @param arg       the text after the colon
     * @param recipient {@code true} for RCPT TO (relay rules apply), {@code false} for MAIL FROM
     */
    static Parsed parse(String arg, boolean recipient) {
        SmtpReply syntax = recipient
                ? SmtpReply.of(501, "5.1.3", "bad recipient address syntax")
                : SmtpReply.of(501, "5.1.7", "bad sender address syntax");
        String s = arg.stripLeading();
        if (!s.startsWith("<")) {
            return Parsed.refused(syntax);
        }
        int close = closingBracket(s);
        if (close < 0) {
            return Parsed.refused(syntax);
        }
        String path = s.substring(1, close);
        String rest = s.substring(close + 1);
        if (!rest.isEmpty() && rest.charAt(0) != ' ') {
            return Parsed.refused(syntax);
        }
        List<String> params = new ArrayList<>();
        for (String p : rest.trim().split(" +")) {
            if (!p.isEmpty()) {
                if (params.size() == MAX_PARAMS) {
                    return Parsed.refused(SmtpReply.of(501, "5.5.4", "too many parameters"));
                }
                params.add(p);
            }
        }
        if (path.length() > MAX_PATH) {
            return Parsed.refused(syntax);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x21 && c != ' ' || c >= 0x7f) {
                // Control characters never belong in a path; non-ASCII needs SMTPUTF8, not offered.
                return Parsed.refused(syntax);
            }
        }
        if (path.isEmpty()) {
            return recipient ? Parsed.refused(syntax) : new Parsed("", params, null);
        }
        if (path.startsWith("@")) {
            // Source route (RFC 5321 4.1.1.3 / appendix C): a relay request for recipients; for the
            // reverse-path it must be accepted and ignored.
            if (recipient) {
                return Parsed.refused(RELAY_DENIED);
            }
            int colon = path.indexOf(':');
            if (colon < 0 || !sourceRoute(path.substring(0, colon))) {
                return Parsed.refused(syntax);
            }
            path = path.substring(colon + 1);
        }
        int at = lastAtOutsideQuotes(path);
        if (at == -2) {
            // user@ext@ours: some MTAs deliver to the left part, i.e. relay.
            return Parsed.refused(recipient ? RELAY_DENIED : syntax);
        }
        if (at <= 0 || at == path.length() - 1) {
            return Parsed.refused(syntax);
        }
        String local = path.substring(0, at);
        String domain = path.substring(at + 1);
        SmtpReply localError = checkLocal(local, recipient, syntax);
        if (localError != null) {
            return Parsed.refused(localError);
        }
        SmtpReply domainError = checkDomain(domain, recipient, syntax);
        if (domainError != null) {
            return Parsed.refused(domainError);
        }
        return new Parsed(local + "@" + domain.toLowerCase(Locale.ROOT), params, null);
    }

    /** The index of the {@code >} closing the path, skipping quoted strings; -1 if none. */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** The last {@code @} outside quotes; -2 when several appear outside quotes (user@ext@ours). */
    private static int lastAtOutsideQuotes(String path) {
        boolean quoted = false;
        int found = -1;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '@' && !quoted) {
                if (found >= 0) {
                    return -2;
                }
                found = i;
            }
        }
        return quoted ? -1 : found;
    }

    private static SmtpReply checkLocal(String local, boolean recipient, SmtpReply syntax) {
        if (local.length() > MAX_LOCAL) {
            return syntax;
        }
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) {
                return syntax;
            }
            String inner = local.substring(1, local.length() - 1);
            if (!quotedContent(inner)) {
                // "a"b"c"@x: one Quoted-string only (RFC 5321 4.1.2), not quoted pieces with atoms between.
                return syntax;
            }
            // "user@ext"@ours, "user%ext"@ours: a quoted local part that smuggles a route.
            if (recipient && (inner.indexOf('@') >= 0 || inner.indexOf('%') >= 0 || inner.indexOf('!') >= 0)) {
                return RELAY_DENIED;
            }
            return null;
        }
        if (recipient && (local.indexOf('%') >= 0 || local.indexOf('!') >= 0)) {
            // user%ext@ours and ext!user@ours: old routing syntaxes some MTAs still honour.
            return RELAY_DENIED;
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return syntax;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0)) {
                return syntax;
            }
        }
        return null;
    }

    /**
     * RFC 5321 4.1.3: {@code [1.2.3.4]}, or a tag, a colon and dcontent ({@code [IPv6:2001:db8::1]}). Anything
     * else between brackets (spaces, brackets, an empty literal) is not an address and must not become the
     * envelope sender.
     */
    private static boolean addressLiteral(String domain) {
        if (domain.length() < 3 || !domain.endsWith("]")) {
            return false;
        }
        String inner = domain.substring(1, domain.length() - 1);
        if (ipv4(inner)) {
            return true;
        }
        int colon = inner.indexOf(':');
        if (colon <= 0 || colon == inner.length() - 1) {
            return false;
        }
        String tag = inner.substring(0, colon);
        if (tag.endsWith("-") || !tag.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '-')) {
            return false;
        }
        // dcontent: printable US-ASCII except "[", "\" and "]"
        return inner.substring(colon + 1).chars().allMatch(c -> c >= 0x21 && c <= 0x7e && c != '[' && c != '\\'
                && c != ']');
    }

    /** Four Snum (one to three digits, at most 255) separated by dots. */
    private static boolean ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5321 QcontentSMTP: printable ASCII and space, with {@code "} and {@code \} only as quoted pairs. */
    private static boolean quotedContent(String inner) {
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\\') {
                i++;
                if (i == inner.length() || inner.charAt(i) < 0x20 || inner.charAt(i) > 0x7e) {
                    return false;
                }
            } else if (c == '"' || c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static SmtpReply checkDomain(String domain, boolean recipient, SmtpReply syntax) {
        if (domain.startsWith("[")) {
            // An address literal names a host, not a domain we protect.
            return recipient ? RELAY_DENIED : (addressLiteral(domain) ? null : syntax);
        }
        if (domain.endsWith(".")) {
            // "ours." is a different name to the directory and to some resolvers: never relay on it.
            return recipient ? RELAY_DENIED : syntax;
        }
        return hostName(domain) ? null : syntax;
    }

    /** RFC 5321 Domain: dot-separated labels of letters, digits and inner hyphens, at most 63 and 255 octets. */
    private static boolean hostName(String domain) {
        if (domain.length() > MAX_DOMAIN) {
            return false;
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-';
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * RFC 5321 A-d-l: {@code @one.test,@two.test}. Ignored once read, but only a well-formed one is read past:
     * {@code <@<x:...>} or {@code <@:...>} is a syntax error, not a route.
     */
    private static boolean sourceRoute(String route) {
        for (String hop : route.split(",", -1)) {
            if (!hop.startsWith("@") || !hostName(hop.substring(1))) {
                return false;
            }
        }
        return true;
    }
}
