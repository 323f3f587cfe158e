/**
 * The quarantine digest: each user is told by mail what was held for them, with a signed link per message to
 * release it (where the policy lets users release their own) or to ask the administrators to. Implemented by the
 * digest bundle.
 */
@Version("1.1.0")
@Export
package org.streamail.api.digest;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
