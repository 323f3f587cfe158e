/**
 * SPI for checks that run during the SMTP dialogue, before DATA: remembered rejections, rate limits,
 * intrusion guards. Implementations are consulted by the inbound listener at the earliest stage that knows
 * the value being judged.
 *
 * <p>1.1.0: {@link org.streamail.api.smtp.ListenerState} (whether a listener accepts connections, for readiness).
 */
@Version("1.1.0")
@Export
package org.streamail.api.smtp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
