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


def test_a_batch_that_fails_as_a_whole_fails_each_of_its_requests_and_the_next_batch_still_runs() -> None:
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
