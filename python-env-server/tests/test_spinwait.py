"""spinwait.SpinWait: poll (yielding) for up to the window after a wait began, then let the caller block;
block at once for a peer whose recent answers all came later than the window."""
from __future__ import annotations

import select
import socket
import subprocess
import sys
import threading
import time

import pytest

from gymbridge_server.transport import spinwait
from gymbridge_server.transport.spinwait import SpinWait


def _later(sock: socket.socket, data: bytes, delay_s: float) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(delay_s), sock.sendall(data)))
    t.start()
    return t


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    poller = select.poll()
    poller.register(a, select.POLLIN)
    yield a, b, lambda: bool(poller.poll(0))
    a.close()
    b.close()


def _wait(spin: SpinWait, sock: socket.socket, ready) -> tuple[bytes, int]:
    """poll, then a blocking read, then end: the bytes and how often the poll checked for data. Counting
    checks, not CPU time, keeps these tests exact on a loaded machine."""
    checks = [0]

    def counted() -> bool:
        checks[0] += 1
        return ready()

    spin.poll(counted)
    got = sock.recv(16)
    spin.end()
    return got, checks[0]


def test_data_that_comes_inside_or_after_the_window_is_read_and_an_idle_poll_returns_at_once(pair):
    a, b, ready = pair
    spin = SpinWait(0.05)
    spin.poll(lambda: pytest.fail("polled without a wait in progress"))
    for delay, payload in ((0.005, b"soon"), (0.12, b"late")):  # inside, then past the 50 ms window
        spin.begin()
        t = _later(b, payload, delay)
        got, _ = _wait(spin, a, ready)
        t.join()
        assert got == payload
    assert spin.polls()  # one wait (5 ms) ended inside the window


def test_a_peer_that_always_comes_later_than_the_window_is_waited_for_blocking(pair):
    a, b, ready = pair
    spin = SpinWait(0.002)
    for _ in range(8):  # eight waits of ~20 ms, all longer than the 2 ms window
        spin.begin()
        t = _later(b, b"x", 0.02)
        _wait(spin, a, ready)
        t.join()
    assert not spin.polls()
    spin.begin()
    t = _later(b, b"y", 0.05)
    got, checks = _wait(spin, a, ready)
    t.join()
    assert got == b"y"
    assert checks == 0, f"blocked, not polled: the 50 ms wait checked for data {checks} times"
    # One quick answer brings polling back (the shortest recent wait decides).
    spin.begin()
    b.sendall(b"z")
    assert _wait(spin, a, ready)[0] == b"z"
    assert spin.polls()


def test_polling_burns_the_window_and_a_zero_window_never_polls(pair):
    a, b, ready = pair
    spin = SpinWait(0.02)
    spin.begin()
    t = _later(b, b"x", 0.06)
    started = time.perf_counter()
    _, checks = _wait(spin, a, ready)
    t.join()
    assert time.perf_counter() - started >= 0.05  # the data came after the window: polling gave up, then blocked
    assert checks > 1, f"polled through the 20 ms window: {checks} checks"
    off = SpinWait(0.0)
    assert not off.polls()


def test_the_server_flag_sets_the_window_and_refuses_a_negative_one():
    before = spinwait.configured_s()
    try:
        spinwait.configure(250)
        assert SpinWait().spin == pytest.approx(250e-6)
        with pytest.raises(ValueError, match="--spin-us"):
            spinwait.configure(-1)
    finally:
        spinwait.configure(before * 1e6)
    r = subprocess.run([sys.executable, "-m", "gymbridge_server", "--spin-us", "-5"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--spin-us -5 is negative" in r.stderr


def test_only_one_thread_of_a_process_polls_at_a_time(pair):
    a, b, ready = pair
    first = SpinWait(0.5)
    second = SpinWait(0.5)
    first.begin()
    polling = threading.Event()
    release = threading.Event()

    def ready_later() -> bool:  # keeps the first waiter polling until the test lets it go
        polling.set()
        return release.is_set()

    t = threading.Thread(target=first.poll, args=(ready_later,))
    t.start()
    try:
        assert polling.wait(5)
        second.begin()
        t0 = time.perf_counter()
        second.poll(lambda: pytest.fail("a second thread polled while the first one did"))
        assert time.perf_counter() - t0 < 0.05
    finally:
        release.set()
        t.join()


def test_gymbridge_spin_us_sets_the_flags_default_and_a_bad_value_is_refused():
    import os

    env = dict(os.environ, GYMBRIDGE_SPIN_US="lots")
    r = subprocess.run([sys.executable, "-m", "gymbridge_server", "--port", "0"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "GYMBRIDGE_SPIN_US='lots' is not a number" in r.stderr
