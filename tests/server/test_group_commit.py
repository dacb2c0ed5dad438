"""Group commit: concurrent requests share a batch, each gets its own outcome."""

from __future__ import annotations

import threading
import time

import pytest

from server.services.group_commit import GroupCommit


class Failed(Exception):
    pass


def test_concurrent_submits_share_batches_and_each_gets_its_own_outcome() -> None:
    group: GroupCommit[int, int] = GroupCommit()
    batches: list[list[int]] = []
    first_batch_running = threading.Event()
    release = threading.Event()

    def run(items):
        batches.append(list(items))
        if len(batches) == 1:
            first_batch_running.set()
            release.wait(5)  # the others queue up meanwhile
        return [item * 10 if item != 7 else Failed(f"item {item}") for item in items]

    results: dict[int, object] = {}

    def submit(item: int) -> None:
        try:
            results[item] = group.submit(item, run)
        except Failed as error:
            results[item] = error

    first = threading.Thread(target=submit, args=(0,))
    first.start()
    assert first_batch_running.wait(5)
    others = [threading.Thread(target=submit, args=(i,)) for i in range(1, 20)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    while len(group._pending) < 19 and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    for thread in [first, *others]:
        thread.join(5)

    assert batches[0] == [0]
    # Everything that queued while the first batch ran went in one batch, in arrival order.
    assert len(batches) == 2 and sorted(batches[1]) == list(range(1, 20))
    assert (group.batches, group.items) == (2, 20)
    for item in range(20):
        if item == 7:
            assert isinstance(results[item], Failed) and str(results[item]) == "item 7"
        else:
            assert results[item] == item * 10


def test_a_batch_that_fails_as_a_whole_fails_each_of_its_requests_and_the_next_batch_still_runs() -> (
    None
):
    group: GroupCommit[str, str] = GroupCommit()

    def broken(items):
        raise Failed("database gone")

    with pytest.raises(Failed, match="database gone"):
        group.submit("a", broken)
    assert group.submit("b", lambda items: [i.upper() for i in items]) == "B"


def test_a_runner_that_loses_outcomes_is_an_error_not_a_hang() -> None:
    group: GroupCommit[int, int] = GroupCommit()
    with pytest.raises(RuntimeError, match="gave 0 outcomes"):
        group.submit(1, lambda items: [])


def test_batches_are_bounded() -> None:
    group: GroupCommit[int, int] = GroupCommit(max_batch=3)
    sizes: list[int] = []
    gate = threading.Event()

    def run(items):
        sizes.append(len(items))
        gate.wait(5)
        return list(items)

    threads = [threading.Thread(target=group.submit, args=(i, run)) for i in range(10)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert sum(sizes) == 10 and max(sizes) <= 3


GEVENT_SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import json, time
import gevent
from server.services.group_commit import GroupCommit

group = GroupCommit()

def run(items):
    time.sleep(0.002)  # a commit: the loop is blocked, other requests queue up
    return [item * 2 for item in items]

results = []
def client(index):
    for i in range(20):
        results.append(group.submit(index * 100 + i, run) == (index * 100 + i) * 2)

clients = [gevent.spawn(client, index) for index in range(16)]
gevent.joinall(clients, timeout=20)
batched = (group.batches, group.items, all(results), len(results))

# A loop that never goes idle (a busy greenlet) still lets a lone request through.
stop = False
def busy():
    while not stop:
        gevent.sleep(0)
spinner = gevent.spawn(busy)
started = time.monotonic()
lone = group.submit(21, run)
waited = time.monotonic() - started
stop = True
spinner.join()
print(json.dumps({"batched": batched, "lone": lone, "waited": waited}))
"""


def test_under_gevent_requests_batch_and_a_busy_loop_does_not_hold_them_back() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", GEVENT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        check=True,
    )
    report = json.loads(done.stdout)
    batches, items, all_right, answered = report["batched"]
    assert (items, answered, all_right) == (320, 320, True)
    assert batches < items / 4, f"{items} requests in {batches} batches: they did not share"
    assert report["lone"] == 42
    assert report["waited"] < 1.0  # bounded by GATHER_AT_MOST, not by the spinning greenlet
