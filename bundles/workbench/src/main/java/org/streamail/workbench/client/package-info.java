/**
 * A client for the gateway's REST API ({@code /streamail/api/v1}) and the values it returns. Views in any
 * bundle reach the gateway through the workbench's one {@link org.streamail.workbench.client.GatewayClient}.
 */
@Version("1.6.0")
@Export
package org.streamail.workbench.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
