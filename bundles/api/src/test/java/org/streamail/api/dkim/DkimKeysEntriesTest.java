package org.streamail.api.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DkimKeysEntriesTest {

    private static DkimKeyStatus configured(String domain, String selector, DkimAlgorithm algorithm) {
        return new DkimKeyStatus(domain, selector, Optional.ofNullable(algorithm), algorithm == null ? 0 : 2048,
                "/etc/dkim/" + domain + "." + selector + ".pem", algorithm == null ? "missing" : "",
                Optional.empty(), DkimKeyStatus.DnsCheck.NOT_CHECKED, "");
    }

    private static NewDkimKey made(String domain, String selector, DkimAlgorithm algorithm) {
        String file = "/etc/dkim/" + domain + "." + selector + ".pem";
        return new NewDkimKey(domain, selector, algorithm, algorithm == DkimAlgorithm.RSA ? 2048 : 256, file,
                new DkimRecord(selector + "._domainkey." + domain, List.of("v=DKIM1; p=x")),
                domain + ":" + selector + ":" + file);
    }

    @Test
    void aFirstKeyOfADomainIsAddedAfterTheOtherDomainsEntries() {
        DkimKeysEntries e = DkimKeysEntries.adding(List.of(configured("a.example", "s1", DkimAlgorithm.RSA)),
                made("b.example", "s2", DkimAlgorithm.RSA));
        assertThat(e.entries()).containsExactly("a.example:s1:/etc/dkim/a.example.s1.pem",
                "b.example:s2:/etc/dkim/b.example.s2.pem");
        assertThat(e.replaced()).isEmpty();
        assertThat(e.value()).isEqualTo("a.example:s1:/etc/dkim/a.example.s1.pem, b.example:s2:/etc/dkim/b.example.s2.pem");
    }

    @Test
    void aKeyOfTheOtherAlgorithmJoinsItsDomainsKeyAndOneOfTheSameAlgorithmTakesItsPlace() {
        List<DkimKeyStatus> rsaOnly = List.of(configured("a.example", "s1", DkimAlgorithm.RSA),
                configured("b.example", "k", DkimAlgorithm.RSA));
        DkimKeysEntries pair = DkimKeysEntries.adding(rsaOnly, made("a.example", "ed1", DkimAlgorithm.ED25519));
        assertThat(pair.entries()).containsExactly("a.example:s1:/etc/dkim/a.example.s1.pem",
                "b.example:k:/etc/dkim/b.example.k.pem", "a.example:ed1:/etc/dkim/a.example.ed1.pem");
        assertThat(pair.replaced()).isEmpty();

        List<DkimKeyStatus> both = List.of(configured("a.example", "s1", DkimAlgorithm.RSA),
                configured("a.example", "ed1", DkimAlgorithm.ED25519));
        DkimKeysEntries rollover = DkimKeysEntries.adding(both, made("a.example", "s2", DkimAlgorithm.RSA));
        assertThat(rollover.entries()).containsExactly("a.example:ed1:/etc/dkim/a.example.ed1.pem",
                "a.example:s2:/etc/dkim/a.example.s2.pem");
        assertThat(rollover.replaced()).containsExactly("s1");
    }

    @Test
    void aKeyWhoseFileCannotBeReadIsReplacedSoADomainNeverGetsAThirdEntry() {
        List<DkimKeyStatus> both = List.of(configured("a.example", "s1", DkimAlgorithm.RSA),
                configured("a.example", "gone", null));
        DkimKeysEntries e = DkimKeysEntries.adding(both, made("a.example", "ed2", DkimAlgorithm.ED25519));
        assertThat(e.entries()).containsExactly("a.example:s1:/etc/dkim/a.example.s1.pem",
                "a.example:ed2:/etc/dkim/a.example.ed2.pem");
        assertThat(e.replaced()).containsExactly("gone");
        assertThat(e.entries().stream().filter(x -> x.startsWith("a.example:"))).hasSizeLessThanOrEqualTo(2);
    }
}
