package org.streamail.api.net;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Lists of {@link IpBlock}s as configuration gives them: entries separated by commas and/or white space, in one
 * string or in several (a {@code .cfg} file gives one string, Configuration Admin may give an array). Stateless
 * and thread-safe; the lists returned are immutable.
 */
public final class IpBlocks {

    private static final Pattern SEPARATORS = Pattern.compile("[,\\s]+");

    private IpBlocks() {
    }

    /**
     * Parses one string of entries.
     *
     * @param text       the entries, e.g. {@code "10.0.0.0/8, 2001:db8::/32 192.0.2.7"}; {@code null} or blank
     *                   (or only separators) gives an empty list
     * @param maxEntries the most entries accepted (at least 1)
     * @return the blocks in the order written, duplicates kept
     * @throws IllegalArgumentException for a bad entry (the message names it, see {@link IpBlock#parse}), more
     *                                  than {@code maxEntries} entries, or a text too long to hold that many
     */
    public static List<IpBlock> parse(String text, int maxEntries) {
        return parse(text == null ? List.of() : List.of(text), maxEntries);
    }

    /**
     * Parses several strings of entries as one list; {@code null} strings are skipped.
     *
     * @see #parse(String, int)
     */
    public static List<IpBlock> parse(Collection<String> values, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        // Refused before splitting: a megabyte of separators or digits is a mistake, not a network plan.
        long maxChars = (long) maxEntries * (IpBlock.MAX_LENGTH + 2);
        List<IpBlock> out = new ArrayList<>();
        for (String value : values) {
            if (value == null) {
                continue;
            }
            if (value.length() > maxChars) {
                throw new IllegalArgumentException("the list is too long (" + value.length() + " characters for at"
                        + " most " + maxEntries + " entries)");
            }
            for (String entry : SEPARATORS.split(value)) {
                if (entry.isEmpty()) {
                    continue;
                }
                if (out.size() >= maxEntries) {
                    throw new IllegalArgumentException("more than " + maxEntries + " entries");
                }
                out.add(IpBlock.parse(entry));
            }
        }
        return List.copyOf(out);
    }

    /** Whether {@code address} lies in one of {@code blocks}; {@code null} gives {@code false}. */
    public static boolean anyContains(Collection<IpBlock> blocks, InetAddress address) {
        if (address == null) {
            return false;
        }
        for (IpBlock b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
