package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SignerTest {

    static final byte[] KEY = filled(32, 7);
    final Signer signer = new Signer(KEY);

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @Test
    void aSignatureVerifiesForItsMessageAndSaysWhatWasSigned() {
        String header = signer.sign("P14D", true, "<m1@corp.example>");
        assertThat(header).startsWith("v=1; t=P14D; m=yes; mid=<m1@corp.example>; s=");
        Signer.SignedClaim claim = signer.verify(header, "<m1@corp.example>").orElseThrow();
        assertThat(claim.term()).isEqualTo("P14D");
        assertThat(claim.modifiable()).isTrue();
        // folding whitespace inserted by a relay does not matter
        assertThat(signer.verify(header.replace("; s=", ";\r\n\ts="), "<m1@corp.example>")).isPresent();
    }

    @Test
    void aRecipientCannotGrantThemselvesPermissionByEditingTheHeader() {
        String header = signer.sign("P14D", false, "<m1@corp.example>");
        assertThat(signer.verify(header.replace("m=no", "m=yes"), "<m1@corp.example>")).isEmpty();
        assertThat(signer.verify(header.replace("t=P14D", "t=P3650D"), "<m1@corp.example>")).isEmpty();
    }

    @Test
    void aSignatureCannotBeMovedToAnotherMessage() {
        String header = signer.sign("P14D", true, "<m1@corp.example>");
        assertThat(signer.verify(header, "<m2@corp.example>")).isEmpty();
        assertThat(signer.verify(header.replace("<m1@", "<m2@"), "<m2@corp.example>")).isEmpty();
    }

    @Test
    void anotherKeyOrGarbageDoesNotVerify() {
        String header = new Signer(filled(32, 8)).sign("P14D", true, "<m1@corp.example>");
        assertThat(signer.verify(header, "<m1@corp.example>")).isEmpty();
        assertThat(signer.verify("v=1; t=P14D; m=yes; mid=<m1@corp.example>; s=!!!", "<m1@corp.example>")).isEmpty();
        assertThat(signer.verify("v=2; t=P14D; m=yes; mid=<m1@corp.example>; s=AAAA", "<m1@corp.example>")).isEmpty();
        assertThat(signer.verify("garbage", "<m1@corp.example>")).isEmpty();
        assertThat(signer.verify("x".repeat(5000), "<m1@corp.example>")).isEmpty();
        String good = signer.sign("P14D", true, "<m1@corp.example>");
        assertThat(signer.verify(good + "; m=no", "<m1@corp.example>")).as("repeated field").isEmpty();
    }

    @Test
    void shortKeysAndUnsignableInputsAreRefused() {
        assertThatThrownBy(() -> new Signer(new byte[16])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
        assertThatThrownBy(() -> signer.sign("P14D; m=yes", false, "<a@b>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signer.sign("P14D", false, "<a;b@c>")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signer.sign("P14D", false, "")).isInstanceOf(IllegalArgumentException.class);
        assertThat(signer.toString()).doesNotContain("7");
    }
}
