"""The spec as attrs classes, and the cattrs converter between them and plain data.

The JSON Schema is the source of truth for the structure; these classes mirror it, with the same
defaults, and a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

DEFAULT_MANAGER_NAME = "backend"
DEFAULT_MANAGER_CLASS = "adb_manager:BackendManagerBase"


@attrs.frozen
class ComponentSpec:
    """One declared component. ``required`` is ``None`` when the spec leaves it to the class."""

    name: str
    class_path: str
    description: str | None = None
    required: bool | None = None
    enabled: bool = True
    depends_on: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    requires_features: tuple[str, ...] = ()


@attrs.frozen
class ManagerInfo:
    """The manager instance: its name and the class to materialise."""

    name: str = DEFAULT_MANAGER_NAME
    class_path: str = DEFAULT_MANAGER_CLASS


@attrs.frozen
class ManagerSpec:
    """A whole spec: the manager, the configuration handed to every component, the components."""

    version: int = 1
    manager: ManagerInfo = ManagerInfo()
    config: dict[str, Any] = attrs.field(factory=dict)
    components: tuple[ComponentSpec, ...] = ()

    @property
    def enabled_components(self) -> tuple[ComponentSpec, ...]:
        return tuple(c for c in self.components if c.enabled)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True)
    for cls in (ComponentSpec, ManagerInfo):
        converter.register_structure_hook(
            cls,
            make_dict_structure_fn(
                cls, converter, _cattrs_forbid_extra_keys=True, class_path=override(rename="class")
            ),
        )
        converter.register_unstructure_hook(
            cls,
            make_dict_unstructure_fn(
                cls, converter, class_path=override(rename="class"), _cattrs_omit_if_default=False
            ),
        )
    return converter


converter = _make_converter()


def structure_spec(data: Mapping[str, Any]) -> ManagerSpec:
    """The attrs model of spec data that passed the schema."""
    return converter.structure(data, ManagerSpec)


def unstructure_spec(spec: ManagerSpec) -> dict[str, Any]:
    """Plain data for a spec; fields left unset (``required``, ``description``) are omitted."""
    data: dict[str, Any] = converter.unstructure(spec)
    for component in data["components"]:
        for key in ("required", "description"):
            if component[key] is None:
                del component[key]
    return data


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def salvage_component(raw: object) -> ComponentSpec | None:
    """The parts of a component declaration that are well formed, for checks that must run even
    when the schema found problems; ``None`` when it has no usable name.
    """
    if not isinstance(raw, Mapping):
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        return None
    class_path = raw.get("class")
    required = raw.get("required")
    enabled = raw.get("enabled", True)
    return ComponentSpec(
        name=name,
        class_path=class_path if isinstance(class_path, str) else "",
        required=required if isinstance(required, bool) else None,
        enabled=enabled if isinstance(enabled, bool) else True,
        depends_on=_strings(raw, "depends_on"),
        after=_strings(raw, "after"),
        before=_strings(raw, "before"),
        features=_strings(raw, "features"),
        requires_features=_strings(raw, "requires_features"),
    )
