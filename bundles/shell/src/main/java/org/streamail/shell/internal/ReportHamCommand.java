package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportService;

/** {@code streamail:report-ham <file|id>}: reports a message file or a stored message as ham. */
@Command(scope = "streamail", name = "report-ham", description = "Reports a message as ham for everyone: a raw .eml file, or a quarantine or message id")
@Service
public class ReportHamCommand implements Action {

    @Argument(index = 0, name = "file|id", description = "A message file (.eml), or a quarantine / message id", required = true)
    @Completion(QuarantineIdCompleter.class)
    String target;

    @Reference(optional = true)
    ReportService reports;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        SpamReports.report(reports, ReportKind.HAM, target, session);
        return null;
    }
}
