/**
 * The workbench's view SPI. A bundle adds a view to the Streamail workbench by registering a
 * {@link org.streamail.workbench.api.WorkbenchView} service (a DS component is enough); the workbench shows
 * it in its navigation list while the service exists and removes it when the service goes away.
 */
@Version("1.0.0")
@Export
package org.streamail.workbench.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
