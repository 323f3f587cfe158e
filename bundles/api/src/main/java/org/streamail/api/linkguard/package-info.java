/**
 * The link guard: links in delivered mail rewritten to a signed click endpoint, the links each delivery
 * carried, the clicks seen and the URLs known bad since. Implemented by the linkguard bundle (rewriting,
 * click endpoint) and the store bundle ({@link org.streamail.api.linkguard.LinkStore}); consumed by the
 * reporting bundle (campaigns), the REST API, the shell and the workbench.
 */
@Version("1.2.0")
@Export
package org.streamail.api.linkguard;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
