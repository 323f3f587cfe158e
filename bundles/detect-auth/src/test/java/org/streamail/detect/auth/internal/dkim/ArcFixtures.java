package org.streamail.detect.auth.internal.dkim;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import org.streamail.detect.auth.internal.dkim.TestSealer.Sealer;
import org.streamail.detect.auth.internal.dkim.TestSigner.Msg;
import org.streamail.detect.auth.internal.dns.Zone;

/** A mailing list's ARC-sealed copy of a message, for the detector's tests outside this package. */
public final class ArcFixtures {

    /** The list that seals. */
    public static final String LIST = "lists.example.net";

    private static final KeyPair KEY = TestSigner.keys("RSA", 2048);

    private ArcFixtures() {
    }

    /** {@code zone} with the list's sealing key ({@code arc._domainkey.<LIST>}). */
    public static Zone withListKey(Zone zone) {
        return zone.txt("arc._domainkey." + LIST, TestSigner.record(KEY.getPublic(), ""));
    }

    /**
     * {@code author}'s message as the list delivers it: its Subject tagged and a footer added, then sealed (i=1,
     * cv=none) with {@code results} as the list's ARC-Authentication-Results (after {@code i=1; }). CRLF throughout.
     */
    public static String listed(String author, String results) {
        Msg original = new Msg(List.of(
                "From: Alice <alice@" + author + ">",
                "To: list@" + LIST,
                "Subject: Lunch on Friday?",
                "Date: Mon, 07 Dec 2026 11:59:00 +0000",
                "Message-ID: <lunch-1@" + author + ">"),
                "Hello list,\r\n\r\nLunch at noon?\r\n\r\nAlice\r\n");
        Msg changed = original.replaceField("Subject: Lunch on Friday?", "Subject: [list] Lunch on Friday?")
                .withBody(original.body() + "--\r\nlist footer\r\n");
        Msg sealed = TestSealer.seal(changed, new Sealer("rsa-sha256", LIST, "arc", KEY.getPrivate(),
                "from:to:subject:date:message-id"), 1, "none", results);
        return new String(sealed.bytes(), StandardCharsets.ISO_8859_1);
    }
}
