/**
 * SPIs for what happens to a message on its way out of the gateway: {@link MessageTransformer} changes a message
 * the policy lets through (HTML disarm, retention stamps, link rewriting) before it is queued;
 * {@link OutboundSigner} (since 1.1.0) signs outbound mail (DKIM) as it leaves, after everything else has changed it.
 */
@Version("1.1.0")
@Export
package org.streamail.api.delivery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
