package com.example;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.gymbridge.client.GymBridge;
import org.gymbridge.env.Env;

/** Steps CartPole-v1 a few times through gymbridge, from a project that only depends on the published jars. */
public final class StepCartPole {
    private StepCartPole() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "local:CartPole-v1?seed=1";
        SplittableRandom rng = new SplittableRandom(1);
        try (Env env = GymBridge.make(url)) {
            Env.EnvResetResult first = env.reset();
            System.out.println("reset: observation " + Arrays.toString(first.observation().asTensor().toFloatArray()));
            int steps = 0;
            double episodeReturn = 0;
            while (steps < 5) {
                Env.EnvStepResult r = env.step(env.actionSpace().sample(rng));
                steps++;
                episodeReturn += r.reward();
                if (r.done()) {
                    break;
                }
            }
            System.out.println("stepped " + env.spec().envId() + " " + steps + " times through " + url
                    + ", return " + episodeReturn);
        }
    }
}
