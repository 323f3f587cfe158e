package org.streamail.api.alert;

/** How urgent an alert is, lowest first. Escalation moves an alert up this list. */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    /** The next severity up, or {@code CRITICAL} when already there. */
    public Severity raised() {
        return this == CRITICAL ? CRITICAL : values()[ordinal() + 1];
    }

    /** The higher of the two. */
    public Severity max(Severity other) {
        return other != null && other.ordinal() > ordinal() ? other : this;
    }
}
