package org.streamail.retention.internal;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The retention policy, validated from {@link RetentionConfig}. Immutable and thread-safe. A malformed
 * property fails construction with a message naming it, so a bad configuration never half-applies.
 *
 * @param trustedDomains  external domains honoured without a signature (lower case; "*.x" for subdomains)
 * @param trustUnsigned   whether unsigned headers of trusted domains count at all
 * @param internalDomains configured internal domains (the Directory's are added at use)
 * @param minAge          clamp floor from INTERNALDATE
 * @param maxAge          clamp ceiling from INTERNALDATE
 * @param rules           stamping rules, first match wins
 * @param action          what to do with expired mail
 * @param moveFolder      the target folder for {@code move:}, else {@code null}
 * @param flagKeyword     the keyword for {@code flag}
 * @param exemptFolders   exempt folders, hierarchy written with '/'
 * @param optout          mailboxes never swept (lower case)
 * @param mailboxes       configured mailboxes (empty: from the Directory)
 * @param sweepInterval   scheduled sweep interval, or {@code null}
 * @param dryRun          report only
 */
record Policy(
        List<String> trustedDomains,
        boolean trustUnsigned,
        List<String> internalDomains,
        Duration minAge,
        Duration maxAge,
        List<Rule> rules,
        ExpiredAction action,
        String moveFolder,
        String flagKeyword,
        List<String> exemptFolders,
        Set<String> optout,
        List<String> mailboxes,
        Duration sweepInterval,
        boolean dryRun) {

    /** What the sweeper does to expired messages. */
    enum ExpiredAction { DELETE, MOVE, FLAG }

    /** A stamping rule {@code pattern=period}; the pattern is a sender address with {@code *} wildcards. */
    record Rule(String text, Pattern pattern, String period) {

        boolean matches(String sender) {
            return sender != null && pattern.matcher(sender.toLowerCase(Locale.ROOT)).matches();
        }
    }

    static final int MAX_LIST = 10_000;
    private static final Pattern KEYWORD = Pattern.compile("\\$?[A-Za-z0-9_.-]{1,64}");
    private static final Pattern DOMAIN = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*");

    Policy {
        trustedDomains = List.copyOf(trustedDomains);
        internalDomains = List.copyOf(internalDomains);
        rules = List.copyOf(rules);
        exemptFolders = List.copyOf(exemptFolders);
        optout = Set.copyOf(optout);
        mailboxes = List.copyOf(mailboxes);
    }

    static Policy from(RetentionConfig c) {
        Duration min = RetentionPeriods.configDuration("min.age", c.min_age());
        Duration max = RetentionPeriods.configDuration("max.age", c.max_age());
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("max.age (" + c.max_age() + ") is shorter than min.age (" + c.min_age() + ")");
        }
        String action = c.action() == null ? "delete" : c.action().strip();
        ExpiredAction kind;
        String moveFolder = null;
        if (action.equalsIgnoreCase("delete")) {
            kind = ExpiredAction.DELETE;
        } else if (action.equalsIgnoreCase("flag")) {
            kind = ExpiredAction.FLAG;
        } else if (action.regionMatches(true, 0, "move:", 0, 5) && action.length() > 5) {
            kind = ExpiredAction.MOVE;
            moveFolder = folderName("action", action.substring(5).strip());
        } else {
            throw new IllegalArgumentException("action must be delete, move:<folder> or flag, got '" + action + "'");
        }
        String keyword = c.flag_keyword() == null ? "$Expired" : c.flag_keyword().strip();
        if (!KEYWORD.matcher(keyword).matches()) {
            throw new IllegalArgumentException("flag.keyword must be an IMAP keyword atom such as $Expired, got '"
                    + keyword + "'");
        }
        List<String> exempt = new ArrayList<>();
        for (String f : list(c.exempt_folders())) {
            exempt.add(folderName("exempt.folders", f));
        }
        Duration interval = null;
        if (c.sweep_interval() != null && !c.sweep_interval().isBlank()) {
            interval = RetentionPeriods.configDuration("sweep.interval", c.sweep_interval());
            if (interval.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("sweep.interval must be at least PT1M, got " + c.sweep_interval());
            }
        }
        List<String> mailboxes = new ArrayList<>();
        for (String m : list(c.mailboxes())) {
            mailboxes.add(mailboxName("mailboxes", m));
        }
        Set<String> optout = new LinkedHashSet<>();
        for (String m : list(c.optout_mailboxes())) {
            optout.add(mailboxName("optout.mailboxes", m).toLowerCase(Locale.ROOT));
        }
        return new Policy(domains("trusted.domains", c.trusted_domains()), c.trusted_unsigned(),
                domains("internal.domains", c.internal_domains()), min, max, rules(c.default_rules()), kind,
                moveFolder, keyword, exempt, optout, mailboxes, interval, c.dry_run());
    }

    /** The expiry clamped to [receipt + min.age, receipt + max.age]; says which bound applied. */
    record Clamped(Instant expiry, String bound) {
    }

    Clamped clamp(Instant receivedAt, Instant wanted) {
        Instant floor = receivedAt.plus(minAge);
        Instant ceiling = receivedAt.plus(maxAge);
        if (wanted.isBefore(floor)) {
            return new Clamped(floor, "min.age");
        }
        if (wanted.isAfter(ceiling)) {
            return new Clamped(ceiling, "max.age");
        }
        return new Clamped(wanted, null);
    }

    static boolean domainIn(String domain, List<String> domains) {
        if (domain == null || domain.isEmpty()) {
            return false;
        }
        String d = domain.toLowerCase(Locale.ROOT);
        for (String entry : domains) {
            if (entry.startsWith("*.") ? d.endsWith(entry.substring(1)) : d.equals(entry)) {
                return true;
            }
        }
        return false;
    }

    Optional<Rule> ruleFor(String sender) {
        return rules.stream().filter(r -> r.matches(sender)).findFirst();
    }

    /** Whether a folder (full name, hierarchy separator {@code sep}) is exempt, or is the move target. */
    boolean isExempt(String fullName, char sep) {
        String name = sep == '/' ? fullName : fullName.replace(sep, '/');
        if (moveFolder != null && sameFolder(name, moveFolder)) {
            return true; // never sweep what was already moved: a second sweep must change nothing
        }
        for (String e : exemptFolders) {
            if (sameFolder(name, e) || startsWithFolder(name, e + "/")) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameFolder(String a, String b) {
        // INBOX is case-insensitive (RFC 3501 5.1); other names are compared as the server gives them.
        if (a.equalsIgnoreCase("INBOX") || b.equalsIgnoreCase("INBOX")) {
            return a.equalsIgnoreCase(b);
        }
        return a.equals(b);
    }

    private static boolean startsWithFolder(String name, String prefix) {
        if (prefix.regionMatches(true, 0, "INBOX/", 0, 6)) {
            return name.regionMatches(true, 0, "INBOX/", 0, 6) && name.startsWith(prefix.substring(6), 6);
        }
        return name.startsWith(prefix);
    }

    /** The loopback test for {@code imap.security=none}. Only literal addresses and "localhost" count. */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.strip();
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9a-fA-F.:\\[\\]]{2,47}")) {
            return false; // a name could resolve anywhere (or change): not proof of loopback
        }
        try {
            return InetAddress.getByName(h.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String s : value.split(",")) {
            String t = s.strip();
            if (!t.isEmpty()) {
                if (out.size() >= MAX_LIST) {
                    throw new IllegalArgumentException("a list property has more than " + MAX_LIST + " entries");
                }
                out.add(t);
            }
        }
        return out;
    }

    private static List<String> domains(String property, String value) {
        List<String> out = new ArrayList<>();
        for (String d : list(value)) {
            String lower = d.toLowerCase(Locale.ROOT);
            String ascii;
            try {
                ascii = lower.startsWith("*.") ? "*." + IDN.toASCII(lower.substring(2)) : IDN.toASCII(lower);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(property + ": '" + d + "' is not a domain name");
            }
            if (!DOMAIN.matcher(ascii).matches()) {
                throw new IllegalArgumentException(property + ": '" + d + "' is not a domain name");
            }
            out.add(ascii);
        }
        return out;
    }

    private static List<Rule> rules(String value) {
        List<Rule> out = new ArrayList<>();
        for (String r : list(value)) {
            int eq = r.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("default.rules: '" + r + "' is not pattern=period (e.g. marketing@*=P14D)");
            }
            String pattern = r.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String period = r.substring(eq + 1).strip().toUpperCase(Locale.ROOT);
            if (pattern.isEmpty() || pattern.length() > 320 || pattern.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("default.rules: bad sender pattern in '" + r + "'");
            }
            if (RetentionPeriods.parse(period).isEmpty()) {
                throw new IllegalArgumentException("default.rules: '" + period + "' in '" + r
                        + "' is not a positive ISO-8601 duration");
            }
            out.add(new Rule(r, Pattern.compile(wildcard(pattern)), period));
        }
        return out;
    }

    static String wildcard(String pattern) {
        StringBuilder regex = new StringBuilder();
        String[] pieces = pattern.split("\\*", -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            if (!pieces[i].isEmpty()) {
                regex.append(Pattern.quote(pieces[i]));
            }
        }
        return regex.toString();
    }

    static String folderName(String property, String name) {
        String n = name.strip();
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.length() > 512 || n.chars().anyMatch(ch -> Character.isISOControl(ch) || ch == '*' || ch == '%')) {
            throw new IllegalArgumentException(property + ": '" + name + "' is not a folder name");
        }
        return n;
    }

    static String mailboxName(String property, String name) {
        String n = name.strip();
        if (n.isEmpty() || n.length() > 320 || n.chars().anyMatch(ch -> Character.isISOControl(ch)
                || Character.isWhitespace(ch) || ch == '*' || ch == '"' || ch == '\\')) {
            throw new IllegalArgumentException(property + ": '" + name + "' is not a mailbox name");
        }
        return n;
    }
}
