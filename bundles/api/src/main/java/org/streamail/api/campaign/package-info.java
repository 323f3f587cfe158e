/**
 * Campaigns found bad after delivery: every copy found through the message log and the link store, its
 * recipients warned, and the copies pulled back from the mailboxes over IMAP. Implemented by the reporting
 * bundle ({@link org.streamail.api.campaign.CampaignService}) and the retention bundle
 * ({@link org.streamail.api.campaign.MailboxRecall}, the same IMAP access as the retention sweeper).
 */
@Version("1.2.0")
@Export
package org.streamail.api.campaign;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
