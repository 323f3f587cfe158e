/**
 * Strict checking of component configuration before Declarative Services converts it: a boolean written as
 * {@code yes} or a number written as {@code 30days} fails naming the property, and a misspelled key is reported
 * instead of silently ignored. Used by every bundle whose components read an {@code @ObjectClassDefinition}
 * configuration from Karaf's {@code etc/*.cfg} files.
 */
@Version("1.3.0")
@Export
package org.streamail.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
