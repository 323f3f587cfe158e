/**
 * The keys the gateway signs outbound mail with (DKIM, RFC 6376): what is configured and whether DNS publishes it
 * ({@link DkimKeys#status}), and new key pairs ({@link DkimKeys#generate}). For the administrator's commands; the
 * signing itself is an {@link org.streamail.api.delivery.OutboundSigner}. Implemented by the detect-auth bundle.
 */
@Version("1.2.0")
@Export
package org.streamail.api.dkim;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
