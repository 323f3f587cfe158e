package org.streamail.isolation.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the nftables enforcer, PID {@value #PID}. */
@ObjectClassDefinition(name = "Streamail isolation: nftables enforcer",
        description = "Keeps isolated hosts in a dedicated nftables table (inet <table>), rewritten atomically.")
@interface NftablesConfig {

    String PID = "org.streamail.isolation.nftables";

    @AttributeDefinition(name = "nft.binary", description = "Absolute path of nft (or of a wrapper that runs it, "
            + "e.g. in another network namespace).")
    String nft_binary() default "/usr/sbin/nft";

    @AttributeDefinition(description = "Name of the dedicated table (family inet) this enforcer owns and rewrites whole.")
    String table() default "streamail";

    @AttributeDefinition(name = "timeout.seconds", description = "Longest an nft run may take (1..300).")
    int timeout_seconds() default 10;

    @AttributeDefinition(name = "isolate.by.mac", description = "Also cut every packet from an isolated host's MAC "
            + "(when the isolation has one), so its other addresses (IPv6, a new DHCP lease) are cut too. Turn off "
            + "where one MAC stands for several hosts (a Wi-Fi extender that rewrites its clients' MACs).")
    boolean isolate_by_mac() default true;
}
