/**
 * Services the gateway core offers to the listeners, the REST API, the shell and the workbench: intake of
 * a message from SMTP, scanning without delivery, quarantine actions and status.
 */
@Version("1.0.0")
@Export
package org.streamail.api.service;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
