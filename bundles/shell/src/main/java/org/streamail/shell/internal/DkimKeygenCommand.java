package org.streamail.shell.internal;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimKeysEntries;
import org.streamail.api.dkim.NewDkimKey;

/**
 * {@code streamail:dkim-keygen [--ed25519] [--bits 2048|3072|4096] [--dir <dir>] <domain> <selector>}: makes a signing
 * key (a PKCS#8 PEM file of mode 600, never over an existing one) and prints the DNS record to publish and the
 * {@code keys} entry to configure. Admin only: the file is a secret of the gateway.
 */
@Command(scope = "streamail", name = "dkim-keygen", description = "Makes a DKIM signing key for a domain and prints the"
        + " DNS record to publish and the keys entry of etc/org.streamail.dkim.sign.cfg")
@Service
public class DkimKeygenCommand implements Action {

    @Argument(index = 0, name = "domain", description = "The domain the key signs for (the From domain, or a parent of it)",
            required = true)
    String domain;

    @Argument(index = 1, name = "selector", description = "The selector to publish the key under, e.g. s2026",
            required = true)
    String selector;

    @Option(name = "--ed25519", description = "An Ed25519 key (RFC 8463) instead of RSA; not every receiver verifies"
            + " it yet, so keep an RSA key for the domain too")
    boolean ed25519;

    @Option(name = "--bits", description = "RSA key size: 2048 (default), 3072 or 4096")
    int bits;

    @Option(name = "--dir", description = "Where to write the key file; default ${karaf.etc}/dkim")
    @Completion(FileCompleter.class)
    String dir;

    @Reference(optional = true)
    DkimKeys keys;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() throws IOException {
        DkimKeys service = Services.require(keys, "DKIM signing (detect-auth bundle)");
        if (ed25519 && bits != 0) {
            throw new CommandFailure("--bits is for RSA keys; an Ed25519 key has no size to choose");
        }
        NewDkimKey k;
        try {
            k = service.generate(domain, selector, ed25519 ? DkimAlgorithm.ED25519 : DkimAlgorithm.RSA, bits,
                    directory());
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(Format.visible(e.getMessage()));
        }
        System.out.println("Wrote " + Format.visible(k.file()) + " (" + k.algorithm().signatureAlgorithm() + ", "
                + k.bits() + " bits, mode 600)");
        System.out.println();
        System.out.println("Publish this DNS record (the key is not verified anywhere before it is published):");
        System.out.println(k.record().zoneLine());
        System.out.println();
        System.out.println("Then add the key to etc/org.streamail.dkim.sign.cfg (and set enabled = true):");
        DkimKeysEntries keys = DkimKeysEntries.adding(service.status(false).keys(), k);
        System.out.println("keys = " + Format.visible(keys.value()));
        if (!keys.replaced().isEmpty()) {
            System.out.println("(this replaces the " + k.algorithm().signatureAlgorithm() + " key of " + k.domain()
                    + " with selector " + Format.visible(String.join(", ", keys.replaced()))
                    + ": change it once the new record is published; keep the old record a few days for mail still"
                    + " on its way)");
        }
        return null;
    }

    /** {@code --dir}, relative to the shell's current directory; {@code null} for the default. */
    private Path directory() {
        if (dir == null || dir.isBlank()) {
            return null;
        }
        try {
            Path p = Path.of(dir);
            if (!p.isAbsolute() && session != null && session.currentDir() != null) {
                p = session.currentDir().resolve(p);
            }
            return p;
        } catch (InvalidPathException e) {
            throw new CommandFailure("--dir is not a path: " + Format.visible(dir));
        }
    }
}
