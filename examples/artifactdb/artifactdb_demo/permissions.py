"""permissions_manager: owners and viewers per project, as JSON files in storage."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from adb_manager.components import BackendComponent
from artifactdb_demo._support import provider
from artifactdb_demo.storages import StorageComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

# Outside the <project>/<version>/ layout, so the files are never taken for artifacts.
FOLDER = "_permissions"
_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class PermissionsComponent(BackendComponent):
    """Reads and writes who owns and who may view each project; owners may also view.

    It needs the ``storage`` feature, not a component named ``storage_manager``: whichever
    component built before it provides ``storage`` (and is a :class:`StorageComponent`) keeps
    the permission files.
    """

    NAME = "permissions_manager"
    FEATURES = ("permissions",)
    DEPENDS_ON = ()
    REQUIRES_FEATURES = ("storage",)
    REQUIRED = True

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self._storage = provider(manager, "storage", StorageComponent)

    def set_permissions(
        self, project: str, owners: Iterable[str], viewers: Iterable[str] = ()
    ) -> None:
        """Replace the permissions of ``project``."""
        record = {"owners": sorted(set(owners)), "viewers": sorted(set(viewers))}
        self._storage.put(self._key(project), json.dumps(record, indent=2).encode())

    def get_permissions(self, project: str) -> dict[str, list[str]]:
        """The owners and viewers of ``project``; both empty when none were set."""
        key = self._key(project)
        if not self._storage.exists(key):
            return {"owners": [], "viewers": []}
        record = json.loads(self._storage.get(key))
        return {"owners": list(record["owners"]), "viewers": list(record["viewers"])}

    def can_write(self, project: str, user: str) -> bool:
        return user in self.get_permissions(project)["owners"]

    def can_read(self, project: str, user: str) -> bool:
        record = self.get_permissions(project)
        return user in record["owners"] or user in record["viewers"]

    @staticmethod
    def _key(project: str) -> str:
        # The project ID becomes a file name, so it may not carry a path.
        if not _PROJECT.fullmatch(project):
            raise ValueError(f"{project!r} is not a project ID")
        return f"{FOLDER}/{project}.json"
