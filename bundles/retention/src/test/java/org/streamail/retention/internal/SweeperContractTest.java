package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.SweepReport;

/**
 * What the sweeper must do against every real IMAP server ({@link GreenMailSweeperTest} in-JVM,
 * {@link DovecotSweeperTest} with a private Dovecot). Each test uses a fresh mailbox; messages are put in
 * with APPEND and an INTERNALDATE in the past, as a delivery days ago would have left them.
 */
abstract class SweeperContractTest {

    static final String PASSWORD = "user-secret";
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    /**
     * INTERNALDATEs at 09:00 UTC: GreenMail (issue #211, still open in 2.1.5) stores an APPEND date between
     * 12:00 and 12:59 as 00:xx, which would make a test depend on the hour it runs.
     */
    static final Instant DAYS_AGO_30 = NOW.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(9)).minus(Duration.ofDays(30));
    static final Instant DAYS_AGO_10 = DAYS_AGO_30.plus(Duration.ofDays(20));

    final Signer signer = new Signer(SignerTest.KEY);
    final MemoryAuditStore audit = new MemoryAuditStore();

    /** A new, empty mailbox the sweeper may reach. */
    protected abstract String newMailbox() throws Exception;

    /** The IMAP settings (host, port, security, admin login) for the component. */
    protected abstract Map<String, Object> imapSettings(String mailbox);

    /** A client session logged in as the mailbox's owner, for setting up and checking. */
    protected abstract Store userStore(String mailbox) throws MessagingException;

    RetentionComponent component(String mailbox, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(imapSettings(mailbox));
        props.put("mailboxes", mailbox);
        props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
        props.put("internal.domains", "corp.example");
        props.put("trusted.domains", "partner.example");
        props.put("sweep.interval", "");
        props.putAll(extra);
        return new RetentionComponent(TestConfig.of(props), audit, null, Clock.systemUTC(), null, false);
    }

    // ---------------------------------------------------------------- message fixtures

    static String id() {
        return "<" + UUID.randomUUID() + "@corp.example>";
    }

    byte[] signedMessage(String messageId, String term, boolean modifiable) {
        String period = term.startsWith("P") ? "X-Retention-Period: " + term + "\r\n" : "";
        return ("From: ceo@corp.example\r\nTo: user@corp.example\r\nMessage-ID: " + messageId + "\r\n"
                + "Subject: offer " + messageId + "\r\nDate: Thu, 1 Jan 2015 00:00:00 +0000\r\n" + period
                + (modifiable ? "X-Retention-Modifiable: yes\r\n" : "")
                + "X-Streamail-Retention-Sig: " + signer.sign(term, modifiable, messageId) + "\r\n"
                + "\r\nBody of " + messageId + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] plainMessage(String messageId, String extraHeaders) {
        return ("From: someone@stranger.example\r\nTo: user@corp.example\r\nMessage-ID: " + messageId + "\r\n"
                + "Subject: plain\r\n" + extraHeaders + "\r\nplain body\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    void append(String mailbox, String folder, byte[] raw, Instant internalDate, Flags.Flag... flags) throws Exception {
        try (Store store = userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                f.create(Folder.HOLDS_MESSAGES);
            }
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)) {
                @Override
                public Date getReceivedDate() {
                    return Date.from(internalDate);
                }
            };
            for (Flags.Flag flag : flags) {
                m.setFlag(flag, true);
            }
            f.appendMessages(new Message[] {m});
        }
    }

    /** The Message-IDs in a folder, with their flags. */
    Map<String, Flags> contents(String mailbox, String folder) throws Exception {
        Map<String, Flags> out = new HashMap<>();
        try (Store store = userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                return out;
            }
            f.open(Folder.READ_ONLY);
            try {
                for (Message m : f.getMessages()) {
                    String[] ids = m.getHeader("Message-ID");
                    out.put(ids == null ? "" : ids[0].strip(), m.getFlags());
                }
            } finally {
                f.close(false);
            }
        }
        return out;
    }

    Message find(Store store, Folder f, String messageId) throws MessagingException {
        for (Message m : f.getMessages()) {
            String[] ids = m.getHeader("Message-ID");
            if (ids != null && ids[0].strip().equals(messageId)) {
                return m;
            }
        }
        throw new NoSuchElementException(messageId);
    }

    // ---------------------------------------------------------------- the contract

    @Test
    void anExpiredMessageIsDeletedTheOthersKeptAndASecondSweepDeletesNothing() throws Exception {
        String mailbox = newMailbox();
        String expired = id();
        String young = id();
        append(mailbox, "INBOX", signedMessage(expired, "P14D", false), DAYS_AGO_30);
        append(mailbox, "INBOX", signedMessage(young, "P60D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of());

        SweepReport first = retention.sweep();

        assertThat(first.errors()).as(first.problems().toString()).isZero();
        assertThat(first.scanned()).isEqualTo(2);
        assertThat(first.expired()).isEqualTo(1);
        assertThat(first.deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(young);

        SweepReport second = retention.sweep();
        assertThat(second.deleted()).isZero();
        assertThat(second.expired()).isZero();
        assertThat(second.scanned()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(young);

        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.mailbox()).isEqualTo(mailbox);
            assertThat(r.folder()).isEqualTo("INBOX");
            assertThat(r.messageId()).isEqualTo(expired);
            assertThat(r.action()).isEqualTo(AuditRecord.Action.DELETE);
            assertThat(r.contentHash()).hasSize(64)
                    .isEqualTo(RetentionSweeper.sha256(signedMessage(expired, "P14D", false)));
            assertThat(r.expiry()).isEqualTo(DAYS_AGO_30.plus(Duration.ofDays(14)));
            assertThat(r.rule()).isEqualTo("signed:P14D");
            assertThat(r.actor()).isEqualTo("sweeper");
            assertThat(r.dryRun()).isFalse();
            assertThat(r.detail()).contains("uid=");
        });
    }

    @Test
    void theSameMessageInAnExemptFolderIsKeptForever() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        byte[] raw = signedMessage(mid, "P14D", false);
        append(mailbox, "INBOX", raw, DAYS_AGO_30);
        append(mailbox, "Archives", raw, DAYS_AGO_30);
        append(mailbox, "Archives/Local", raw, DAYS_AGO_30);
        append(mailbox, "Archives/Local/2025", raw, DAYS_AGO_30);

        SweepReport report = component(mailbox, Map.of("exempt.folders", "Archives/Local")).sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isEqualTo(2); // INBOX and Archives (not exempt: prefix is by hierarchy)
        assertThat(report.exempt()).isEqualTo(2);
        assertThat(contents(mailbox, "INBOX")).isEmpty();
        assertThat(contents(mailbox, "Archives")).isEmpty();
        assertThat(contents(mailbox, "Archives/Local")).containsOnlyKeys(mid);
        assertThat(contents(mailbox, "Archives/Local/2025")).containsOnlyKeys(mid);
        assertThat(audit.all()).extracting(AuditRecord::folder).containsExactlyInAnyOrder("INBOX", "Archives");
    }

    @Test
    void anotherClientsDeletedFlagIsLeftAlone() throws Exception {
        String mailbox = newMailbox();
        String theirs = id();
        String theirsWithRetention = id();
        String expired = id();
        append(mailbox, "INBOX", plainMessage(theirs, ""), DAYS_AGO_30, Flags.Flag.DELETED);
        append(mailbox, "INBOX", signedMessage(theirsWithRetention, "P60D", false), DAYS_AGO_30, Flags.Flag.DELETED);
        append(mailbox, "INBOX", signedMessage(expired, "P14D", false), DAYS_AGO_30);

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.deleted()).isEqualTo(1);
        Map<String, Flags> left = contents(mailbox, "INBOX");
        assertThat(left).containsOnlyKeys(theirs, theirsWithRetention);
        assertThat(left.get(theirs).contains(Flags.Flag.DELETED)).as("their \\Deleted flag is theirs").isTrue();
    }

    @Test
    void aStrangersHeadersAndAForgedSignatureDeleteNothing() throws Exception {
        String mailbox = newMailbox();
        String stranger = id();
        String forged = id();
        String unsignedInternal = id();
        append(mailbox, "INBOX", plainMessage(stranger, "Expires: Thu, 1 Jan 1970 00:00:00 +0000\r\n"
                + "X-Retention-Period: PT1S\r\n"), DAYS_AGO_30);
        String sig = signer.sign("P60D", false, forged).replace("t=P60D", "t=P1D");
        append(mailbox, "INBOX", ("From: ceo@corp.example\r\nMessage-ID: " + forged + "\r\nX-Retention-Period: P1D\r\n"
                + "X-Streamail-Retention-Sig: " + sig + "\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII), DAYS_AGO_30);
        append(mailbox, "INBOX", ("From: ceo@corp.example\r\nMessage-ID: " + unsignedInternal
                + "\r\nX-Retention-Period: P1D\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII), DAYS_AGO_30);

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.scanned()).isEqualTo(3);
        assertThat(report.expired()).isZero();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(stranger, forged, unsignedInternal);
        assertThat(audit.all()).isEmpty();
    }

    @Test
    void aPartnerAddressBesideAnotherInFromOrInItsCommentDeletesNothing() throws Exception {
        String mailbox = newMailbox();
        String comment = id();
        String twoAddresses = id();
        String twoHeaders = id();
        String genuine = id();
        for (String[] m : List.of(new String[] {comment, "From: x@evil.test (p@partner.example)\r\n"},
                new String[] {twoAddresses, "From: x@evil.test, p@partner.example\r\n"},
                new String[] {twoHeaders, "From: p@partner.example\r\nFrom: x@evil.test\r\n"},
                new String[] {genuine, "From: Partner <p@partner.example>\r\n"})) {
            append(mailbox, "INBOX", (m[1] + "Message-ID: " + m[0] + "\r\nX-Retention-Period: P1D\r\n\r\nx\r\n")
                    .getBytes(StandardCharsets.US_ASCII), DAYS_AGO_30);
        }

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.scanned()).isEqualTo(4);
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(comment, twoAddresses, twoHeaders);
        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.messageId()).isEqualTo(genuine);
            assertThat(r.rule()).isEqualTo("trusted:X-Retention-Period=P1D");
        });
    }

    @Test
    void aRequestedSweepReachesOnlyAConfiguredMailboxUnderItsConfiguredSpelling() throws Exception {
        String mailbox = newMailbox();
        String expired = id();
        append(mailbox, "INBOX", signedMessage(expired, "P14D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of());

        for (String other : List.of("carol@example.org", "x@evil.test", "sweeper", "%", mailbox + ",alice@example.org")) {
            assertThatThrownBy(() -> retention.sweep(other)).as(other).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mailbox " + other + " is not among the configured mailboxes");
        }
        assertThat(audit.all()).isEmpty();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(expired);

        SweepReport report = retention.sweep(mailbox.toUpperCase(java.util.Locale.ROOT));

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.mailboxes()).isEqualTo(1);
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).isEmpty();
        assertThat(audit.all()).singleElement().satisfies(r -> assertThat(r.mailbox()).isEqualTo(mailbox));
    }

    @Test
    void anExtensionReachesOnlyAConfiguredMailboxThatHasNotOptedOut() throws Exception {
        // ninth audit: extend() logged in to any mailbox it was given (with a master user, any on the server) and
        // rewrote the message there, while a requested sweep is limited to the configured mailboxes
        String mailbox = newMailbox();
        String stranger = newMailbox();
        String mid = id();
        append(stranger, "INBOX", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        Instant wanted = NOW.plus(Duration.ofDays(30));

        assertThatThrownBy(() -> component(mailbox, Map.of()).extend(stranger, mid, wanted, "alice"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mailbox " + stranger + " is not among the configured mailboxes");
        assertThatThrownBy(() -> component(stranger, Map.of("optout.mailboxes", stranger)).extend(stranger, mid,
                wanted, "alice")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("opted out");
        assertThat(audit.all()).isEmpty();
        assertThat(contents(stranger, "INBOX")).containsOnlyKeys(mid);
        assertThat(component(stranger, Map.of()).extend(stranger.toUpperCase(java.util.Locale.ROOT), mid, wanted,
                "alice").mailbox()).isEqualTo(stranger);
    }

    @Test
    void aTrustedPartnersExpiresHeaderIsHonouredAndClamped() throws Exception {
        String mailbox = newMailbox();
        String mid = "<p1@partner.example>";
        append(mailbox, "INBOX", ("From: Offers <offers@partner.example>\r\nMessage-ID: " + mid
                + "\r\nExpires: Thu, 1 Jan 1970 00:00:00 +0000\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII),
                DAYS_AGO_10);

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.deleted()).isEqualTo(1);
        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.rule()).startsWith("trusted:Expires=").endsWith("clamped:min.age");
            assertThat(r.expiry()).isEqualTo(DAYS_AGO_10.plus(Duration.ofDays(1)));
        });
    }

    @Test
    void theRecipientMayExtendWhenTheSenderGrantedItAndTheCopyKeepsFlagsAndInternalDate() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", true), DAYS_AGO_10, Flags.Flag.SEEN, Flags.Flag.FLAGGED);
        RetentionComponent retention = component(mailbox, Map.of());
        Instant wanted = NOW.plus(Duration.ofDays(30));

        Extension e = retention.extend(mailbox, mid, wanted, "alice");

        assertThat(e.previousExpiry()).isEqualTo(DAYS_AGO_10.plus(Duration.ofDays(14)));
        assertThat(e.newExpiry()).isEqualTo(wanted);
        assertThat(e.folder()).isEqualTo("INBOX");
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).as("the old copy is gone").isEqualTo(1);
            Message m = find(store, inbox, mid);
            assertThat(m.getReceivedDate().toInstant()).isEqualTo(DAYS_AGO_10);
            assertThat(m.isSet(Flags.Flag.SEEN)).isTrue();
            assertThat(m.isSet(Flags.Flag.FLAGGED)).isTrue();
            assertThat(m.isSet(Flags.Flag.DELETED)).isFalse();
            assertThat(m.getHeader("X-Retention-Period")).isNull();
            assertThat(RetentionDates.parse(m.getHeader("Expires")[0])).contains(wanted);
            Signer.SignedClaim claim = signer.verify(m.getHeader("X-Streamail-Retention-Sig")[0], mid).orElseThrow();
            assertThat(claim.term()).isEqualTo(wanted.toString());
            assertThat(claim.modifiable()).isTrue();
            assertThat(((String) m.getContent()).strip()).isEqualTo("Body of " + mid);
            inbox.close(false);
        }
        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(AuditRecord.Action.EXTEND);
            assertThat(r.actor()).isEqualTo("alice");
            assertThat(r.expiry()).isEqualTo(wanted);
            assertThat(r.detail()).contains("previous=" + DAYS_AGO_10.plus(Duration.ofDays(14)));
        });
        // Its old expiry (4 days from now) no longer applies; a sweep keeps it.
        assertThat(retention.sweep().deleted()).isZero();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(mid);
    }

    @Test
    void aMessageIdWithoutBracketsCanBeExtendedAndALureReusingTheIdDoesNotHideTheGenuineCopy() throws Exception {
        String mailbox = newMailbox();
        String bare = UUID.randomUUID() + "@corp.example"; // written without angle brackets, as some senders do
        append(mailbox, "INBOX", signedMessage(bare, "P14D", true), DAYS_AGO_10);
        RetentionComponent retention = component(mailbox, Map.of());
        Instant wanted = NOW.plus(Duration.ofDays(30));
        assertThat(retention.extend(mailbox, bare, wanted, "alice").newExpiry()).isEqualTo(wanted);
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = find(store, inbox, bare);
            assertThat(signer.verify(m.getHeader("X-Streamail-Retention-Sig")[0], bare)).as("signed for the id as written")
                    .isPresent();
            inbox.close(false);
        }

        // a stranger's message under the same id, without a grant, arrived first: the genuine copy is still found
        String mid = id();
        append(mailbox, "Archive", ("From: x@evil.example\r\nMessage-ID: " + mid + "\r\n\r\nlure\r\n")
                .getBytes(StandardCharsets.US_ASCII), DAYS_AGO_10);
        append(mailbox, "Archive", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        assertThat(retention.extend(mailbox, mid, wanted, "alice").newExpiry()).isEqualTo(wanted);
        assertThat(audit.all()).extracting(AuditRecord::action).containsExactly(AuditRecord.Action.EXTEND,
                AuditRecord.Action.EXTEND_REFUSED, AuditRecord.Action.EXTEND);
    }

    @Test
    void extensionWithoutPermissionOrWithAForgedOneIsRefusedAndAudited() throws Exception {
        String mailbox = newMailbox();
        String notGranted = id();
        String forged = id();
        append(mailbox, "INBOX", signedMessage(notGranted, "P14D", false), DAYS_AGO_10);
        String sig = signer.sign("P14D", false, forged).replace("m=no", "m=yes");
        append(mailbox, "INBOX", ("From: ceo@corp.example\r\nMessage-ID: " + forged + "\r\nX-Retention-Period: P14D\r\n"
                + "X-Retention-Modifiable: yes\r\nX-Streamail-Retention-Sig: " + sig + "\r\n\r\nx\r\n")
                .getBytes(StandardCharsets.US_ASCII), DAYS_AGO_10);
        RetentionComponent retention = component(mailbox, Map.of());
        Instant wanted = NOW.plus(Duration.ofDays(300));

        assertThatThrownBy(() -> retention.extend(mailbox, notGranted, wanted, "alice"))
                .isInstanceOf(SecurityException.class).hasMessageContaining("did not grant");
        assertThatThrownBy(() -> retention.extend(mailbox, forged.substring(1, forged.length() - 1), wanted, "mallory"))
                .isInstanceOf(SecurityException.class);
        assertThatThrownBy(() -> retention.extend(mailbox, "<nope@corp.example>", wanted, "alice"))
                .isInstanceOf(NoSuchElementException.class);

        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(notGranted, forged);
        assertThat(audit.all()).extracting(AuditRecord::action, AuditRecord::actor).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AuditRecord.Action.EXTEND_REFUSED, "alice"),
                org.assertj.core.groups.Tuple.tuple(AuditRecord.Action.EXTEND_REFUSED, "mallory"));
    }

    @Test
    void aDryRunChangesNothingButAuditsWhatItWouldDo() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", false), DAYS_AGO_30);

        SweepReport report = component(mailbox, Map.of("dry.run", true)).sweep();

        assertThat(report.dryRun()).isTrue();
        assertThat(report.expired()).isEqualTo(1);
        assertThat(report.deleted()).isZero();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(mid);
        assertThat(contents(mailbox, "INBOX").get(mid).contains(Flags.Flag.SEEN)).as("read with PEEK").isFalse();
        assertThat(audit.all()).singleElement().satisfies(r -> assertThat(r.dryRun()).isTrue());
    }

    @Test
    void aDryRunExtensionIsAuditedAndLeavesTheMessageAsItIs() throws Exception {
        // eighth audit: extend() rewrote the message even with dry.run = true
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        Instant wanted = NOW.plus(Duration.ofDays(30));

        Extension e = component(mailbox, Map.of("dry.run", true)).extend(mailbox, mid, wanted, "alice");

        assertThat(e.newExpiry()).isEqualTo(wanted);
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = find(store, inbox, mid);
            assertThat(m.getHeader("X-Retention-Period")).containsExactly("P14D");
            assertThat(m.getHeader("Expires")).isNull();
            inbox.close(false);
        }
        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(AuditRecord.Action.EXTEND);
            assertThat(r.dryRun()).isTrue();
        });
    }

    @Test
    void theMoveActionMovesExpiredMailOnceAndNeverSweepsItsTarget() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        String young = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", false), DAYS_AGO_30);
        append(mailbox, "INBOX", signedMessage(young, "P60D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of("action", "move:Expired"));

        SweepReport first = retention.sweep();
        SweepReport second = retention.sweep();

        assertThat(first.moved()).isEqualTo(1);
        assertThat(second.moved()).isZero();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(young);
        assertThat(contents(mailbox, "Expired")).containsOnlyKeys(mid);
        assertThat(audit.all()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(AuditRecord.Action.MOVE);
            assertThat(r.detail()).contains("to=Expired");
        });
    }

    @Test
    void theFlagActionMarksExpiredMailOnceAndLeavesItInPlace() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of("action", "flag"));

        SweepReport first = retention.sweep();
        SweepReport second = retention.sweep();

        assertThat(first.flagged()).isEqualTo(1);
        assertThat(second.flagged()).isZero();
        assertThat(second.scanned()).as("flagged mail is not searched again").isZero();
        Map<String, Flags> left = contents(mailbox, "INBOX");
        assertThat(left).containsOnlyKeys(mid);
        assertThat(left.get(mid).contains("$Expired")).isTrue();
        assertThat(audit.all()).hasSize(1);
    }

    @Test
    void withoutAnAuditTrailNothingIsTouched() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", false), DAYS_AGO_30);
        audit.down = true;

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.errors()).isEqualTo(1);
        assertThat(report.problems().get(0)).contains("database down");
        assertThat(report.deleted()).isZero();
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(mid);
    }

    /** Appends many messages over one connection. */
    void appendAll(String mailbox, List<byte[]> raws, Instant internalDate) throws Exception {
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            List<Message> messages = new ArrayList<>();
            for (byte[] raw : raws) {
                messages.add(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)) {
                    @Override
                    public Date getReceivedDate() {
                        return Date.from(internalDate);
                    }
                });
            }
            inbox.appendMessages(messages.toArray(Message[]::new));
        }
    }

    @Test
    void whatABatchFetchedIsDroppedFromItsMessagesAfterwards() throws Exception {
        String mailbox = newMailbox();
        appendAll(mailbox, List.of(signedMessage(id(), "P14D", false), signedMessage(id(), "P60D", false)), DAYS_AGO_30);
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message[] batch = inbox.getMessages();
            jakarta.mail.FetchProfile fp = new jakarta.mail.FetchProfile();
            fp.add(jakarta.mail.UIDFolder.FetchProfileItem.UID);
            fp.add(jakarta.mail.FetchProfile.Item.FLAGS);
            RetentionHeaders.FETCHED.forEach(fp::add);
            inbox.fetch(batch, fp);
            assertThat(fetchedHeaders(batch[0])).as("fetched").isNotNull();

            RetentionSweeper.forgetFetched(batch);

            for (Message m : batch) {
                assertThat(fetchedHeaders(m)).isNull();
            }
            inbox.close(false);
        }
    }

    /** MimeMessage's protected header store, which IMAPMessage fills on FETCH. */
    private static Object fetchedHeaders(Message m) throws Exception {
        java.lang.reflect.Field f = MimeMessage.class.getDeclaredField("headers");
        f.setAccessible(true);
        return f.get(m);
    }

    /** The Message-ID fields of a folder, one per message (duplicates kept), with the messages' flags. */
    List<Message> all(Store store, String folder) throws MessagingException {
        Folder f = store.getFolder(folder);
        if (!f.exists()) {
            return List.of();
        }
        f.open(Folder.READ_ONLY);
        return List.of(f.getMessages());
    }

    int copies(String mailbox, String folder, String mid) throws Exception {
        try (Store store = userStore(mailbox)) {
            int n = 0;
            for (Message m : all(store, folder)) {
                String[] ids = m.getHeader("Message-ID");
                if (ids != null && ids[0].strip().equals(mid)) {
                    n++;
                    assertThat(m.isSet(Flags.Flag.DELETED)).as("a copy in " + folder + " marked \\Deleted").isFalse();
                }
            }
            return n;
        }
    }

    int port(String mailbox) {
        return ((Number) imapSettings(mailbox).get("imap.port")).intValue();
    }

    /**
     * Brief retention-2, finding 1: a move on a server without MOVE is UID COPY + \Deleted + UID EXPUNGE. A
     * connection lost after the COPY left the message in INBOX and a copy in the target, and the next sweep copied
     * it again: one more copy in the target per interruption (the third one even marked \Deleted, as COPY keeps
     * flags). The next sweep now finds the earlier copy and only removes the message from INBOX.
     */
    @Test
    void aMoveCutOffAfterItsCopyIsFinishedByTheNextSweepWithoutASecondCopy() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", false), DAYS_AGO_30);
        try (CuttingImapProxy proxy = new CuttingImapProxy(port(mailbox), true)) {
            RetentionComponent retention = component(mailbox, Map.of("action", "move:Expired",
                    "imap.port", proxy.port()));

            proxy.cutBefore("+FLAGS.SILENT (\\Deleted)");
            SweepReport cutAfterCopy = retention.sweep();
            assertThat(proxy.cutHappened()).isTrue();
            assertThat(cutAfterCopy.errors()).isPositive();
            assertThat(copies(mailbox, "Expired", mid)).as("copied before the cut").isEqualTo(1);
            assertThat(copies(mailbox, "INBOX", mid)).isEqualTo(1);

            proxy.cutBefore("UID EXPUNGE");
            SweepReport cutBeforeExpunge = retention.sweep();
            assertThat(proxy.cutHappened()).isTrue();
            assertThat(cutBeforeExpunge.errors()).isPositive();

            SweepReport last = retention.sweep();

            assertThat(last.errors()).as(last.problems().toString()).isZero();
            assertThat(last.moved()).isEqualTo(1);
        }
        assertThat(contents(mailbox, "INBOX")).isEmpty();
        assertThat(copies(mailbox, "Expired", mid)).as("copies in the target").isEqualTo(1);
        try (Store store = userStore(mailbox)) {
            assertThat(all(store, "Expired")).singleElement().satisfies(m -> assertThat(m.getFlags().getUserFlags())
                    .doesNotContain(UnfinishedSteps.MOVING));
        }
        assertThat(component(mailbox, Map.of("action", "move:Expired")).sweep().moved()).isZero();
    }

    /**
     * Brief retention-3, finding 2: a cut move of a message WITHOUT a Message-ID could not be recognised in the
     * target and was copied again by every next sweep (a duplicate per interruption). Such a message is now looked
     * for in the target by its exact size and proven by its SHA-256. A message of the same size but other bytes
     * already in the target is no proof: a move cut before its COPY still copies.
     */
    @Test
    void aMoveWithoutMessageIdCutOffAfterItsCopyIsFinishedWithoutASecondCopyAndASameSizeMessageIsNoProof()
            throws Exception {
        String mailbox = newMailbox();
        byte[] raw = ("From: Offers <offers@partner.example>\r\nSubject: x-no-id\r\n"
                + "Expires: Thu, 1 Jan 1970 00:00:00 +0000\r\n\r\nbody of x\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] decoy = ("From: Offers <offers@partner.example>\r\nSubject: d-no-id\r\n"
                + "Expires: Thu, 1 Jan 1970 00:00:00 +0000\r\n\r\nbody of d\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(decoy).hasSameSizeAs(raw);
        append(mailbox, "INBOX", raw, DAYS_AGO_10);
        append(mailbox, "Expired", decoy, DAYS_AGO_10);
        try (CuttingImapProxy proxy = new CuttingImapProxy(port(mailbox), true)) {
            RetentionComponent retention = component(mailbox, Map.of("action", "move:Expired",
                    "imap.port", proxy.port()));

            proxy.cutBefore("UID COPY");
            retention.sweep();
            assertThat(proxy.cutHappened()).isTrue();
            assertThat(subjects(mailbox, "Expired")).containsExactly("d-no-id");

            proxy.cutBefore("+FLAGS.SILENT (\\Deleted)");
            retention.sweep();
            assertThat(proxy.cutHappened()).isTrue();
            assertThat(subjects(mailbox, "Expired")).as("copied although a same-size message was there")
                    .containsExactlyInAnyOrder("d-no-id", "x-no-id");

            proxy.cutBefore("UID EXPUNGE");
            retention.sweep();
            assertThat(proxy.cutHappened()).isTrue();

            SweepReport last = retention.sweep();
            assertThat(last.errors()).as(last.problems().toString()).isZero();
            assertThat(last.moved()).isEqualTo(1);
        }
        assertThat(subjects(mailbox, "INBOX")).isEmpty();
        assertThat(subjects(mailbox, "Expired")).as("one copy in the target").containsExactlyInAnyOrder("d-no-id",
                "x-no-id");
        try (Store store = userStore(mailbox)) {
            for (Message m : all(store, "Expired")) {
                assertThat(m.getHeader("Message-ID")).isNull();
                assertThat(m.isSet(Flags.Flag.DELETED)).isFalse();
                if (m.getSubject().equals("x-no-id")) {
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    m.writeTo(bytes);
                    assertThat(bytes.toByteArray()).isEqualTo(raw);
                }
            }
        }
    }

    /** The subjects of a folder's messages, in the server's order (one per message, duplicates kept). */
    List<String> subjects(String mailbox, String folder) throws Exception {
        try (Store store = userStore(mailbox)) {
            List<String> out = new ArrayList<>();
            for (Message m : all(store, folder)) {
                out.add(m.getSubject());
            }
            return out;
        }
    }

    /**
     * Brief retention-2, finding 1: an extension APPENDs the re-signed copy and then removes the old one. Cut in
     * between, it left both; the old copy stayed until its old date, and a second extension chose the old copy
     * (found first) and wrote a third. The next sweep (or extension) now removes the old copy, audited.
     */
    @Test
    void anExtensionCutOffAfterItsAppendIsFinishedByTheNextSweep() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P60D", true), DAYS_AGO_10, Flags.Flag.SEEN);
        Instant wanted = NOW.plus(Duration.ofDays(90)).truncatedTo(ChronoUnit.SECONDS);
        try (CuttingImapProxy proxy = new CuttingImapProxy(port(mailbox), false)) {
            RetentionComponent cutting = component(mailbox, Map.of("imap.port", proxy.port()));
            proxy.cutBefore("+FLAGS.SILENT (\\Deleted)");
            assertThatThrownBy(() -> cutting.extend(mailbox, mid, wanted, "alice"))
                    .isInstanceOf(org.streamail.api.retention.RetentionException.class);
            assertThat(proxy.cutHappened()).isTrue();
        }
        assertThat(copies(mailbox, "INBOX", mid)).as("both copies after the cut").isEqualTo(2);
        RetentionComponent retention = component(mailbox, Map.of());

        SweepReport report = retention.sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isZero();
        assertThat(copies(mailbox, "INBOX", mid)).as("the old copy removed").isEqualTo(1);
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = find(store, inbox, mid);
            assertThat(RetentionDates.parse(m.getHeader("Expires")[0])).contains(wanted);
            assertThat(m.isSet(Flags.Flag.SEEN)).isTrue();
            assertThat(m.getFlags().getUserFlags()).doesNotContain(UnfinishedSteps.REPLACING);
        }
        assertThat(audit.all()).filteredOn(r -> r.detail().startsWith("finished:")).singleElement()
                .satisfies(r -> assertThat(r.action()).isEqualTo(AuditRecord.Action.EXTEND));
        Instant later = wanted.plus(Duration.ofDays(10));
        retention.extend(mailbox, mid, later, "alice");
        assertThat(copies(mailbox, "INBOX", mid)).as("a second extension makes no second copy").isEqualTo(1);
    }

    /** An extension cut off before its APPEND leaves the message as it was; the next run only drops the mark. */
    @Test
    void anExtensionCutOffBeforeItsAppendLeavesTheOnlyCopyInPlace() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P60D", true), DAYS_AGO_10);
        try (CuttingImapProxy proxy = new CuttingImapProxy(port(mailbox), false)) {
            RetentionComponent cutting = component(mailbox, Map.of("imap.port", proxy.port()));
            proxy.cutBefore("APPEND");
            assertThatThrownBy(() -> cutting.extend(mailbox, mid, NOW.plus(Duration.ofDays(90)), "alice"))
                    .isInstanceOf(org.streamail.api.retention.RetentionException.class);
            assertThat(proxy.cutHappened()).isTrue();
        }
        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(copies(mailbox, "INBOX", mid)).isEqualTo(1);
        try (Store store = userStore(mailbox)) {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            Message m = find(store, inbox, mid);
            assertThat(m.getHeader("X-Retention-Period")).containsExactly("P60D");
            assertThat(m.getFlags().getUserFlags()).doesNotContain(UnfinishedSteps.REPLACING);
        }
    }

    /**
     * Brief retention-2, finding 2: only the first copy of a message was extended; a copy the recipient had filed
     * in another folder kept its old date and vanished then, although the recipient had asked to keep the
     * message. Every copy in the mailbox that grants it is extended now, each audited.
     */
    @Test
    void anExtensionChangesEveryCopyOfTheMessageInTheMailbox() throws Exception {
        String mailbox = newMailbox();
        String mid = id();
        append(mailbox, "INBOX", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        append(mailbox, "INBOX", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        append(mailbox, "Projects", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        Instant wanted = NOW.plus(Duration.ofDays(30));

        Extension e = component(mailbox, Map.of()).extend(mailbox, mid, wanted, "alice");

        assertThat(e.newExpiry()).isEqualTo(wanted);
        try (Store store = userStore(mailbox)) {
            for (String folder : List.of("INBOX", "Projects")) {
                Folder f = store.getFolder(folder);
                f.open(Folder.READ_ONLY);
                assertThat(f.getMessageCount()).as(folder).isEqualTo(folder.equals("INBOX") ? 2 : 1);
                for (Message m : f.getMessages()) {
                    assertThat(RetentionDates.parse(m.getHeader("Expires")[0])).as(folder).contains(wanted);
                }
                f.close(false);
            }
        }
        assertThat(audit.all()).hasSize(3).allSatisfy(r -> assertThat(r.action()).isEqualTo(AuditRecord.Action.EXTEND))
                .extracting(AuditRecord::folder).containsExactlyInAnyOrder("INBOX", "INBOX", "Projects");
    }

    /**
     * Brief retention-3, finding 1 (retention-2's finding 3 went further): a mailbox with more folders than the bound
     * used to have the folders past the first ones (in the server's LIST order) never swept; the cut was only a WARN.
     * Now each run sweeps at most the bound, sorted by name, going on where the previous run stopped, so that with a
     * bound of 3 the eight folders (seven with expired mail, and INBOX) are all swept within three runs, and the
     * exempt ones in none. Each run says which part it sweeps in a WARN line.
     */
    @Test
    void foldersPastTheBoundAreSweptByTheNextRunsAndExemptOnesByNone() throws Exception {
        String mailbox = newMailbox();
        List<String> folders = List.of("Zeta", "Projects", "Alpha", "Receipts", "Projects/Beta", "Mid", "Beta");
        Map<String, String> ids = new HashMap<>();
        for (String folder : folders) {
            ids.put(folder, id());
            append(mailbox, folder, signedMessage(ids.get(folder), "P14D", false), DAYS_AGO_30);
        }
        String kept = id();
        append(mailbox, "Archives/Local", signedMessage(kept, "P14D", false), DAYS_AGO_30);
        append(mailbox, "Archives/Local/Old", signedMessage(kept, "P14D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of());
        retention.maxFolders = 3;
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        List<SweepReport> runs = new ArrayList<>();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int run = 0; run < 3; run++) {
                runs.add(retention.sweep());
            }
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        err.print(log);

        assertThat(runs).allSatisfy(r -> assertThat(r.errors()).as(r.problems().toString()).isZero());
        // 8 or 9 folders to sweep (the seven, INBOX, and on some servers the parent Archives): three runs of three
        assertThat(runs).allSatisfy(r -> assertThat(r.deleted()).isBetween(1L, 3L));
        assertThat(runs.stream().mapToLong(SweepReport::deleted).sum()).isEqualTo(7);
        for (String folder : folders) {
            assertThat(contents(mailbox, folder)).as(folder).isEmpty();
        }
        assertThat(contents(mailbox, "Archives/Local")).containsOnlyKeys(kept);
        assertThat(contents(mailbox, "Archives/Local/Old")).containsOnlyKeys(kept);
        assertThat(audit.all()).hasSize(7).extracting(AuditRecord::messageId)
                .containsExactlyInAnyOrderElementsOf(ids.values());
        for (String part : List.of("1-3", "4-6", "7-[89]")) {
            assertThat(log).containsPattern("WARN .*" + java.util.regex.Pattern.quote(mailbox + ": folders ") + part
                    + " of [89] this run");
        }
        // a new cycle starts at the first folder again
        append(mailbox, "Alpha", signedMessage(id(), "P14D", false), DAYS_AGO_30);
        append(mailbox, "Zeta", signedMessage(id(), "P14D", false), DAYS_AGO_30);
        assertThat(retention.sweep().deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "Alpha")).isEmpty();
        assertThat(contents(mailbox, "Zeta")).hasSize(1);
    }

    /**
     * Brief retention-3, finding 1 (consequence): now that a sweep reaches the folders past the bound in later runs,
     * an extension must find a message there too; it searched only the first folders in the server's LIST order and
     * answered "no message", and the sweep would then have deleted what the recipient asked to keep.
     */
    @Test
    void aMessageInAFolderPastTheBoundCanBeExtended() throws Exception {
        String mailbox = newMailbox();
        for (String folder : List.of("A", "B", "C")) {
            append(mailbox, folder, signedMessage(id(), "P60D", false), DAYS_AGO_10);
        }
        String mid = id();
        append(mailbox, "Zeta", signedMessage(mid, "P14D", true), DAYS_AGO_10);
        RetentionComponent retention = component(mailbox, Map.of());
        retention.maxFolders = 2;
        Instant wanted = NOW.plus(Duration.ofDays(90));

        Extension e = retention.extend(mailbox, mid, wanted, "alice");

        assertThat(e.folder()).isEqualTo("Zeta");
        assertThat(e.newExpiry()).isEqualTo(wanted);
        try (Store store = userStore(mailbox)) {
            assertThat(all(store, "Zeta")).singleElement().satisfies(m -> assertThat(RetentionDates.parse(
                    m.getHeader("Expires")[0])).contains(wanted));
        }
    }

    /**
     * Brief retention-2, finding 5 (confirmed, nothing to fix): a mailbox listed in {@code optout.mailboxes} is
     * never logged in to by a full sweep (counted as exempt), whatever the case it is written in, and a requested
     * sweep of it is refused.
     */
    @Test
    void anOptedOutMailboxIsNeverSwept() throws Exception {
        String mailbox = newMailbox();
        String optedOut = newMailbox();
        String gone = id();
        String kept = id();
        append(mailbox, "INBOX", signedMessage(gone, "P14D", false), DAYS_AGO_30);
        append(optedOut, "INBOX", signedMessage(kept, "P14D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of("mailboxes", mailbox + ", " + optedOut,
                "optout.mailboxes", optedOut.toUpperCase(java.util.Locale.ROOT)));

        SweepReport report = retention.sweep();

        assertThat(report.mailboxes()).isEqualTo(1);
        assertThat(report.exempt()).isEqualTo(1);
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).isEmpty();
        assertThat(contents(optedOut, "INBOX")).containsOnlyKeys(kept);
        assertThatThrownBy(() -> retention.sweep(optedOut)).isInstanceOf(IllegalArgumentException.class);
        assertThat(contents(optedOut, "INBOX")).containsOnlyKeys(kept);
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
