"""The JSON Schema of manager specs: well formed, documented, and in agreement with the model.

The schema is the source of truth; ``adb_manager.model`` mirrors it. These tests read the
schema's own defaults and patterns rather than repeating them, so that a change to one side
without the other shows up here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from referencing import Registry, Resource

from adb_manager import schema
from adb_manager.cli import main
from adb_manager.model import (
    ComponentSpec,
    ManagerInfo,
    ManagerSpec,
    structure_spec,
    unstructure_spec,
)

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "manager-spec.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
REGISTRY: Registry = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))

# Drawing whole specs is slow (from the schema, about a tenth of a second each; from the model,
# a few dozen regex strings each), so the two property tests run a third of the profile's
# examples: 50 with the default "ci" profile.
SCHEMA_EXAMPLES = max(10, settings.default.max_examples // 3)

_NO_DEFAULT = object()


# Walking the schema


def _resolve(ref: str) -> dict[str, Any]:
    """The subschema a local ``$ref`` such as ``#/$defs/componentName`` points at."""
    assert ref.startswith("#/"), f"only local references are expected, not {ref!r}"
    node: Any = SCHEMA
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    assert isinstance(node, dict)
    return node


def _subschemas(node: dict[str, Any], pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema reachable through ``properties``, ``$defs`` and ``items``, with its
    JSON pointer."""
    yield pointer, node
    for keyword in ("properties", "$defs"):
        for name, child in node.get(keyword, {}).items():
            yield from _subschemas(child, f"{pointer}/{keyword}/{name}")
    if isinstance(node.get("items"), dict):
        yield from _subschemas(node["items"], f"{pointer}/items")


SUBSCHEMAS = dict(_subschemas(SCHEMA))
#: The root, every property and every definition: the nodes people read the docs of.
DOCUMENTED = [
    pointer
    for pointer in SUBSCHEMAS
    if pointer == "#" or pointer.split("/")[-2] in {"properties", "$defs"}
]
WITH_VALUES = [
    pointer for pointer, node in SUBSCHEMAS.items() if "default" in node or "examples" in node
]


def _annotation(node: dict[str, Any], keyword: str) -> Any:
    """An annotation of a subschema, or else of the subschema its ``$ref`` points at."""
    if keyword in node:
        return node[keyword]
    if "$ref" in node:
        return _annotation(_resolve(node["$ref"]), keyword)
    return None


def _schema_default(node: dict[str, Any]) -> Any:
    """A copy of the default a subschema declares (following ``$ref``), or ``_NO_DEFAULT``."""
    if "default" in node:
        return copy.deepcopy(node["default"])
    if "$ref" in node:
        return _schema_default(_resolve(node["$ref"]))
    return _NO_DEFAULT


def _structural(node: dict[str, Any]) -> dict[str, Any]:
    """The subschema that says what a value holds: ``node`` or what its ``$ref`` points at."""
    while "properties" not in node and "items" not in node and "$ref" in node:
        node = _resolve(node["$ref"])
    return node


def fill_defaults(value: Any, node: dict[str, Any] = SCHEMA) -> Any:
    """``value`` with the schema's default filled in for every absent property that declares
    one, at every level: the manager object and each component get theirs too."""
    node = _structural(node)
    if isinstance(value, dict) and "properties" in node:
        filled = dict(value)
        for key, subschema in node["properties"].items():
            if key not in filled:
                default = _schema_default(subschema)
                if default is _NO_DEFAULT:
                    continue
                filled[key] = default
            filled[key] = fill_defaults(filled[key], subschema)
        return filled
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [fill_defaults(item, node["items"]) for item in value]
    return value


# The schema itself


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    """The schema declares draft 2020-12 and passes that metaschema."""
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema.validators.validator_for(SCHEMA) is jsonschema.Draft202012Validator
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_has_an_absolute_id() -> None:
    """The schema names itself with an absolute ``$id`` that has no fragment."""
    schema_id = SCHEMA.get("$id")
    assert isinstance(schema_id, str)
    assert schema_id.startswith("https://")
    assert "#" not in schema_id


def test_walk_reaches_every_property() -> None:
    """The walk below sees the manager's and the components' properties, not just the root's."""
    assert "#/properties/manager/properties/class" in DOCUMENTED
    assert "#/$defs/component/properties/depends_on" in DOCUMENTED
    assert "#/$defs/componentName" in DOCUMENTED


@pytest.mark.parametrize("pointer", DOCUMENTED)
def test_every_property_and_definition_is_documented(pointer: str) -> None:
    """Each property and definition has a description, and a title of its own or its $ref's."""
    node = SUBSCHEMAS[pointer]
    description = node.get("description")
    assert isinstance(description, str), f"{pointer} has no description"
    assert description.strip(), f"{pointer} has an empty description"
    title = _annotation(node, "title")
    assert isinstance(title, str), f"{pointer} has no title, nor does its $ref"
    assert title.strip(), f"{pointer} has an empty title"


@pytest.mark.parametrize("pointer", WITH_VALUES)
def test_defaults_and_examples_are_valid(pointer: str) -> None:
    """Each ``default`` and each of the ``examples`` is accepted by the subschema declaring it."""
    node = SUBSCHEMAS[pointer]
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{SCHEMA['$id']}{pointer}"}, registry=REGISTRY
    )
    values = [node["default"]] if "default" in node else []
    values += node.get("examples", [])
    for value in values:
        errors = [error.message for error in validator.iter_errors(value)]
        assert errors == [], f"{value!r} at {pointer}"


