package org.gymbridge.env;

/**
 * What a vector env does after an episode ends (gymnasium.vector.AutoresetMode).
 * <ul>
 *   <li>{@link #NEXT_STEP} (Gymnasium's default): the step after a done resets that env; its
 *       action is ignored and the step returns the first observation, reward 0.</li>
 *   <li>{@link #SAME_STEP}: the env resets within the step that ended the episode; the final
 *       observation and info are in the infos ({@code final_obs}, {@code final_info}).</li>
 *   <li>{@link #DISABLED}: no autoreset; reset finished envs yourself.</li>
 * </ul>
 */
public enum AutoresetMode {
    NEXT_STEP,
    SAME_STEP,
    DISABLED;

    /** The URL spelling: "next_step", "same_step" or "disabled". */
    public String urlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses "next_step", "same_step" or "disabled" (case-insensitive). */
    public static AutoresetMode fromUrlName(String s) {
        for (AutoresetMode m : values()) {
            if (m.urlName().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown autoreset mode '" + s + "'; use next_step, same_step or disabled");
    }
}
