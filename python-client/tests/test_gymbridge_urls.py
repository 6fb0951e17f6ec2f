"""The URL grammar matches the Java client's: schemes, env ids, typed kwargs, wrappers, connection keys."""
from __future__ import annotations

import math

import pytest

from gymbridge import urls


def test_grpc_url_with_port_env_id_and_make_options():
    u = urls.parse("grpc://envs.example.org:6000/HalfCheetah-v5?num_envs=16&seed=3&autoreset=same_step"
                   "&render_mode=rgb_array&max_episode_steps=200&vectorization=workers&num_workers=2")
    assert (u.scheme, u.host, u.port, u.env_id, u.target) == ("grpc", "envs.example.org", 6000, "HalfCheetah-v5", "envs.example.org:6000")
    assert u.make == {
        "num_envs": 16, "seed": 3, "autoreset_mode": "SameStep", "render_mode": "rgb_array",
        "max_episode_steps": 200, "vectorization": "workers", "num_workers": 2,
    }


def test_default_port_ipv6_and_namespaced_ids():
    assert urls.parse("grpc://host/CartPole-v1").port == 50051
    u = urls.parse("grpc://[::1]:7000/gymbridge/AllSpaces-v0")
    assert (u.host, u.port, u.env_id, u.target) == ("::1", 7000, "gymbridge/AllSpaces-v0", "[::1]:7000")


def test_kwargs_are_typed_like_json():
    u = urls.parse('local:FrozenLake-v1?is_slippery=false&map_name=8x8&frame_skip=5&goal_velocity=0.01'
                   '&x=null&name="5"&big=99999999999999999999&lim=-inf')
    kw = u.make["kwargs"]
    assert kw["is_slippery"] is False and kw["map_name"] == "8x8" and kw["frame_skip"] == 5
    assert isinstance(kw["goal_velocity"], float) and kw["goal_velocity"] == 0.01
    assert kw["x"] is None and kw["name"] == "5" and kw["big"] == "99999999999999999999"
    assert math.isinf(kw["lim"]) and kw["lim"] < 0


def test_wrappers_innermost_first_with_typed_arguments_and_lists():
    u = urls.parse("local:CartPole-v1?wrappers=TimeLimit(max_episode_steps=200),RecordEpisodeStatistics,"
                   "ResizeObservation(shape=(32,32))")
    assert u.make["wrappers"] == [
        ("TimeLimit", {"max_episode_steps": 200}),
        ("RecordEpisodeStatistics", {}),
        ("ResizeObservation", {"shape": [32, 32]}),
    ]


def test_connection_keys_configure_the_client_not_the_env(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    u = urls.parse(f"grpcs://h:1/CartPole-v1?token=s3cret&ca={ca}&timeout=500ms&reset_timeout=5m"
                   "&make_timeout=2&on_crash=recreate")
    assert "kwargs" not in u.make
    assert u.make["token"] == "s3cret" and u.make["ca"] == str(ca) and u.make["tls"] is True
    assert u.make["timeout"] == 0.5 and u.make["reset_timeout"] == 300.0 and u.make["make_timeout"] == 2.0
    assert u.make["on_crash"] == "recreate"


def test_unix_socket_forms():
    u = urls.parse("unix:/tmp/gym.sock/FrozenLake-v1?map_name=8x8")
    assert (u.socket_path, u.env_id, u.target) == ("/tmp/gym.sock", "FrozenLake-v1", "unix:/tmp/gym.sock")
    u = urls.parse("unix:///run/gym?env=CartPole-v1")
    assert (u.socket_path, u.env_id) == ("/run/gym", "CartPole-v1")


def test_several_servers_make_one_sharded_target():
    u = urls.parse("grpcs://h1:50052,[::1],h3/Crafter-v1?num_envs=64&shards=30,30,4&placement=pack&vectorization=ray")
    assert u.servers == (("h1", 50052), ("::1", 50051), ("h3", 50051))
    assert u.target == "h1:50052,[::1]:50051,h3:50051"
    assert u.make["shards"] == [30, 30, 4] and u.make["placement"] == "pack" and u.make["tls"] is True
    assert urls.parse("grpc://h1:1/CartPole-v1").servers == ()


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://h/CartPole-v1", "unknown scheme"),
        ("grpc://h:99999/CartPole-v1", "outside 1..65535"),
        ("grpc://:1/CartPole-v1", "no host"),
        ("unix:/tmp/gym/CartPole-v1", "cannot tell the socket path"),
        ("local:CartPole-v1?num_envs=eight", "num_envs=eight is not an integer"),
        ("local:CartPole-v1?seed=1&seed=2", "given twice"),
        ("local:CartPole-v1?autoreset=sometimes", "next_step, same_step or disabled"),
        ("local:CartPole-v1?timeout=soon", "not a duration"),
        ("local:CartPole-v1?on_crash=retry", "fail or recreate"),
        ("local:CartPole-v1?wrappers=TimeLimit(200)", "not name=value"),
        ("local:CartPole-v1?ca=/nonexistent/ca.pem", "not a readable file"),
        ("local:CartPole-v1?env=Pendulum-v1", "env id given twice"),
        ("grpc://h1:1,,h2:2/CartPole-v1", "an empty server in the list"),
        ("grpc://h1:1,h2:2/CartPole-v1?shards=1,two", "not a list of integers"),
        ("grpc://h1:1/CartPole-v1?shards=1", "URL naming several servers"),
    ],
)
def test_malformed_urls_name_the_problem(url, problem):
    with pytest.raises(ValueError, match="malformed gymbridge URL") as e:
        urls.parse(url)
    assert problem in str(e.value)


def test_errors_never_show_the_token():
    with pytest.raises(ValueError) as e:
        urls.parse("grpc://h:1/CartPole-v1?token=s3cret&timeout=soon")
    assert "s3cret" not in str(e.value) and "token=***" in str(e.value)
    assert urls.without_secrets("local:X?a=1&token=s3cret&b=2") == "local:X?a=1&b=2"
