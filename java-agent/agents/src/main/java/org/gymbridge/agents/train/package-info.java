/**
 * Training and evaluation: the {@link org.gymbridge.agents.train.StepLoop} every loop runs, the plain
 * {@link org.gymbridge.agents.train.Trainer}, fixed-seed {@link org.gymbridge.agents.train.Evaluation}, and
 * {@link org.gymbridge.agents.train.TrainingRun} (what {@code gymbridge train} does: run folders with typed
 * configs, metrics, TensorBoard events, learning curves, checkpoints and exact resume).
 */
package org.gymbridge.agents.train;
