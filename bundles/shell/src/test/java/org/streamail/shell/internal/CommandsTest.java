package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/** Each command's execute() against in-memory services, asserting what it prints. */
class CommandsTest extends CommandTestSupport {

    static final byte[] MESSAGE = "From: a@evil.example\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    final InMemoryGateway gateway = new InMemoryGateway();

    @TempDir
    Path dir;




    static void assertFails(Callable<Object> command, String messagePart) {
        assertThatThrownBy(command::call).isInstanceOf(CommandFailure.class).hasMessageContaining(messagePart);
    }

    // ---- status

    @Test
    void statusPrintsReadinessDetectorsQueuesAndCounters() throws Exception {
        StatusCommand c = new StatusCommand();
        c.status = gateway.status;
        String out = run(c::execute);
        assertThat(out).contains("Ready:      yes", "Detectors:  phishing, content", "Mandatory:  content",
                "Spooled:    2", "Deferred:   1", "Started:    2026-01-02 03:04:05Z", "received = 10", "DELIVER = 7");

        gateway.ready = false;
        assertThat(run(c::execute)).contains("Ready:      NO - mandatory detector missing: content");
    }

    @Test
    void commandWithoutItsServiceSaysWhichIsMissing() {
        assertFails(new StatusCommand()::execute, "gateway core (GatewayStatus) is not available");
        assertFails(new DirectoryListCommand()::execute, "directory (store) is not available");
    }

    // ---- scan

    ScanCommand scan(String file) {
        ScanCommand c = new ScanCommand();
        c.scanner = gateway.scanner;
        c.file = file;
        return c;
    }

    @Test
    void scanPrintsActionScoreCategoriesAndEveryFinding() throws Exception {
        Path eml = Files.write(dir.resolve("phish.eml"), MESSAGE);
        ScanCommand c = scan(eml.toString());
        c.sender = "bad@evil.example";
        c.recipients = new ArrayList<>(List.of("alice@corp.example"));
        c.clientIp = "192.0.2.9";

        String out = run(c::execute);

        assertThat(out).contains("Scan id:     scan-1", "Subject:     Your account", "Action:      QUARANTINE",
                "Score:       9.5", "Categories:  PHISHING", "Reason:      score 9.5 >= quarantine.score 8.0");
        assertThat(out).containsPattern("phishing/link-text-mismatch\\s+\\|\\s+4\\.0\\s+\\|\\s+PHISHING\\s+\\|\\s+1\\.2"
                + "\\s+\\|\\s+text shows bank\\.example, link goes to evil\\.example");
        assertThat(out).contains("phishing/credential-request", "asks for a password");
        assertThat(gateway.lastScanBytes).isEqualTo(MESSAGE);
        assertThat(gateway.lastScanEnvelope.sender()).isEqualTo("bad@evil.example");
        assertThat(gateway.lastScanEnvelope.recipients()).containsExactly("alice@corp.example");
        assertThat(gateway.lastScanEnvelope.clientIp()).isEqualTo("192.0.2.9");
    }

    @Test
    void scanRefusesAnEnvelopeThatRestWouldRefuse() throws Exception {
        Path eml = Files.write(dir.resolve("m2.eml"), MESSAGE);
        ScanCommand ip = scan(eml.toString());
        ip.clientIp = "notanip";
        assertFails(ip::execute, "--client-ip must be an IPv4 or IPv6 address, got notanip");
        ScanCommand badIp = scan(eml.toString());
        badIp.clientIp = "300.1.1.1";
        assertFails(badIp::execute, "--client-ip");
        ScanCommand sender = scan(eml.toString());
        sender.sender = "bad";
        assertFails(sender::execute, "--sender must be an address local@domain, got bad");
        ScanCommand rcpt = scan(eml.toString());
        rcpt.recipients = new ArrayList<>(List.of("alsobad"));
        assertFails(rcpt::execute, "--rcpt must be an address");
        assertThat(gateway.lastScanBytes).isNull(); // nothing was scanned
        ScanCommand v6 = scan(eml.toString());
        v6.clientIp = "2001:db8::5";
        assertThat(run(v6::execute)).contains("Action:");
    }

    @Test
    void scanResolvesARelativeFileAgainstTheSessionDirectory() throws Exception {
        Files.write(dir.resolve("m.eml"), MESSAGE);
        ScanCommand c = scan("m.eml");
        c.session = ShellFakes.session(Map.of(), dir);
        assertThat(run(c::execute)).contains("Action:      QUARANTINE");
    }

