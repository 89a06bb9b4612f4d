"""The JSON Schema of manager specs, and its findings as positioned diagnostics."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

from adb_manager.diagnostics import Diagnostic
from adb_manager.loading import LoadedSpec, describe_kind, join_pointer
from adb_manager.suggestions import did_you_mean, quoted

SCHEMA_FILE = "manager-spec.schema.json"

# Spellings that YAML 1.1 read as booleans and YAML 1.2 reads as strings.
_YAML11_BOOLEANS = {
    "y", "yes", "on", "n", "no", "off",
    "Y", "Yes", "YES", "On", "ON", "N", "No", "NO", "Off", "OFF",
}  # fmt: skip


def schema_path() -> Path:
    """Where the schema is read from: the installed package, or the checkout's schema/ folder."""
    packaged = resources.files("adb_manager").joinpath("schema", SCHEMA_FILE)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schema" / SCHEMA_FILE


@functools.cache
def load_schema() -> dict[str, Any]:
    """The manager spec JSON Schema (draft 2020-12)."""
    schema: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return schema


@functools.cache
def schema_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern with the meaning it has in editors and in the spec (ECMA-262):
    Python's ``$`` also matches before a final newline, so that ``"storage\\n"`` would pass a
    name pattern; ``\\Z`` does not."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def defined_pattern(name: str) -> re.Pattern[str]:
    """The pattern of one of the schema's ``$defs`` (componentName, featureName, classPath), so
    that code checking names outside a spec applies the same rule as the schema."""
    return schema_regex(load_schema()["$defs"][name]["pattern"])


