/**
 * Administration of the phishing detector's lists: import a known-bad feed, ask what a list holds.
 * Provisional home: the lead may move {@link org.streamail.detect.phishing.PhishingLists} into the API
 * bundle so the shell and REST can call it without depending on this bundle.
 */
@Version("0.1.0")
@Export
package org.streamail.detect.phishing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
