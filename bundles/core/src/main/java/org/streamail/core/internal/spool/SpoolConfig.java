package org.streamail.core.internal.spool;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Streamail spool", description = "The durable message spool: what is kept of entries "
        + "that could not be read (corrupt/).")
@interface SpoolConfig {

    @AttributeDefinition(name = "corrupt.max.age.days", description = "Days a file moved to corrupt/ is kept "
            + "(counted from the move); older ones are deleted at start", min = "1", max = "3650")
    int corrupt_max_age_days() default 30;

    @AttributeDefinition(name = "corrupt.max.files", description = "Files kept in corrupt/ at most; the oldest "
            + "beyond this are deleted at start", min = "1", max = "1000000")
    int corrupt_max_files() default 1000;
}
