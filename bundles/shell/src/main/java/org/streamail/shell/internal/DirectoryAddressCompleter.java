package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.streamail.api.store.Directory;

/** Completes registered addresses (at most {@value #MAX}), asking the directory each time. */
@Service
public class DirectoryAddressCompleter implements Completer {

    static final int MAX = 1000;

    @Reference(optional = true)
    Directory directory;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter delegate = new StringsCompleter();
        Directory d = directory;
        if (d != null) {
            try {
                d.list().stream().limit(MAX).forEach(e -> delegate.getStrings().add(e.address()));
            } catch (RuntimeException e) {
                // completion must never break the prompt: no candidates when the store is down
            }
        }
        return delegate.complete(session, commandLine, candidates);
    }
}
