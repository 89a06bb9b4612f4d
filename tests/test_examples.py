"""The shipped examples and the README's code behave as documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from artifactdb_facts import ALL_COMPONENTS

from adb_manager import BuildError, ValidationOptions, from_spec, validate_file

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTDB = Path("examples/artifactdb")


@pytest.fixture(autouse=True)
def _in_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run from a copy of the examples, so that the data they write stays out of the checkout."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("data"))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", ["artifactdb.yaml", "artifactdb-full.yaml"])
def test_example_specs_validate_cleanly(name: str) -> None:
    """Both ArtifactDB specs have no diagnostic at all, with imports."""
    assert validate_file(ARTIFACTDB / name).diagnostics == ()


def test_example_builds_with_s3_inventory_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """Without its config section, the optional s3_inventory is skipped with a logged reason."""
    manager = from_spec(ARTIFACTDB / "artifactdb.yaml")
    try:
        built = [s.name for s in manager.status if s.state.value == "built"]
        skipped = {s.name: s.reason for s in manager.status if s.state.value == "skipped"}
        features = manager.features
    finally:
        manager.close()

    assert built == ALL_COMPONENTS[:-1]
    assert skipped == {
        "s3_inventory": "InventoryComponent() raised LookupError:"
        " no 's3_inventory' section in the configuration"
    }
    assert "provisioning" in features
    assert "inventories" not in features
    assert "optional component s3_inventory skipped" in caplog.text


def test_full_example_builds_every_component() -> None:
    """With every section configured, all twelve components are built."""
    manager = from_spec(ARTIFACTDB / "artifactdb-full.yaml")
    try:
        assert list(manager.components) == ALL_COMPONENTS
        assert manager.features == (
            "indexing",
            "inspectors",
            "inventories",
            "lock",
            "permissions",
            "plugins",
            "priority-queues",
            "provisioning",
            "queues",
            "registered-tasks",
            "revisions",
            "schemas",
            "sequences",
            "staged-tasks",
            "storage",
            "tasks",
            "validation",
        )
    finally:
        manager.close()


def test_example_without_storage_root_aborts_and_closes() -> None:
    """The required storage_manager without its config aborts the build, naming the cause."""
    spec = {
        "version": 1,
        "config": {},
        "components": [
            {"name": "revision_manager", "class": "artifactdb_demo.revisions:RevisionComponent"},
            {"name": "storage_manager", "class": "artifactdb_demo.storages:StorageComponent"},
        ],
    }
    with pytest.raises(BuildError) as raised:
        from_spec(spec, options=ValidationOptions(search_path=(str(ARTIFACTDB),)))

    assert raised.value.component == "storage_manager"
    assert [(s.name, s.state.value) for s in raised.value.report] == [
        ("revision_manager", "built"),
        ("storage_manager", "failed"),
    ]


def test_the_originals_cycle_is_caught() -> None:
    """The dependencies as the original classes declare them form a cycle that is reported."""
    result = validate_file(
        ROOT / "examples/invalid/original-cycle.yaml", ValidationOptions(import_classes=False)
    )

    assert [(d.line, d.code) for d in result.diagnostics] == [(13, "cycle")]
    assert "es -> revision_manager -> es" in result.diagnostics[0].message


def test_readme_python_examples_run(tmp_path: Path) -> None:
    """Every Python block of the README runs as written, beside a copy of the examples."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    outputs = []
    for number, code in enumerate(blocks):
        script = tmp_path / f"readme_example_{number}.py"
        script.write_text(code, encoding="utf-8")
        run = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)

    assert len(blocks) == 2
    assert "'name': 'artifactdb-demo'" in outputs[1]
