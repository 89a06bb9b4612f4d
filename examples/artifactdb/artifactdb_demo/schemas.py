"""schema_manager: a few in-memory JSON-ish schemas, checked by required keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import section

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

# The original keeps JSON Schemas in a schema store; only "type" and "required" are checked here.
BUILTIN_SCHEMAS: Mapping[str, Mapping[str, Any]] = {
    "artifact": {"type": "object", "required": ["project", "version", "path"]},
    "project": {"type": "object", "required": ["project", "owners"]},
}


class SchemaComponent(BackendComponent):
    """Holds schemas by name and validates documents against them.

    ``schemas: {<name>: [required keys]}`` in the configuration adds or replaces schemas.
    """

    NAME = "schema_manager"
    FEATURES = ("schemas", "validation")
    DEPENDS_ON = ()
    REQUIRED = True
    CONFIG_KEY = "schemas"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "Schemas added to the built-in artifact and project ones: name to keys.",
        "additionalProperties": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The keys a document of this schema must have.",
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        self._schemas = {name: dict(schema) for name, schema in BUILTIN_SCHEMAS.items()}
        for name, required in section(config, "schemas").items():
            if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
                raise TypeError(f"schemas.{name} must be a list of required keys")
            self._schemas[str(name)] = {"type": "object", "required": list(required)}

    def names(self) -> list[str]:
        return sorted(self._schemas)

    def schema(self, name: str) -> dict[str, Any]:
        """A copy of the schema ``name``; KeyError when there is none."""
        if name not in self._schemas:
            raise KeyError(f"no schema named {name!r}; known: {', '.join(self.names())}")
        return {**self._schemas[name], "required": list(self._schemas[name]["required"])}

    def validate(self, name: str, document: object) -> list[str]:
        """What is wrong with ``document`` under schema ``name``; empty when it is valid."""
        required: list[str] = self.schema(name)["required"]
        if not isinstance(document, Mapping):
            return [f"expected an object, got {type(document).__name__}"]
        return [f"missing required key {key!r}" for key in required if key not in document]

    def check(self, name: str, document: object) -> None:
        """Raise ValueError listing the problems when ``document`` is not valid."""
        problems = self.validate(name, document)
        if problems:
            raise ValueError(f"not a valid {name}: {'; '.join(problems)}")
