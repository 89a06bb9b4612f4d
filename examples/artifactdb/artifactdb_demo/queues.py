"""queues: named in-process priority queues, standing in for the broker's queues."""

from __future__ import annotations

import itertools
import logging
import queue
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import section

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


class QueuesComponent(BackendComponent):
    """The queues named in ``queues: {names: [...]}`` (``default`` when absent).

    A lower priority number comes out first; equal priorities come out in arrival order.
    """

    NAME = "queues"
    FEATURES = ("queues", "priority-queues")
    DEPENDS_ON = ()
    REQUIRED = True
    CONFIG_KEY = "queues"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Named in-process priority queues.",
        "additionalProperties": False,
        "properties": {
            "names": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "uniqueItems": True,
                "default": ["default"],
                "description": "One queue is created per name.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        names = section(config, "queues").get("names", ["default"])
        if not isinstance(names, list) or not names:
            raise TypeError("queues.names must be a non-empty list of queue names")
        self._queues: dict[str, queue.PriorityQueue[tuple[int, int, Any]]] = {
            str(name): queue.PriorityQueue() for name in names
        }
        # The arrival counter breaks ties, so that items themselves are never compared.
        self._arrivals = itertools.count()

    def names(self) -> list[str]:
        return list(self._queues)

    def put(self, name: str, item: Any, priority: int = 10) -> None:
        self._queue(name).put((priority, next(self._arrivals), item))

    def get(self, name: str, timeout: float | None = None) -> Any:
        """The next item of ``name``, waiting up to ``timeout`` s; ``queue.Empty`` if none."""
        return self._queue(name).get(timeout=timeout)[2]

    def size(self, name: str) -> int:
        return self._queue(name).qsize()

    def close(self) -> None:
        # Nothing persists these queues, so say what is lost rather than drop it silently.
        for name, pending in self._queues.items():
            if pending.qsize():
                logger.warning("queue %s closed with %d item(s) left", name, pending.qsize())

    def _queue(self, name: str) -> queue.PriorityQueue[tuple[int, int, Any]]:
        if name not in self._queues:
            raise KeyError(f"no queue named {name!r}; known: {', '.join(self._queues)}")
        return self._queues[name]
