package org.streamail.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.directory}. */
@ObjectClassDefinition(name = "Streamail directory",
        description = "The organisation's protected domains; the registered addresses live in the database.")
@interface DirectoryConfig {

    @AttributeDefinition(name = "Protected domains", description = "Comma-separated domains the gateway "
            + "accepts mail for (exact match, no subdomains). Empty: every recipient is foreign, so no mail is "
            + "accepted inbound.")
    String domains() default "";

    @AttributeDefinition(name = "Cache refresh (seconds)", description = "How long the in-memory copy of the "
            + "registered addresses is used before it is re-read; the staleness of changes made on other nodes. "
            + "Changes made on this node are visible at once.", min = "1", max = "3600")
    int refresh_seconds() default 5;

    @AttributeDefinition(name = "DataSource filter", description = "LDAP filter selecting the DataSource service.")
    String DataSource_target() default StoreConstants.DEFAULT_DATASOURCE_TARGET;
}
