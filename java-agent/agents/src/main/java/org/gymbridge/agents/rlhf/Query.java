package org.gymbridge.agents.rlhf;

/** A pair of segments to be compared, shown as {@code left} and {@code right}; {@code pair} is its id ({@code p-000007}). */
public record Query(String pair, String left, String right) {
}