def _pattern_keyword(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not schema_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _identity(item: Any) -> str:
    """Equal JSON values give equal strings (JSON Schema equality: 1 and 1.0 are equal)."""
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    return json.dumps(item, sort_keys=True, default=str)


def _unique_items_keyword(
    validator: Any, unique: bool, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    # jsonschema compares every pair when items are not all hashable: quadratic on long lists.
    if not unique or not validator.is_type(instance, "array"):
        return
    identities = [_identity(item) for item in instance]
    if len(set(identities)) != len(identities):
        yield ValidationError(f"{instance!r} has non-unique elements")


@functools.cache
def _validator_class() -> Any:
    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator,
        {"pattern": _pattern_keyword, "uniqueItems": _unique_items_keyword},
    )


@functools.cache
def _validator() -> Any:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return _validator_class()(inline_references(schema))


_LOCAL_DEFINITION = "#/$defs/"


def inline_references(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each ``$ref`` to one of its own ``$defs`` replaced, in place, by an
    ``allOf`` of the definition itself: the same findings, each with the same keyword and
    subschema, without a reference lookup for every value validated (a third of the time of
    validating a large spec). A reference to anything else, beside an ``allOf`` of its own, or
    in a cycle of definitions stays as it is."""
    definitions = schema.get("$defs", {})
    done: dict[str, Any] = {}

    def inline(node: Any, within: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, within) for item in node]
        if not isinstance(node, dict):
            return node
        if "allOf" in node:
            return {key: inline(value, within) for key, value in node.items()}
        result = {}
        for key, value in node.items():
            name = _definition_name(value) if key == "$ref" else None
            if name is not None and name in definitions and name not in within:
                if name not in done:
                    done[name] = inline(definitions[name], (*within, name))
                result["allOf"] = [done[name]]
            else:
                result[key] = inline(value, within)
        return result

    inlined: dict[str, Any] = inline(schema, ())
    return inlined


def _definition_name(reference: object) -> str | None:
    if isinstance(reference, str) and reference.startswith(_LOCAL_DEFINITION):
        name = reference.removeprefix(_LOCAL_DEFINITION)
        return None if "/" in name or "~" in name else name
    return None


def schema_diagnostics(spec: LoadedSpec) -> Iterator[Diagnostic]:
    """Every schema violation of ``spec``, each at the node that is wrong."""
    for error in _validator().iter_errors(spec.data):
        yield from _diagnostics_for(error, spec)


def config_diagnostics(
    spec: LoadedSpec, key: str, section_schema: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    """Every violation of a component's schema by the configuration section ``key``, each at the
    node that is wrong; nothing when the spec has no such section."""
    config = spec.data.get("config")
    if not isinstance(config, dict) or key not in config:
        return
    validator = _validator_class()(section_schema, registry=_LOCAL_ONLY)
    try:
        # The section is validated on its own, so that the component's schema keeps its own
        # root for "#" references: its paths start below config/<key>.
        errors = list(validator.iter_errors(config[key]))
    except Unresolvable as unresolvable:
        message = (
            f"the schema of configuration section {key!r} refers to {unresolvable}, which it"
            " does not hold; references outside a component's schema are not fetched"
        )
        yield spec.diagnostic(join_pointer("/config", key), "config-schema-unresolvable", message)
        return
    for error in errors:
        error.path.extendleft(reversed(["config", key]))
        yield from _diagnostics_for(error, spec)


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


# Validating a spec never reaches the network or the disk for a schema's "$ref".
_LOCAL_ONLY: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


def _pointer(path: Sequence[str | int]) -> str:
    pointer = ""
    for token in path:
        pointer = join_pointer(pointer, token)
    return pointer


def _owner(spec: LoadedSpec, path: Sequence[str | int]) -> str:
    """Words for the object the path points into: "component 'es'", "manager", or "the spec"."""
    if len(path) >= 2 and path[0] == "components" and isinstance(path[1], int):
        components = spec.data.get("components")
        name = components[path[1]].get("name") if isinstance(components[path[1]], dict) else None
        if isinstance(name, str):
            return f"component {name!r}"
        return f"component #{path[1] + 1}"
    if path and path[0] == "manager":
        return "manager"
    if len(path) >= 2 and path[0] == "config":
        return f"configuration section {path[1]!r}"
    return "the spec"


def _diagnostics_for(error: ValidationError, spec: LoadedSpec) -> Iterator[Diagnostic]:
    path = list(error.absolute_path)
    pointer = _pointer(path)
    owner = _owner(spec, path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in error.instance:
            if key in allowed:
                continue
            message = f"unknown key {quoted(key)} in {owner}" + _allowed_keys_hint(key, allowed)
            yield spec.diagnostic(join_pointer(pointer, key), "unknown-key", message, key=True)
    elif validator == "required":
        for key in error.validator_value:
            if key not in error.instance:
                message = f"{owner} is missing the required key {key!r}"
                yield spec.diagnostic(pointer, "missing-key", message)
    elif validator == "uniqueItems":
        yield from _duplicate_items(error, spec, pointer, path)
    else:
        is_yaml = not spec.source.endswith(".json")
        yield spec.diagnostic(pointer, *_code_and_message(error, path, owner, is_yaml=is_yaml))


def _allowed_keys_hint(key: str, allowed: Sequence[str]) -> str:
    return did_you_mean(key, allowed) or f"; allowed keys: {', '.join(allowed)}"


def _duplicate_items(
    error: ValidationError, spec: LoadedSpec, pointer: str, path: Sequence[str | int]
) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    field = path[-1] if path else "list"
    for index, item in enumerate(error.instance):
        token = _identity(item)
        if token in seen:
            first = spec.position(join_pointer(pointer, seen[token]))
            where = f"line {first.line}, column {first.column}"
            message = f"{item!r} is listed twice in {field}; first at {where}"
            yield spec.diagnostic(join_pointer(pointer, index), "duplicate-item", message)
        else:
            seen[token] = index


_PATTERN_CODES = {
    "Instance name": (
        "invalid-name",
        "is not a valid instance name: use letters, digits, spaces, '.', '_' and '-'",
    ),
    "Component name": (
        "invalid-name",
        "is not a valid component name: use lowercase snake_case, such as storage_manager",
    ),
    "Feature name": (
        "invalid-feature",
        "is not a valid feature name: use kebab-case, such as staged-tasks",
    ),
    "Class path": (
        "invalid-class-path",
        "is not a valid class path: write package.module:Qualname",
    ),
    "Component class": (
        "invalid-class-path",
        "is not a valid component class: write package.module:Qualname or a registered name",
    ),
}


def _code_and_message(
    error: ValidationError, path: Sequence[str | int], owner: str, *, is_yaml: bool = True
) -> tuple[str, str]:
    subject = _subject(path, owner)
    value = error.instance
    if error.validator == "type":
        expected = error.validator_value
        message = f"{subject} must be {_article(expected)}; found {describe_kind(value)}"
        if is_yaml and expected == "boolean" and value in _YAML11_BOOLEANS:
            message += f" ({value!r} is a string in YAML 1.2: write true or false)"
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            message += f" {value!r}"
        return "wrong-type", message
    if error.validator == "const" and path == ["version"]:
        if isinstance(value, str):
            return "unsupported-version", f"version {value!r} is a string; write 1, a number"
        shown = repr(value) if len(repr(value)) <= 20 else repr(value)[:20] + "..."
        return "unsupported-version", f"version {shown} is not supported; the only version is 1"
    if error.validator == "pattern":
        title = error.schema.get("title", "")
        code, words = _PATTERN_CODES.get(title, ("invalid-value", "does not match its pattern"))
        return code, f"{quoted(value)} {words}{_look_alike_hint(value)}"
    if error.validator in {"minLength", "maxLength"}:
        return "invalid-value", f"{subject}: {error.message}"
    return "schema", f"{subject}: {error.message}"


def _look_alike_hint(value: object) -> str:
    """Name the characters that are not ASCII: a Cyrillic or Greek letter looks like a Latin one."""
    if not isinstance(value, str) or value.isascii():
        return ""
    odd = [
        f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in value if ord(c) > 127
    ]
    return f"; it holds characters that are not ASCII: {', '.join(dict.fromkeys(odd))}"


def _subject(path: Sequence[str | int], owner: str) -> str:
    """Words for the node the path points at, such as "'required' of component 'es'"."""
    if not path:
        return "the document"
    if len(path) == 2 and owner.startswith(("component", "configuration")):
        return owner
    last = path[-1]
    if isinstance(last, int):
        parent = path[-2] if len(path) >= 2 else "list"
        words = f"item {last + 1} of {parent!r}"
    else:
        words = repr(last)
    return words if owner == "the spec" or len(path) == 1 else f"{words} of {owner}"


def _article(expected: object) -> str:
    if isinstance(expected, list):
        return " or ".join(_article(e) for e in expected)
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "boolean": "a boolean (true or false)",
        "integer": "an integer",
        "number": "a number",
        "null": "null",
    }
    return words.get(str(expected), str(expected))
