/**
 * Reading of MIME header text that every bundle parsing mail needs the same way. The core's parser hands decoded
 * headers to the detectors ({@code Header}), but the bundles that read raw mail themselves (the spam bundle's own
 * reader, the content detector's {@code .eml} reader, the link guard's rewriter) decode encoded words here, so a
 * name or subject reads alike in each.
 */
@Version("1.0.0")
@Export
package org.streamail.api.mime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
