package org.gymbridge.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.gymbridge.agents.core.HostArrays;
import org.gymbridge.agents.policy.Categorical;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PpoCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void savedAgentLoadsWithTheSameNetworkAndConfig() throws IOException {
        PpoConfig config = PpoConfig.defaults().withLearningRate(1e-3).withNumSteps(16);
        Ppo agent = new Ppo(config, 4, 4, new Categorical(2), 3);
        Path file = dir.resolve("ppo.zip");
        agent.save(file);

        Ppo loaded = Ppo.load(file, 4, 3);
        assertEquals(agent.network().params(), loaded.network().params());
        assertEquals(config.toString(), loaded.config().toString());
        INDArray obs = Nd4j.rand(DataType.FLOAT, 16, 4).subi(0.5);
        assertEquals(HostArrays.toFloats(agent.act(obs, false)).length, 16);
        org.junit.jupiter.api.Assertions.assertArrayEquals(agent.network().predict(obs).policy(),
                loaded.network().predict(obs).policy());
    }

    @Test
    void aFinalModelCanBeSavedMidRollout() throws IOException {
        // The demo trains a step budget that is not a multiple of the rollout, then saves the model.
        Ppo agent = new Ppo(PpoConfig.defaults().withNumSteps(16), 4, 4, new Categorical(2), 3);
        INDArray obs = Nd4j.rand(DataType.FLOAT, 4, 4).subi(0.5);
        agent.act(obs, true);
        agent.observe(new org.gymbridge.agents.core.Transition(obs, agent.act(obs, false), new double[4],
                new boolean[4], new boolean[4], obs, new boolean[] {true, true, true, true}));
        Path file = dir.resolve("final.zip");
        agent.save(file);

        Ppo loaded = Ppo.load(file, 4, 3);
        org.junit.jupiter.api.Assertions.assertArrayEquals(agent.network().predict(obs).policy(),
                loaded.network().predict(obs).policy());
    }

    @Test
    void loadingAMissingFileSaysWhere() {
        IOException e = assertThrows(IOException.class, () -> Ppo.load(dir.resolve("nope.zip"), 4, 1));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("nope.zip"), e.getMessage());
    }
}
