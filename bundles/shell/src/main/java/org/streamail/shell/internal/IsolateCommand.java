package org.streamail.shell.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;

/** {@code streamail:isolate <ip> <reason> [--ttl PT4H]}: cuts a host off the network. */
@Command(scope = "streamail", name = "isolate", description = "Isolates a host from the network through the "
        + "configured enforcers (allow-listed hosts are refused)")
@Service
public class IsolateCommand implements Action {

    @Argument(index = 0, name = "ip", description = "The host's IPv4 or IPv6 address", required = true)
    String ip;

    @Argument(index = 1, name = "reason", description = "Why (audited, shown in listings)", required = true)
    String reason;

    @Option(name = "-t", aliases = "--ttl", description = "How long, ISO-8601 (PT4H, P1D); default: the configured "
            + "default.ttl, longer for repeated offenders")
    String ttl;

    @Reference(optional = true)
    IsolationService isolation;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        IsolationService s = Services.require(isolation, "isolation service (isolation bundle)");
        Duration d = null;
        if (ttl != null) {
            try {
                d = Duration.parse(ttl.strip().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandFailure("--ttl must be an ISO-8601 duration such as PT4H, got " + Format.visible(ttl));
            }
            if (d.isNegative() || d.isZero()) {
                throw new CommandFailure("--ttl must be a positive duration");
            }
        }
        Isolation i;
        try {
            i = s.isolate(ip.strip(), null, reason, d, Actor.of(session));
        } catch (SecurityException e) {
            throw new CommandFailure(Format.visible(ip) + " is protected (allow-list) and is never isolated");
        } catch (IllegalStateException e) {
            throw new CommandFailure("Cannot isolate: " + Format.visible(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Cannot isolate: " + Format.visible(e.getMessage()));
        } catch (IsolationException e) {
            throw new CommandFailure("An enforcer failed, nothing was changed: " + Format.visible(e.getMessage()));
        }
        System.out.println("Isolated " + i.ip() + (i.until() == null ? " until released" : " until "
                + Format.time(i.until())) + " (offence " + i.offences() + ")");
        return null;
    }
}
