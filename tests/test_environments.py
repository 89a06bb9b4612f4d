"""Deployment environments: bases (extends), overlays, includes and the effective spec, each
finding at the file and line that wrote the offending value."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from adb_manager import UnreadableSpecError, ValidationOptions, from_spec, validate_file
from adb_manager.cli import main
from adb_manager.loading import Limits
from adb_manager.validation import validate_text

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTDB = Path("examples/artifactdb")
SPEC = ARTIFACTDB / "artifactdb.yaml"
NO_IMPORT = ValidationOptions(import_classes=False)

BASE = """\
version: 1
components:
  - name: storage
    class: m:Storage
  - name: index
    class: m:Index
    depends_on: [storage]
"""


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run from a copy of the examples, so that the data they write stays out of the checkout."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("data"))
    monkeypatch.chdir(tmp_path)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def child_of(folder: Path, base: str, *lines: str) -> Path:
    """base.yaml holding ``base``, and child.yaml extending it with ``lines``."""
    write(folder, "base.yaml", base)
    return write(
        folder, "child.yaml", "".join(f"{line}\n" for line in ("extends: base.yaml", *lines))
    )


def found(path: Path, options: ValidationOptions = NO_IMPORT) -> list[tuple[str, int, int, str]]:
    """Every diagnostic as (file name, line, column, code)."""
    result = validate_file(path, options)
    return [(Path(d.file).name, d.line, d.column, d.code) for d in result.diagnostics]


# The examples


@pytest.mark.usefixtures("examples")
@pytest.mark.parametrize("env", ["dev", "prod", "staging"])
def test_every_example_environment_validates(env: str) -> None:
    """Each environment of the ArtifactDB example validates with imports, and says nothing."""
    code, out, err = invoke("validate", str(SPEC), "--env", env)

    assert (code, out, err) == (0, "", "0 errors, 0 warnings, 0 infos in 1 file\n")


@pytest.mark.usefixtures("examples")
def test_the_child_spec_validates() -> None:
    """artifactdb-ci.yaml extends artifactdb.yaml: no finding, eleven components."""
    result = validate_file(ARTIFACTDB / "artifactdb-ci.yaml")

    assert result.diagnostics == ()
    assert result.spec is not None
    assert [c.name for c in result.spec.components if c.name == "queues"] == ["queues"]
    assert len(result.spec.components) == 11
    assert result.files == (str(SPEC), str(ARTIFACTDB / "artifactdb-ci.yaml"))


@pytest.mark.usefixtures("examples")
def test_prod_builds_the_inventory_and_dev_removes_it() -> None:
    """prod gives s3_inventory its section (an include), so it is built; dev drops it."""
    prod = from_spec(SPEC, options=ValidationOptions(env="prod"))
    dev = from_spec(SPEC, options=ValidationOptions(env="dev"))
    try:
        assert "inventories" in prod.features
        assert "s3_inventory" not in dev.components
        assert dev.name == "artifactdb-dev"
        assert [s.state.value for s in dev.status if s.name == "inspectors_manager"] == ["disabled"]
    finally:
        prod.close()
        dev.close()


@pytest.mark.usefixtures("examples")
def test_render_prints_the_effective_spec_with_origins_and_no_secret() -> None:
    """render --env prod: the overlay's changes, the files of each component, no token."""
    code, out, err = invoke("render", str(SPEC), "--env", "prod")

    assert (code, err) == (0, "")
    assert "mounted-as-a-file" not in out
    assert "    access_token: '[redacted]'\n" in out
    assert "    folder: ./examples/artifactdb/data/inventory\n" in out
    prod = "examples/artifactdb/artifactdb.prod.yaml"
    assert f"  # from: {SPEC}, {prod}\n  - name: plugins\n" in out
    assert f"  # from: {SPEC}\n  - name: storage_manager\n" in out


@pytest.mark.usefixtures("examples")
def test_the_rendered_spec_validates_as_it_is(tmp_path: Path) -> None:
    """What render prints for staging (a JSON Patch) is a spec that validates on its own."""
    code, out, _ = invoke("render", str(SPEC), "--env", "staging")
    rendered = write(ARTIFACTDB, "rendered.yaml", out)

    assert code == 0
    assert validate_file(rendered).diagnostics == ()
    assert "name: artifactdb-staging" in out
    assert "  - checksum" not in out


