package org.gymbridge.agents.rlhf;

/** An answered query: the pair, its two segments, the choice, who answered and when (epoch milliseconds). */
public record Label(Query query, Choice choice, String labeler, long timeMillis) {
}