# Schema and model agree


def test_manager_declares_a_default() -> None:
    """The optional ``manager`` object declares a default, as the model has one."""
    assert _schema_default(SCHEMA["properties"]["manager"]) == {}


def test_fill_defaults_reads_the_schema() -> None:
    """The test's ``fill_defaults`` fills the manager and the components from the schema."""
    filled = fill_defaults({"version": 1, "components": [{"name": "a", "class": "m:A"}]})
    assert filled["manager"] == {
        "name": SCHEMA["properties"]["manager"]["properties"]["name"]["default"],
        "class": SCHEMA["properties"]["manager"]["properties"]["class"]["default"],
    }
    assert filled["config"] == {}
    assert filled["components"][0]["depends_on"] == []
    assert "required" not in filled["components"][0]
    assert "description" not in filled["components"][0]


@pytest.mark.parametrize(
    "document",
    [
        {"version": 1, "components": []},
        {"version": 1, "components": [], "manager": {}},
        {"version": 1, "components": [], "manager": {"name": "x"}, "config": {"a": [1, None]}},
        {"version": 1, "components": [{"name": "a", "class": "m:A"}]},
        {
            "version": 1,
            "manager": {"name": "demo", "class": "pkg.mod:Manager"},
            "config": {"storage": {"root": "./data"}},
            "components": [
                {"name": "a", "class": "m:A", "required": False, "description": ""},
                {
                    "name": "b_2",
                    "class": "m.n:B.C",
                    "description": "the second",
                    "required": True,
                    "enabled": False,
                    "depends_on": ["a"],
                    "after": ["a"],
                    "before": ["c"],
                    "features": ["staged-tasks"],
                },
            ],
        },
    ],
    ids=["minimal", "empty-manager", "partial-manager", "bare-component", "full"],
)
def test_known_documents_round_trip_with_schema_defaults(document: dict[str, Any]) -> None:
    """Hand-written valid specs structure and unstructure to themselves plus the defaults."""
    assert list(VALIDATOR.iter_errors(document)) == []
    assert unstructure_spec(structure_spec(document)) == fill_defaults(document)


# from_schema resolves the $refs of the schema it is given in place: hand it a copy.
@settings(max_examples=SCHEMA_EXAMPLES)
@given(document=from_schema(copy.deepcopy(SCHEMA)))
def test_schema_documents_round_trip_with_schema_defaults(document: dict[str, Any]) -> None:
    """Any spec the schema accepts structures and unstructures to itself plus the defaults,
    once composed: extends, remove and replace never reach the model."""
    document = _composed(document)

    assert unstructure_spec(structure_spec(document)) == fill_defaults(document)


