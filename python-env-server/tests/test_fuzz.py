"""Property-based fuzzing of the server with Hypothesis: random and mutated requests --
malformed tensors, unknown dtypes, wrong shapes, NaN/inf, out-of-range values, unknown or closed
sessions, duplicate closes, absurd num_envs, random kwargs and bytes flipped in valid messages.

The properties: every request is answered (OK or a precise, actionable status -- never INTERNAL,
UNKNOWN or UNAVAILABLE), the server never dies, health stays SERVING, and a healthy session keeps
stepping throughout. Bounded: a fixed number of examples, a few seconds each run.
"""
from __future__ import annotations

from collections import Counter

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ServerProcess
from gymbridge.v1 import env_pb2 as epb
from gymbridge.v1 import env_pb2_grpc
from gymbridge.v1 import tensor_pb2 as tpb
from gymbridge_server.envs.testenvs import ALL_SPACES_ID, EXTRA_SPACES_ID
from faults import HealthyStepper

# Statuses a client can act on. INTERNAL/UNKNOWN would be a server bug; UNAVAILABLE a dead server.
ACCEPTABLE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}
FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples every run: a CI failure reproduces locally
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    log = tmp_path_factory.mktemp("fuzz") / "server.log"
    server = ServerProcess("--port", "0", "--max-envs-per-session", "64", "--max-message-mb", "4",
                           "--log-level", "warning", log_path=log)
    yield server
    assert server.proc.poll() is None, f"the server died during fuzzing:\n{server.log()}"
    assert server.terminate() == 0


@pytest.fixture(scope="module")
def ch(srv):
    c = srv.channel()
    yield c
    c.close()


@pytest.fixture(scope="module")
def stub(ch):
    return env_pb2_grpc.EnvServiceStub(ch)


@pytest.fixture(scope="module")
def sessions(stub):
    """Live sessions to aim at: CartPole (Discrete), Pendulum (Box), AllSpaces (every kind), reset."""
    out = {}
    for env_id, n in (("CartPole-v1", 2), ("Pendulum-v1", 2), (ALL_SPACES_ID, 2), (EXTRA_SPACES_ID, 1)):
        sid = stub.Make(epb.MakeRequest(env_id=env_id, num_envs=n, seed=0), timeout=60).session_id
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
        out[env_id] = sid
    yield out
    for sid in out.values():
        try:
            stub.Close(epb.CloseRequest(session_id=sid), timeout=30)
        except grpc.RpcError:
            pass


@pytest.fixture(scope="module")
def healthy(srv):
    with srv.channel() as c, HealthyStepper(c) as h:
        yield h


# ------------------------------------------------------------------------------------ strategies

DTYPES = [v.number for v in tpb.DType.DESCRIPTOR.values]
dtypes = st.one_of(st.sampled_from(DTYPES), st.integers(-5, 40))
# Shapes: small ones, negative and huge dimensions, zero-sized ones with a huge other dimension, and
# more dimensions than numpy allows.
huge_dims = st.sampled_from([2**31, 2**40, 2**62, 2**63 - 1])
shapes = st.one_of(
    st.lists(st.one_of(st.integers(0, 4), st.integers(-3, -1), huge_dims), max_size=4),
    st.tuples(st.just(0), huge_dims).map(list),
    st.integers(33, 70).map(lambda n: [1] * n),
)
special_floats = st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -0.0, 3.0, -3.0, 0.5])


@st.composite
def tensors(draw) -> tpb.Tensor:
    dtype = draw(dtypes)
    shape = draw(shapes)
    how = draw(st.sampled_from(["random", "fitting", "floats"]))
    if how == "random":
        data = draw(st.binary(max_size=64))
    else:
        count = int(np.prod([max(d, 0) for d in shape])) if all(0 <= d <= 8 for d in shape) and len(shape) <= 8 else 3
        if how == "floats":
            vals = draw(st.lists(special_floats, min_size=count, max_size=count))
            data = np.asarray(vals, dtype="<f8" if draw(st.booleans()) else "<f4").tobytes()
        else:
            vals = draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=count, max_size=count))
            data = np.asarray(vals, dtype="<i8").tobytes()
    return tpb.Tensor(dtype=dtype, shape=shape, data=data, codec=draw(st.integers(0, 3)))


def values(depth: int = 2) -> st.SearchStrategy[tpb.Value]:
    leaf = st.one_of(
        tensors().map(lambda t: tpb.Value(tensor=t)),
        st.lists(st.text(max_size=12), max_size=3).map(lambda xs: tpb.Value(text=tpb.TextValue(items=xs))),
        st.just(tpb.Value()),
    )
    if depth == 0:
        return leaf
    inner = values(depth - 1)
    keys = st.sampled_from(["box_f32", "box_f64", "image", "discrete", "multi_discrete", "multi_binary", "tuple",
                            "nested", "text", "position", "mode", "x", "sequence", "stacked", "graph", "one_of"])
    return st.one_of(
        leaf,
        st.lists(st.tuples(keys, inner), max_size=4).map(
            lambda kv: tpb.Value(dict=tpb.DictValue(entries=[tpb.NamedValue(key=k, value=v) for k, v in kv]))),
        st.lists(inner, max_size=3).map(lambda xs: tpb.Value(tuple=tpb.TupleValue(items=xs))),
        st.lists(inner, max_size=3).map(lambda xs: tpb.Value(list=tpb.ValueList(items=xs))),
    )


