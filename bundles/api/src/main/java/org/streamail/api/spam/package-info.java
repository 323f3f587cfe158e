/**
 * Global spam management: user and administrator reports ({@link org.streamail.api.spam.ReportService}),
 * remembered rejections ({@link org.streamail.api.spam.BlockListService}) and the shared persistence they
 * need ({@link org.streamail.api.spam.SpamStore}). Implemented by the detect-spam bundle (services) and
 * the store bundle (store); consumed by the REST API and the shell.
 */
@Version("1.2.0")
@Export
package org.streamail.api.spam;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
