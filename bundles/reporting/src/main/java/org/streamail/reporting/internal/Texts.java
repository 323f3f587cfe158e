package org.streamail.reporting.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.streamail.api.model.PlainText;

/** Small text rules shared by the alert and campaign components. Stateless. */
final class Texts {

    private Texts() {
    }

    /**
     * An http(s) or ftp scheme not inside a word, to be written as hxxp so that no mail client makes it a live link.
     * The start is a look-behind at the one character before, not {@code \\b}: Java's {@code \\b} takes a combining
     * mark for part of the word before it (so {@code e\u0301http://…} kept its scheme) and walks back over the whole
     * run of marks at every position it is tried.
     */
    private static final Pattern SCHEME = Pattern.compile("(?i)(?<![\\p{L}\\p{Nd}_])(?:(h)tt(ps?)://|(f)tp://)");
    /**
     * A host name standing alone (not the domain of an address, not inside a longer token); international labels
     * and punycode top-level domains ({@code xn--p1ai}) included, since clients link {@code www.пример.рф} too. At
     * most 127 labels, as in DNS: an unbounded repetition recursed once per label in the regex engine, and a hostile
     * "host" of thousands of labels in an alert's detail overflowed the notification thread's stack. Labels may hold
     * underscores, as DNS names do ({@code www.login_secure.evil.example} stayed live whole).
     */
    private static final Pattern HOST = Pattern.compile(
            "(?i)(?<![@\\p{L}\\p{N}._%+-])((?:[\\p{L}\\p{N}_](?:[\\p{L}\\p{N}_-]{0,61}[\\p{L}\\p{N}_])?\\.){1,126}"
                    + "(?:\\p{L}{2,24}|xn--[a-z0-9-]{1,59}))(?![\\p{L}\\p{N}_%+@-])");

    /**
     * Defangs what a notification quotes: {@code http://bad.example/x} becomes
     * {@code hxxp://bad[.]example/x}. A warning about a dangerous link must not carry that link live: the
     * reader could click it, and the gateway's own detectors (block rules, URL reputation) would rightly
     * refuse the warning. Addresses ({@code user@domain}) are left as they are.
     */
    static String defang(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String schemes = SCHEME.matcher(s).replaceAll(m -> m.group(1) != null
                ? m.group(1) + "xx" + m.group(2) + "://" : m.group(3) + "xp://");
        return HOST.matcher(schemes).replaceAll(m -> m.group(1).replace(".", "[.]"));
    }

    /** Whether {@code s} is a plain address that is safe to put in a header and an envelope. */
    static boolean isAddress(String s) {
        return PlainText.isAddress(s);
    }

    /** One line, at most {@code max} ({@link PlainText#oneLine}). */
    static String oneLine(String s, int max) {
        return PlainText.oneLine(s, max);
    }

    /**
     * Several lines with CRLF ends; other control characters (but tab) and format characters ({@link #invisible})
     * dropped; at most {@code max} chars.
     */
    static String lines(String s, int max) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        String t = s.length() > max ? s.substring(0, max) : s;
        t = t.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n');
        StringBuilder b = new StringBuilder(t.length() + 64);
        for (int i = 0; i < t.length(); ) {
            int c = t.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n') {
                b.append("\r\n");
            } else if (c == '\t' || !Character.isISOControl(c) && !invisible(c)) {
                b.appendCodePoint(c);
            }
        }
        return b.toString();
    }

    /**
     * Format characters (Unicode Cf): bidi overrides and isolates that make {@code invoice<U+202E>fdp.exe} read
     * {@code invoiceexe.pdf}, zero-width spaces and joiners, soft hyphens, BOMs. Quoted hostile text loses them: they
     * would let it lie about itself in the warning, or hide a host name from {@link #defang}.
     */
    private static boolean invisible(int cp) {
        return Character.getType(cp) == Character.FORMAT;
    }

    /** Loopback test without DNS: only "localhost" and literal loopback addresses count. */
    static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9a-fA-F.:]{2,45}")) {
            return false; // a name could resolve anywhere (or change): not proof of loopback
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