    @Test
    void scanOfAMissingEmptyOversizedFileOrADirectoryIsAClearError() throws Exception {
        assertFails(scan(dir.resolve("nope.eml").toString())::execute, "No such file");
        assertFails(scan(dir.toString())::execute, "Not a regular file");
        assertFails(scan(Files.createFile(dir.resolve("empty.eml")).toString())::execute, "The file is empty");
        Path big = dir.resolve("big.eml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(ScanCommand.MAX_SIZE + 1); // sparse: costs no disk
        }
        assertFails(scan(big.toString())::execute, "more than the 26214400 bytes");
        assertThat(gateway.lastScanBytes).isNull();
    }

    // ---- messages

    @Test
    void messagesPrintsTheLogNewestFirstWithLimitAndActionFilter() throws Exception {
        gateway.logged("m1", Verdict.clean(), 1);
        gateway.logged("m2", InMemoryGateway.PHISHING, 2);
        gateway.logged("m3", null, 3);
        MessagesCommand c = new MessagesCommand();
        c.messageLog = gateway.messageLog;

        String all = run(c::execute);
        assertThat(all.indexOf("m3")).isLessThan(all.indexOf("m2")).isLessThan(all.indexOf("m1"));
        assertThat(all).contains("sender@example.org", "alice@corp.example", "subject m2", "QUARANTINE", "9.5",
                "RECEIVED");
        assertThat(gateway.lastLogQuery.limit()).isEqualTo(20);

        c.action = "quarantine";
        c.limit = 5;
        String filtered = run(c::execute);
        assertThat(filtered).contains("m2").doesNotContain("m1 ").doesNotContain("subject m3");
        assertThat(gateway.lastLogQuery.action()).isEqualTo(Action.QUARANTINE);
        assertThat(gateway.lastLogQuery.limit()).isEqualTo(5);
    }

    @Test
    void messagesWithBadActionOrLimitIsAClearError() {
        MessagesCommand c = new MessagesCommand();
        c.messageLog = gateway.messageLog;
        c.action = "BOUNCE";
        assertFails(c::execute, "Unknown action 'BOUNCE'; use one of [DELIVER, TAG, QUARANTINE, REJECT]");
        c.action = null;
        c.limit = 0;
        assertFails(c::execute, "--limit must be between 1 and 1000");
    }

    @Test
    void emptyMessageLogSaysSo() throws Exception {
        MessagesCommand c = new MessagesCommand();
        c.messageLog = gateway.messageLog;
        assertThat(run(c::execute)).contains("No messages");
    }

    // ---- quarantine

    @Test
    void quarantineListShowsHeldEntriesAndOtherStatusesOnRequest() throws Exception {
        gateway.hold("q1", "first one", InMemoryGateway.PHISHING, MESSAGE);
        gateway.hold("q2", "second one", InMemoryGateway.PHISHING, MESSAGE);
        gateway.quarantine.release("q2", "root");
        QuarantineListCommand c = new QuarantineListCommand();
        c.quarantine = gateway.quarantine;

        String held = run(c::execute);
        assertThat(held).contains("q1", "first one", "bad@evil.example", "alice@corp.example", "9.5", "PHISHING")
                .doesNotContain("second one");

        c.status = "any";
        assertThat(run(c::execute)).contains("first one", "second one", "RELEASED");

        c.status = "gone";
        assertFails(c::execute, "Unknown status 'gone'");
    }

    @Test
    void quarantineShowPrintsEnvelopeVerdictAndFindings() throws Exception {
        gateway.hold("q1", "Invoice \u001b[31mred", InMemoryGateway.PHISHING, MESSAGE);
        QuarantineShowCommand c = new QuarantineShowCommand();
        c.quarantine = gateway.quarantine;
        c.id = "q1";
        String out = run(c::execute);
        assertThat(out).contains("Id:          q1", "Status:      HELD", "From:        bad@evil.example",
                "To:          alice@corp.example", "Client:      192.0.2.1 (HELO evil)", "Action:      QUARANTINE",
                "phishing/link-text-mismatch", "asks for a password");
        assertThat(out).as("released to no one on their own").doesNotContain("eleased to");
        assertThat(out).as("terminal escapes from a hostile subject are neutralised")
                .contains("Subject:     Invoice ?[31mred").doesNotContain("\u001b[31m");

        c.id = "nope";
        assertFails(c::execute, "No quarantined message with id nope");
    }

