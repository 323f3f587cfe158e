package org.streamail.detect.auth.internal.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The DNS look-ups sender authentication needs. Names are absolute, ASCII (A-labels), without the trailing dot,
 * any case. Every method answers an empty list both for a name that does not exist (NXDOMAIN) and for a name
 * without records of the type (NODATA): SPF counts both as a void look-up, DKIM and DMARC treat both as "no
 * record". A failure that another try may cure (time-out, SERVFAIL, REFUSED, no server reachable, a truncated
 * answer that TCP could not complete) is a {@link DnsTemporaryException}: SPF's and DKIM's TEMPERROR.
 * Implementations are thread-safe and bound what they return (records per answer, bytes per record).
 */
public interface Dns {

    /** The TXT records of {@code name}, each record's character-strings concatenated (RFC 7208 3.3, RFC 6376 3.6.2.2). */
    List<String> txt(String name) throws DnsTemporaryException;

    /** The IPv4 addresses of {@code name} (A records; a CNAME chain is followed). */
    List<InetAddress> a(String name) throws DnsTemporaryException;

    /** The IPv6 addresses of {@code name} (AAAA records; a CNAME chain is followed). */
    List<InetAddress> aaaa(String name) throws DnsTemporaryException;

    /** The exchanges of {@code name}'s MX records, lowest preference first, names without the trailing dot. */
    List<String> mx(String name) throws DnsTemporaryException;

    /** The names of {@code address}'s PTR records (reverse look-up), without the trailing dot. */
    List<String> ptr(InetAddress address) throws DnsTemporaryException;
}