@pytest.mark.usefixtures("examples")
def test_a_wrong_value_in_an_overlay_is_reported_at_the_overlay() -> None:
    """The known-bad merge overlay: both findings point into it."""
    overlay = "examples/invalid/artifactdb.bad-overlay.yaml"
    code, out, _ = invoke("validate", str(SPEC), "--overlay", overlay, "--no-import")

    assert code == 1
    assert out.splitlines()[:2] == [
        f"{overlay}:6:15: error[wrong-type] 'required' of component 'es' must be a boolean"
        " (true or false); found a string ('yes' is a string in YAML 1.2: write true or false)",
        f"{overlay}:9:18: error[unknown-dependency] 'search_cache' depends on 'redis', which is"
        " not in the spec",
    ]


@pytest.mark.usefixtures("examples")
def test_a_failing_patch_operation_is_reported_at_the_operation() -> None:
    """The known-bad JSON Patch: its second operation fails, and the patch is not applied."""
    patch = Path("examples/invalid/artifactdb.bad-patch.json")
    result = validate_file(SPEC, ValidationOptions(overlays=(str(patch),)))

    assert [(d.file, d.line, d.column, d.code) for d in result.diagnostics] == [
        (str(patch), 3, 3, "patch-failed")
    ]
    assert "operation 2 (remove '/config/s3_inventory')" in result.diagnostics[0].message
    assert result.loaded is not None
    assert result.loaded.data["manager"]["name"] == "artifactdb-demo"


def test_an_unknown_environment_is_an_unreadable_spec(tmp_path: Path) -> None:
    """--env with no overlay file: exit 2, naming every file looked for."""
    spec = write(tmp_path, "spec.yaml", BASE)
    code, _, err = invoke("validate", str(spec), "--env", "qa")

    assert code == 2
    assert f"looked for {tmp_path / 'spec.qa.yaml'}, {tmp_path / 'spec.qa.yml'}" in err
    with pytest.raises(UnreadableSpecError):
        validate_file(spec, ValidationOptions(env="../qa"))


# extends


def test_a_child_changes_only_what_it_names(tmp_path: Path) -> None:
    """Patch, disable, add with a constraint: the new component lands where it must."""
    child = child_of(
        tmp_path,
        BASE,
        "components:",
        "  - name: cache",
        "    class: m:Cache",
        "    before: [index]",
        "  - name: index",
        "    required: false",
    )
    result = validate_file(child, NO_IMPORT)

    assert result.diagnostics == ()
    assert result.spec is not None
    assert [c.name for c in result.spec.components] == ["storage", "cache", "index"]
    assert [c.required for c in result.spec.components] == [None, None, False]


def test_a_finding_quotes_a_line_of_another_file_with_its_name(tmp_path: Path) -> None:
    """A feature provided twice, in the base and the child: the message names the base."""
    base = tmp_path / "base.yaml"
    child = child_of(
        tmp_path,
        BASE + "    features: [search]\n",
        "components:",
        "  - name: cache",
        "    class: m:Cache",
        "    features: [search]",
    )
    result = validate_file(child, NO_IMPORT)

    assert [(Path(d.file).name, d.line, d.column, d.code) for d in result.diagnostics] == [
        ("child.yaml", 5, 16, "duplicate-feature")
    ]
    assert result.diagnostics[0].message == (
        f"feature 'search' is provided by both 'index' ({base} line 8) and 'cache'"
    )


def test_a_finding_in_the_same_file_quotes_the_line_alone(tmp_path: Path) -> None:
    """A child disabling a dependency: the base's index depends on it, both lines in the base."""
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\ncomponents:\n  - name: storage\n    enabled: false\n",
    )
    result = validate_file(child, NO_IMPORT)

    assert [(Path(d.file).name, d.line, d.column, d.code) for d in result.diagnostics] == [
        ("base.yaml", 7, 18, "disabled-dependency")
    ]
    assert "which is disabled (line 3);" in result.diagnostics[0].message


def test_extends_problems_are_at_the_extends_value(tmp_path: Path) -> None:
    """Missing, absolute, climbing out, a link out, and a cycle: each at extends' value."""
    outside = write(tmp_path, "outside/base.yaml", BASE)
    spec_dir = tmp_path / "specs"
    rest = "version: 1\ncomponents: []\n"
    write(spec_dir, "missing.yaml", "extends: nowhere.yaml\n" + rest)
    write(spec_dir, "absolute.yaml", f"extends: {outside}\n" + rest)
    write(spec_dir, "climbs.yaml", rest + "extends: ../outside/base.yaml\n")
    (spec_dir / "link.yaml").symlink_to(outside)
    write(spec_dir, "linked.yaml", "extends: link.yaml\n" + rest)
    write(spec_dir, "one.yaml", "extends: two.yaml\n" + rest)
    write(spec_dir, "two.yaml", "extends: one.yaml\n" + rest)

    assert found(spec_dir / "missing.yaml") == [("missing.yaml", 1, 10, "extends-not-found")]
    assert found(spec_dir / "absolute.yaml") == [("absolute.yaml", 1, 10, "extends-outside")]
    assert found(spec_dir / "climbs.yaml") == [("climbs.yaml", 3, 10, "extends-outside")]
    assert found(spec_dir / "linked.yaml") == [("linked.yaml", 1, 10, "extends-outside")]
    assert ("two.yaml", 1, 10, "extends-cycle") in found(spec_dir / "one.yaml")


def test_an_include_root_allows_a_base_outside(tmp_path: Path) -> None:
    """--include-root: a base in a shared folder is allowed."""
    write(tmp_path, "shared/base.yaml", BASE)
    child = write(tmp_path, "specs/child.yaml", "extends: ../shared/base.yaml\n")
    options = ValidationOptions(import_classes=False, include_roots=(str(tmp_path / "shared"),))

    assert validate_file(child, options).diagnostics == ()


def test_remove_and_replace_need_a_base(tmp_path: Path) -> None:
    """In a spec without extends, remove and replace are errors at their keys."""
    spec = write(tmp_path, "spec.yaml", BASE + "    remove: true\n")

    assert found(spec) == [("spec.yaml", 8, 5, "no-base")]


def test_removing_an_unknown_component_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\ncomponents:\n  - name: cach\n    remove: true\n",
    )

    assert found(child) == [("child.yaml", 4, 5, "remove-unknown")]


def test_spec_text_does_not_follow_extends() -> None:
    result = validate_text("extends: base.yaml\n" + BASE, options=NO_IMPORT)

    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [
        (1, 1, "extends-unsupported")
    ]


# !include


def test_includes_read_values_and_text(tmp_path: Path) -> None:
    """A YAML section, with a nested include, and a secret read as text, redacted."""
    write(tmp_path, "sections/es.yaml", "index: artifacts\npassword: !include ../secret\n")
    write(tmp_path, "secret", "hunter2-hunter2\n")
    spec = write(
        tmp_path,
        "spec.yaml",
        BASE + "config:\n  es: !include sections/es.yaml\n  size: !include sections/es.yaml\n",
    )
    result = validate_file(spec, NO_IMPORT)

    assert result.diagnostics == ()
    assert result.loaded is not None
    assert result.loaded.data["config"]["es"] == {
        "index": "artifacts",
        "password": "hunter2-hunter2",
    }
    assert result.loaded.position("/config/es/index").source == str(tmp_path / "sections/es.yaml")
    code, out, _ = invoke("render", str(spec), "--no-import")
    assert (code, "hunter2" in out) == (0, False)


def test_include_problems_are_at_the_tag(tmp_path: Path) -> None:
    """Missing, absolute, climbing out, a link out, a cycle, outside config."""
    write(tmp_path, "outside.txt", "x")
    spec_dir = tmp_path / "specs"
    (spec_dir / "sub").mkdir(parents=True)
    (spec_dir / "sub/link.txt").symlink_to(tmp_path / "outside.txt")
    write(spec_dir, "loop.yaml", "again: !include loop.yaml\n")
    spec = write(
        spec_dir,
        "spec.yaml",
        "version: 1\n"
        "components: []\n"
        "config:\n"
        "  a: !include missing.yaml\n"
        f"  b: !include {tmp_path / 'outside.txt'}\n"
        "  c: !include ../outside.txt\n"
        "  d: !include sub/link.txt\n"
        "  e: !include loop.yaml\n"
        "manager: !include sub/link.txt\n",
    )

    assert found(spec) == [
        ("loop.yaml", 1, 8, "include-cycle"),
        ("spec.yaml", 4, 6, "include-not-found"),
        ("spec.yaml", 5, 6, "include-outside"),
        ("spec.yaml", 6, 6, "include-outside"),
        ("spec.yaml", 7, 6, "include-outside"),
        ("spec.yaml", 9, 10, "include-misplaced"),
        ("spec.yaml", 9, 10, "wrong-type"),
    ]


def test_spec_text_leaves_includes_unresolved() -> None:
    result = validate_text(BASE + "config:\n  es: !include es.yaml\n", options=NO_IMPORT)

    assert [(d.line, d.column, d.code, d.severity.value) for d in result.diagnostics] == [
        (9, 7, "include-unresolved", "info")
    ]


# render


def test_render_prints_a_spec_with_errors_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\ncomponents:\n  - name: fresh\n")
    code, out, err = invoke("render", str(child), "--no-import")

    assert code == 1
    assert f"{child}:3:5: error[" in err
    assert f"  # from: {child}\n  - name: fresh\n" in out


