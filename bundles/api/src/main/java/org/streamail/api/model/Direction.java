package org.streamail.api.model;

/** Which way a message crosses the gateway. */
public enum Direction {
    /** From the Internet to the organisation's mail server. */
    INBOUND,
    /** From the organisation's mail server to the Internet. */
    OUTBOUND
}
