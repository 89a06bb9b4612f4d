"""The benchmarks' spec generator: its specs are valid and as large as asked."""

from __future__ import annotations

import pytest
import specgen

from adb_manager import ValidationOptions, validate_text
from adb_manager.loading import load_text
from adb_manager.ordering import ordering_edges

NO_IMPORT = ValidationOptions(import_classes=False)


@pytest.mark.parametrize("size", [1, 10, 100, 1000])
def test_generated_specs_validate_without_a_finding(size: int) -> None:
    """Each generated spec holds exactly the components asked for, and validates cleanly."""
    result = validate_text(specgen.generate_spec(size, seed=size), "generated.yaml", NO_IMPORT)

    assert result.diagnostics == ()
    assert result.spec is not None
    assert len(result.spec.components) == size


def test_generated_specs_declare_dependencies_soft_constraints_and_features() -> None:
    """A spec of 100 components has every kind of relation, and counts its edges right."""
    generated = specgen.generate(100)
    spec = validate_text(generated.text, "generated.yaml", NO_IMPORT).spec
    assert spec is not None
    components = spec.components
    listed = sum(len(c.depends_on) + len(c.after) + len(c.requires_features) for c in components)

    assert generated.components == 100
    assert generated.edges == listed
    assert all(any(getattr(c, field) for c in components) for field in ("depends_on", "after"))
    assert any(c.required is False for c in components)
    assert any(c.requires_features for c in components)
    assert len(ordering_edges(components)) >= sum(len(c.depends_on) for c in components)


def test_the_same_seed_gives_the_same_spec_and_another_seed_another() -> None:
    assert specgen.generate_spec(50, seed=1) == specgen.generate_spec(50, seed=1)
    assert specgen.generate_spec(50, seed=1) != specgen.generate_spec(50, seed=2)


def test_generated_yaml_reads_as_plain_data() -> None:
    """No tag, no anchor: the spec is data that check-jsonschema reads the same way."""
    loaded, problems = load_text(specgen.generate_spec(20))

    assert problems == []
    assert loaded is not None
    names = [c["name"] for c in loaded.data["components"]]
    assert names[:2] == ["storage_00000", "sequences_00001"]
