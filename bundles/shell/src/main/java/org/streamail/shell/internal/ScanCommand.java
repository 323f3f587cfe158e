package org.streamail.shell.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.Scanner;

/** {@code streamail:scan <file>}: runs the pipeline on a message file without delivering it. */
@Command(scope = "streamail", name = "scan", description = "Scans a raw RFC 822 message file and prints the verdict (nothing is delivered or stored)")
@Service
public class ScanCommand implements Action {

    /** Largest file read: the default SMTP message size limit (25 MiB). */
    static final long MAX_SIZE = 25L * 1024 * 1024;

    @Argument(index = 0, name = "file", description = "The message file (.eml), relative to the shell's current directory", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Option(name = "-s", aliases = "--sender", description = "Envelope sender to judge the message with")
    String sender;

    @Option(name = "-r", aliases = "--rcpt", description = "Envelope recipient (repeatable)", multiValued = true)
    List<String> recipients;

    @Option(name = "-i", aliases = "--client-ip", description = "Client IP address to judge the message with")
    String clientIp;

    @Reference(optional = true)
    Scanner scanner;

    @Reference(optional = true)
    Session session;

    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("[^\\s<>@\"]{1,64}@[A-Za-z0-9.-]{1,255}");

    /** The same checks as {@code POST /scan}: addresses local@domain, the client an IP literal (never looked up). */
    private void checkEnvelope() {
        if (sender != null && !sender.isBlank() && !ADDRESS.matcher(sender.strip()).matches()) {
            throw new CommandFailure("--sender must be an address local@domain, got " + Format.visible(sender));
        }
        if (recipients != null) {
            for (String r : recipients) {
                if (!ADDRESS.matcher(r.strip()).matches()) {
                    throw new CommandFailure("--rcpt must be an address local@domain, got " + Format.visible(r));
                }
            }
        }
        if (clientIp != null) {
            if (org.streamail.api.net.IpLiteral.parse(clientIp.strip()).isEmpty()) {
                throw new CommandFailure("--client-ip must be an IPv4 or IPv6 address, got " + Format.visible(clientIp));
            }
        }
    }

    @Override
    public Object execute() {
        Scanner s = Services.require(scanner, "scanner (gateway core)");
        checkEnvelope();
        byte[] raw = read(resolve(file));
        ScanResult r = s.scan(Envelope.inbound(sender == null ? "" : sender.strip(),
                recipients == null ? List.of() : new ArrayList<>(recipients), clientIp, null), raw);
        System.out.println("Scan id:     " + r.id());
        System.out.println("Message-ID:  " + Format.visible(r.messageId()));
        System.out.println("Subject:     " + Format.visible(r.subject()));
        System.out.println("Elapsed:     " + String.format(java.util.Locale.ROOT, "%.1f ms", r.elapsed().toNanos() / 1e6));
        Format.verdict(r.verdict(), System.out);
        return null;
    }

    private Path resolve(String name) {
        try {
            Path p = Path.of(name);
            if (!p.isAbsolute() && session != null && session.currentDir() != null) {
                p = session.currentDir().resolve(p);
            }
            return p;
        } catch (InvalidPathException e) {
            throw new CommandFailure("Not a valid file name: " + Format.visible(name));
        }
    }

    static byte[] read(Path p) {
        if (!Files.exists(p)) {
            throw new CommandFailure("No such file: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new CommandFailure("Not a regular file: " + p);
        }
        try {
            long size = Files.size(p);
            if (size == 0) {
                throw new CommandFailure("The file is empty: " + p);
            }
            if (size > MAX_SIZE) {
                throw new CommandFailure("The file has " + size + " bytes, more than the " + MAX_SIZE
                        + " bytes a message may have: " + p);
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new CommandFailure("Cannot read " + p + ": " + e.getMessage());
        }
    }
}
