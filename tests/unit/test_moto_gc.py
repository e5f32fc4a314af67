"""moto_gc runs the collector less often, and unreachable cycles are still freed without an explicit collect."""

from __future__ import annotations

import gc
import weakref

from local_stack import moto_gc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_thresholds_are_raised_and_restored():
    entry = gc.get_threshold()  # an in-process moto started by an earlier test may have patched already
    moto_gc.unpatch()
    default = gc.get_threshold()
    try:
        assert default != (10_000, 10, 1_000)
        moto_gc.patch()
        assert gc.get_threshold() == (10_000, 10, 1_000)
        moto_gc.unpatch()
        assert gc.get_threshold() == default
    finally:
        gc.set_threshold(*entry)


def test_a_young_reference_cycle_is_still_freed_by_allocations_alone():
    moto_gc.patch()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        keep = []
        for _ in range(100_000):  # containers kept alive: each counts towards the next young collection
            keep.append([])
            if gone() is None:
                break
        assert gone() is None
    finally:
        moto_gc.unpatch()
