/**
 * Persistence contracts: quarantine, message log, directory, housekeeping and shared records. Implemented by the
 * store bundle (H2 by default, PostgreSQL in production); all methods are thread-safe and may throw
 * {@link org.streamail.api.store.StoreException} when the database is unavailable.
 */
@Version("1.6.0")
@Export
package org.streamail.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
