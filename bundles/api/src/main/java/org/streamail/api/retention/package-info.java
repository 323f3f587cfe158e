/**
 * Retention of delivered mail: the sender's retention headers, the organisation's policy, the IMAP sweeper
 * that acts on expired messages, and the audit trail of every action. Implemented by the retention bundle
 * (service) and the store bundle (audit); consumed by the REST API and the shell.
 */
@Version("1.1.0")
@Export
package org.streamail.api.retention;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
