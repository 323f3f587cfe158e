package org.streamail.isolation.internal;

import java.util.ArrayList;
import java.util.List;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Isolation;

/** Records every change it is given; can be told to fail the next isolate/release/expire. */
final class RecordingEnforcer implements Enforcer {

    private final String name;
    final List<EnforcementChange> changes = new ArrayList<>();
    volatile boolean failChanges;
    /** How many of the next syncs fail. */
    volatile int failSyncs;

    RecordingEnforcer(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void apply(EnforcementChange change) throws Exception {
        changes.add(change);
        if (failChanges && !change.action().equals("sync")) {
            throw new IllegalStateException(name + " refused " + change.action());
        }
        if (failSyncs > 0 && change.action().equals("sync")) {
            failSyncs--;
            throw new IllegalStateException(name + " refused sync");
        }
    }

    synchronized EnforcementChange last() {
        return changes.get(changes.size() - 1);
    }

    /** The IPs of the set the last change demanded. */
    synchronized List<String> enforced() {
        return last().isolated().stream().map(Isolation::ip).toList();
    }

    synchronized List<String> actions() {
        return new ArrayList<>(changes.stream().map(EnforcementChange::action).toList());
    }
}
