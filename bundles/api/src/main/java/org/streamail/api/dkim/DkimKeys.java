package org.streamail.api.dkim;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The keys outbound mail is signed with: what is configured, whether DNS publishes it, and new key pairs. For the
 * administrator ({@code streamail:dkim-status}, {@code streamail:dkim-keygen}, {@code GET /dkim},
 * {@code POST /dkim/keys}): key files are the gateway's secrets; {@link #status} holds only public data (names,
 * sizes, the public key's record, DNS state), never a key. Thread-safe.
 */
@ProviderType
public interface DkimKeys {

    /**
     * The signing configuration and every configured key as it stands now (each key file is looked at again).
     *
     * @param checkDns also look each key's record up in DNS, through the resolver the sender authentication uses;
     *                 bounded by its time-out per key
     */
    DkimStatus status(boolean checkDns);

    /**
     * Makes a new key pair and writes its private key as a PKCS#8 PEM file of mode 600 named
     * {@code <domain>.<selector>.pem} in {@code directory}; never replaces an existing file.
     *
     * @param domain    the domain the key signs for (a Unicode name is converted to A-labels)
     * @param selector  the selector to publish it under
     * @param algorithm {@link DkimAlgorithm#RSA} or {@link DkimAlgorithm#ED25519}
     * @param bits      2048, 3072 or 4096 for RSA (0: 2048); 0 for Ed25519
     * @param directory where to write it; {@code null}: {@code ${karaf.etc}/dkim}
     * @return the file and the DNS record to publish
     * @throws DkimKeyFileExistsException when the file exists already (an {@link IllegalArgumentException})
     * @throws IllegalArgumentException    when an argument is not acceptable (the message says which)
     * @throws IOException                when the file cannot be written
     */
    NewDkimKey generate(String domain, String selector, DkimAlgorithm algorithm, int bits, Path directory)
            throws IOException;
}
