package org.streamail.detect.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Header;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.net.IpBlocks;
import org.streamail.detect.auth.internal.dkim.ArcFixtures;
import org.streamail.detect.auth.internal.dkim.DkimRfc8463Test;
import org.streamail.detect.auth.internal.dkim.TestSigner;
import org.streamail.detect.auth.internal.dns.Zone;

class AuthCheckerTest {

    static final Instant NOW = Instant.now();
    static final Clock CLOCK = Clock.systemUTC();

    static AuthSettings settings(String relays) {
        return settings(relays, "");
    }

    static AuthSettings settings(String relays, String sealers) {
        return settings(relays, sealers, "");
    }

    static AuthSettings settings(String relays, String sealers, String welcome) {
        return new AuthSettings(true, List.of(), Duration.ofSeconds(3), 100, Duration.ofMinutes(5),
                Duration.ofSeconds(8), IpBlocks.parse(relays, 10), "gw.example.org", true, 10, 8, 1, 3, 1, 1, 5,
                1024, AuthSettings.sealers(sealers), AuthSettings.welcome(welcome));
    }

    static Inspection inspection(String client, String mailFrom, List<String> from, String raw, Direction direction,
            String authenticatedUser, Instant deadline) {
        return inspection(client, mailFrom, from, raw, direction, authenticatedUser, deadline, List.of());
    }

    static Inspection inspection(String client, String mailFrom, List<String> from, String raw, Direction direction,
            String authenticatedUser, Instant deadline, List<String> received) {
        Envelope env = new Envelope(mailFrom, List.of("bob@example.org"), client, "mx.sender.example", false, NOW,
                direction, authenticatedUser);
        ParsedMessage m = new ParsedMessage("id-1@sender.example", "hello",
                from.stream().map(a -> new MailAddress(a, "")).toList(), List.of(), List.of(), List.of(),
                headers(raw, received), "hi", "", List.of(), List.of(), raw.length(), false, List.of());
        return new Inspection("gw-1", env, m, Content.of(raw.getBytes(StandardCharsets.ISO_8859_1)), deadline);
    }

    /** The raw message's header fields (unfolded), then {@code received} as Received fields. */
    static List<Header> headers(String raw, List<String> received) {
        List<Header> out = new java.util.ArrayList<>();
        int end = raw.indexOf("\r\n\r\n");
        String block = end < 0 ? raw : raw.substring(0, end);
        for (String field : block.split("\r\n(?![ \t])")) {
            int colon = field.indexOf(':');
            if (colon > 0) {
                out.add(new Header(field.substring(0, colon).strip(),
                        field.substring(colon + 1).replaceAll("\r\n[ \t]", " ").strip()));
            }
        }
        received.forEach(v -> out.add(new Header("Received", v)));
        return out;
    }

    static Inspection inbound(String client, String mailFrom, String... from) {
        return inspection(client, mailFrom, List.of(from), "From: " + (from.length == 0 ? "" : from[0])
                + "\r\nSubject: hello\r\n\r\nhi\r\n", Direction.INBOUND, null, NOW.plusSeconds(30));
    }

    static Zone strict() {
        return new Zone()
                .txt("bank.example.com", "v=spf1 ip4:192.0.2.1 -all")
                .txt("_dmarc.bank.example.com", "v=DMARC1; p=reject")
                .txt("shop.com", "v=spf1 ip4:198.51.100.0/24 ~all")
                .txt("bounce.shop.com", "v=spf1 ip4:198.51.100.0/24 -all")
                .txt("_dmarc.shop.com", "v=DMARC1; p=quarantine; pct=0");
    }

    static Finding find(List<Finding> findings, String rule) {
        return findings.stream().filter(f -> f.rule().equals(rule)).findFirst().orElse(null);
    }

