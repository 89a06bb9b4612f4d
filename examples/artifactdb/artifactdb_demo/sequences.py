"""sequence_manager: project IDs and versions from SQLite, standing in for PostgreSQL."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import component, local_path, section
from artifactdb_demo.storages import StorageComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (number INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS versions (project TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""


class SequenceComponent(BackendComponent):
    """Hands out project IDs such as ``PRJ000001`` and their versions 1, 2, ...

    Storage is consulted too, so that an ID or version already holding artifacts is never handed
    out again, even with an in-memory database that starts empty at every run.
    """

    NAME = "sequence_manager"
    FEATURES = ("sequences", "provisioning")
    DEPENDS_ON = ("storage_manager",)
    REQUIRED = True
    CONFIG_KEY = "sequences"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "The SQLite database of project IDs and versions.",
        "additionalProperties": False,
        "properties": {
            "database": {
                "type": "string",
                "minLength": 1,
                "default": ":memory:",
                "description": "SQLite file, or :memory: to start afresh on every run.",
            },
            "prefix": {
                "type": "string",
                "default": "PRJ",
                "description": "Prefix of project IDs, such as PRJ in PRJ000001.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        settings = section(config, "sequences")
        database = settings.get("database", ":memory:")
        self.database = database if database == ":memory:" else local_path(database, "database")
        self.prefix = str(settings.get("prefix", "PRJ"))
        self._pattern = re.compile(re.escape(self.prefix) + r"(\d+)")
        self._storage = component(manager, "storage_manager", StorageComponent)
        self._connection: sqlite3.Connection | None = None
        # One connection shared by threads (check_same_thread off), so calls are serialised.
        self._guard = threading.Lock()

    def component_init(self) -> None:
        if isinstance(self.database, Path):
            self.database.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.database, check_same_thread=False)
        self._connection.executescript(_SCHEMA)
        logger.info("sequences kept in %s", self.database)

    def provision_project(self) -> str:
        """A new project ID, never handed out before."""
        stored = [self._number(name) for name in self._storage.children()]
        with self._guard, self._db() as db:
            (last,) = db.execute("SELECT COALESCE(MAX(number), 0) FROM projects").fetchone()
            number = max([last, *(n for n in stored if n is not None)]) + 1
            db.execute("INSERT INTO projects (number) VALUES (?)", (number,))
        return f"{self.prefix}{number:06d}"

    def next_version(self, project: str) -> int:
        """The next version of ``project``, which must have been provisioned or stored."""
        number = self._number(project)
        stored = [int(v) for v in self._storage.children(project) if v.isdigit()] if number else []
        with self._guard, self._db() as db:
            known = db.execute("SELECT 1 FROM projects WHERE number = ?", (number,)).fetchone()
            if number is None or not (known or stored):
                raise LookupError(f"project {project!r} was never provisioned")
            query = "SELECT version FROM versions WHERE project = ?"
            row = db.execute(query, (project,)).fetchone()
            version = max([row[0] if row else 0, *stored]) + 1
            db.execute("INSERT OR REPLACE INTO versions VALUES (?, ?)", (project, version))
        return version

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _number(self, project: str) -> int | None:
        match = self._pattern.fullmatch(project)
        return int(match.group(1)) if match else None

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("the sequence database is not open")
        return self._connection