def test_render_of_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    code, out, err = invoke("render", str(tmp_path / "none.yaml"))

    assert (code, out) == (2, "")
    assert "none.yaml" in err


def test_fmt_reorders_one_file_alone(tmp_path: Path) -> None:
    """fmt does not read the base: a child file is left alone, with a note, never rewritten."""
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n")
    before = child.read_text(encoding="utf-8")
    code, _, err = invoke("fmt", str(child), "--no-import")

    assert code == 0
    assert "is not reordered: it extends another spec" in err
    assert child.read_text(encoding="utf-8") == before
    assert os.path.exists(tmp_path / "base.yaml")


# Limits hold for the composed spec, not file by file


def limited(**limits: int) -> ValidationOptions:
    return ValidationOptions(import_classes=False, limits=Limits(**limits))


def test_a_patch_that_copies_a_value_into_itself_stops_at_the_node_limit(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.yaml", "version: 1\nconfig:\n  a: [0]\ncomponents: []\n")
    copy = '{"op": "copy", "from": "/config/a", "path": "/config/a/0"}'
    write(tmp_path, "bomb.json", "[" + ", ".join([copy] * 20) + "]\n")
    options = attrs.evolve(limited(max_nodes=1000), overlays=(str(tmp_path / "bomb.json"),))

    assert found(spec, options) == [("bomb.json", 1, 482, "patch-failed")]
    assert "would hold more than 1000 nodes" in validate_file(spec, options).diagnostics[0].message


def test_parsed_includes_count_their_bytes_together(tmp_path: Path) -> None:
    write(tmp_path, "big.yaml", "x: '" + "A" * 600 + "'\n")
    spec = write(
        tmp_path,
        "spec.yaml",
        "version: 1\nconfig:\n  a: !include big.yaml\n  b: !include big.yaml\ncomponents: []\n",
    )

    assert found(spec, limited(max_bytes=1000)) == [("spec.yaml", 4, 6, "include-too-large")]


def test_nested_includes_keep_to_the_depth_limit_of_the_spec(tmp_path: Path) -> None:
    for number in range(3):
        inner = f"!include d{number + 1}.yaml" if number < 2 else "0"
        write(tmp_path, f"d{number}.yaml", "a:\n  b:\n    c:\n      x: " + inner + "\n")
    spec = write(
        tmp_path, "spec.yaml", "version: 1\nconfig:\n  c: !include d0.yaml\ncomponents: []\n"
    )

    assert [code for *_, code in found(spec, limited(max_depth=10))] == [
        "include-invalid",
        "too-deep",
    ]


def test_overlays_together_keep_to_the_node_limit(tmp_path: Path) -> None:
    write(tmp_path, "list.yaml", "[" + ", ".join(["0"] * 40) + "]\n")
    spec = write(
        tmp_path, "spec.yaml", "version: 1\nconfig:\n  a: !include list.yaml\ncomponents: []\n"
    )
    overlays = []
    for number in range(3):
        overlay = write(tmp_path, f"o{number}.yaml", f"config:\n  b{number}: !include list.yaml\n")
        overlays.append(str(overlay))
    options = attrs.evolve(limited(max_nodes=100), overlays=tuple(overlays))

    # The budget of 100 nodes is shared: the third list is cut short, the fourth has none left.
    assert found(spec, options) == [
        ("list.yaml", 1, 53, "too-many-nodes"),
        ("o1.yaml", 2, 7, "include-invalid"),
        ("o2.yaml", 2, 7, "include-invalid"),
    ]


def test_a_nul_in_a_named_path_is_a_diagnostic(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.yaml", 'version: 1\nextends: "a\\0b"\ncomponents: []\n')

    assert found(spec) == [("spec.yaml", 2, 10, "extends-invalid")]


def test_an_empty_environment_name_is_refused(tmp_path: Path) -> None:
    spec = write(tmp_path, "spec.yaml", "version: 1\ncomponents: []\n")

    code, _out, err = invoke("validate", "--no-import", str(spec), "--env", "")

    assert code == 2
    assert "'' is not an environment name" in err


def test_an_environment_overlay_linked_from_outside_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", "private.yaml", "config: {stolen: true}\n")
    spec = write(tmp_path / "specs", "spec.yaml", "version: 1\ncomponents: []\n")
    (tmp_path / "specs" / "spec.prod.yaml").symlink_to(outside)

    code, out, err = invoke("render", "--no-import", str(spec), "--env", "prod")

    assert (code, out) == (2, "")
    assert "the overlay of environment 'prod'" in err
    assert "leads outside" in err
