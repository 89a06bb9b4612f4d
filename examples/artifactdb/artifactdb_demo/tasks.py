"""tasks: an in-process registry of named tasks, standing in for Celery."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from adb_manager.components import BackendComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)

Task = Callable[..., Any]


class TaskComponent(BackendComponent):
    """Registers tasks by name, optionally in a stage, and runs them in this process."""

    NAME = "tasks"
    FEATURES = ("tasks", "staged-tasks", "registered-tasks")
    DEPENDS_ON = ()
    REQUIRED = True

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self._tasks: dict[str, Task] = {}
        self._stages: dict[str, list[str]] = {}

    def register(self, name: str, task: Task, stage: str | None = None) -> None:
        """Register ``task`` as ``name``; a name is registered once only."""
        if name in self._tasks:
            raise ValueError(f"a task named {name!r} is already registered")
        self._tasks[name] = task
        if stage is not None:
            self._stages.setdefault(stage, []).append(name)

    def names(self) -> list[str]:
        return sorted(self._tasks)

    def run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the task ``name`` now and return its result."""
        if name not in self._tasks:
            raise KeyError(f"no task named {name!r}")
        logger.debug("running task %s", name)
        return self._tasks[name](*args, **kwargs)

    def run_stage(self, stage: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run every task of ``stage`` in registration order; their results by name."""
        return {name: self.run(name, *args, **kwargs) for name in self._stages.get(stage, [])}

    def post_tasks_init(self) -> None:
        logger.info("%d task(s) registered: %s", len(self._tasks), ", ".join(self.names()))
