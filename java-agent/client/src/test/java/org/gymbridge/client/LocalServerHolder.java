package org.gymbridge.client;

import org.gymbridge.env.VectorEnv;
import org.gymbridge.tensor.Tensor;

/**
 * A program for {@link OrphanServerTest}: starts a local: server, steps an env on it, prints
 * "SERVER_PID pid" and then waits to be killed.
 */
final class LocalServerHolder {
    private LocalServerHolder() {
    }

    public static void main(String[] args) throws Exception {
        GymBridgeClient client = GymBridge.connect("local:");
        VectorEnv env = client.makeVec("CartPole-v1", MakeOptions.builder().numEnvs(2).build());
        env.reset(0);
        env.step(Tensor.ofLongs(new long[] {0, 1}));
        System.out.println("SERVER_PID " + client.serverProcess().orElseThrow().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
