/**
 * Alerts: what the gateway tells administrators and users when something bad was found after the fact
 * (a click on a bad link, a campaign pulled back, an isolation), with a severity that escalates on
 * repeats. Implemented by the reporting bundle (service) and the store bundle (persistence); consumed by
 * the link guard, the isolation bundle, the REST API, the shell and the workbench.
 */
@Version("1.1.0")
@Export
package org.streamail.api.alert;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
