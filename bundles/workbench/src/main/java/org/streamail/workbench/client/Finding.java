package org.streamail.workbench.client;

/**
 * One detector finding as the gateway reports it: what was detected ({@code rule}, {@code category}), by
 * whom ({@code detector}), where ({@code part}, may be empty) and why ({@code detail}). Strings are never
 * {@code null}.
 */
public record Finding(String detector, String rule, double score, String category, String detail, String part) {
}
