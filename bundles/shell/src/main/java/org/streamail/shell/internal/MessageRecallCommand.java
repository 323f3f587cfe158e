package org.streamail.shell.internal;

import java.util.NoSuchElementException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.campaign.RecallReport;

/** {@code streamail:message-recall <id> [--reason text]}: a delivered message is bad; warn and pull back. */
@Command(scope = "streamail", name = "message-recall", description = "Marks a delivered message bad: finds every "
        + "copy of its campaign, warns the recipients and pulls the copies back from the mailboxes")
@Service
public class MessageRecallCommand implements Action {

    @Argument(index = 0, name = "id", description = "The gateway id of the message (streamail:messages)", required = true)
    String id;

    @Option(name = "-r", aliases = "--reason", description = "Why (shown in the warnings)")
    String reason;

    @Reference(optional = true)
    CampaignService campaigns;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        CampaignService s = Services.require(campaigns, "campaign service (reporting bundle)");
        RecallReport r;
        try {
            r = s.recall(id.strip(), reason == null || reason.isBlank() ? "marked bad by an administrator" : reason,
                    Actor.of(session));
        } catch (NoSuchElementException e) {
            throw new CommandFailure("No message " + Format.visible(id) + " in the message log");
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Cannot recall: " + Format.visible(e.getMessage()));
        }
        System.out.println("Campaign " + r.campaignId() + ": " + r.messages().size() + " message(s), "
                + r.warned().size() + " recipient(s) warned, " + r.pulled() + " cop(ies) pulled back");
        for (RecallOutcome o : r.outcomes()) {
            System.out.println("  " + Format.cell(o.mailbox()) + ": found " + o.found() + ", moved " + o.moved()
                    + ", deleted " + o.deleted() + (o.error().isEmpty() ? "" : ", error: " + Format.visible(o.error())));
        }
        return null;
    }
}
