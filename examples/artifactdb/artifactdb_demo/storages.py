"""storage_manager: artifacts in a local folder, standing in for S3."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import local_path, section

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


class StorageComponent(BackendComponent):
    """Stores artifacts as files under ``storage.root``, keyed by slash-separated paths.

    By convention artifacts live at ``<project>/<version>/<path>``.
    """

    NAME = "storage_manager"
    FEATURES = ("storage",)
    DEPENDS_ON = ()
    REQUIRED = True
    CONFIG_KEY = "storage"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Where artifacts are stored.",
        "required": ["root"],
        "additionalProperties": False,
        "properties": {
            "root": {
                "type": "string",
                "minLength": 1,
                "description": "Folder that holds the artifacts; created at build time.",
                "examples": ["./data/storage"],
            },
            "access_token": {
                "type": "string",
                "minLength": 1,
                "description": (
                    "Token of the storage backend, in deployments that have one; include it"
                    " from a mounted file (`!include secrets/storage-token`) rather than"
                    " writing it in the spec."
                ),
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        settings = section(config, "storage")
        if "root" not in settings:
            raise LookupError("configuration section 'storage' needs a 'root' folder")
        self.root = local_path(settings["root"], "storage.root")

    def component_init(self) -> None:
        # Created now rather than on first write, so that an unusable root fails the build.
        self.root.mkdir(parents=True, exist_ok=True)
        logger.info("storing artifacts under %s", self.root)

    def path(self, key: str) -> Path:
        """The file that holds ``key``; a key may not point outside the root."""
        candidate = (self.root / key).resolve()
        if not key or candidate == self.root or not candidate.is_relative_to(self.root):
            raise ValueError(f"storage key {key!r} is outside the storage root")
        return candidate

    def put(self, key: str, data: bytes) -> str:
        """Store ``data`` at ``key``, replacing what was there; returns the key."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write aside then rename, so that a reader never sees a half-written artifact.
        partial = target.with_name(f".{target.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, target)
        return key

    def get(self, key: str) -> bytes:
        """The bytes stored at ``key``; KeyError when there are none."""
        target = self.path(key)
        if not target.is_file():
            raise KeyError(f"nothing stored at {key!r}")
        return target.read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every stored key starting with ``prefix``, sorted."""
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix) and not _is_partial(k))

    def children(self, key: str = "") -> list[str]:
        """Names of the folders directly under ``key`` (the root when empty), sorted."""
        folder = self.path(key) if key else self.root
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in folder.iterdir() if entry.is_dir())


def _is_partial(key: str) -> bool:
    name = key.rpartition("/")[2]
    return name.startswith(".") and name.endswith(".partial")
