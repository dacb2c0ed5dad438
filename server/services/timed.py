"""A time-limited cache that threads and greenlets may share: cachetools' ``TTLCache``
behind one lock, the form of the per-app caches (credentials, services, service rates).

A TTLCache is not safe to share without a lock (even a read reorders its entries). A
read here is one lookup (``cache[key]``): through ``Mapping.get`` it would look the key up
twice, each checking the entry's time, for twice the cost, on every issued ticket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from cachetools import TTLCache

K = TypeVar("K")
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    def __init__(self, maxsize: int, ttl: float) -> None:
        self._entries: TTLCache[K, V] = TTLCache(maxsize, ttl)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            try:
                return self._entries[key]
            except KeyError:
                return None

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The entries of those keys that are cached (one lock for them all)."""
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                try:
                    found[key] = self._entries[key]
                except KeyError:
                    pass
        return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value

    def pop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def drop(self, which: Callable[[K, V], bool]) -> None:
        """Drop the entries for which `which(key, value)` is true."""
        with self._lock:
            for key, value in list(self._entries.items()):
                if which(key, value):
                    del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
