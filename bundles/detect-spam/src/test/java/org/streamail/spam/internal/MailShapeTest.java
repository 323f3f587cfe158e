package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MailShapeTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bytesThatAreNotMailAreNamedAsSuch() {
        // audit finding: random bytes, an empty header and a password file were all "reported" and trained
        byte[] random = new byte[512];
        new Random(8).nextBytes(random);
        String[] garbage = {new String(random, StandardCharsets.ISO_8859_1), "", "\r\n\r\n\r\n", "just some text\r\n",
            "root:$6$salt$hash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n", " folded: first\r\n\r\nx",
            "X-Only: custom\r\n\r\nbody"};
        for (String g : garbage) {
            assertThat(MailShape.problem(bytes(g))).as(g).hasValueSatisfying(why -> assertThat(why).startsWith("not a mail message"));
        }
    }

    @Test
    void whatMailLooksLikePassesBrokenLinesFurtherDownAndAnMboxSeparatorIncluded() {
        for (String mail : new String[] {"Subject: x", "From a@b Sat Dec  5 10:00:00 2026\nFrom: a@b\n\nhi\n",
            "X-Junk: 1\r\nSubject : old style\r\nno colon here\r\n\r\nbody", "Received: from x\r\n\tby y\r\n\r\n"}) {
            assertThat(MailShape.problem(bytes(mail))).as(mail).isEmpty();
        }
        assertThat(MailShape.problem(Mail.text("a@b.example", "Hello", "text"))).isEmpty();
    }
}
