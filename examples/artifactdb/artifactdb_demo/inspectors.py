"""inspectors_manager: inspector callables run over an artifact's metadata."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import section
from artifactdb_demo.schemas import SchemaComponent

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)

Inspector = Callable[[Mapping[str, Any]], list[str]]


def empty_values(metadata: Mapping[str, Any]) -> list[str]:
    """Keys whose value is null or empty: usually a field that was meant to be filled in."""
    return [f"{key!r} is empty" for key, value in metadata.items() if value in (None, "", [], {})]


class InspectorsComponent(BackendComponent):
    """Runs registered inspectors over metadata and gathers what they find.

    When ``schema_manager`` was built before it (the spec asks for that with ``after``), the
    schema ``inspectors.schema`` (default ``artifact``) is checked too; without it, that check is
    simply left out, which is why the dependency is soft.
    """

    NAME = "inspectors_manager"
    FEATURES = ("inspectors",)
    DEPENDS_ON = ()
    REQUIRED = False
    CONFIG_KEY = "inspectors"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Inspectors run over an artifact's metadata.",
        "additionalProperties": False,
        "properties": {
            "schema": {
                "type": "string",
                "default": "artifact",
                "description": "Schema checked against the metadata when schema_manager is built.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self.schema_name = str(section(config, "inspectors").get("schema", "artifact"))
        self._inspectors: dict[str, Inspector] = {"empty-values": empty_values}

    def component_init(self) -> None:
        schemas = self.manager.components.get("schema_manager")
        if isinstance(schemas, SchemaComponent):
            # Checked now, so that an unknown schema skips this component at build time.
            if self.schema_name not in schemas.names():
                raise LookupError(f"inspectors.schema: no schema named {self.schema_name!r}")
            self.register("schema", lambda metadata: schemas.validate(self.schema_name, metadata))
        else:
            logger.info("no schema_manager: metadata will not be checked against a schema")

    def register(self, name: str, inspector: Inspector) -> None:
        if name in self._inspectors:
            raise ValueError(f"an inspector named {name!r} is already registered")
        self._inspectors[name] = inspector

    def names(self) -> list[str]:
        return list(self._inspectors)

    def inspect(self, metadata: Mapping[str, Any]) -> list[str]:
        """Every finding, as ``<inspector>: <finding>``; empty when all is well."""
        findings: list[str] = []
        for name, inspector in self._inspectors.items():
            # One broken inspector must not hide what the others find.
            try:
                findings.extend(f"{name}: {finding}" for finding in inspector(metadata))
            except Exception as error:
                findings.append(f"{name}: inspector raised {type(error).__name__}: {error}")
        return findings
