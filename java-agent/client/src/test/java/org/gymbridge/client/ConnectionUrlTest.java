package org.gymbridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gymbridge.env.AutoresetMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionUrlTest {

    @Test
    void grpcUrlNamesHostPortEnvAndOptions() {
        ConnectionUrl u = ConnectionUrl.parse(
                "grpc://gym.example.org:50052/HalfCheetah-v5?num_envs=16&seed=7&autoreset=same_step&render_mode=rgb_array&max_episode_steps=300");
        assertEquals(ConnectionUrl.Scheme.GRPC, u.scheme());
        assertEquals("gym.example.org", u.host());
        assertEquals(50052, u.port());
        assertEquals("HalfCheetah-v5", u.envId());
        assertEquals(16, u.options().numEnvs());
        assertEquals(7L, u.options().seed());
        assertEquals(AutoresetMode.SAME_STEP, u.options().autoreset());
        assertEquals("rgb_array", u.options().renderMode());
        assertEquals(300, u.options().maxEpisodeSteps());
        assertTrue(u.options().kwargs().isEmpty());
        assertEquals("gym.example.org:50052", u.grpcTarget());
    }

    @Test
    void defaultsAreOneEnvNoSeedAndPort50051() {
        ConnectionUrl u = ConnectionUrl.parse("grpc://localhost/CartPole-v1");
        assertEquals(50051, u.port());
        assertEquals(1, u.options().numEnvs());
        assertNull(u.options().seed());
        assertNull(u.options().autoreset());
        assertNull(u.options().renderMode());
    }

    @Test
    void ipv6HostsAreBracketed() {
        ConnectionUrl u = ConnectionUrl.parse("grpc://[::1]:6000/CartPole-v1");
        assertEquals("::1", u.host());
        assertEquals(6000, u.port());
        assertEquals("[::1]:6000", u.grpcTarget());
    }

    @Test
    void envIdsWithSlashesSurvive() {
        assertEquals("gymbridge/AllSpaces-v0", ConnectionUrl.parse("local:gymbridge/AllSpaces-v0?seed=1").envId());
        assertEquals("gymbridge/AllSpaces-v0", ConnectionUrl.parse("grpc://h:1/gymbridge/AllSpaces-v0").envId());
        assertEquals("gymbridge/AllSpaces-v0", ConnectionUrl.parse("unix:/tmp/g.sock/gymbridge/AllSpaces-v0").envId());
    }

    @Test
    void unknownKeysAreKwargsTypedLikeJson() {
        Map<String, Object> k = ConnectionUrl.parse("local:FrozenLake-v1?map_name=8x8&is_slippery=false&frame_skip=5"
                + "&ctrl_cost_weight=0.1&big=1e3&neg=-3&label=%2242%22&nothing=null&space=a%20b&plus=1+2").options().kwargs();
        assertEquals("8x8", k.get("map_name"));
        assertEquals(Boolean.FALSE, k.get("is_slippery"));
        assertEquals(5L, k.get("frame_skip"));
        assertEquals(0.1, k.get("ctrl_cost_weight"));
        assertEquals(1000.0, k.get("big"));
        assertEquals(-3L, k.get("neg"));
        assertEquals("42", k.get("label"), "a quoted value stays a string");
        assertTrue(k.containsKey("nothing"));
        assertNull(k.get("nothing"));
        assertEquals("a b", k.get("space"));
        assertEquals("1+2", k.get("plus"));
        assertEquals(List.of("map_name", "is_slippery", "frame_skip", "ctrl_cost_weight", "big", "neg", "label",
                "nothing", "space", "plus"), List.copyOf(k.keySet()), "kwargs keep the URL's order");
    }

    @Test
    void unixUrlSplitsAtTheSocketFile(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("gym");
        Files.createFile(sock); // an existing file marks the end of the socket path, whatever its name
        ConnectionUrl u = ConnectionUrl.parse("unix:" + sock + "/FrozenLake-v1?map_name=8x8");
        assertEquals(ConnectionUrl.Scheme.UNIX, u.scheme());
        assertEquals(sock.toString(), u.socketPath());
        assertEquals("FrozenLake-v1", u.envId());
        assertEquals("8x8", u.options().kwargs().get("map_name"));

        ConnectionUrl dotSock = ConnectionUrl.parse("unix:/no/such/dir/server.sock/CartPole-v1");
        assertEquals("/no/such/dir/server.sock", dotSock.socketPath());
        assertEquals("unix:/no/such/dir/server.sock", dotSock.grpcTarget());

        ConnectionUrl query = ConnectionUrl.parse("unix:///var/run/gym?env=CartPole-v1&num_envs=2");
        assertEquals("/var/run/gym", query.socketPath());
        assertEquals("CartPole-v1", query.envId());
        assertEquals(2, query.options().numEnvs());

        ConnectionUrl serverOnly = ConnectionUrl.parse("unix:/tmp/x.sock");
        assertEquals("/tmp/x.sock", serverOnly.socketPath());
        assertEquals("", serverOnly.envId());
    }

    @Test
    void localUrlNeedsOnlyTheEnvId() {
        ConnectionUrl u = ConnectionUrl.parse("local:CartPole-v1?num_envs=8&seed=1");
        assertEquals(ConnectionUrl.Scheme.LOCAL, u.scheme());
        assertEquals("CartPole-v1", u.envId());
        assertEquals(8, u.options().numEnvs());
        assertEquals("", ConnectionUrl.parse("local:").envId());
    }

    @Test
    void aMistypedOptionIsNamedInsteadOfSentAsAnEnvArgument() {
        Map<String, String> cases = Map.of("num_env=8", "num_envs", "n_envs=8", "num_envs", "render-mode=rgb_array",
                "render_mode", "max_episode_step=50", "max_episode_steps", "wrapper=NormalizeObservation", "wrappers",
                "num_worker=2", "num_workers");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConnectionUrl.parse("local:CartPole-v1?" + c.getKey()), c.getKey());
            assertTrue(e.getMessage().contains("did you mean " + c.getValue() + "?"), c.getKey() + " -> " + e.getMessage());
        }
        // Env arguments that are not near an option name (or near a short one only) still reach the env.
        Map<String, Object> k = ConnectionUrl.parse("local:LunarLander-v3?speed=2&continuous=true&seeds=3").options().kwargs();
        assertEquals(Map.of("speed", 2L, "continuous", true, "seeds", 3L), k);
    }

    @Test
    void malformedUrlsSayTheExpectedForm() {
        Map<String, String> cases = new HashMap<>();
        cases.put("http://host/CartPole-v1", "unknown scheme");
        cases.put("CartPole-v1", "unknown scheme");
        cases.put("grpc://host:notaport/CartPole-v1", "not a number");
        cases.put("grpc://host:70000/CartPole-v1", "outside");
        cases.put("grpc:///CartPole-v1", "no host");
        cases.put("local:CartPole-v1?num_envs", "not key=value");
        cases.put("local:CartPole-v1?num_envs=x", "not an integer");
        cases.put("local:CartPole-v1?num_envs=0", "at least 1");
        cases.put("local:CartPole-v1?seed=1&seed=2", "given twice");
        cases.put("local:CartPole-v1?autoreset=sometimes", "next_step, same_step or disabled");
        cases.put("unix:/tmp/nosocket/CartPole-v1", "cannot tell the socket path");
        cases.put("", "empty");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConnectionUrl.parse(c.getKey()),
                    c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains("local:EnvId"), "names the expected forms: " + e.getMessage());
        }
    }

    @Test
    void makeVecWithoutAnEnvIdFailsBeforeConnecting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GymBridge.makeVec("grpc://h:1"));
        assertTrue(e.getMessage().contains("no env id"), e.getMessage());
    }

    @Test
    void typedValuesMatchJson() {
        assertEquals(Boolean.TRUE, ConnectionUrl.typed("true"));
        assertEquals(12L, ConnectionUrl.typed("12"));
        assertEquals(-0.5, ConnectionUrl.typed("-0.5"));
        assertEquals(Double.POSITIVE_INFINITY, ConnectionUrl.typed("inf"));
        assertEquals("99999999999999999999", ConnectionUrl.typed("99999999999999999999"));
        assertEquals("v1.2", ConnectionUrl.typed("v1.2"));
        assertTrue(Arrays.asList("8x8").contains(ConnectionUrl.typed("8x8")));
    }
}