    @Test
    void aWelcomeSenderIsNamedOnlyWhenAuthenticatedForItsFromDomain() throws IOException {
        // DMARC pass through an aligned DKIM signature (SPF fails): a subdomain of a listed domain is covered
        Zone zone = DkimRfc8463Test.rfcZone().txt("_dmarc.football.example.com", "v=DMARC1; p=reject")
                .txt("football.example.com", "v=spf1 -all");
        String raw = DkimRfc8463Test.rfcMessageLf().replace("\n", "\r\n");
        List<Finding> signed = new AuthChecker(settings("", "", "example.com"), zone, CLOCK).check(inspection(
                "203.0.113.7", "joe@football.example.com", List.of("joe@football.example.com"), raw,
                Direction.INBOUND, null, NOW.plusSeconds(30)));
        Finding welcome = find(signed, AuthChecker.WELCOME);
        assertThat(welcome.score()).isZero();
        assertThat(welcome.category()).isEqualTo(Category.INFO);
        assertThat(welcome.detail()).contains("football.example.com (welcome.senders example.com; DMARC pass (aligned DKIM))");
        assertThat(signed.get(0).rule()).isEqualTo(AuthChecker.RESULTS);
        // the same listing, the body changed in transit: DMARC fails, nobody vouches for the From
        List<Finding> tampered = new AuthChecker(settings("", "", "example.com"), zone, CLOCK).check(inspection(
                "203.0.113.7", "joe@football.example.com", List.of("joe@football.example.com"),
                raw.replace("Is dinner ready?", "Is dinner ready!"), Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(find(tampered, AuthChecker.WELCOME)).isNull();
        assertThat(find(tampered, AuthChecker.DMARC_FAIL)).isNotNull();
        // not listed: no welcome, even authenticated
        assertThat(find(new AuthChecker(settings("", "", "football.example.org"), zone, CLOCK).check(inspection(
                "203.0.113.7", "joe@football.example.com", List.of("joe@football.example.com"), raw,
                Direction.INBOUND, null, NOW.plusSeconds(30))), AuthChecker.WELCOME)).isNull();
    }

    @Test
    void withoutADmarcRecordAWelcomeSenderNeedsAnAlignedSpfPassAndASpoofedOneGetsNothing() {
        Zone zone = strict().txt("mail.news-shop.com", "v=spf1 ip4:198.51.100.7 -all")
                .txt("other-sender.net", "v=spf1 ip4:198.51.100.7 -all");
        AuthChecker checker = new AuthChecker(settings("", "", "news-shop.com, bank.example.com"), zone, CLOCK);
        // SPF passes for the bounce domain, a subdomain of the From's organisational domain; no DMARC record
        Finding welcome = find(checker.check(inbound("198.51.100.7", "bounce@mail.news-shop.com", "news@news-shop.com")),
                AuthChecker.WELCOME);
        assertThat(welcome.detail()).contains("news-shop.com (welcome.senders news-shop.com; SPF pass for "
                + "mail.news-shop.com, no DMARC record)");
        // SPF passes, but for another domain: the From is anyone's to write
        assertThat(find(checker.check(inbound("198.51.100.7", "x@other-sender.net", "news@news-shop.com")),
                AuthChecker.WELCOME)).isNull();
        // from a client the domain does not allow
        assertThat(find(checker.check(inbound("203.0.113.7", "bounce@mail.news-shop.com", "news@news-shop.com")),
                AuthChecker.WELCOME)).isNull();
        // a spoofed listed domain with DMARC p=reject
        List<Finding> spoofed = checker.check(inbound("203.0.113.7", "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(find(spoofed, AuthChecker.WELCOME)).isNull();
        assertThat(find(spoofed, AuthChecker.DMARC_FAIL)).isNotNull();
        // a second From domain that is not listed: not every author is welcome
        assertThat(find(checker.check(inbound("198.51.100.7", "bounce@mail.news-shop.com", "news@news-shop.com",
                "someone@elsewhere.org")), AuthChecker.WELCOME)).isNull();
        // an SMTP AUTH session or outbound mail is not checked at all
        assertThat(checker.check(inspection("198.51.100.7", "bounce@mail.news-shop.com", List.of("news@news-shop.com"),
                "From: news@news-shop.com\r\n\r\nhi\r\n", Direction.OUTBOUND, null, NOW.plusSeconds(30)))).isEmpty();
    }

    @Test
    void aSpoofedDomainWithARejectPolicyFailsDmarcAndSpf() {
        List<Finding> f = new AuthChecker(settings(""), strict(), CLOCK)
                .check(inbound("203.0.113.7", "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(f.get(0).rule()).isEqualTo(AuthChecker.RESULTS);
        assertThat(f.get(0).score()).isZero();
        assertThat(f.get(0).detail()).isEqualTo("spf=fail smtp.mailfrom=bank.example.com; dkim=none; "
                + "dmarc=fail (p=reject) header.from=bank.example.com");
        Finding dmarc = find(f, AuthChecker.DMARC_FAIL);
        assertThat(dmarc.score()).isEqualTo(10.0);
        assertThat(dmarc.category()).isEqualTo(Category.PHISHING);
        assertThat(dmarc.detail()).contains("bank.example.com").contains("reject").contains("SPF fail");
        assertThat(find(f, AuthChecker.SPF_FAIL).score()).isEqualTo(3.0);
        assertThat(find(f, AuthChecker.SPF_FAIL).detail()).contains("203.0.113.7").contains("-all");
    }

    @Test
    void anAlignedDkimSignatureCarriesDmarcWhereSpfFailsAndABrokenOneDoesNot() throws IOException {
        Zone zone = DkimRfc8463Test.rfcZone().txt("_dmarc.football.example.com", "v=DMARC1; p=reject")
                .txt("football.example.com", "v=spf1 -all");
        String raw = DkimRfc8463Test.rfcMessageLf().replace("\n", "\r\n");
        AuthChecker checker = new AuthChecker(settings(""), zone, CLOCK);
        List<Finding> f = checker.check(inspection("203.0.113.7", "joe@football.example.com",
                List.of("joe@football.example.com"), raw, Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(f.get(0).detail()).isEqualTo("spf=fail smtp.mailfrom=football.example.com; "
                + "dkim=pass header.d=football.example.com header.s=brisbane; "
                + "dkim=pass header.d=football.example.com header.s=test; "
                + "dmarc=pass (p=reject) header.from=football.example.com");
        assertThat(find(f, AuthChecker.DMARC_FAIL)).isNull();
        assertThat(find(f, AuthChecker.DKIM_INVALID)).isNull();
        assertThat(find(f, AuthChecker.SPF_FAIL)).isNotNull();

        List<Finding> tampered = checker.check(inspection("203.0.113.7", "joe@football.example.com",
                List.of("joe@football.example.com"), raw.replace("Is dinner ready?", "Is dinner ready!"),
                Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(tampered.get(0).detail()).contains("dkim=fail (signature did not verify) header.d=football.example.com")
                .endsWith("dmarc=fail (p=reject) header.from=football.example.com");
        assertThat(find(tampered, AuthChecker.DKIM_INVALID).detail()).contains("football.example.com: signature did not verify");
        assertThat(find(tampered, AuthChecker.DMARC_FAIL).score()).isEqualTo(10.0);
    }

    @Test
    void aDomainTestingDkimCountsWhenItsSignatureVerifiesAndIsNotHeldAgainstTheMessageWhenItFails() throws IOException {
        Zone zone = DkimRfc8463Test.rfcZone("; t=y").txt("_dmarc.football.example.com", "v=DMARC1; p=reject")
                .txt("football.example.com", "v=spf1 -all");
        String raw = DkimRfc8463Test.rfcMessageLf().replace("\n", "\r\n");
        AuthChecker checker = new AuthChecker(settings(""), zone, CLOCK);
        List<Finding> f = checker.check(inspection("203.0.113.7", "joe@football.example.com",
                List.of("joe@football.example.com"), raw, Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(f.get(0).detail()).contains("dkim=pass (key in testing mode, t=y) header.d=football.example.com")
                .endsWith("dmarc=pass (p=reject) header.from=football.example.com");
        List<Finding> tampered = checker.check(inspection("203.0.113.7", "joe@football.example.com",
                List.of("joe@football.example.com"), raw.replace("Is dinner ready?", "Is dinner ready!"),
                Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(tampered.get(0).detail()).contains("dkim=fail (signature did not verify; key in testing mode, t=y:"
                + " not held against the message) header.d=football.example.com");
        assertThat(find(tampered, AuthChecker.DKIM_INVALID)).as("RFC 6376 3.6.1").isNull();
        assertThat(find(tampered, AuthChecker.DMARC_FAIL)).as("no signature vouches: DMARC as for unsigned mail")
                .isNotNull();
    }

    @Test
    void aSignatureWithABodyLengthLimitCarriesDmarcOnlyWhenNothingWasAppended() {
        java.security.KeyPair keys = TestSigner.keys("RSA", 2048);
        Zone zone = new Zone().txt("news._domainkey.letters.example", TestSigner.record(keys.getPublic(), ""))
                .txt("_dmarc.letters.example", "v=DMARC1; p=reject").txt("letters.example", "v=spf1 -all");
        List<String> fields = List.of("From: Letters <news@letters.example>", "To: bob@example.org",
                "Subject: This week");
        String body = "Dear reader,\r\n\r\nthis week's letter.\r\n";
        String signed = TestSigner.signed(fields, body, "letters.example", "news", keys.getPrivate(),
                (long) TestSigner.relaxedBodyLength(body));
        AuthChecker checker = new AuthChecker(settings(""), zone, CLOCK);
        List<Finding> whole = checker.check(inspection("203.0.113.7", "news@letters.example",
                List.of("news@letters.example"), signed, Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(whole.get(0).detail()).contains("dkim=pass header.d=letters.example")
                .endsWith("dmarc=pass (p=reject) header.from=letters.example");

        // the signed newsletter with a lure appended: the signature still verifies its prefix, DMARC is not carried
        String lure = "\r\nYour mailbox is full: sign in at http://letters-login.example/ to keep it.\r\n";
        List<Finding> appended = checker.check(inspection("203.0.113.7", "news@letters.example",
                List.of("news@letters.example"), signed + lure, Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(appended.get(0).detail())
                .contains("dkim=pass (l= leaves " + TestSigner.relaxedBodyLength(lure) + " body bytes unsigned: not used"
                        + " for DMARC) header.d=letters.example")
                .endsWith("dmarc=fail (p=reject) header.from=letters.example");
        assertThat(find(appended, AuthChecker.DMARC_FAIL).score()).isEqualTo(10.0);
        assertThat(find(appended, AuthChecker.DKIM_INVALID)).as("the signature itself verifies").isNull();
    }

    @Test
    void anAllowedClientPassesAlignedInRelaxedModeFromABounceSubdomain() {
        List<Finding> f = new AuthChecker(settings(""), strict(), CLOCK)
                .check(inbound("198.51.100.20", "b-123@bounce.shop.com", "news@shop.com"));
        assertThat(f).hasSize(1);
        assertThat(f.get(0).detail()).isEqualTo("spf=pass smtp.mailfrom=bounce.shop.com; dkim=none; "
                + "dmarc=pass (p=quarantine) header.from=shop.com");
    }

    @Test
    void aPolicySampledOutByPctScoresAsNoneAndSaysWhatWasPublished() {
        // SPF softfail for shop.com from elsewhere; pct=0: every failure is sampled out to the next lower policy
        List<Finding> f = new AuthChecker(settings(""), strict(), CLOCK)
                .check(inbound("203.0.113.7", "news@shop.com", "news@shop.com"));
        Finding dmarc = find(f, AuthChecker.DMARC_FAIL);
        assertThat(dmarc.score()).isEqualTo(1.0);
        assertThat(dmarc.detail()).contains("policy is none (published quarantine)");
        assertThat(find(f, AuthChecker.SPF_SOFTFAIL).score()).isEqualTo(1.0);
        assertThat(find(f, AuthChecker.SPF_FAIL)).isNull();
        assertThat(f.get(0).detail()).contains("spf=softfail").contains("dmarc=fail (p=quarantine applied none)");
    }

    @Test
    void aTrustedRelayIsNotJudgedBySpfAndDmarcCannotFailWithoutIt() throws IOException {
        List<Finding> f = new AuthChecker(settings("203.0.113.0/24"), strict(), CLOCK)
                .check(inbound("203.0.113.7", "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(f).hasSize(1);
        assertThat(f.get(0).detail()).isEqualTo("spf=none (client is a trusted relay); dkim=none; dmarc=none "
                + "(p=reject, SPF not checked, no aligned DKIM pass) header.from=bank.example.com");
        // a scan without the client's address alike
        List<Finding> scan = new AuthChecker(settings(""), strict(), CLOCK)
                .check(inbound(null, "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(scan).hasSize(1);
        assertThat(scan.get(0).detail()).startsWith("spf=none (no client address); dkim=none; dmarc=none (p=reject");
        // an aligned signature still passes it; a broken one is still reported, but DMARC stays unjudged
        Zone zone = DkimRfc8463Test.rfcZone().txt("_dmarc.football.example.com", "v=DMARC1; p=reject");
        String raw = DkimRfc8463Test.rfcMessageLf().replace("\n", "\r\n");
        List<Finding> signed = new AuthChecker(settings("203.0.113.0/24"), zone, CLOCK).check(inspection(
                "203.0.113.7", "joe@football.example.com", List.of("joe@football.example.com"), raw,
                Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(signed.get(0).detail()).endsWith("dmarc=pass (p=reject) header.from=football.example.com");
        List<Finding> broken = new AuthChecker(settings("203.0.113.0/24"), zone, CLOCK).check(inspection(
                "203.0.113.7", "joe@football.example.com", List.of("joe@football.example.com"),
                raw.replace("Is dinner ready?", "Is dinner ready!"), Direction.INBOUND, null, NOW.plusSeconds(30)));
        assertThat(find(broken, AuthChecker.DKIM_INVALID)).isNotNull();
        assertThat(find(broken, AuthChecker.DMARC_FAIL)).isNull();
    }

    static List<Finding> viaRelay(Zone zone, String... received) {
        return new AuthChecker(settings("203.0.113.0/28"), zone, CLOCK).check(inspection("203.0.113.7",
                "ceo@bank.example.com", List.of("ceo@bank.example.com"), "From: ceo@bank.example.com\r\n\r\nhi\r\n",
                Direction.INBOUND, null, NOW.plusSeconds(30), List.of(received)));
    }

    @Test
    void behindTrustedRelaysSpfJudgesTheHostTheirReceivedFieldsName() {
        String relay = " by mx.provider.example (Postfix) with ESMTPS id 4Qx; Mon, 7 Dec 2026 09:00:00 +0000";
        // Postfix's form: the allowed host -> SPF pass, aligned: DMARC pass
        List<Finding> allowed = viaRelay(strict(), "from mail.bank.example.com (mail.bank.example.com [192.0.2.1])"
                + relay, "from forged (forged [192.0.2.99]) by x.example");
        assertThat(allowed).hasSize(1);
        assertThat(allowed.get(0).detail()).startsWith("spf=pass smtp.mailfrom=bank.example.com")
                .endsWith("dmarc=pass (p=reject) header.from=bank.example.com");
        // another host -> SPF fail, DMARC fail, as if it had connected itself
        List<Finding> spoofed = viaRelay(strict(), "from evil.example (unknown [198.51.100.66])" + relay);
        assertThat(find(spoofed, AuthChecker.SPF_FAIL).detail()).contains("198.51.100.66");
        assertThat(find(spoofed, AuthChecker.DMARC_FAIL)).isNotNull();
        // two trusted relays in a row, Exim's form at the second: the hop before both is judged
        List<Finding> chain = viaRelay(strict(), "from relay2.provider.example (relay2 [203.0.113.8])" + relay,
                "from [192.0.2.1] (helo=mail.bank.example.com) by relay2.provider.example with esmtp id 1");
        assertThat(chain.get(0).detail()).startsWith("spf=pass");
        // Exchange's form: the address alone in parentheses
        assertThat(viaRelay(strict(), "from mail.bank.example.com (192.0.2.1) by mx.provider.example (10.0.0.5)"
                + " with Microsoft SMTP Server id 15.2").get(0).detail()).startsWith("spf=pass");
        // a field that names no address: nothing below it is believed, SPF not checked, DMARC cannot fail
        List<Finding> unreadable = viaRelay(strict(), "from somewhere by mx.provider.example; today",
                "from mail.bank.example.com ([192.0.2.1]) by x.example");
        assertThat(unreadable).hasSize(1);
        assertThat(unreadable.get(0).detail()).startsWith("spf=none (client is a trusted relay)");
    }

    static List<Finding> fromList(AuthSettings settings, String results) {
        Zone zone = ArcFixtures.withListKey(strict().txt("author.example.com", "v=spf1 ip4:192.0.2.10 -all")
                .txt("_dmarc.author.example.com", "v=DMARC1; p=reject"));
        String raw = ArcFixtures.listed("author.example.com", results);
        // the list kept the author's MAIL FROM: SPF fails for the list's server too
        return new AuthChecker(settings, zone, CLOCK).check(inspection("198.51.100.25", "alice@author.example.com",
                List.of("alice@author.example.com"), raw, Direction.INBOUND, null, NOW.plusSeconds(30),
                List.of()));
    }

    @Test
    void aTrustedListsArcSealLiftsTheDmarcFailureItsChangesCaused() {
        String saw = ArcFixtures.LIST + "; spf=pass smtp.mailfrom=author.example.com; "
                + "dmarc=pass (p=reject) header.from=author.example.com";
        List<Finding> trusted = fromList(settings("", "example.net"), saw);
        assertThat(trusted).as(trusted.toString()).hasSize(1);
        assertThat(trusted.get(0).detail()).isEqualTo("spf=fail smtp.mailfrom=author.example.com; dkim=none; "
                + "dmarc=fail (p=reject, overridden: ARC sealed by trusted lists.example.net) "
                + "header.from=author.example.com; arc=pass (1 set, sealed by lists.example.net)");

        // the same chain from a sealer nobody trusts: reported, not acted on
        List<Finding> untrusted = fromList(settings("", "other.example"), saw);
        assertThat(untrusted.get(0).detail()).endsWith("dmarc=fail (p=reject) header.from=author.example.com; "
                + "arc=pass (1 set, sealed by lists.example.net)");
        assertThat(find(untrusted, AuthChecker.DMARC_FAIL)).isNotNull();
        assertThat(find(untrusted, AuthChecker.SPF_FAIL)).isNotNull();

        // a trusted sealer that did not see DMARC pass for this domain vouches for nothing
        List<Finding> sawFail = fromList(settings("", "example.net"), ArcFixtures.LIST
                + "; dmarc=fail (p=reject) header.from=author.example.com; dmarc=pass header.from=other.example");
        assertThat(find(sawFail, AuthChecker.DMARC_FAIL)).isNotNull();
        assertThat(sawFail.get(0).detail()).contains("dmarc=fail (p=reject) header.from=author.example.com");
    }

    @Test
    void aBrokenArcChainIsReportedAndLiftsNothing() {
        Zone zone = ArcFixtures.withListKey(strict().txt("_dmarc.author.example.com", "v=DMARC1; p=reject"));
        String raw = ArcFixtures.listed("author.example.com", ArcFixtures.LIST
                + "; dmarc=pass header.from=author.example.com").replace("list footer", "changed after sealing");
        List<Finding> f = new AuthChecker(settings("", "example.net"), zone, CLOCK).check(inspection("198.51.100.25",
                "alice@author.example.com", List.of("alice@author.example.com"), raw, Direction.INBOUND, null,
                NOW.plusSeconds(30), List.of()));
        assertThat(f.get(0).detail()).contains("; arc=fail (");
        assertThat(find(f, AuthChecker.DMARC_FAIL)).isNotNull();
    }

    @Test
    void outboundAndAuthenticatedMailIsNotChecked() {
        Zone zone = strict();
        AuthChecker checker = new AuthChecker(settings(""), zone, CLOCK);
        String raw = "From: ceo@bank.example.com\r\n\r\nhi\r\n";
        assertThat(checker.check(inspection("203.0.113.7", "ceo@bank.example.com", List.of("ceo@bank.example.com"),
                raw, Direction.OUTBOUND, null, NOW.plusSeconds(30)))).isEmpty();
        assertThat(checker.check(inspection("203.0.113.7", "ceo@bank.example.com", List.of("ceo@bank.example.com"),
                raw, Direction.INBOUND, "ceo", NOW.plusSeconds(30)))).isEmpty();
        assertThat(zone.queries()).isZero();
    }

    @Test
    void aDnsFailureIsATemperrorAndNeverAFailure() {
        Zone zone = strict().servfail("_dmarc.bank.example.com").servfail("bank.example.com");
        List<Finding> f = new AuthChecker(settings(""), zone, CLOCK)
                .check(inbound("203.0.113.7", "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(f).hasSize(1);
        assertThat(f.get(0).detail()).isEqualTo("spf=temperror smtp.mailfrom=bank.example.com; dkim=none; "
                + "dmarc=temperror header.from=bank.example.com");
    }

    @Test
    void anSpfCheckThatCouldNotFinishKeepsDmarcFromFailing() {
        Zone zone = strict().servfail("bank.example.com");
        List<Finding> f = new AuthChecker(settings(""), zone, CLOCK)
                .check(inbound("203.0.113.7", "ceo@bank.example.com", "ceo@bank.example.com"));
        assertThat(f.get(0).detail()).endsWith("dmarc=temperror header.from=bank.example.com");
        assertThat(find(f, AuthChecker.DMARC_FAIL)).isNull();
    }

    @Test
    void everyFromDomainIsJudgedAndAMissingOneSaidSo() {
        List<Finding> f = new AuthChecker(settings(""), strict(), CLOCK)
                .check(inbound("198.51.100.20", "news@shop.com", "news@shop.com", "ceo@bank.example.com"));
        assertThat(f.get(0).detail()).contains("dmarc=pass (p=quarantine) header.from=shop.com")
                .contains("dmarc=fail (p=reject) header.from=bank.example.com");
        assertThat(find(f, AuthChecker.DMARC_FAIL).detail()).contains("bank.example.com");

        List<Finding> none = new AuthChecker(settings(""), strict(), CLOCK).check(inbound("198.51.100.20",
                "news@shop.com"));
        assertThat(none.get(0).detail()).endsWith("dmarc=none (no From domain)");
        List<Finding> bad = new AuthChecker(settings(""), strict(), CLOCK).check(inbound("198.51.100.20",
                "news@shop.com", "news@[192.0.2.1]"));
        assertThat(bad.get(0).detail()).endsWith("dmarc=permerror (no valid From domain)");
    }

    @Test
    void aPassedDeadlineLeavesTemperrorsNotFailures() {
        Zone zone = strict();
        List<Finding> f = new AuthChecker(settings(""), zone, CLOCK).check(inspection("203.0.113.7",
                "ceo@bank.example.com", List.of("ceo@bank.example.com"), "From: ceo@bank.example.com\r\n\r\nhi\r\n",
                Direction.INBOUND, null, NOW.minusSeconds(1)));
        assertThat(f.get(0).detail()).startsWith("spf=temperror")
                .endsWith("dmarc=temperror header.from=bank.example.com");
        assertThat(find(f, AuthChecker.SPF_FAIL)).isNull();
        assertThat(find(f, AuthChecker.DMARC_FAIL)).isNull();
        assertThat(zone.queries()).isZero();
    }

    @Test
    void theSampleBucketIsStableAndSpread() {
        assertThat(AuthChecker.sampleBucket("a@b")).isEqualTo(AuthChecker.sampleBucket("a@b"));
        int[] seen = new int[100];
        for (int i = 0; i < 10_000; i++) {
            seen[AuthChecker.sampleBucket("m" + i + "@example.org")]++;
        }
        for (int n : seen) {
            assertThat(n).isBetween(50, 150);
        }
    }
}
