package org.streamail.workbench.client;

import java.util.List;

/**
 * A DNS TXT record that publishes a DKIM public key: where it goes ({@code name}, e.g.
 * {@code s2026._domainkey.example.org}), its {@code text} as a verifier reads it ({@code v=DKIM1; k=rsa; p=…}), the
 * {@code strings} of at most 255 bytes a TXT record holds it in, and {@code zoneLine}, the line for a zone file
 * ({@code name IN TXT "…" "…"}). Public data. Strings never {@code null}; {@code strings} unmodifiable.
 */
public record DkimRecord(String name, String text, List<String> strings, String zoneLine) {

    public DkimRecord {
        strings = List.copyOf(strings);
    }
}
