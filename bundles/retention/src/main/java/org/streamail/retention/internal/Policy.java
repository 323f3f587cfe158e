package org.streamail.retention.internal;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.imap.protocol.BASE64MailboxDecoder;
import org.eclipse.angus.mail.imap.protocol.BASE64MailboxEncoder;

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

    /** Whether a folder is exempt or is the move target; see {@link #isExempt(String, char, List)}. */
    boolean isExempt(String fullName, char sep) {
        return isExempt(fullName, sep, List.of());
    }

    /**
     * Whether a folder (full name as the server lists it, hierarchy separator {@code sep}) is exempt (an entry
     * of {@code exempt.folders} or a subfolder of one), or is the move target.
     *
     * <p>The match errs on the side of exempting, because a folder wrongly exempt only keeps mail while one
     * wrongly swept loses it (see {@link #covers}): names are compared without regard to case, with either
     * {@code /} or the server's separator, as the server lists them or in modified UTF-7, and with or
     * without a personal namespace prefix such as Courier's {@code INBOX.}.
     *
     * @param personalPrefixes the personal namespace prefixes without their delimiter (e.g. {@code INBOX}),
     *                         empty when the personal namespace has none
     */
    boolean isExempt(String fullName, char sep, List<String> personalPrefixes) {
        if (moveFolder != null && covers(fullName, sep, personalPrefixes, moveFolder, false)) {
            return true; // never sweep what was already moved: a second sweep must change nothing
        }
        for (String e : exemptFolders) {
            if (covers(fullName, sep, personalPrefixes, e, true)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the configured folder name {@code entry} (written with {@code /}, or with the server's separator)
     * names the folder {@code fullName}, or with {@code subfolders} one of its ancestors. Fail-safe by design:
     * every spelling an administrator could mean counts (see {@link #isExempt(String, char, List)}).
     */
    static boolean covers(String fullName, char sep, List<String> personalPrefixes, String entry, boolean subfolders) {
        List<String> entries = spellings(entry, sep);
        for (String name : names(fullName, sep, personalPrefixes)) {
            for (String e : entries) {
                if (name.equalsIgnoreCase(e) || (subfolders && name.length() > e.length() + 1
                        && name.regionMatches(true, 0, e + "/", 0, e.length() + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A configured name as written and with the server's separator read as {@code /}, NFC, no trailing '/'. */
    private static List<String> spellings(String entry, char sep) {
        List<String> out = new ArrayList<>(2);
        out.add(tidy(entry));
        if (sep != '/' && entry.indexOf(sep) >= 0) {
            out.add(tidy(entry.replace(sep, '/')));
        }
        return out;
    }

    /** A listed name with '/' as separator, decoded and in modified UTF-7, with and without a personal prefix. */
    private static List<String> names(String fullName, char sep, List<String> personalPrefixes) {
        String slashed = Normalizer.normalize(sep == '/' ? fullName : fullName.replace(sep, '/'), Normalizer.Form.NFC);
        List<String> out = new ArrayList<>(4);
        out.add(tidy(slashed));
        String encoded = BASE64MailboxEncoder.encode(slashed);
        if (!encoded.equals(slashed)) {
            out.add(tidy(encoded));
        }
        String decoded = decoded(slashed);
        if (!decoded.equals(slashed)) {
            out.add(tidy(decoded)); // a server (or client library) that passed the modified UTF-7 through
        }
        for (String prefix : personalPrefixes) {
            String p = (sep == '/' ? prefix : prefix.replace(sep, '/')) + "/";
            if (!prefix.isEmpty() && slashed.length() > p.length() && slashed.regionMatches(true, 0, p, 0, p.length())) {
                String bare = slashed.substring(p.length());
                out.add(tidy(bare));
                out.add(tidy(BASE64MailboxEncoder.encode(bare)));
            }
        }
        return out;
    }

    private static String decoded(String name) {
        try {
            return BASE64MailboxDecoder.decode(name);
        } catch (RuntimeException e) {
            return name;
        }
    }

    private static String tidy(String name) {
        String n = Normalizer.normalize(name, Normalizer.Form.NFC);
        while (n.length() > 1 && n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
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
