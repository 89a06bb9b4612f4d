"""The effective spec as YAML, for people: secrets redacted, each component with its files."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML

from adb_manager.loading import LoadedSpec
from adb_manager.reporters import printable
from adb_manager.secrets import Redactor, redacted

_COMPONENT = re.compile(r"^/components/(\d+)(?:/|$)")
_FIRST_KEYS = ("version", "manager", "config")


def render_effective(loaded: LoadedSpec, files: Sequence[str]) -> str:
    """``loaded`` as YAML, ``config`` redacted, each component preceded by a ``# from:``
    comment naming the files that wrote it, in the order of ``files`` (root first)."""
    # Secret values quoted elsewhere, in a description say, are scrubbed too.
    return Redactor.for_config(loaded.data.get("config"))(_rendered(loaded, files))


def _rendered(loaded: LoadedSpec, files: Sequence[str]) -> str:
    data = _leading(loaded.data, _FIRST_KEYS)
    if "config" in data:
        data["config"] = redacted(data["config"])
    components = data.pop("components", None)
    text = _dump(data) if data else ""
    if not isinstance(components, list):
        return text + (_dump({"components": components}) if components is not None else "")
    origins = component_origins(loaded, files)
    parts = [text, "components:\n" if components else "components: []\n"]
    for index, component in enumerate(components):
        named = ", ".join(printable(f) for f in origins.get(index, ())) or printable(loaded.source)
        item = _dump([_leading(component, ("name", "class"))])
        parts.append(f"  # from: {named}\n")
        parts.append(item)
    return "".join(parts)


def component_origins(loaded: LoadedSpec, files: Sequence[str]) -> dict[int, list[str]]:
    """For each component index, the files that one of its keys or values was written in."""
    found: dict[int, set[str]] = {}
    for table in (loaded.key_positions, loaded.value_positions):
        for pointer, where in table.items():
            match = _COMPONENT.match(pointer)
            if match is not None:
                found.setdefault(int(match.group(1)), set()).add(loaded.file_of(where))
    rank = {name: number for number, name in enumerate(files)}
    return {
        index: sorted(sources, key=lambda f: (rank.get(f, len(rank)), f))
        for index, sources in found.items()
    }


def _leading(value: Any, keys: Sequence[str]) -> Any:
    """A mapping with ``keys`` first, the others in their order."""
    if not isinstance(value, dict):
        return value
    return {**{k: value[k] for k in keys if k in value}, **value}


def _dump(value: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Keys in the spec's order, not sorted.
    yaml.representer.sort_base_mapping_type_on_output = False
    stream = io.StringIO()
    yaml.dump(value, stream)
    return stream.getvalue()
