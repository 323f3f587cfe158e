package org.streamail.shell.internal;

import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.store.Housekeeping;

/**
 * {@code streamail:housekeeping-run}: runs the store's housekeeping now (it otherwise runs on its own
 * schedule) and prints what each table lost. A table that failed makes the command fail after printing, so a
 * script sees it.
 */
@Command(scope = "streamail", name = "housekeeping-run",
        description = "Deletes rows older than their configured age now (PID org.streamail.store.housekeeping) "
                + "and prints the counts per table")
@Service
public class HousekeepingRunCommand implements Action {

    private static final Logger LOG = LoggerFactory.getLogger(HousekeepingRunCommand.class);

    @Reference(optional = true)
    Housekeeping housekeeping;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        Housekeeping h = Services.require(housekeeping, "store housekeeping (store bundle)");
        LOG.info("Store housekeeping run requested by {}", Actor.of(session));
        System.out.println("Running housekeeping (waits for a run already in progress)...");
        System.out.flush();
        Housekeeping.Result r = h.runNow();
        if (r.deleted().isEmpty() && r.failures().isEmpty()) {
            System.out.println("Nothing to do: every table is kept forever.");
        }
        int width = r.deleted().keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, Long> e : r.deleted().entrySet()) {
            String mark = r.failures().containsKey(e.getKey()) ? "  (failed part way)" : "";
            System.out.println("  " + pad(e.getKey(), width) + "  " + e.getValue() + mark);
        }
        System.out.println("Took " + r.took().toMillis() + " ms" + (r.incomplete()
                ? "; more rows remain and go at the next run (or run this again)" : ""));
        if (!r.failures().isEmpty()) {
            StringBuilder b = new StringBuilder("Housekeeping failed for ");
            r.failures().forEach((table, why) -> b.append(table).append(" (").append(Format.visible(why)).append("); "));
            b.setLength(b.length() - 2);
            throw new CommandFailure(b + ". The other tables were cleaned; the log has the details.");
        }
        return null;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
