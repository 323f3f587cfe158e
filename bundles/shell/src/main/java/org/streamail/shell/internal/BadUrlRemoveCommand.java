package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.linkguard.LinkStore;

/** {@code streamail:bad-url-remove <url>}: lifts a bad mark an administrator has found to be wrong. */
@Command(scope = "streamail", name = "bad-url-remove",
        description = "Lifts the bad mark of a URL (as bad-url-list shows it): clicks on it are checked again")
@Service
public class BadUrlRemoveCommand implements Action {

    private static final Logger LOG = LoggerFactory.getLogger(BadUrlRemoveCommand.class);
    private static final int MAX_URL = 8192;

    @Argument(index = 0, name = "url", description = "The URL exactly as bad-url-list shows it", required = true)
    String url;

    @Reference(optional = true)
    LinkStore links;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        String u = url == null ? "" : url.strip();
        if (u.isEmpty() || u.length() > MAX_URL || u.chars().anyMatch(Character::isISOControl)) {
            throw new CommandFailure("The URL must be 1.." + MAX_URL + " characters without control characters");
        }
        boolean lifted;
        try {
            lifted = Services.require(links, "link store (store)").unmarkBad(u);
        } catch (UnsupportedOperationException e) {
            throw new CommandFailure("This gateway's link store cannot lift bad marks");
        }
        if (!lifted) {
            throw new CommandFailure("That URL is not marked bad: " + Format.visible(u));
        }
        LOG.info("URL {} is no longer marked bad (lifted by {})", Format.visible(u), Actor.of(session));
        System.out.println("Lifted the bad mark of " + Format.visible(u));
        return null;
    }
}
