/**
 * Immutable records describing a message as Streamail sees it: the SMTP envelope, the parsed view of the
 * content, findings and the verdict. Every type here is a value: thread-safe, no behaviour beyond derived
 * accessors, and collections are unmodifiable copies.
 */
@Version("1.4.0")
@Export
package org.streamail.api.model;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
