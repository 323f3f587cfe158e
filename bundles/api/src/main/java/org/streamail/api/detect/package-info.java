/**
 * The detector SPI. A detector is any OSGi service implementing {@link org.streamail.api.detect.Detector};
 * the pipeline binds them dynamically (install, update or remove a detector bundle at runtime and the
 * pipeline follows).
 */
@Version("1.0.0")
@Export
package org.streamail.api.detect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
