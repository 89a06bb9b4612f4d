"""The starter spec that ``adb-manager init`` writes: every field explained, and the installed
components declared in an order that satisfies what their classes declare."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from adb_manager.discovery import InstalledComponent

_HEADER = """\
# yaml-language-server: $schema={schema}
# A manager spec: check it with `adb-manager validate {name}`, build it with
# `adb-manager build {name}`. Editors that run yaml-language-server (VS Code, Neovim...) read
# the schema named on the first line: completion, hover and errors as you type.

# The spec format version; 1 is the only one.
version: 1

manager:
  # Reported with the manager's features: letters, digits, spaces, '.', '_' and '-'.
  name: backend
  # The manager class, package.module:Qualname; this is the default.
  class: adb_manager:BackendManagerBase

# The whole configuration, handed to every component; each reads its own section.
"""

_COMPONENTS_HEADER = """
# Built in the order declared. Each component has a unique snake_case `name` (the manager
# attribute) and a `class`: a name an installed package registers (`adb-manager components`
# lists them) or package.module:Qualname. Optional keys: required, enabled, depends_on, after,
# before, features, requires_features, description.
"""


def starter_spec(components: Sequence[InstalledComponent], *, schema: str, spec_name: str) -> str:
    """The text of a starter spec whose modeline points at ``schema``."""
    placed, left_out = _build_order(components)
    text = _HEADER.format(schema=schema, name=spec_name)
    text += _config_text(placed)
    text += _COMPONENTS_HEADER
    if not placed:
        text += "components: []\n"
    else:
        text += "components:\n" + "".join(_component_text(c) for c in placed)
    for component in left_out:
        text += (
            f"# Not declared: {component.name} needs components or features that no installed"
            " component provides.\n"
        )
    return text


def spec_name_of(component: InstalledComponent) -> str:
    """The name a component gets in the spec: its class's NAME, else its registered name in
    snake_case."""
    return component.component_name or re.sub(r"[^a-z0-9]+", "_", component.name)


def _build_order(
    components: Sequence[InstalledComponent],
) -> tuple[list[InstalledComponent], list[InstalledComponent]]:
    """The components whose class dependencies can all be met, each after what it needs (the
    first ready one in name order at each step), and the others. One per spec name."""
    pending: dict[str, InstalledComponent] = {}
    for component in sorted(components, key=lambda c: c.name):
        pending.setdefault(spec_name_of(component), component)
    placed: list[InstalledComponent] = []
    features: set[str] = set()
    while True:
        ready = next((c for c in pending.values() if _ready(c, placed, features)), None)
        if ready is None:
            return placed, list(pending.values())
        del pending[spec_name_of(ready)]
        placed.append(ready)
        features.update(ready.features)


def _ready(
    component: InstalledComponent, placed: Sequence[InstalledComponent], features: set[str]
) -> bool:
    names = {spec_name_of(c) for c in placed}
    required_placed = all(c.required for c in placed if spec_name_of(c) in component.depends_on)
    return (
        set(component.depends_on) <= names
        and set(component.requires_features) <= features
        and (required_placed or not component.required)
    )


def _config_text(components: Sequence[InstalledComponent]) -> str:
    # Components may share a section: it is written once, with what each of them needs.
    sections: dict[str, list[InstalledComponent]] = {}
    for component in components:
        if component.config_key is not None and component.config_schema is not None:
            sections.setdefault(component.config_key, []).append(component)
    lines = [line for key, readers in sections.items() for line in _section_lines(key, readers)]
    if not lines:
        return "config: {}\n"
    return "config:\n" + "".join(line + "\n" for line in lines)


def _section_lines(key: str, readers: Sequence[InstalledComponent]) -> list[str]:
    """A section with each required setting's example or default; commented out when one has
    neither, so that the starter still validates."""
    lines = []
    for reader in readers:
        assert reader.config_schema is not None
        description = str(reader.config_schema.get("description", ""))
        lines.append(_comment(f"{description} Read by {reader.name}.".strip(), indent=2))
    settings: dict[str, str] = {}
    for reader in readers:
        assert reader.config_schema is not None
        properties = reader.config_schema.get("properties", {})
        required = reader.config_schema.get("required", [])
        for name in required:
            value = _sample(properties.get(name, {}))
            if value is None:
                wanted = ", ".join(str(n) for n in required)
                return [*lines, _comment(f"{key}: {{}}   (set {wanted})", indent=2)]
            settings.setdefault(str(name), f"    {_scalar(str(name))}: {json.dumps(value)}")
    if not settings:
        return [*lines, f"  {_scalar(key)}: {{}}"]
    return [*lines, f"  {_scalar(key)}:", *settings.values()]


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")
_NOT_IN_COMMENTS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]+")


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar: as it is when plain, else double-quoted (JSON escapes are
    YAML's), so that what a class declares cannot add lines to the spec."""
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def _comment(text: str, *, indent: int) -> str:
    """One comment line; line breaks and control characters become spaces."""
    return " " * indent + "# " + _NOT_IN_COMMENTS.sub(" ", text)


def _sample(schema: Mapping[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    examples = schema.get("examples")
    return examples[0] if isinstance(examples, list) and examples else None


def _component_text(component: InstalledComponent) -> str:
    lines = [_comment(component.summary, indent=2) if component.summary else None]
    lines.append(f"  - name: {spec_name_of(component)}")
    lines.append(f"    class: {_scalar(component.name)}")
    if component.depends_on:
        lines.append(f"    depends_on: [{', '.join(map(_scalar, component.depends_on))}]")
    if component.requires_features:
        features = ", ".join(map(_scalar, component.requires_features))
        lines.append(f"    requires_features: [{features}]")
    return "".join(line + "\n" for line in lines if line is not None)