args = st.recursive(
    st.one_of(st.booleans().map(lambda b: tpb.Arg(bool_value=b)), st.integers(-(2**63), 2**63 - 1).map(lambda i: tpb.Arg(int_value=i)),
              st.floats(allow_nan=True).map(lambda f: tpb.Arg(double_value=f)), st.text(max_size=8).map(lambda s: tpb.Arg(string_value=s)),
              st.just(tpb.Arg())),
    lambda inner: st.lists(inner, max_size=3).map(lambda xs: tpb.Arg(list_value=tpb.ArgList(items=xs))),
    max_leaves=6,
)
env_ids = st.one_of(st.sampled_from(["CartPole-v1", "Pendulum-v1"]), st.sampled_from(["CartPole-v1", "Pendulum-v1", ALL_SPACES_ID, "FrozenLake-v1", "CartPol-v1", "",
                                     "os:system", "../../etc/passwd", "gymbridge/", "x" * 300]), st.text(max_size=20))
num_envs_values = st.one_of(st.sampled_from([-1, 0, 1, 2, 65, 1000, 2**31 - 1]), st.integers(-3, 70))


SEEN: Counter = Counter()  # status codes the fuzzing produced, by test


def _status(call, *a, **kw) -> grpc.StatusCode:
    try:
        call(*a, timeout=60, **kw)
        code = grpc.StatusCode.OK
    except grpc.RpcError as e:
        assert e.code() in ACCEPTABLE, f"{e.code()}: {e.details()}"
        assert e.details(), "every refusal says why"
        code = e.code()
    SEEN[code] += 1
    return code


def _assert_alive(srv, ch, healthy) -> None:
    assert srv.proc.poll() is None, srv.log()
    r = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    assert r.status == health_pb2.HealthCheckResponse.SERVING
    assert not healthy.errors, healthy.errors


# ------------------------------------------------------------------------------------- properties


def _extra_template() -> tpb.Value:
    """A valid ExtraSpaces action for one env (a Dict of sequence, stacked, graph, one_of)."""
    import gymnasium as gym

    from gymbridge_server import codec

    env = gym.make_vec(EXTRA_SPACES_ID, num_envs=1, vectorization_mode="sync")
    env.action_space.seed(0)
    v = codec.encode_value(env.action_space, env.action_space.sample())
    env.close()
    return v


@st.composite
def extra_actions(draw) -> tpb.Value:
    """Valid ExtraSpaces actions with their ragged parts replaced: OneOf index tensors of any dtype and
    shape, stacked Sequence items of mixed shapes and dtypes."""
    v = tpb.Value()
    v.CopyFrom(_extra_template())
    for entry in v.dict.entries:
        item = entry.value.tuple.items[0]
        if entry.key == "one_of" and draw(st.booleans()):
            item.tuple.items[0].CopyFrom(tpb.Value(tensor=draw(tensors())))
        if entry.key == "stacked" and draw(st.booleans()):
            item.CopyFrom(tpb.Value(list=tpb.ValueList(items=draw(st.lists(tensors().map(lambda t: tpb.Value(tensor=t)), max_size=3)))))
    return v


@FUZZ
@given(actions=extra_actions())
def test_ragged_actions_get_a_precise_status(srv, ch, stub, sessions, healthy, actions):
    sid = sessions[EXTRA_SPACES_ID]
    code = _status(stub.Step, epb.StepRequest(session_id=sid, actions=actions))
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
    _assert_alive(srv, ch, healthy)


@FUZZ
@given(data=st.binary(min_size=1, max_size=64), method=st.sampled_from(["Make", "Reset", "Step", "Close", "Handshake", "Session"]))
def test_bytes_that_are_no_protobuf_get_a_precise_status(srv, ch, stub, healthy, data, method):
    if method == "Session":
        call = ch.stream_stream("/gymbridge.v1.EnvService/Session", request_serializer=None,
                                response_deserializer=epb.SessionResponse.FromString)
        for r in call(iter([data]), timeout=60):
            if r.HasField("error"):
                code = grpc.StatusCode(_code(r.error.code))
                assert code in ACCEPTABLE and r.error.message, r.error
                SEEN[code] += 1
    else:
        _status(ch.unary_unary(f"/gymbridge.v1.EnvService/{method}", request_serializer=None, response_deserializer=None), data)
    _assert_alive(srv, ch, healthy)


@FUZZ
@given(target=st.sampled_from(["CartPole-v1", "Pendulum-v1", ALL_SPACES_ID, "unknown"]), actions=values(), env_ids_field=st.lists(st.integers(-2, 5), max_size=2))
def test_random_actions_get_a_precise_status(srv, ch, stub, sessions, healthy, target, actions, env_ids_field):
    sid = sessions.get(target, "no-such-session")
    code = _status(stub.Step, epb.StepRequest(session_id=sid, actions=actions, env_ids=env_ids_field))
    if code == grpc.StatusCode.FAILED_PRECONDITION:  # an earlier example ended an episode / broke the env
        stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
    _assert_alive(srv, ch, healthy)