    @Test
    void releasePrintsTheRecipientsAndRecordsTheSessionUser() throws Exception {
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, MESSAGE);
        QuarantineReleaseCommand c = new QuarantineReleaseCommand();
        c.quarantine = gateway.quarantine;
        c.session = ShellFakes.session(Map.of("USER", "admin"), null);
        c.id = "q1";

        assertThat(run(c::execute)).contains("Released q1 to alice@corp.example (by admin)");
        assertThat(gateway.held.get("q1").actedBy()).isEqualTo("admin");

        assertFails(c::execute, "Cannot release q1: it is not held (status RELEASED)");
        c.id = "q9";
        assertFails(c::execute, "No quarantined message with id q9");
    }

    @Test
    void releaseToOneRecipientReleasesTheirCopyAndShowAndListSayWhoItWasReleasedTo() throws Exception {
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example");
        QuarantineReleaseCommand c = new QuarantineReleaseCommand();
        c.quarantine = gateway.quarantine;
        c.session = ShellFakes.session(Map.of("USER", "admin"), null);
        c.id = "q1";
        c.recipient = "Bob@Corp.Example";

        assertThat(run(c::execute)).contains("Released q1 to Bob@Corp.Example (by admin); still held for"
                + " alice@corp.example");
        assertThat(gateway.held.get("q1").status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(gateway.held.get("q1").releasedTo()).containsExactly("bob@corp.example");

        QuarantineShowCommand show = new QuarantineShowCommand();
        show.quarantine = gateway.quarantine;
        show.id = "q1";
        assertThat(run(show::execute)).contains("Status:      HELD", "Released to: bob@corp.example");
        QuarantineListCommand list = new QuarantineListCommand();
        list.quarantine = gateway.quarantine;
        assertThat(run(list::execute)).contains("HELD, released to: bob@corp.example");

        assertFails(c::execute, "Cannot release q1 to Bob@Corp.Example: it was released to them already");
        c.recipient = "mallory@evil.example";
        assertFails(c::execute, "mallory@evil.example is not a recipient of q1");
        c.recipient = "bad\u001b[2Jaddress";
        assertFails(c::execute, "--recipient must be an address, got 'bad?[2Jaddress'");
        c.recipient = "alice@corp.example";
        gateway.releaseFailure = new IllegalStateException("quarantine entry q1 is being released to alice already");
        assertFails(c::execute, "Cannot release q1 to alice@corp.example now: quarantine entry q1 is being released");
        gateway.releaseFailure = null;
        assertThat(run(c::execute)).contains("Released q1 to alice@corp.example (by admin); now released to every"
                + " recipient");
        assertThat(gateway.held.get("q1").status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertFails(c::execute, "Cannot release q1 to alice@corp.example: it was released to them already");
        c.id = "q9";
        assertFails(c::execute, "No quarantined message with id q9");

        // a release to everyone of a message released to one of them before names the others only
        gateway.hold("q2", "s", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example",
                "carol@corp.example");
        gateway.quarantine.releaseTo("q2", "bob@corp.example", "admin");
        QuarantineReleaseCommand all = new QuarantineReleaseCommand();
        all.quarantine = gateway.quarantine;
        all.session = ShellFakes.session(Map.of("USER", "admin"), null);
        all.id = "q2";
        assertThat(run(all::execute)).contains("Released q2 to alice@corp.example, carol@corp.example (by admin)");
        c.id = "q2";
        c.recipient = "carol@corp.example";
        assertFails(c::execute, "Cannot release q2 to carol@corp.example: it is not held (status RELEASED)");
    }

    @Test
    void deleteWithoutASessionUserRecordsShellAsTheActor() throws Exception {
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, MESSAGE);
        QuarantineDeleteCommand c = new QuarantineDeleteCommand();
        c.quarantine = gateway.quarantine;
        c.id = "q1";

        assertThat(run(c::execute)).contains("Deleted q1 (by shell)");
        assertThat(gateway.held.get("q1").status()).isEqualTo(QuarantineEntry.Status.DELETED);
        assertThat(gateway.raws).doesNotContainKey("q1");
        assertFails(c::execute, "Cannot delete q1: it is not held (status DELETED)");
    }

    // ---- directory

    @Test
    void directoryAddListAndRemove() throws Exception {
        DirectoryAddCommand add = new DirectoryAddCommand();
        add.directory = gateway.directory;
        add.address = "Alice@Corp.Example";
        add.displayName = "Alice Liddell";
        assertThat(run(add::execute)).contains("Registered alice@corp.example (Alice Liddell)");
        add.displayName = "Alice L.";
        assertThat(run(add::execute)).contains("Updated alice@corp.example (Alice L.)");

        DirectoryListCommand list = new DirectoryListCommand();
        list.directory = gateway.directory;
        assertThat(run(list::execute)).contains("Protected domains: b.example, corp.example", "alice@corp.example",
                "Alice L.", "2026-01-02 03:04:05Z");

        DirectoryRemoveCommand remove = new DirectoryRemoveCommand();
        remove.directory = gateway.directory;
        remove.address = "alice@corp.example";
        assertThat(run(remove::execute)).contains("Removed alice@corp.example");
        assertThat(gateway.addresses).isEmpty();
        assertFails(remove::execute, "No registered address alice@corp.example");
        assertThat(run(list::execute)).contains("No registered addresses");
    }

    @Test
    void directoryAddOfAForeignAddressGivesTheDirectorysReason() {
        DirectoryAddCommand add = new DirectoryAddCommand();
        add.directory = gateway.directory;
        add.address = "x@other.example";
        // the directory's reason already names the address: said once
        assertFails(add::execute, "Cannot register 'x@other.example': other.example is not a protected domain");
        add.address = "a@corp.example";
        add.displayName = "bad\u0007name";
        assertFails(add::execute, "without control characters");
        assertThat(gateway.addresses).isEmpty();
    }

    // ---- completers

    @Test
    void quarantineIdCompleterOffersHeldIdsMatchingWhatWasTyped() {
        gateway.hold("abc-1", "s", InMemoryGateway.PHISHING, MESSAGE);
        gateway.hold("abd-2", "s", InMemoryGateway.PHISHING, MESSAGE);
        gateway.hold("xyz-3", "s", InMemoryGateway.PHISHING, MESSAGE);
        gateway.quarantine.delete("abd-2", "root");
        QuarantineIdCompleter completer = new QuarantineIdCompleter();
        completer.quarantine = gateway.quarantine;

        List<String> candidates = new ArrayList<>();
        completer.complete(null, ShellFakes.typing("ab"), candidates);
        assertThat(candidates).extracting(String::strip).containsExactly("abc-1");
    }

    @Test
    void completersOfferNothingWhenTheServiceIsMissingOrFailing() {
        List<String> candidates = new ArrayList<>();
        new QuarantineIdCompleter().complete(null, ShellFakes.typing(""), candidates);
        assertThat(candidates).isEmpty();

        QuarantineIdCompleter failing = new QuarantineIdCompleter();
        failing.quarantine = new FailingQuarantine();
        failing.complete(null, ShellFakes.typing(""), candidates);
        assertThat(candidates).isEmpty();
    }

    @Test
    void directoryAddressCompleterOffersRegisteredAddresses() {
        gateway.directory.add("alice@corp.example", "");
        gateway.directory.add("bob@corp.example", "");
        DirectoryAddressCompleter completer = new DirectoryAddressCompleter();
        completer.directory = gateway.directory;
        List<String> candidates = new ArrayList<>();
        completer.complete(null, ShellFakes.typing("b"), candidates);
        assertThat(candidates).extracting(String::strip).containsExactly("bob@corp.example");
    }

    /** A quarantine whose store is down. */
    static final class FailingQuarantine implements QuarantineService {
        @Override
        public List<QuarantineEntry> list(QuarantineQuery query) {
            throw new org.streamail.api.store.StoreException("database down");
        }

        @Override
        public java.util.Optional<QuarantineEntry> get(String id) {
            throw new org.streamail.api.store.StoreException("database down");
        }

        @Override
        public java.util.Optional<byte[]> raw(String id) {
            throw new org.streamail.api.store.StoreException("database down");
        }

        @Override
        public QuarantineEntry release(String id, String actor) {
            throw new org.streamail.api.store.StoreException("database down");
        }

        @Override
        public QuarantineEntry releaseTo(String id, String recipient, String actor) {
            throw new org.streamail.api.store.StoreException("database down");
        }

        @Override
        public QuarantineEntry delete(String id, String actor) {
            throw new org.streamail.api.store.StoreException("database down");
        }
    }
}
