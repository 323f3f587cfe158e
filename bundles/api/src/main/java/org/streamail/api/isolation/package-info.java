/**
 * Endpoint isolation: cutting a workstation that fell for a fraudulent mail off the network, for a time,
 * through pluggable enforcers (nftables on the gateway or router, a webhook to an EDR/NAC, a log).
 * Implemented by the isolation bundle (service, enforcers) and the store bundle (state and audit);
 * consumed by the link guard, the REST API, the shell and the workbench.
 */
@Version("1.0.0")
@Export
package org.streamail.api.isolation;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
