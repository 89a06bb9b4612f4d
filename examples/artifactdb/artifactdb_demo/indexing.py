"""es: an in-process document index standing in for Elasticsearch."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from adb_manager.components import BackendComponent
from artifactdb_demo._support import component, section
from artifactdb_demo.revisions import RevisionComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


class IndexComponent(BackendComponent):
    """Indexes metadata documents by ID, each tagged with its revision, and searches them.

    Hard-depends on ``revision_manager``, which tags and orders revisions; the original also
    declares the reverse dependency, a cycle this example drops (see the README).
    """

    NAME = "es"
    FEATURES = ("indexing",)
    DEPENDS_ON = ("revision_manager",)
    REQUIRED = True

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self.index_name = str(section(config, "es").get("index", "artifacts"))
        self._revisions = component(manager, "revision_manager", RevisionComponent)
        self._documents: dict[str, dict[str, Any]] = {}

    def index(
        self, doc_id: str, document: Mapping[str, Any], revision: str | int
    ) -> dict[str, Any]:
        """Store ``document`` under ``doc_id`` at ``revision``; returns what was stored."""
        tagged = str(self._revisions.parse(revision))
        current = self._documents.get(doc_id)
        # An older revision arriving late must not overwrite a newer one.
        if current is not None and self._revisions.compare(tagged, current["_revision"]) < 0:
            raise ValueError(f"{doc_id!r} is at {current['_revision']}, newer than {tagged}")
        stored = {**copy.deepcopy(dict(document)), "_id": doc_id, "_revision": tagged}
        self._documents[doc_id] = stored
        logger.debug("indexed %s at %s in %s", doc_id, tagged, self.index_name)
        return copy.deepcopy(stored)

    def get(self, doc_id: str) -> dict[str, Any] | None:
        found = self._documents.get(doc_id)
        return copy.deepcopy(found) if found is not None else None

    def delete(self, doc_id: str) -> bool:
        return self._documents.pop(doc_id, None) is not None

    def search(self, text: str = "", **fields: Any) -> list[dict[str, Any]]:
        """Documents whose ``fields`` all match and one of whose strings contains ``text``."""
        needle = text.casefold()
        hits = [
            doc
            for doc in self._documents.values()
            if all(doc.get(key) == value for key, value in fields.items())
            and (not needle or any(needle in v.casefold() for v in _strings(doc)))
        ]
        return [copy.deepcopy(doc) for doc in sorted(hits, key=lambda doc: doc["_id"])]

    def count(self) -> int:
        # A method, not __len__, so that an empty index is not a falsy component.
        return len(self._documents)

    def close(self) -> None:
        self._documents.clear()


def _strings(value: Any) -> list[str]:
    """Every string inside ``value``, however deeply nested."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []
