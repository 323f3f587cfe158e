package org.streamail.smtp.internal.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.store.Directory.RecipientCheck;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.internal.command.StartTLSCommand;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.Session;

/**
 * Streamail's SMTP commands, installed over all of subethasmtp's. subethasmtp still reads each command line
 * (CRLF only, bare CR/LF answered 501 and the connection closed, lines from 998 characters on answered 501 and
 * closed) and routes it here by verb; unknown verbs get subethasmtp's own {@code 500} and are not counted
 * towards {@code max.errors}: {@code CommandHandler.handleCommand} (a final class) answers them itself when
 * its exact-key lookup finds no command, and neither the server builder nor the session offers a fallback
 * command, a command-handler setter or a reply hook. What bounds such a session is {@code max.session.seconds}:
 * past it our next command answers 421 4.4.2, and the engine's reaper closes a session that sends none of ours.
 *
 * <p>Every command runs on its session's thread, one at a time per session; the commands themselves are
 * stateless and shared by all sessions.
 */
final class SmtpCommands {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpCommands.class);

    /** RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF. */
    static final int MAX_COMMAND_LINE = 512;

    private static final SmtpReply TEMPORARY_FAILURE =
            SmtpReply.of(451, "4.3.0", "temporary failure, try again later");
    /** MAIL FROM before STARTTLS on a listener with {@code tls.required} (RFC 3207 4). */
    static final SmtpReply MUST_STARTTLS = SmtpReply.of(530, "5.7.0", "Must issue a STARTTLS command first");
    /** Outbound: a second recipient of a message with the null sender. */
    static final SmtpReply NULL_SENDER_ONE_RECIPIENT =
            SmtpReply.of(550, "5.7.1", "a message with the null sender has one recipient");
    /** Outbound: a message with the null sender that is not a delivery report. */
    static final SmtpReply NULL_SENDER_NOT_A_REPORT =
            SmtpReply.of(550, "5.7.1", "a message with the null sender must be a delivery report");
    /**
     * Inbound, {@code harvest.action} refuse: any recipient of a client over the harvest limit. Temporary, so a
     * legitimate server with an old list delivers later; the same for known and unknown addresses, so the client
     * learns nothing of the directory.
     */
    static final SmtpReply HARVEST_REFUSED =
            SmtpReply.of(450, "4.7.1", "too many unknown recipients from your address, try again later");

    private SmtpCommands() {
    }

    /** Replaces every command subethasmtp registered (and adds a few refusals) with ours. */
    static void install(CommandHandler handler, SmtpEngine engine) {
        List<Command> commands = new ArrayList<>(List.of(
                new Helo(engine, "HELO"), new Helo(engine, "EHLO"), new Mail(engine), new Rcpt(engine),
                new Data(engine), new Simple(engine, "RSET"), new Simple(engine, "NOOP"), new Quit(engine),
                new Simple(engine, "VRFY"), new Simple(engine, "EXPN"), new Simple(engine, "HELP"),
                new Simple(engine, "AUTH"), new StartTls(engine)));
        // BDAT (CHUNKING is not offered: its chunk would be read as commands) and HTTP verbs (a browser or a
        // cross-protocol attack) end the session at once.
        for (String verb : List.of("BDAT", "GET", "POST", "PUT", "HEAD", "CONNECT")) {
            commands.add(new Hangup(engine, verb));
        }
        for (Command c : commands) {
            handler.addCommand(c);
        }
        for (String verb : handler.getVerbs()) {
            if (commands.stream().noneMatch(c -> c.getName().equals(verb))) {
                throw new IllegalStateException("subethasmtp command " + verb + " is not replaced");
            }
        }
    }

    /** Shared checks (line length, error count) and reply helpers. */
    private abstract static class Base implements Command {
        final SmtpEngine engine;
        private final String name;

        Base(SmtpEngine engine, String name) {
            this.engine = engine;
            this.name = name;
        }

        @Override
        public final void execute(String line, Session sess) throws IOException, DropConnectionException {
            SessionState st = engine.state(sess);
            if (st.overTime(engine.settings().maxSessionSeconds(), System.nanoTime())) {
                LOG.info("SMTP {} from {}: session time limit ({} s) reached, closing", st.id, st.clientIp,
                        engine.settings().maxSessionSeconds());
                throw new DropConnectionException(421, "4.4.2 " + engine.settings().hostname()
                        + " session time limit reached, closing connection");
            }
            if (st.harvestRefused && !name.equals("QUIT")) {
                // Every further recipient would get the same 450: end the session rather than let the client
                // go on (its slot and thread are freed; RFC 5321 7.8 allows closing on an attack, and a 421 is
                // temporary: a legitimate sender retries later).
                LOG.info("SMTP {} from {}: closing after a harvest refusal", st.id, st.clientIp);
                throw new DropConnectionException(421, "4.7.0 " + engine.settings().hostname()
                        + " too many unknown recipients from your address, closing connection");
            }
            if (line.length() > MAX_COMMAND_LINE - 2) {
                refuse(sess, st, SmtpReply.of(500, "5.5.2", "line too long"));
                return;
            }
            st.busy = true;
            try {
                run(line, sess, st);
            } finally {
                st.busy = false;
            }
        }

        abstract void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException;

        @Override
        public HelpMessage getHelp() {
            return new HelpMessage(name, "see RFC 5321");
        }

        @Override
        public String getName() {
            return name;
        }

        void send(Session sess, SmtpReply reply) throws IOException {
            write(sess, reply.line());
        }

        /** Sends reply text; see {@link #onClient}. */
        void write(Session sess, String text) throws IOException {
            onClient(engine.state(sess), () -> sess.sendResponse(text));
        }

        /**
         * Runs a write to the client (or a TLS handshake) marked as waiting on the client: a client that never
         * reads its replies blocks the write once the socket buffers are full, and a handshake sent a byte at a
         * time goes on for as long as the client likes; no read timeout bounds either. The engine's reaper may
         * then close the session once it is over {@code max.session.seconds}, although one of our commands is
         * running.
         */
        static void onClient(SessionState st, ClientIo io) throws IOException {
            st.waitingSinceNanos = System.nanoTime();
            st.waitingOnClient = true;
            try {
                io.run();
            } finally {
                st.waitingOnClient = false;
            }
        }

        /** A write to the client, or a handshake with it. */
        interface ClientIo {
            void run() throws IOException;
        }

        /** Sends a reply; a 5xx counts as an error of the session. */
        void reply(Session sess, SessionState st, SmtpReply reply) throws IOException, DropConnectionException {
            if (reply.code() >= 500) {
                refuse(sess, st, reply);
            } else {
                send(sess, reply);
            }
        }

        /**
         * Sends a refusal and counts it. After {@code max.errors} of them the session ends with 421: a client
         * guessing addresses (directory harvest) or fuzzing the protocol gets a few answers, not thousands.
         */
        void refuse(Session sess, SessionState st, SmtpReply reply) throws IOException, DropConnectionException {
            send(sess, reply);
            st.errors++;
            if (st.errors >= engine.settings().maxErrors()) {
                LOG.info("SMTP {} from {}: {} errors, closing", st.id, st.clientIp, st.errors);
                // Returns at once: the alert is raised on the alarm's own thread, not before this 421.
                engine.alarm().tooManyErrors(engine.listenerName(), st.clientIp, st.errors);
                throw new DropConnectionException(421,
                        "4.7.0 " + engine.settings().hostname() + " too many errors, closing connection");
            }
        }

        /** 451 4.7.0 when the intake cannot take mail now (say a mandatory detector is missing). */
        boolean unavailable(Session sess) throws IOException {
            Optional<String> reason;
            try {
                reason = engine.intake().unavailableReason();
            } catch (RuntimeException e) {
                LOG.warn("intake availability check failed", e);
                reason = Optional.of("mail intake not available");
            }
            if (reason.isPresent()) {
                send(sess, SmtpReply.of(451, "4.7.0", reason.get()));
                return true;
            }
            return false;
        }

        /**
         * Whether the address's domain is a protected domain, or {@code null} once {@code 451 4.3.0} was sent
         * because the directory failed (a temporary failure, not counted as an error).
         */
        Boolean organisationDomain(String address, Session sess, String role) throws IOException {
            try {
                return engine.directory().isProtectedDomain(address.substring(address.lastIndexOf('@') + 1));
            } catch (RuntimeException e) {
                LOG.warn("directory check of a {} domain failed", role, e);
                send(sess, SmtpReply.of(451, "4.3.0", role + " check not available, try again later"));
                return null;
            }
        }

        static boolean outbound(SmtpEngine engine) {
            return engine.settings().direction() == Direction.OUTBOUND;
        }

        static String upper(String line) {
            return line.toUpperCase(Locale.ROOT);
        }
    }

    private static final class Helo extends Base {
        Helo(SmtpEngine engine, String verb) {
            super(engine, verb);
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            String[] args = line.trim().split(" +");
            // Printable ASCII only: the HELO name ends up in logs and Received headers.
            if (args.length < 2 || args[1].length() > 255 || !args[1].matches("[\\x21-\\x7e]+")) {
                reply(sess, st, SmtpReply.of(501, "5.5.4", "syntax: " + getName() + " hostname"));
                return;
            }
            st.resetTransaction();
            st.helo = args[1];
            Optional<SmtpReply> refusal = engine.consultGuards(g -> g.onHelo(st.snapshot()));
            if (refusal.isPresent()) {
                st.helo = null;
                reply(sess, st, refusal.get());
                return;
            }
            String host = engine.settings().hostname();
            if (getName().equals("HELO")) {
                send(sess, SmtpReply.of(250, "", host));
                return;
            }
            List<String> lines = new ArrayList<>(List.of(host, "PIPELINING",
                    "SIZE " + engine.settings().maxMessageSize(), "8BITMIME", "ENHANCEDSTATUSCODES"));
            if (engine.settings().tls() != null && !st.tls) {
                lines.add("STARTTLS");
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                b.append(i > 0 ? "\r\n" : "").append(i < lines.size() - 1 ? "250-" : "250 ").append(lines.get(i));
            }
            write(sess, b.toString());
        }
    }

    private static final class Mail extends Base {
        Mail(SmtpEngine engine) {
            super(engine, "MAIL");
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            if (st.helo == null) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "send HELO or EHLO first"));
                return;
            }
            if (engine.settings().tlsRequired() && !st.tls) {
                // RFC 3207 4: no mail in plaintext (tls.required); counted as an error like other refusals
                reply(sess, st, MUST_STARTTLS);
                return;
            }
            if (st.inTransaction()) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "sender already given"));
                return;
            }
            if (!upper(line).startsWith("MAIL FROM:")) {
                reply(sess, st, SmtpReply.of(501, "5.5.4", "syntax: MAIL FROM:<address>"));
                return;
            }
            if (unavailable(sess)) {
                return;
            }
            Paths.Parsed path = Paths.parse(line.substring("MAIL FROM:".length()), false);
            if (!path.ok()) {
                reply(sess, st, path.error());
                return;
            }
            for (String param : path.params()) {
                String p = upper(param);
                if (p.startsWith("SIZE=")) {
                    String n = p.substring(5);
                    if (!n.matches("[0-9]{1,18}")) {
                        reply(sess, st, SmtpReply.of(501, "5.5.4", "bad SIZE parameter"));
                        return;
                    }
                    if (Long.parseLong(n) > engine.settings().maxMessageSize()) {
                        reply(sess, st, SmtpReply.of(552, "5.3.4", "message size exceeds fixed maximum message size"));
                        return;
                    }
                } else if (!p.equals("BODY=7BIT") && !p.equals("BODY=8BITMIME")) {
                    reply(sess, st, SmtpReply.of(555, "5.5.4", "unsupported parameter"));
                    return;
                }
            }
            if (outbound(engine) && !path.address().isEmpty()) {
                // Outbound mail leaves in the organisation's name only; the null sender <> (the internal
                // server's bounces) has no domain and passes.
                Boolean ours = organisationDomain(path.address(), sess, "sender");
                if (ours == null) {
                    return;
                }
                if (!ours) {
                    reply(sess, st, SmtpReply.of(550, "5.7.1",
                            "sender <" + path.address() + "> is not in a domain of this organisation"));
                    return;
                }
            }
            st.sender = path.address();
            Optional<SmtpReply> refusal = engine.consultGuards(g -> g.onMailFrom(st.snapshot()));
            if (refusal.isPresent()) {
                st.resetTransaction();
                reply(sess, st, refusal.get());
                return;
            }
            send(sess, SmtpReply.of(250, "2.1.0", "Ok"));
        }
    }

    private static final class Rcpt extends Base {
        Rcpt(SmtpEngine engine) {
            super(engine, "RCPT");
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            if (!st.inTransaction()) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "need MAIL command"));
                return;
            }
            if (!upper(line).startsWith("RCPT TO:")) {
                reply(sess, st, SmtpReply.of(501, "5.5.4", "syntax: RCPT TO:<address>"));
                return;
            }
            if (st.recipients.size() >= engine.settings().maxRecipients()) {
                // RFC 5321 4.5.3.1.10: 452 so the client sends the rest in another transaction.
                send(sess, SmtpReply.of(452, "4.5.3", "too many recipients"));
                return;
            }
            if (unavailable(sess)) {
                return;
            }
            String arg = line.substring("RCPT TO:".length()).strip();
            if (outbound(engine)) {
                outboundRecipient(arg, sess, st);
                return;
            }
            if (engine.harvestRefused(st)) {
                // Before the directory is asked: a known address gets the same answer as an unknown one. Not
                // counted as an unknown recipient (the listing ends one harvest window after it began at most),
                // nor towards max.errors (the session ends at the next command anyway).
                LOG.info("SMTP {} from {}: recipient refused with 450 4.7.1, the client is over the harvest limit"
                        + " (counted here, or blocked by another node as shared through the store)",
                        st.id, st.clientIp);
                st.harvestRefused = true;
                send(sess, HARVEST_REFUSED);
                return;
            }
            String address;
            RecipientCheck check;
            try {
                if (arg.equalsIgnoreCase("<postmaster>")) {
                    // RFC 5321 4.5.1: <postmaster> without a domain must be accepted; it is the postmaster
                    // of our first protected domain
                    String domain = engine.directory().protectedDomains().stream().sorted().findFirst().orElse(null);
                    if (domain == null) {
                        refuse(sess, st, Paths.RELAY_DENIED);
                        return;
                    }
                    address = "postmaster@" + domain;
                } else {
                    address = parseRecipient(arg, sess, st);
                    if (address == null) {
                        return;
                    }
                }
                check = engine.directory().check(address);
            } catch (RuntimeException e) {
                LOG.warn("directory check of a recipient failed", e);
                send(sess, SmtpReply.of(451, "4.3.0", "recipient check not available, try again later"));
                return;
            }
            if (check == RecipientCheck.UNKNOWN_LOCAL && address.startsWith("postmaster@")) {
                // RFC 5321 4.5.1: every domain we receive for has a postmaster, registered or not
                check = RecipientCheck.LOCAL;
            }
            if (check == RecipientCheck.LOCAL) {
                accept(address, sess, st);
            } else if (check == RecipientCheck.UNKNOWN_LOCAL) {
                // counted over the client's sessions too (directory harvesting a few guesses per connection); with
                // harvest.action refuse, answered after a delay growing with that count (the tarpit)
                engine.tarpit(st, engine.unknownRecipient(st));
                refuse(sess, st, SmtpReply.of(550, "5.1.1", "<" + address + ">: recipient unknown"));
            } else {
                refuse(sess, st, Paths.RELAY_DENIED);
            }
        }

        /**
         * The forward-path (lower-cased inbound, domain lower-cased outbound), or {@code null} once refused: relay tricks (source routes, {@code %}
         * and {@code !} routing, quoted routes, IP literals, trailing dots) and ESMTP parameters.
         */
        private String parseRecipient(String arg, Session sess, SessionState st)
                throws IOException, DropConnectionException {
            Paths.Parsed path = Paths.parse(arg, true);
            if (!path.ok()) {
                if (path.error() == Paths.RELAY_DENIED) {
                    // a relay trick (source route, % or ! routing, quoted route, IP literal, trailing dot)
                    LOG.info("SMTP {} from {}: relay attempt refused", st.id, st.clientIp);
                    engine.alarm().relayAttempt(engine.listenerName(), st.clientIp);
                }
                refuse(sess, st, path.error());
                return null;
            }
            if (!path.params().isEmpty()) {
                refuse(sess, st, SmtpReply.of(555, "5.5.4", "unsupported parameter"));
                return null;
            }
            if (outbound(engine)) {
                // RFC 5321 2.4: a foreign local part may be case-sensitive and must be kept as written; only
                // the domain (already lower-cased by Paths) is folded, so de-duplication is exact on the local
                // part and case-insensitive on the domain.
                return path.address();
            }
            // The directory compares whole addresses case-insensitively and stores them in lower case;
            // lower-casing here keeps Alice@ and alice@ from becoming two recipients.
            return path.address().toLowerCase(Locale.ROOT);
        }

        /**
         * Outbound: any syntactically clean address outside the protected domains is accepted without a
         * directory lookup; one inside them is refused, since internal mail stays on the internal server and
         * must not leave through the gateway and come back in.
         */
        private void outboundRecipient(String arg, Session sess, SessionState st)
                throws IOException, DropConnectionException {
            if (arg.equalsIgnoreCase("<postmaster>")) {
                // Without a domain it names this gateway's postmaster, who is internal.
                refuse(sess, st, internalRecipient("postmaster"));
                return;
            }
            String address = parseRecipient(arg, sess, st);
            if (address == null) {
                return;
            }
            Boolean ours = organisationDomain(address, sess, "recipient");
            if (ours == null) {
                return;
            }
            if (ours) {
                refuse(sess, st, internalRecipient(address));
                return;
            }
            if (st.sender.isEmpty() && !st.recipients.isEmpty() && !st.recipients.contains(address)) {
                // A bounce goes back to the one reverse-path it answers; <> with several recipients is a way
                // around "organisation senders only" (the end of DATA also checks it is a delivery report).
                refuse(sess, st, NULL_SENDER_ONE_RECIPIENT);
                return;
            }
            accept(address, sess, st);
        }

        /** A recipient the listener's own rules accept: the guards have the last word. */
        private void accept(String address, Session sess, SessionState st) throws IOException, DropConnectionException {
            Optional<SmtpReply> refusal = engine.consultGuards(g -> g.onRecipient(st.snapshot(), address));
            if (refusal.isPresent()) {
                refuse(sess, st, refusal.get());
                return;
            }
            st.recipients.add(address);
            send(sess, SmtpReply.of(250, "2.1.5", "Ok"));
        }

        private static SmtpReply internalRecipient(String address) {
            return SmtpReply.of(550, "5.7.1", "<" + address + "> is internal: deliver it on the internal server");
        }
    }

    private static final class Data extends Base {
        Data(SmtpEngine engine) {
            super(engine, "DATA");
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            if (!st.inTransaction()) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "need MAIL command"));
                return;
            }
            if (st.recipients.isEmpty()) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "need RCPT command"));
                return;
            }
            if (!line.trim().equalsIgnoreCase("DATA")) {
                reply(sess, st, SmtpReply.of(501, "5.5.4", "syntax: DATA"));
                return;
            }
            if (unavailable(sess)) {
                st.resetTransaction();
                return;
            }
            write(sess, "354 End data with <CR><LF>.<CR><LF>");
            long max = engine.settings().maxMessageSize();
            // Past twice the limit (plus slack) a client is not going to stop: end the session.
            long hardLimit = 2 * max + 1024 * 1024;
            SmtpReply answer;
            boolean countAsError;
            // The DATA deadline runs from the 354 reply; closing it (before the reply below) restores the
            // socket's per-read timeout. Closing the buffer deletes any temporary file of a dropped message.
            long limitMillis = engine.settings().dataTimeoutSeconds() * 1000L;
            try (SpoolBuffer buffer = new SpoolBuffer(max, engine.settings().tempDir());
                    DataDeadline deadline = new DataDeadline(sess.getSocket(), limitMillis, System::nanoTime)) {
                DataReader.Problem problem;
                try {
                    problem = new DataReader(sess.getRawInput(), buffer, max, hardLimit, deadline).read();
                } catch (EOFException | java.net.SocketException e) {
                    LOG.info("SMTP {} from {}: connection lost in DATA; nothing kept", st.id, st.clientIp);
                    sess.quit();
                    return;
                } catch (DataReader.TooMuchDataException e) {
                    LOG.info("SMTP {} from {}: {}; closing", st.id, st.clientIp, e.getMessage());
                    throw new DropConnectionException(552, "5.3.4 message too big, closing connection");
                } catch (DataDeadline.DataTimeoutException e) {
                    // Not counted as an error: the session ends here anyway.
                    LOG.info("SMTP {} from {}: {} (data.timeout.seconds); nothing kept, closing", st.id,
                            st.clientIp, e.getMessage());
                    throw new DropConnectionException(421, "4.4.2 data transfer took too long");
                }
                answer = switch (problem) {
                    case BARE_LINE_END -> SmtpReply.of(550, "5.6.11", "bare CR or LF not allowed, message refused");
                    case LINE_TOO_LONG -> SmtpReply.of(550, "5.6.0", "line too long, message refused");
                    case TOO_BIG -> SmtpReply.of(552, "5.3.4", "message size exceeds fixed maximum message size");
                    case NONE -> checkAndDeliver(st, buffer);
                };
                // Smuggling, malformed text and a non-report with <> are refusals of the client's doing.
                countAsError = problem == DataReader.Problem.BARE_LINE_END
                        || problem == DataReader.Problem.LINE_TOO_LONG || answer == NULL_SENDER_NOT_A_REPORT;
                if (problem == DataReader.Problem.BARE_LINE_END) {
                    engine.alarm().smuggling(engine.listenerName(), st.clientIp);
                }
                if (answer == NULL_SENDER_NOT_A_REPORT) {
                    LOG.info("SMTP {} from {}: message with the null sender refused: not a delivery report", st.id,
                            st.clientIp);
                } else if (problem != DataReader.Problem.NONE) {
                    LOG.info("SMTP {} from {}: message refused: {}", st.id, st.clientIp, answer.line());
                }
            } finally {
                st.resetTransaction();
            }
            // Sent once the buffer (and any temporary file) is gone, so nothing outlives the reply.
            if (countAsError) {
                refuse(sess, st, answer);
            } else {
                send(sess, answer);
            }
        }

        /**
         * Outbound with the null sender: a message that is not a delivery report (see {@link DeliveryReports})
         * is refused and never reaches the intake. Otherwise, and always inbound, {@link #deliver}.
         */
        private SmtpReply checkAndDeliver(SessionState st, SpoolBuffer buffer) {
            if (outbound(engine) && st.sender.isEmpty()) {
                try (InputStream data = buffer.open()) {
                    if (!DeliveryReports.isDeliveryReport(data)) {
                        return NULL_SENDER_NOT_A_REPORT;
                    }
                } catch (IOException e) {
                    LOG.warn("SMTP {} from {}: buffered message unreadable; answered 451", st.id, st.clientIp, e);
                    return TEMPORARY_FAILURE;
                }
            }
            return deliver(st, buffer);
        }

        /** Hands the message to the intake and returns the reply to send. */
        private SmtpReply deliver(SessionState st, SpoolBuffer buffer) {
            Envelope envelope = new Envelope(st.sender, List.copyOf(st.recipients), st.clientIp, st.helo, st.tls,
                    Instant.now(), engine.settings().direction(), null);
            IntakeResult result;
            try (InputStream data = buffer.open()) {
                result = engine.intake().receive(envelope, data);
            } catch (IOException | RuntimeException e) {
                LOG.warn("SMTP {} from {}: intake failed; answered 451", st.id, st.clientIp, e);
                return TEMPORARY_FAILURE;
            }
            if (result == null) {
                LOG.warn("SMTP {} from {}: intake returned no result; answered 451", st.id, st.clientIp);
                return TEMPORARY_FAILURE;
            }
            LOG.debug("SMTP {} from {}: {} bytes, {} recipients: {}", st.id, st.clientIp, buffer.size(),
                    envelope.recipients().size(), result.reply().line());
            return result.reply();
        }
    }

    private static final class Quit extends Base {
        Quit(SmtpEngine engine) {
            super(engine, "QUIT");
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException {
            send(sess, SmtpReply.of(221, "2.0.0", engine.settings().hostname() + " closing connection"));
            sess.quit();
        }
    }

    private static final class StartTls extends Base {
        private final StartTLSCommand delegate = new StartTLSCommand();

        StartTls(SmtpEngine engine) {
            super(engine, "STARTTLS");
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            if (engine.settings().tls() == null) {
                reply(sess, st, SmtpReply.of(502, "5.5.1", "STARTTLS not offered"));
                return;
            }
            if (st.tls) {
                reply(sess, st, SmtpReply.of(503, "5.5.1", "TLS already active"));
                return;
            }
            // Its 220 reply and the handshake: bounded by max.session.seconds like our replies.
            onClient(st, () -> delegate.execute(line, sess));
            if (sess.isTLSStarted()) {
                // RFC 3207 4.2: forget everything learnt before the handshake. subethasmtp reads the
                // encrypted stream through a fresh buffer, so plaintext pipelined after STARTTLS
                // (CVE-2011-0411) is dropped, never executed.
                st.tls = true;
                st.helo = null;
                st.resetTransaction();
            }
        }
    }

    /** Commands with a fixed answer. */
    private static final class Simple extends Base {
        Simple(SmtpEngine engine, String verb) {
            super(engine, verb);
        }

        @Override
        void run(String line, Session sess, SessionState st) throws IOException, DropConnectionException {
            switch (getName()) {
                case "RSET" -> {
                    st.resetTransaction();
                    send(sess, SmtpReply.of(250, "2.0.0", "Ok"));
                }
                case "NOOP" -> send(sess, SmtpReply.of(250, "2.0.0", "Ok"));
                // Address verification would tell a harvester which addresses exist.
                case "VRFY" -> send(sess, SmtpReply.of(252, "2.5.0", "cannot VRFY user, send mail to try delivery"));
                case "EXPN" -> reply(sess, st, SmtpReply.of(502, "5.5.1", "EXPN not available"));
                case "HELP" -> send(sess, SmtpReply.of(214, "2.0.0", "see RFC 5321"));
                case "AUTH" -> reply(sess, st, SmtpReply.of(502, "5.5.1", "AUTH not available"));
                default -> throw new IllegalStateException(getName());
            }
        }
    }

    private static final class Hangup extends Base {
        Hangup(SmtpEngine engine, String verb) {
            super(engine, verb);
        }

        @Override
        void run(String line, Session sess, SessionState st) throws DropConnectionException {
            LOG.info("SMTP {} from {}: {} command, closing", st.id, st.clientIp, getName());
            throw new DropConnectionException(421, "4.7.0 " + getName() + " not available, closing connection");
        }
    }
}