def _composed(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the keys that only composing a spec reads."""
    components = [
        {k: v for k, v in c.items() if k not in ("remove", "replace")}
        for c in document["components"]
    ]
    return {**{k: v for k, v in document.items() if k != "extends"}, "components": components}


def _pattern_strings(name: str) -> st.SearchStrategy[str]:
    """Strings matching the pattern of ``$defs/<name>``, within its ``maxLength``."""
    definition = SCHEMA["$defs"][name]
    strings = st.from_regex(definition["pattern"], fullmatch=True)
    if "maxLength" in definition:
        strings = strings.filter(lambda s: len(s) <= definition["maxLength"])
    return strings


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
_class_paths = _pattern_strings("classPath")
_manager_name = SCHEMA["properties"]["manager"]["properties"]["name"]


@st.composite
def model_specs(draw: st.DrawFn) -> ManagerSpec:
    """A ``ManagerSpec`` whose names, class paths and features match the schema's patterns.

    Component names come from a small pool drawn first, so that references are mostly to
    declared components and few regex strings are drawn per example.
    """
    names = draw(st.lists(_pattern_strings("componentName"), unique=True, min_size=1, max_size=6))
    features = draw(st.lists(_pattern_strings("featureName"), unique=True, max_size=3))
    some_names = st.lists(st.sampled_from(names), unique=True, max_size=3).map(tuple)
    some_features = st.lists(st.sampled_from(features), unique=True).map(tuple)
    components = st.builds(
        ComponentSpec,
        name=st.sampled_from(names),
        class_path=_class_paths,
        description=st.none() | st.text(max_size=20),
        required=st.none() | st.booleans(),
        enabled=st.booleans(),
        depends_on=some_names,
        after=some_names,
        before=some_names,
        features=some_features if features else st.just(()),
    )
    return ManagerSpec(
        version=SCHEMA["properties"]["version"]["const"],
        manager=draw(
            st.builds(
                ManagerInfo,
                name=st.from_regex(_manager_name["pattern"], fullmatch=True).filter(
                    lambda s: len(s) <= _manager_name["maxLength"]
                ),
                class_path=_class_paths,
            )
        ),
        config=draw(st.dictionaries(st.text(max_size=10), _json_values, max_size=4)),
        components=tuple(draw(st.lists(components, max_size=4))),
    )


@settings(max_examples=SCHEMA_EXAMPLES)
@given(spec=model_specs())
def test_model_specs_unstructure_to_documents_the_schema_accepts(spec: ManagerSpec) -> None:
    """Any spec built in the model unstructures to data the schema accepts, and back again."""
    data = unstructure_spec(spec)
    assert [error.message for error in VALIDATOR.iter_errors(data)] == []
    assert structure_spec(data) == spec


def test_default_model_spec_is_the_schema_default() -> None:
    """The model's all-defaults spec unstructures to the schema's minimal spec with its defaults."""
    data = unstructure_spec(ManagerSpec())
    assert data == fill_defaults({"version": 1, "components": []})
    assert list(VALIDATOR.iter_errors(data)) == []


# The CLI


def test_schema_command_prints_the_schema() -> None:
    """``adb-manager schema`` prints the schema file's JSON and nothing else."""
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.endswith("\n")
    assert json.loads(result.stdout) == SCHEMA


# The validator with its references inlined

_FIELDS = ["name", "class", "required", "enabled", "depends_on", "after", "before", "features"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(["storage", "Storage", "a.b:C", "a b", "", "kebab-name", "x" * 101]),
    st.lists(st.sampled_from(["storage", "storage", "Bad Name", 3]), max_size=3),
    st.dictionaries(st.sampled_from(["name", "other"]), st.sampled_from(["x", 1]), max_size=2),
)
_NEAR_SPECS = st.fixed_dictionaries(
    {
        "version": st.sampled_from([1, 2, "1"]),
        "components": st.lists(
            st.dictionaries(st.sampled_from([*_FIELDS, "unknown"]), _VALUES, max_size=5),
            max_size=4,
        ),
    },
    optional={"manager": st.dictionaries(st.sampled_from(["name", "class", "x"]), _VALUES)},
)


def _findings(validator: Any, document: Any) -> list[tuple[Any, ...]]:
    """What a diagnostic is made of: the keyword, path, message and value of each error, and
    of its subschema, the keywords, title and property names (inlined, its subschemas differ)."""
    return [
        (
            e.validator,
            list(e.absolute_path),
            e.message,
            e.validator_value,
            sorted("allOf" if keyword == "$ref" else keyword for keyword in e.schema),
            e.schema.get("title"),
            sorted(e.schema.get("properties", {})),
        )
        for e in validator.iter_errors(document)
    ]


@settings(max_examples=SCHEMA_EXAMPLES * 4)
@given(document=_NEAR_SPECS)
def test_inlined_references_give_the_same_findings(document: dict[str, Any]) -> None:
    """The validator that validation uses, with each reference to a definition inlined, finds
    the same errors, in the same order, each with the same keyword, message and subschema."""
    validator_class = schema._validator_class()
    referenced = validator_class(SCHEMA)

    assert _findings(schema._validator(), document) == _findings(referenced, document)


def test_inlining_leaves_no_reference_to_a_definition() -> None:
    assert '"$ref"' not in json.dumps(schema.inline_references(SCHEMA)).replace(
        json.dumps(SCHEMA["$defs"]), ""
    )
