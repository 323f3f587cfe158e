package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimStatus;

/**
 * {@code streamail:dkim-status [--no-dns]}: whether outbound mail is signed, and each configured key: its domain,
 * selector, algorithm and size, its file and whether it can be used, the DNS record to publish, and whether DNS
 * publishes it (through the resolver the sender authentication asks). Admin only, as the key files are.
 */
@Command(scope = "streamail", name = "dkim-status", description = "Shows the DKIM signing keys of outbound mail, the"
        + " DNS records to publish and whether DNS publishes them")
@Service
public class DkimStatusCommand implements Action {

    @Option(name = "-n", aliases = "--no-dns", description = "Do not look the records up in DNS")
    boolean noDns;

    @Reference(optional = true)
    DkimKeys keys;

    @Override
    public Object execute() {
        DkimStatus s = Services.require(keys, "DKIM signing (detect-auth bundle)").status(!noDns);
        System.out.println("Signing: " + (s.enabled() ? "on" : "off (enabled = false in etc/org.streamail.dkim.sign.cfg)"));
        if (!s.dns().isEmpty()) {
            System.out.println("DNS:     " + Format.visible(s.dns()));
        }
        if (s.keys().isEmpty()) {
            System.out.println("Keys:    none configured (streamail:dkim-keygen makes one)");
            return null;
        }
        for (DkimKeyStatus k : s.keys()) {
            System.out.println();
            System.out.println(k.domain() + ", selector " + k.selector());
            System.out.println("  Key:     " + k.algorithm().map(a -> a.signatureAlgorithm() + ", " + k.bits() + " bits")
                    .orElse("unknown (the file cannot be read)"));
            System.out.println("  File:    " + Format.visible(k.file()) + (k.usable() ? " (readable, mode 600 or 400: OK)"
                    : ""));
            if (!k.usable()) {
                System.out.println("  Problem: " + Format.visible(k.problem()) + " (mail from " + k.domain()
                        + " waits until it is fixed)");
            }
            k.record().ifPresent(r -> System.out.println("  Publish: " + r.zoneLine()));
            System.out.println("  DNS:     " + dns(k));
        }
        return null;
    }

    private static String dns(DkimKeyStatus k) {
        String detail = k.dnsDetail().isEmpty() ? "" : ": " + Format.visible(k.dnsDetail());
        return switch (k.dns()) {
            case MATCHES -> "published, the same key" + (detail.isEmpty() ? "" : " (" + detail.substring(2) + ")");
            case DIFFERS -> "DIFFERS" + detail + " (signatures with this key fail until the record above is published)";
            case MISSING -> "MISSING" + detail + " (signatures with this key fail until the record above is published)";
            case FAILED -> "not checked" + detail;
            case NOT_CHECKED -> "not checked" + detail;
        };
    }
}
