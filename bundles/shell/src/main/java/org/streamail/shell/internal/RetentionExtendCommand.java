package org.streamail.shell.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.NoSuchElementException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;

/**
 * {@code streamail:retention-extend <mailbox> <message-id> <expiry>}: changes a message's expiry, allowed
 * only when its sender granted permission (a valid gateway signature). Audited either way.
 */
@Command(scope = "streamail", name = "retention-extend", description = "Changes the expiry of a message whose sender allowed it")
@Service
public class RetentionExtendCommand implements Action {

    @Argument(index = 0, name = "mailbox", description = "The recipient's mailbox", required = true)
    String mailbox;

    @Argument(index = 1, name = "messageId", description = "The Message-ID, e.g. <abc@corp.example>", required = true)
    String messageId;

    @Argument(index = 2, name = "expiry", description = "The new expiry, ISO-8601, e.g. 2026-12-31T00:00:00Z", required = true)
    String expiry;

    @Reference(optional = true)
    RetentionService retention;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        RetentionService service = Services.require(retention, "retention service (retention bundle)");
        Instant when;
        try {
            when = Instant.parse(expiry.strip());
        } catch (DateTimeParseException e) {
            throw new CommandFailure("The expiry must be an ISO-8601 instant such as 2026-12-31T00:00:00Z, got '"
                    + Format.visible(expiry) + "'");
        }
        Extension e;
        try {
            e = service.extend(mailbox.strip(), messageId.strip(), when, Actor.of(session));
        } catch (SecurityException ex) {
            throw new CommandFailure("Refused: " + Format.visible(ex.getMessage()));
        } catch (NoSuchElementException | IllegalArgumentException | RetentionException ex) {
            throw new CommandFailure("Cannot extend: " + Format.visible(ex.getMessage()));
        }
        System.out.println("Extended " + Format.visible(e.messageId()) + " in " + Format.visible(e.mailbox()) + "/"
                + Format.visible(e.folder()) + ": expiry " + Format.time(e.previousExpiry()) + " -> "
                + Format.time(e.newExpiry()));
        return null;
    }
}
