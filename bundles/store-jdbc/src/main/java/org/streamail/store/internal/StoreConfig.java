package org.streamail.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.store}, shared by the quarantine store and the message log. */
@ObjectClassDefinition(name = "Streamail store",
        description = "Which javax.sql.DataSource service the quarantine store and the message log use.")
@interface StoreConfig {

    @AttributeDefinition(name = "DataSource filter", description = "LDAP filter selecting the DataSource "
            + "service (registered by pax-jdbc-config from etc/org.ops4j.datasource-streamail.cfg).")
    String DataSource_target() default StoreConstants.DEFAULT_DATASOURCE_TARGET;
}
