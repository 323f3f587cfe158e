/**
 * SPI for changing a message on its way to delivery, after the policy decided DELIVER or TAG: HTML disarm,
 * retention stamps, link rewriting.
 */
@Version("1.0.0")
@Export
package org.streamail.api.delivery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
