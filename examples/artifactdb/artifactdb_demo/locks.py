"""lock_manager: named in-process locks, standing in for Redis locks."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import section

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase


class LockComponent(BackendComponent):
    """Named locks shared by the threads of this process; ``lock: {timeout: s}`` sets the wait.

    Unlike the Redis locks of the original, they do not reach other processes.
    """

    NAME = "lock_manager"
    FEATURES = ("lock",)
    DEPENDS_ON = ()
    REQUIRED = True
    CONFIG_KEY = "lock"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Named in-process locks.",
        "additionalProperties": False,
        "properties": {
            "timeout": {
                "type": ["number", "null"],
                "exclusiveMinimum": 0,
                "description": "Seconds a lock() call waits before raising TimeoutError.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        timeout = section(config, "lock").get("timeout")
        self.timeout: float | None = None if timeout is None else float(timeout)
        self._locks: dict[str, threading.Lock] = {}
        # Guards the dict, so that two threads asking for a new name get the same lock.
        self._registry = threading.Lock()

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the lock ``name`` for the block; TimeoutError if it cannot be had in time."""
        with self._registry:
            held = self._locks.setdefault(name, threading.Lock())
        wait = self.timeout if timeout is None else timeout
        if not held.acquire(timeout=-1 if wait is None else wait):
            raise TimeoutError(f"lock {name!r} still held after {wait} s")
        try:
            yield
        finally:
            held.release()

    def locked(self, name: str) -> bool:
        with self._registry:
            held = self._locks.get(name)
        return held is not None and held.locked()
