package org.gymbridge.client;

/** One env id the server can make, with its entry point and registered time limit (0: none). */
public record EnvInfo(String envId, String entryPoint, int maxEpisodeSteps) {
}
