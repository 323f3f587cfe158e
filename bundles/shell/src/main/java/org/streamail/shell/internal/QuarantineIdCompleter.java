package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineQuery;

/** Completes the ids of held quarantine entries (the newest {@value #MAX}), asking the service each time. */
@Service
public class QuarantineIdCompleter implements Completer {

    /** Completion lists longer than this are useless on a terminal and slow to fetch. */
    static final int MAX = 200;

    @Reference(optional = true)
    QuarantineService quarantine;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        QuarantineService service = quarantine;
        if (service != null) {
            try {
                service.list(QuarantineQuery.held(MAX)).forEach(e -> delegate.getStrings().add(e.id()));
            } catch (RuntimeException e) {
                // completion must never break the prompt: no candidates when the store is down
            }
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
