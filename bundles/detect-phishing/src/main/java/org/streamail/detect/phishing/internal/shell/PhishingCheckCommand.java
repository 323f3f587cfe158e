package org.streamail.detect.phishing.internal.shell;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.detect.phishing.PhishingLists;

/** {@code streamail:phishing-check <url|domain>}: tells whether the admin lists know a URL or domain. */
@Command(scope = "streamail", name = "phishing-check",
        description = "Tells whether a URL or domain is on the phishing detector's known-bad list or allow-list")
@Service
public class PhishingCheckCommand implements Action {

    @Argument(index = 0, name = "url", description = "A URL or a domain", required = true)
    String url;

    @Reference(optional = true)
    PhishingLists lists;

    @Override
    public Object execute() {
        if (lists == null) {
            throw new IllegalStateException("The phishing detector is not running");
        }
        String verdict = lists.isAllowed(url) ? "allow-listed (overrides every rule)"
                : lists.isKnownBad(url) ? "known bad" : "on neither list";
        System.out.println(url + ": " + verdict);
        return null;
    }
}