@FUZZ
@given(env_id=env_ids, num_envs=num_envs_values,
       kwargs=st.one_of(st.just({}), st.dictionaries(st.text(max_size=6), args, max_size=2)),
       autoreset=st.one_of(st.just(0), st.integers(-1, 5)), vectorization=st.sampled_from(["", "", "sync", "bogus"]),
       render_mode=st.sampled_from(["", "", "human", "rgb_array", "x"]), max_steps=st.one_of(st.just(0), st.integers(-2, 3)))
def test_random_makes_get_a_precise_status(srv, ch, stub, healthy, env_id, num_envs, kwargs, autoreset, vectorization, render_mode, max_steps):
    req = epb.MakeRequest(env_id=env_id, num_envs=num_envs, kwargs=kwargs, autoreset_mode=autoreset,
                          vectorization=vectorization, render_mode=render_mode, max_episode_steps=max_steps)
    try:
        made = stub.Make(req, timeout=60)
    except grpc.RpcError as e:
        assert e.code() in ACCEPTABLE, f"{e.code()}: {e.details()}"
        assert e.details(), "every refusal says why"
        SEEN[e.code()] += 1
    else:
        assert _status(stub.Close, epb.CloseRequest(session_id=made.session_id)) == grpc.StatusCode.OK
        # Duplicate close: NOT_FOUND, nothing else.
        assert _status(stub.Close, epb.CloseRequest(session_id=made.session_id)) == grpc.StatusCode.NOT_FOUND
    _assert_alive(srv, ch, healthy)


@FUZZ
@given(target=st.sampled_from(["CartPole-v1", "Pendulum-v1", "unknown"]), seed=st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
       seeds=st.lists(st.integers(-(2**63), 2**63 - 1), max_size=3), mask=st.lists(st.booleans(), max_size=3),
       options=st.dictionaries(st.text(max_size=6), args, max_size=2))
def test_random_resets_get_a_precise_status(srv, ch, stub, sessions, healthy, target, seed, seeds, mask, options):
    sid = sessions.get(target, "no-such-session")
    req = epb.ResetRequest(session_id=sid, seeds=seeds, reset_mask=mask, options=options)
    if seed is not None:
        req.seed = seed
    code = _status(stub.Reset, req)
    assert code != grpc.StatusCode.ABORTED, "bad reset arguments are refused up front, never passed to the env"
    if seed is not None and seed < 0 or any(x < 0 for x in seeds):
        assert code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
    _assert_alive(srv, ch, healthy)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6), on_stream=st.booleans())
def test_mutated_valid_messages_get_a_precise_status(srv, ch, stub, sessions, healthy, flips, on_stream):
    sid = sessions[ALL_SPACES_ID]
    # A valid AllSpaces step, serialized, with some bytes overwritten.
    valid = _valid_all_spaces_step(sid)
    raw = bytearray(valid.SerializeToString())
    for pos, byte in flips:
        raw[pos % len(raw)] = byte
    try:
        req = epb.StepRequest.FromString(bytes(raw))
    except Exception:  # noqa: BLE001 -- not parseable: gRPC would refuse it before the service
        return
    if on_stream:
        responses = list(stub.Session(iter([epb.SessionRequest(seq=1, step=req)]), timeout=60))
        assert len(responses) == 1 and responses[0].seq == 1
        if responses[0].HasField("error"):
            code = grpc.StatusCode(_code(responses[0].error.code))
            assert code in ACCEPTABLE and responses[0].error.message, responses[0].error
            SEEN[code] += 1
    else:
        code = _status(stub.Step, req)
        if code == grpc.StatusCode.FAILED_PRECONDITION:
            stub.Reset(epb.ResetRequest(session_id=sid), timeout=60)
    _assert_alive(srv, ch, healthy)


def _code(number: int):
    return next(c for c in grpc.StatusCode if c.value[0] == number).value


_VALID: dict[str, epb.StepRequest] = {}


def _valid_all_spaces_step(sid: str) -> epb.StepRequest:
    if sid not in _VALID:
        import gymnasium as gym

        from gymbridge_server import codec

        env = gym.make_vec(ALL_SPACES_ID, num_envs=2, vectorization_mode="sync")
        env.action_space.seed(0)
        _VALID[sid] = epb.StepRequest(session_id=sid, actions=codec.encode_value(env.action_space, env.action_space.sample()))
        env.close()
    return _VALID[sid]


def test_the_server_survived_all_fuzzing(srv, ch, healthy):
    _assert_alive(srv, ch, healthy)
    # The fuzzing reached the paths it aims at (not just one early refusal).
    for code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
                 grpc.StatusCode.RESOURCE_EXHAUSTED):
        assert SEEN[code] > 0, SEEN
    before = healthy.steps
    healthy.assert_kept_stepping(before)
