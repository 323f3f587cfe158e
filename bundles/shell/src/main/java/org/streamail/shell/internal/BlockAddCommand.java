package org.streamail.shell.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;

/** {@code streamail:block-add <type> <value> [--expires PT24H] [--reason text]}: adds a block rule. */
@Command(scope = "streamail", name = "block-add", description = "Refuses mail by sender, sender domain, client IP/CIDR, "
        + "HELO, URL domain or attachment SHA-256, at the earliest SMTP stage that knows the value")
@Service
public class BlockAddCommand implements Action {

    @Argument(index = 0, name = "type", description = "SENDER, SENDER_DOMAIN, CLIENT_IP, HELO, URL_DOMAIN or ATTACHMENT_HASH", required = true)
    @Completion(value = StringsCompleter.class, values = {"SENDER", "SENDER_DOMAIN", "CLIENT_IP", "HELO", "URL_DOMAIN", "ATTACHMENT_HASH"})
    String type;

    /** The longest --expires, as over REST (about 100 years; beyond that "never" is what is meant). */
    static final Duration MAX_EXPIRES = Duration.ofDays(36_500);

    @Argument(index = 1, name = "value", description = "The address, domain, IP or CIDR, HELO name, or hex SHA-256", required = true)
    String value;

    @Option(name = "-e", aliases = "--expires", description = "How long the rule lasts, ISO-8601 (PT24H, P7D); default: forever")
    String expires;

    @Option(name = "-r", aliases = "--reason", description = "Why (shown in listings and in the SMTP reply)")
    String reason;

    @Reference(optional = true)
    BlockListService blockList;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        BlockListService s = Services.require(blockList, "block list (detect-spam)");
        BlockRule.Type t;
        try {
            t = BlockRule.Type.valueOf(type.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Unknown rule type " + Format.visible(type) + "; one of "
                    + Arrays.toString(BlockRule.Type.values()));
        }
        Instant expiresAt = null;
        if (expires != null) {
            try {
                Duration d = Duration.parse(expires.strip().toUpperCase(Locale.ROOT));
                if (d.isNegative() || d.isZero()) {
                    throw new CommandFailure("--expires must be a positive duration");
                }
                if (d.compareTo(MAX_EXPIRES) > 0) {
                    // beyond Instant's range the JDK's own message ("Instant exceeds ...") reached the operator
                    throw new CommandFailure("--expires must be at most " + MAX_EXPIRES.toDays() + " days, got "
                            + Format.visible(expires) + "; leave it out for a rule that never expires");
                }
                expiresAt = Instant.now().plus(d);
            } catch (DateTimeException | ArithmeticException e) {
                throw new CommandFailure("--expires must be an ISO-8601 duration such as PT24H or P7D, got "
                        + Format.visible(expires));
            }
        }
        BlockRule r;
        try {
            r = s.add(t, value, reason, expiresAt, Actor.of(session));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Cannot add the rule: " + Format.visible(e.getMessage()));
        }
        System.out.println("Added rule " + r.id() + ": " + r.type() + " " + Format.visible(r.value())
                + (r.expiresAt() == null ? " (never expires)" : " until " + Format.time(r.expiresAt())));
        return null;
    }
}
