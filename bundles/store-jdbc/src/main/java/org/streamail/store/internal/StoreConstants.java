package org.streamail.store.internal;

/** Names shared by the store components. */
final class StoreConstants {

    /** The DataSource that pax-jdbc-config registers from {@code etc/org.ops4j.datasource-streamail.cfg}. */
    static final String DEFAULT_DATASOURCE_TARGET = "(dataSourceName=streamail)";
    /** Name of the DataSource reference, so the target is the component property {@code DataSource.target}. */
    static final String DATASOURCE_REFERENCE = "DataSource";
    static final String STORE_PID = "org.streamail.store";
    static final String DIRECTORY_PID = "org.streamail.directory";

    /** Column widths from V1__init.sql. */
    static final int ADDRESS_WIDTH = 512;
    static final int MESSAGE_ID_WIDTH = 1000;
    static final int SUBJECT_WIDTH = 2000;
    static final int DETAIL_WIDTH = 2000;
    static final int ACTOR_WIDTH = 256;
    static final int CLIENT_IP_WIDTH = 64;
    static final int CATEGORIES_WIDTH = 512;

    private StoreConstants() {
    }
}
