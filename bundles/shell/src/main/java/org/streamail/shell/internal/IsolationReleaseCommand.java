package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;

/** {@code streamail:isolation-release <ip>}: gives an isolated host its network back. */
@Command(scope = "streamail", name = "isolation-release", description = "Releases an isolated host")
@Service
public class IsolationReleaseCommand implements Action {

    @Argument(index = 0, name = "ip", description = "The isolated host's address", required = true)
    String ip;

    @Reference(optional = true)
    IsolationService isolation;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        IsolationService s = Services.require(isolation, "isolation service (isolation bundle)");
        boolean released;
        try {
            released = s.release(ip.strip(), Actor.of(session));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Cannot release: " + Format.visible(e.getMessage()));
        } catch (IsolationException e) {
            throw new CommandFailure("An enforcer failed, the host stays isolated: " + Format.visible(e.getMessage()));
        }
        if (!released) {
            throw new CommandFailure(Format.visible(ip) + " is not isolated");
        }
        System.out.println("Released " + ip.strip());
        return null;
    }
}
