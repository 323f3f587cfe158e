package org.streamail.detect.auth.internal.sign;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.streamail.detect.auth.internal.dns.Names;

/**
 * The author's domain a signature is made for: the domain of the one address of the one From field (RFC 5322 3.6.2;
 * DMARC judges the From domain, RFC 7489 3.1). A message with no From field or several, or a From with no address or
 * several, names no single author and is not signed ({@link #reason()} says why); neither is an address whose domain
 * is an address literal or not a domain name. Never the envelope sender's domain: a signature vouches for the author.
 *
 * <p>The field is read as RFC 5322 writes addresses ({@code name <local@domain>}, a bare {@code local@domain},
 * groups {@code team: a@x, b@y;}), with quoted strings (a comma or an {@code @} inside one is text), comments (nested,
 * with quoted pairs) and domain literals; an obsolete route ({@code <@relay:local@domain>}) is skipped. UTF-8 is
 * read as such (RFC 6532) and a Unicode domain converted to A-labels. One pass over the value: bounded by its length.
 *
 * @param domain the domain (A-labels, lower case), or {@code null} when there is no single usable one
 * @param reason why there is none, for the log; {@code ""} with a domain
 */
record FromDomain(String domain, String reason) {

    /** Addresses counted at most: past two the answer is "several" anyway. */
    private static final int MAX_ADDRESSES = 2;

    /** The author's domain of a message whose From fields have {@code values} (their raw values, one char a byte). */
    static FromDomain of(List<String> values) {
        if (values.isEmpty()) {
            return none("no From field");
        }
        if (values.size() > 1) {
            return none(values.size() + " From fields");
        }
        String value = new String(values.get(0).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        List<String> addresses = addresses(value);
        if (addresses == null) {
            return none("the From field cannot be read as addresses");
        }
        if (addresses.isEmpty()) {
            return none("no address in From");
        }
        if (addresses.size() > 1) {
            return none("several addresses in From");
        }
        String address = addresses.get(0);
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return none("the From address has no domain");
        }
        String d = address.substring(at + 1).strip();
        if (d.startsWith("[")) {
            return none("the From domain is an address literal");
        }
        String ascii = ascii(d);
        return ascii == null ? none("the From domain is not a domain name") : new FromDomain(ascii, "");
    }

    private static FromDomain none(String reason) {
        return new FromDomain(null, reason);
    }

    /** A domain as A-labels, lower case, without a final dot; {@code null} when it is not a domain name. */
    static String ascii(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return d.indexOf('.') > 0 && Names.valid(d, Names.LDH) ? d : null;
    }

    /**
     * The addr-specs of an address list, comments removed, at most {@link #MAX_ADDRESSES} (more are cut off: the
     * caller only tells one from several); {@code null} when the text is not an address list (an unclosed quote,
     * comment, angle bracket or literal, a bracket out of place).
     */
    static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder(); // the mailbox's text outside comments and angle brackets
        StringBuilder angle = null; // inside <...>, else null
        String angled = null; // the content of the mailbox's <...>
        int comment = 0;
        boolean quoted = false;
        boolean literal = false;
        boolean group = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            StringBuilder into = angle != null ? angle : plain;
            if (comment > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    comment++;
                } else if (c == ')') {
                    comment--;
                }
                continue;
            }
            if (quoted) {
                if (c == '\\' && i + 1 < value.length()) {
                    into.append(c).append(value.charAt(++i));
                    continue;
                }
                into.append(c);
                quoted = c != '"';
                continue;
            }
            if (literal) {
                into.append(c);
                literal = c != ']';
                continue;
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    into.append(c);
                }
                case '[' -> {
                    literal = true;
                    into.append(c);
                }
                case '(' -> comment = 1;
                case '<' -> {
                    if (angle != null || angled != null) {
                        return null;
                    }
                    angle = new StringBuilder();
                }
                case '>' -> {
                    if (angle == null) {
                        return null;
                    }
                    angled = angle.toString();
                    angle = null;
                }
                case ':' -> {
                    if (angle != null) {
                        into.append(c); // the end of an obsolete route, stripped below
                    } else if (group || angled != null) {
                        return null;
                    } else {
                        group = true; // what came before was the group's name
                        plain.setLength(0);
                    }
                }
                case ',', ';' -> {
                    if (angle != null) {
                        return null;
                    }
                    if (c == ';') {
                        if (!group) {
                            return null;
                        }
                        group = false;
                    }
                    if (!add(out, plain, angled)) {
                        return out;
                    }
                    plain.setLength(0);
                    angled = null;
                }
                default -> {
                    if (angled != null && !Character.isWhitespace(c)) {
                        return null; // text after the angle-addr
                    }
                    into.append(c);
                }
            }
        }
        if (comment > 0 || quoted || literal || angle != null || group) {
            return null;
        }
        add(out, plain, angled);
        return out;
    }

    /** Adds the mailbox just read, if any; false once {@link #MAX_ADDRESSES} are there. */
    private static boolean add(List<String> out, StringBuilder plain, String angled) {
        String address;
        if (angled != null) {
            address = angled.strip();
            int route = address.startsWith("@") ? address.indexOf(':') : -1;
            if (route >= 0) {
                address = address.substring(route + 1).strip();
            }
        } else {
            address = plain.toString().strip();
        }
        if (!address.isEmpty()) {
            out.add(address.replaceAll("\\s+", ""));
        }
        return out.size() < MAX_ADDRESSES;
    }
}
