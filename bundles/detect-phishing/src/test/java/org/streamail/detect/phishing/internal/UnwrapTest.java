package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each wrapper form decodes to its target; what does not decode cleanly is left as it was. */
class UnwrapTest {

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void microsoftSafeLinksGiveTheirUrlParameter() {
        assertThat(Unwrap.target("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example"
                + "%2Flogin%3Fa%3D1&data=05%7C01%7Cbob%40contoso.com&sdata=abc%3D&reserved=0"))
                .isEqualTo("https://evil.example/login?a=1");
        assertThat(Unwrap.target("https://gcc02.safelinks.protection.office365.us/?url=http%3A%2F%2Fevil.example%2F&data=x"))
                .isEqualTo("http://evil.example/");
        assertThat(Unwrap.target("//nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2F"))
                .as("without a scheme, as webmail opens it").isEqualTo("https://evil.example/");
        assertThat(Unwrap.wrapperName("https://eur03.safelinks.protection.outlook.com/?url=https%3A%2F%2Fa.example"))
                .isEqualTo("safelinks.protection.outlook.com");
    }

    @Test
    void proofpointV2DecodesDashEscapesAndUnderscores() {
        assertThat(Unwrap.target("https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_login-3Fuser-3Dbob"
                + "-26x-3Da-2Db&d=DwMFaQ&c=abc&r=def&m=ghi&s=jkl&e="))
                .isEqualTo("https://evil.example/login?user=bob&x=a-b");
    }

    @Test
    void proofpointV3PutsTheReplacementCharactersBackInPlaceOfTheStars() {
        assertThat(Unwrap.target("https://urldefense.com/v3/__https://evil.example/login__;!!abc$"))
                .isEqualTo("https://evil.example/login");
        // "?&" in base64url is PyY
        assertThat(Unwrap.target("https://urldefense.com/v3/__https://evil.example/login*a=1*b=2__;PyY!!NsJz$"))
                .isEqualTo("https://evil.example/login?a=1&b=2");
        // "**B" is a run of three ("?ab"), then "&" and "\u00e9": "?ab&\u00e9" in base64url is P2FiJsOp
        assertThat(Unwrap.target("https://urldefense.com/v3/__https://evil.example/x**Bc*d=*__;P2FiJsOp!!s$"))
                .isEqualTo("https://evil.example/x?abc&d=\u00e9");
    }

    @Test
    void openRedirectsOfBigSitesGiveTheirTarget() {
        assertThat(Unwrap.target("https://www.google.com/url?q=https://evil.example/&sa=D&source=editors"))
                .isEqualTo("https://evil.example/");
        assertThat(Unwrap.target("https://www.google.co.uk/url?sa=t&url=https%3A%2F%2Fevil.example%2Fa"))
                .isEqualTo("https://evil.example/a");
        assertThat(Unwrap.target("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0"))
                .isEqualTo("https://evil.example/");
        assertThat(Unwrap.target("https://lm.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2Fm"))
                .isEqualTo("https://evil.example/m");
        assertThat(Unwrap.target("https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fevil%2Eexample%2F&urlhash=x"))
                .isEqualTo("https://evil.example/");
        assertThat(Unwrap.target("https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fevil.example%2flogin&c=E,1,x&typo=1"))
                .isEqualTo("https://evil.example/login");
    }

    @Test
    void nestedWrappersAreUnwrappedLevelByLevel() {
        String v3 = "https://urldefense.com/v3/__https://evil.example/login__;!!abc$";
        String safe = "https://nam12.safelinks.protection.outlook.com/?url=" + enc(v3) + "&data=1";
        assertThat(Unwrap.chain(safe)).containsExactly(safe, v3, "https://evil.example/login");
        String url = "https://evil.example/deep";
        for (int i = 0; i < 7; i++) {
            url = "https://www.google.com/url?q=" + enc(url);
        }
        assertThat(Unwrap.chain(url)).as("at most 5 levels").hasSize(1 + Unwrap.MAX_LEVELS);
        assertThat(Unwrap.target(url)).startsWith("https://www.google.com/url?q=");
    }

    @Test
    void whatDoesNotDecodeCleanlyIsLeftAsItWas() {
        String[] left = {
            "https://nam12.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)",
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%ZZ",
            "https://nam12.safelinks.protection.outlook.com/?data=1",
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fa.example&url=https%3A%2F%2Fb.example",
            "https://nam12.safelinks.protection.outlook.com/?url=ftp%3A%2F%2Fevil.example%2F",
            "https://urldefense.proofpoint.com/v2/url?u=https-3A__evil.example_-ZZ&d=x",
            "https://urldefense.com/v3/__https://evil.example/login*a=1*b=2__;Pw!!abc$",
            "https://urldefense.com/v3/__https://evil.example/login*a=1__;%%%!!abc$",
            "https://urldefense.com/v3/__https://evil.example/login",
            "https://www.google.evil.example/url?q=https://evil.example/",
            "https://www.google.com/search?q=https://evil.example/",
            "https://evil-safelinks.example/?url=https%3A%2F%2Fevil.example",
            "https://safelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fevil.example",
            "https://l.facebook.com/other?u=https%3A%2F%2Fevil.example",
            "mailto:someone@l.facebook.com",
        };
        for (String u : left) {
            assertThat(Unwrap.chain(u)).as(u).containsExactly(u);
        }
        assertThat(Unwrap.chain("https://www.google.com/url?q=https://evil.example/"
                + "x".repeat(Unwrap.MAX_URL))).hasSize(1);
    }
}
