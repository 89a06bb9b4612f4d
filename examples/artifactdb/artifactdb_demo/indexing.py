"""es: an in-process document index standing in for Elasticsearch.

The index itself, :class:`InMemoryIndex`, knows nothing about managers or components, as an
Elasticsearch client does not. :class:`IndexComponent` wraps it, as the original wraps its
Elasticsearch manager: what the component does not define itself is looked up on the index.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import WrappedComponent, manager_method
from artifactdb_demo._support import component, section
from artifactdb_demo.revisions import RevisionComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


class InMemoryIndex:
    """Documents by ID in one named index, with aliases for that name and a simple search."""

    def __init__(self, name: str) -> None:
        self.index_name = name
        self._documents: dict[str, dict[str, Any]] = {}
        self._aliases: set[str] = set()

    def put(self, doc_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
        """Store a copy of ``document`` under ``doc_id``, replacing what was there."""
        stored = {**copy.deepcopy(dict(document)), "_id": doc_id}
        self._documents[doc_id] = stored
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
        # A method, not __len__, so that an empty index is not falsy.
        return len(self._documents)

    def put_alias(self, alias: str) -> None:
        """Make ``alias`` another name of this index; adding it twice changes nothing."""
        if alias == self.index_name:
            raise ValueError(f"alias {alias!r} is the name of the index itself")
        self._aliases.add(alias)

    def aliases(self) -> dict[str, str]:
        """Each alias with the index it names, sorted by alias."""
        return {alias: self.index_name for alias in sorted(self._aliases)}

    def resolve(self, name: str) -> str:
        """The index that ``name`` (the index or one of its aliases) stands for."""
        if name == self.index_name or name in self._aliases:
            return self.index_name
        raise KeyError(f"no index or alias named {name!r}")

    def close(self) -> None:
        self._documents.clear()
        self._aliases.clear()


class IndexComponent(WrappedComponent):
    """Indexes metadata documents by ID, each tagged with its revision, and searches them.

    The documents are kept by the wrapped :class:`InMemoryIndex`: ``get``, ``delete``,
    ``search``, ``count``, ``aliases``, ``resolve`` and ``index_name`` are the index's own,
    reached through the component. ``index`` is the component's: it adds the revision check.
    ``close()`` closes the index.

    Hard-depends on ``revision_manager``, which tags and orders revisions; the original also
    declares the reverse dependency, a cycle this example drops (see the README).
    """

    NAME = "es"
    FEATURES = ("indexing",)
    DEPENDS_ON = ("revision_manager",)
    REQUIRED = True
    CONFIG_KEY = "es"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "The in-process document index.",
        "additionalProperties": False,
        "properties": {
            "index": {
                "type": "string",
                "minLength": 1,
                "default": "artifacts",
                "description": "Name of the index.",
            },
            "aliases": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "uniqueItems": True,
                "default": [],
                "description": "Aliases that manager.prepare_aliases() points at the index.",
            },
        },
    }

    wrapped: InMemoryIndex

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        # The base class calls wrap(); the configured aliases are set up by prepare_aliases().
        super().__init__(manager, config)
        aliases = section(config, "es").get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise TypeError("es.aliases must be a list of alias names")
        if self.wrapped.index_name in aliases:
            raise ValueError(f"es.aliases names the index {self.wrapped.index_name!r} itself")
        self.alias_names: list[str] = list(aliases)
        self._revisions = component(manager, "revision_manager", RevisionComponent)

    def wrap(self, config: Mapping[str, Any]) -> InMemoryIndex:
        return InMemoryIndex(str(section(config, "es").get("index", "artifacts")))

    def index(
        self, doc_id: str, document: Mapping[str, Any], revision: str | int
    ) -> dict[str, Any]:
        """Store ``document`` under ``doc_id`` at ``revision``; returns what was stored."""
        tagged = str(self._revisions.parse(revision))
        current = self.wrapped.get(doc_id)
        # An older revision arriving late must not overwrite a newer one.
        if current is not None and self._revisions.compare(tagged, current["_revision"]) < 0:
            raise ValueError(f"{doc_id!r} is at {current['_revision']}, newer than {tagged}")
        stored = self.wrapped.put(doc_id, {**document, "_id": doc_id, "_revision": tagged})
        logger.debug("indexed %s at %s in %s", doc_id, tagged, self.wrapped.index_name)
        return stored

    @manager_method
    def prepare_aliases(self) -> dict[str, str]:
        """Point every alias of ``es.aliases`` at the index; offered as
        ``manager.prepare_aliases()``. Running it again changes nothing. Returns each alias with
        the index it names."""
        for alias in self.alias_names:
            self.wrapped.put_alias(alias)
        logger.info("aliases of %s: %s", self.wrapped.index_name, ", ".join(self.alias_names))
        return self.wrapped.aliases()


def _strings(value: Any) -> list[str]:
    """Every string inside ``value``, however deeply nested."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []
