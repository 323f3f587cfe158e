package org.streamail.reporting.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.campaign}: how a campaign recall finds the other copies. */
@ObjectClassDefinition(name = "Streamail campaign recall",
        description = "How far around a bad message the message log is searched for other copies of its campaign.")
@interface CampaignConfig {

    String PID = "org.streamail.campaign";

    @AttributeDefinition(description = "Messages received within this ISO-8601 duration before or after the bad one, "
            + "with the same envelope sender and subject, belong to its campaign; also the look-back for deliveries "
            + "of its URLs.")
    String campaign_window() default "P3D";

    @AttributeDefinition(description = "Message-log entries of the same sender examined at most (1..10000).")
    int max_scanned() default 1000;

    @AttributeDefinition(description = "Deliveries per URL examined at most, newest first, read 1,000 at a time "
            + "(1..100000; a recall reads 100,000 in all at most).")
    int max_link_deliveries() default 10000;
}
