/**
 * IP address literals and CIDR blocks, parsed without any name lookup and matched with one policy for every
 * bundle: trusted proxies, internal networks, block rules, protected and management ranges.
 *
 * <p>The policy, in short: a text is checked to be an IPv4 or IPv6 literal before the JDK parses it, so a host
 * name never triggers DNS; zone ids, brackets, short or octal-looking IPv4 forms are refused; an IPv4-mapped
 * IPv6 address ({@code ::ffff:a.b.c.d}) is the IPv4 address {@code a.b.c.d}; a block with host bits set after
 * its prefix ({@code 10.1.2.3/8}) is refused, naming the block that was probably meant.
 */
@Version("1.0.0")
@Export
package org.streamail.api.net;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
