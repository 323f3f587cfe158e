package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.dkim.DkimRecord;
import org.streamail.api.dkim.DkimStatus;
import org.streamail.api.dkim.NewDkimKey;

/** {@code streamail:dkim-status} and {@code streamail:dkim-keygen} over a fake of the signing keys service. */
class DkimCommandsTest extends CommandTestSupport {

    static final DkimRecord RECORD = new DkimRecord("s1._domainkey.example.org", List.of("v=DKIM1; k=rsa; p=" + "A"
            .repeat(237), "B".repeat(100)));

    DkimStatus status = new DkimStatus(false, List.of(), "");
    final List<Object[]> generated = new ArrayList<>();
    final List<Boolean> dnsAsked = new ArrayList<>();

    final DkimKeys keys = new DkimKeys() {
        @Override
        public DkimStatus status(boolean checkDns) {
            dnsAsked.add(checkDns);
            return status;
        }

        @Override
        public NewDkimKey generate(String domain, String selector, DkimAlgorithm algorithm, int bits, Path directory) {
            generated.add(new Object[] {domain, selector, algorithm, bits, directory});
            if (domain.equals("localhost")) {
                throw new IllegalArgumentException("'localhost' is not a domain name");
            }
            String file = (directory == null ? "/opt/streamail/etc/dkim" : directory.toString()) + "/" + domain + "."
                    + selector + ".pem";
            return new NewDkimKey(domain, selector, algorithm, algorithm == DkimAlgorithm.RSA ? 2048 : 256, file,
                    new DkimRecord(selector + "._domainkey." + domain, RECORD.strings()), domain + ":" + selector + ":"
                    + file);
        }
    };

    private static DkimKeyStatus usable(String domain, String selector, DnsCheck dns, String detail) {
        return new DkimKeyStatus(domain, selector, Optional.of(DkimAlgorithm.RSA), 2048,
                "/opt/streamail/etc/dkim/" + domain + "." + selector + ".pem", "", Optional.of(RECORD), dns, detail);
    }

    @Test
    void theStatusShowsEachKeyItsRecordAndWhatDnsPublishes() throws Exception {
        DkimStatusCommand c = new DkimStatusCommand();
        c.keys = keys;
        assertThat(run(c::execute)).isEqualTo("Signing: off (enabled = false in etc/org.streamail.dkim.sign.cfg)\n"
                + "Keys:    none configured (streamail:dkim-keygen makes one)\n");
        status = new DkimStatus(true, List.of(
                usable("example.org", "s1", DnsCheck.MATCHES, ""),
                usable("shop.example", "s2", DnsCheck.MISSING, "no TXT record at s2._domainkey.shop.example"),
                new DkimKeyStatus("news.example", "n1", Optional.empty(), 0, "/opt/streamail/etc/dkim/n\u202Ews.pem",
                        "keys 'news.pem' is open to group or others (mode rw-r--r--); it must be 600 or 400 (chmod 600)",
                        Optional.empty(), DnsCheck.NOT_CHECKED, "")),
                "asked 127.0.0.1:53 (dns.servers of org.streamail.detect.auth)");
        String out = run(c::execute);
        assertThat(out).contains("Signing: on\n", "DNS:     asked 127.0.0.1:53 (dns.servers of org.streamail.detect.auth)\n",
                "example.org, selector s1\n  Key:     rsa-sha256, 2048 bits\n"
                        + "  File:    /opt/streamail/etc/dkim/example.org.s1.pem (readable, mode 600 or 400: OK)\n"
                        + "  Publish: " + RECORD.zoneLine() + "\n  DNS:     published, the same key\n",
                "shop.example, selector s2\n", "  DNS:     MISSING: no TXT record at s2._domainkey.shop.example (signatures"
                        + " with this key fail until the record above is published)\n",
                "news.example, selector n1\n  Key:     unknown (the file cannot be read)\n",
                "  Problem: keys 'news.pem' is open to group or others (mode rw-r--r--); it must be 600 or 400"
                        + " (chmod 600) (mail from news.example waits until it is fixed)\n")
                .doesNotContain("\u202E");
        assertThat(RECORD.zoneLine()).isEqualTo("s1._domainkey.example.org IN TXT \"v=DKIM1; k=rsa; p=" + "A".repeat(237)
                + "\" \"" + "B".repeat(100) + "\"");
        assertThat(dnsAsked).containsExactly(true, true);
        c.noDns = true;
        run(c::execute);
        assertThat(dnsAsked).endsWith(false);
        assertThatThrownBy(new DkimStatusCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("DKIM signing (detect-auth bundle) is not available");
    }

    @Test
    void keygenPrintsTheRecordToPublishAndTheKeysLineWithTheOtherDomainsKept() throws Exception {
        status = new DkimStatus(true, List.of(usable("example.org", "s1", DnsCheck.MATCHES, ""),
                usable("shop.example", "s2", DnsCheck.MATCHES, "")), "");
        DkimKeygenCommand c = new DkimKeygenCommand();
        c.keys = keys;
        c.domain = "example.org";
        c.selector = "s2027";
        String out = run(c::execute);
        assertThat(generated.get(0)).containsExactly("example.org", "s2027", DkimAlgorithm.RSA, 0, null);
        assertThat(out).startsWith("Wrote /opt/streamail/etc/dkim/example.org.s2027.pem (rsa-sha256, 2048 bits,"
                + " mode 600)\n\nPublish this DNS record")
                .contains("\ns2027._domainkey.example.org IN TXT \"v=DKIM1; k=rsa; p=AAAA")
                .contains("\nkeys = shop.example:s2:/opt/streamail/etc/dkim/shop.example.s2.pem, "
                        + "example.org:s2027:/opt/streamail/etc/dkim/example.org.s2027.pem\n")
                .contains("(this replaces the rsa-sha256 key of example.org with selector s1");

        // an Ed25519 key joins the domain's RSA key (a domain signs with one of each): nothing is replaced
        c.ed25519 = true;
        c.selector = "e1";
        c.dir = "/srv/keys";
        out = run(c::execute);
        assertThat(generated.get(1)).containsExactly("example.org", "e1", DkimAlgorithm.ED25519, 0, Path.of("/srv/keys"));
        assertThat(out).contains("\nkeys = example.org:s1:/opt/streamail/etc/dkim/example.org.s1.pem, "
                + "shop.example:s2:/opt/streamail/etc/dkim/shop.example.s2.pem, example.org:e1:")
                .doesNotContain("replaces");
        c.bits = 4096;
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class)
                .hasMessage("--bits is for RSA keys; an Ed25519 key has no size to choose");
        c.ed25519 = false;
        c.domain = "localhost";
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessage("'localhost' is not a domain name");
        assertThatThrownBy(new DkimKeygenCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("is not available");
    }
}
