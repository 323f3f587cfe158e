package org.streamail.detect.auth.internal.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.detect.auth.internal.dns.Zone;

/** The independent vector: RFC 8463 Appendix A, its message signed with ed25519-sha256 and rsa-sha256. */
public class DkimRfc8463Test {

    /** RFC 8463 A.2, the RSA record's character-strings joined as the DNS gives them. */
    public static Zone rfcZone() {
        return rfcZone("");
    }

    /** The same keys with {@code extraTags} (such as {@code "; t=y"}) after each record. */
    public static Zone rfcZone(String extraTags) {
        return new Zone()
                .txt("brisbane._domainkey.football.example.com",
                        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" + extraTags)
                .txt("test._domainkey.football.example.com",
                        "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
                                + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
                                + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
                                + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB" + extraTags);
    }

    /** The A.3 message as printed (LF line ends in the resource). */
    public static String rfcMessageLf() throws IOException {
        try (InputStream in = DkimRfc8463Test.class.getResourceAsStream("/dkim/rfc8463-a3.eml")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).replace("\r\n", "\n");
        }
    }

    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void bothSignaturesPassWithCrlf() throws IOException {
        byte[] raw = rfcMessageLf().replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<DkimSignatureResult> results = new DkimVerifier(rfcZone(), 5, 1024).verify(raw, NOW, Instant.MAX);
        assertThat(results).containsExactly(
                new DkimSignatureResult(DkimResult.PASS, "football.example.com", "brisbane", "@football.example.com",
                        "ed25519-sha256", ""),
                new DkimSignatureResult(DkimResult.PASS, "football.example.com", "test", "@football.example.com",
                        "rsa-sha256", ""));
    }

    @Test
    void bothSignaturesPassWithBareLf() throws IOException {
        byte[] raw = rfcMessageLf().getBytes(StandardCharsets.US_ASCII);
        List<DkimSignatureResult> results = new DkimVerifier(rfcZone(), 5, 1024).verify(raw, NOW, Instant.MAX);
        assertThat(results).extracting(DkimSignatureResult::result).containsExactly(DkimResult.PASS, DkimResult.PASS);
    }

    @Test
    void aChangedSubjectFailsBoth() throws IOException {
        byte[] raw = rfcMessageLf().replace("Is dinner ready?", "Is dinner ready!").replace("\n", "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<DkimSignatureResult> results = new DkimVerifier(rfcZone(), 5, 1024).verify(raw, NOW, Instant.MAX);
        assertThat(results).extracting(DkimSignatureResult::result).containsExactly(DkimResult.FAIL, DkimResult.FAIL);
        assertThat(results).extracting(DkimSignatureResult::reason).containsOnly("signature did not verify");
    }

    @Test
    void theRfcRsaKeyIsTooShortForAStricterPolicy() throws IOException {
        byte[] raw = rfcMessageLf().replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
        List<DkimSignatureResult> results = new DkimVerifier(rfcZone(), 5, 2048).verify(raw, NOW, Instant.MAX);
        assertThat(results.get(0).result()).isEqualTo(DkimResult.PASS);
        assertThat(results.get(1)).extracting(DkimSignatureResult::result, DkimSignatureResult::reason)
                .containsExactly(DkimResult.PERMERROR, "key too short: 1024 bits");
    }
}
