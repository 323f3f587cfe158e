package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

/** The shipped combinations (fire and near miss) and hostile input that must never throw. */
class CombosAndRobustnessTest extends DetectorTestBase {

    static Set<String> fired(Msg m) {
        return detector.inspect(m.build()).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    @Test
    void credentialRequestNextToAHiddenLinkShouldCombine() {
        assertThat(fired(msg().text("Verify your account").link("https://bit.ly/x"))).contains("combo-credential-link");
        assertThat(fired(msg().text("Verify your account").link("https://www.fabrikam.com/x")))
                .doesNotContain("combo-credential-link");
    }

    @Test
    void bankDetailChangeFromAnOddSenderShouldCombine() {
        Msg odd = msg().text("We have changed our bank details.").replyTo("accounts.team@gmail.com");
        assertThat(fired(odd)).contains("combo-payment-sender");
        assertThat(fired(msg().text("We have changed our bank details."))).doesNotContain("combo-payment-sender");
    }

    @Test
    void paymentWithSecrecyFromAnImpersonatorShouldBeCeoFraud() {
        Msg ceo = msg().from("Paul Bernard <pb@gmail.com>").text("Urgent wire transfer needed, keep this between us.");
        assertThat(fired(ceo)).contains("combo-ceo-fraud");
        Msg noPressure = msg().from("Paul Bernard <pb@gmail.com>").text("About the wire transfer we discussed.");
        assertThat(fired(noPressure)).doesNotContain("combo-ceo-fraud");
    }

    @Test
    void remoteAccessToolWithPressureShouldCombineButAMentionAloneShouldNot() {
        assertThat(fired(msg().text("Install AnyDesk immediately."))).contains("combo-remote-access");
        assertThat(fired(msg().text("We compared AnyDesk and TeamViewer licences."))).doesNotContain("combo-remote-access");
    }

    @Test
    void chainMailWithALinkShouldCombineButWithoutOneShouldNot() {
        assertThat(fired(msg().text("Forward this message to all your contacts").link("https://tinyurl.com/x")))
                .contains("combo-forward-contacts");
        assertThat(fired(msg().text("Forward this message to all your contacts"))).doesNotContain("combo-forward-contacts");
    }

    @Test
    void combinationsShouldScoreMoreThanTheSumOfTheirParts() {
        List<Finding> f = detector.inspect(msg().from("IT <it@contoso-it.com>").text("Verify your account now.")
                .anchor("https://evil.example/x", "contoso.com").build());
        double parts = f.stream().filter(x -> !x.rule().startsWith("combo-")).mapToDouble(Finding::score).sum();
        double all = Fixtures.total(f);
        assertThat(all).isGreaterThan(parts);
    }

    @Test
    void malformedLinksAndAddressesShouldNeverThrow() {
        Msg m = msg().from("\u0000 <@@>").replyTo("<>");
        for (String href : List.of("http://", "https://[", "://", "http://a..b/", "https://" + "a".repeat(300) + ".com/",
                "http://xn--zz/", "http://xn--/", "javascript", "http://%00/", "https://例え.テスト/", "http://.../",
                "http://user@/", "http://[::1", "https://\u202Eexe.moc/", "data:", "http://1.2.3.4.5/")) {
            m.anchor(href, href).link(href);
        }
        m.html("<form><input type=password><<<>>><a href=\"http://x\u0000y/\">x</a>").text("\uD800 broken surrogate");
        assertThat(detector.inspect(m.build())).isNotNull();
    }
}
