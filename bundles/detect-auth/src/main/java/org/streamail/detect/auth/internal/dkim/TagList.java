package org.streamail.detect.auth.internal.dkim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tag=value list (RFC 6376 3.2), as in a DKIM-Signature field and a key record. Tag names are case-sensitive
 * ({@code ALPHA *(ALPHA / DIGIT / "_")}); folding whitespace around names, "=" and values is dropped; a value keeps
 * its inner whitespace. A repeated tag, a tag without "=", a bad name or an empty element other than after the
 * final ";" makes the whole list invalid. At most {@value #MAX_TAGS} tags.
 */
final class TagList {

    static final int MAX_TAGS = 64;

    /**
     * One tag: its trimmed value, and where the text after its "=" starts and ends in the parsed string (so that
     * the b= value can be emptied while every other byte is kept).
     */
    record Tag(String value, int afterEquals, int end) {
    }

    /** Why a list is invalid. */
    static final class InvalidException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidException(String message) {
            super(message, null, false, false);
        }
    }

    private final Map<String, Tag> tags;

    private TagList(Map<String, Tag> tags) {
        this.tags = tags;
    }

    static TagList parse(String s) throws InvalidException {
        Map<String, Tag> tags = new LinkedHashMap<>();
        int pos = 0;
        int n = s.length();
        while (pos <= n) {
            int semi = s.indexOf(';', pos);
            int end = semi < 0 ? n : semi;
            int a = skipFws(s, pos, end);
            if (a == end) {
                if (semi >= 0 && skipFws(s, semi + 1, n) != n) {
                    throw new InvalidException("empty tag");
                }
                break;
            }
            int eq = s.indexOf('=', a);
            if (eq < 0 || eq >= end) {
                throw new InvalidException("tag without '='");
            }
            int nameEnd = eq;
            while (nameEnd > a && isFws(s.charAt(nameEnd - 1))) {
                nameEnd--;
            }
            String name = s.substring(a, nameEnd);
            if (!validName(name)) {
                throw new InvalidException("bad tag name");
            }
            int vs = skipFws(s, eq + 1, end);
            int ve = end;
            while (ve > vs && isFws(s.charAt(ve - 1))) {
                ve--;
            }
            if (tags.size() >= MAX_TAGS) {
                throw new InvalidException("too many tags");
            }
            if (tags.putIfAbsent(name, new Tag(s.substring(vs, ve), eq + 1, end)) != null) {
                throw new InvalidException("duplicate tag " + name + "=");
            }
            if (semi < 0) {
                break;
            }
            pos = semi + 1;
        }
        return new TagList(Collections.unmodifiableMap(tags));
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static int skipFws(String s, int from, int to) {
        int i = from;
        while (i < to && isFws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The value with every FWS character removed (base64 values, h= lists). */
    static String stripFws(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!isFws(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The trimmed value of {@code name}, null when absent. */
    String get(String name) {
        Tag t = tags.get(name);
        return t == null ? null : t.value();
    }

    Tag tag(String name) {
        return tags.get(name);
    }

    /** The first tag's name, null for an empty list. */
    String firstName() {
        return tags.isEmpty() ? null : tags.keySet().iterator().next();
    }
}
