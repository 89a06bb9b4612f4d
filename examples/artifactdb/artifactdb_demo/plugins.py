"""plugins: registers the plugin tasks enabled in the configuration."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import component, section
from artifactdb_demo.tasks import Task, TaskComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


def _echo(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": list(args), "kwargs": dict(kwargs)}


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The plugins this demo knows; the original loads them from plugin repositories instead.
CATALOGUE: Mapping[str, Task] = {"echo": _echo, "checksum": _checksum}


class PluginsComponent(BackendComponent):
    """Adds the tasks of ``plugins: {enabled: [...]}`` to ``tasks``, in ``post_manager_init``.

    That hook runs once the manager is complete and before tasks count as registered.
    """

    NAME = "plugins"
    FEATURES = ("plugins",)
    DEPENDS_ON = ("tasks",)
    REQUIRED = False
    CONFIG_KEY = "plugins"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Which plugins of the built-in catalogue to register as tasks.",
        "additionalProperties": False,
        "properties": {
            "enabled": {
                "type": "array",
                "items": {"enum": sorted(CATALOGUE)},
                "uniqueItems": True,
                "default": [],
                "description": "Names of the plugins to register.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        enabled = section(config, "plugins").get("enabled", [])
        if not isinstance(enabled, list):
            raise TypeError("plugins.enabled must be a list of plugin names")
        # Checked now, so that a typo skips the component at build time, not at first use.
        unknown = [name for name in enabled if name not in CATALOGUE]
        if unknown:
            raise ValueError(f"unknown plugin(s) {unknown}; known: {sorted(CATALOGUE)}")
        self.enabled: list[str] = list(enabled)
        self._tasks = component(manager, "tasks", TaskComponent)

    def post_manager_init(self) -> None:
        for name in self.enabled:
            self._tasks.register(name, CATALOGUE[name], stage="plugins")
        logger.info("plugin task(s) registered: %s", ", ".join(self.enabled) or "none")
