/**
 * Services the gateway core offers to the listeners, the REST API, the shell and the workbench: intake of
 * a message from SMTP, scanning without delivery, quarantine actions and status.
 *
 * <p>1.1.0: {@link org.streamail.api.service.StatusReport#problems()} (components that failed to activate).
 */
@Version("1.3.0")
@Export
package org.streamail.api.service;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
