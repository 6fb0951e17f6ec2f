/**
 * Turning rendered frames into files people look at: {@link org.gymbridge.render.GifWriter} writes
 * {@code rgb_array} frames as an animated GIF; {@link org.gymbridge.render.Episodes#recordGif} records an
 * episode of a policy on an env in one call.
 */
package org.gymbridge.render;
