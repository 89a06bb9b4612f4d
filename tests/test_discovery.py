"""Components registered by installed packages: listed, named in specs, and trusted as installed.

The demo of examples/artifactdb is installed with pip into a folder (the ``demo_site`` fixture)
and used from a fresh process whose PYTHONPATH names it, as an environment where it is
installed; registrations that are only read (nothing imported) are read in this process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adb_manager.discovery import Registration, registrations

NAMES = [
    "artifactdb.index",
    "artifactdb.inspectors",
    "artifactdb.inventory",
    "artifactdb.locks",
    "artifactdb.permissions",
    "artifactdb.plugins",
    "artifactdb.queues",
    "artifactdb.revisions",
    "artifactdb.schemas",
    "artifactdb.sequences",
    "artifactdb.storage",
    "artifactdb.tasks",
]


def adb_manager(
    *arguments: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "adb_manager", *arguments]
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _distribution(site: Path, module: str, entry_points: str) -> None:
    """Install by hand what an installer writes: a module and its .dist-info."""
    (site / f"{module}.py").write_text(
        "from adb_manager import BackendComponent\n\n\n"
        "class Widget(BackendComponent):\n"
        '    """Makes widgets."""\n\n'
        '    NAME = "widget"\n',
        encoding="utf-8",
    )
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 1.0\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_registrations_are_read_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registered names come from metadata: the module they name is not imported."""
    _distribution(
        tmp_path, "tiny_widgets", "[adb_manager.components]\ntiny.widget = tiny_widgets:Widget\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    found = registrations()

    assert found["tiny.widget"] == Registration(
        "tiny.widget", "tiny_widgets:Widget", "tiny-widgets 1.0"
    )
    assert "tiny_widgets" not in sys.modules


def test_components_lists_the_installed_demo(demo_env: dict[str, str]) -> None:
    """`components --format json` describes every registered class from what it declares."""
    result = adb_manager("components", "--format", "json", env=demo_env)

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [c["name"] for c in listed["components"]] == NAMES
    assert listed["unusable"] == []
    storage = next(c for c in listed["components"] if c["name"] == "artifactdb.storage")
    assert {k: v for k, v in storage.items() if k != "config_schema"} == {
        "name": "artifactdb.storage",
        "class": "artifactdb_demo.storages:StorageComponent",
        "distribution": "artifactdb-demo 0.1.0",
        "summary": (
            "Stores artifacts as files under ``storage.root``, keyed by slash-separated paths."
        ),
        "component_name": "storage_manager",
        "features": ["storage"],
        "depends_on": [],
        "requires_features": [],
        "required": True,
        "config_key": "storage",
    }
    assert storage["config_schema"]["required"] == ["root"]


def test_components_text_names_class_features_dependencies_and_config(
    demo_env: dict[str, str],
) -> None:
    """The text listing gives one block per registered name."""
    result = adb_manager("components", env=demo_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "artifactdb.index: artifactdb_demo.indexing:IndexComponent (artifactdb-demo 0.1.0)",
        "  Indexes metadata documents by ID, each tagged with its revision, and searches them.",
        "  name: es; features: indexing; depends on: revision_manager; requires features: -;"
        " required: yes; configuration: config.es",
    ]


SPEC = """\
version: 1
config:
  storage: {root: ./data}
components:
  - name: storage_manager
    class: artifactdb.storage
  - name: sequence_manager
    class: artifactdb.sequence
"""


def test_a_spec_names_registered_components(tmp_path: Path, demo_env: dict[str, str]) -> None:
    """A registered name resolves wherever the spec is, with no --allow-module; a misspelt one
    is class-not-found at the class, with the registered name it resembles, with or without
    imports (reading the registrations imports nothing)."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC, encoding="utf-8")

    result = adb_manager("validate", str(spec), env=demo_env)

    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"{spec}:8:12: error[class-not-found] cannot import 'artifactdb.sequence': no installed"
        " package registers a component named 'artifactdb.sequence' (write a class as"
        " package.module:Qualname, or install the package that registers it); did you mean"
        " 'artifactdb.sequences'?"
    )
    unimported = adb_manager("validate", "--no-import", str(spec), env=demo_env)
    assert unimported.returncode == 1
    assert unimported.stdout.splitlines()[0] == result.stdout.splitlines()[0]
    spec.write_text(SPEC.replace("artifactdb.sequence\n", "artifactdb.sequences\n"))
    assert adb_manager("validate", "--no-import", str(spec), env=demo_env).returncode == 0
    fixed = adb_manager("validate", str(spec), env=demo_env)
    assert (fixed.returncode, fixed.stdout) == (0, "")
    assert fixed.stderr == "0 errors, 0 warnings, 0 infos in 1 file\n"
    built = adb_manager("build", "--format", "text", str(spec), env=demo_env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "sequence_manager" in built.stdout


def test_a_registration_that_cannot_be_imported_is_reported(
    tmp_path: Path, demo_env: dict[str, str]
) -> None:
    """`components` lists the usable ones, names the broken one on stderr, and exits 1."""
    _distribution(
        tmp_path, "broken_widgets", "[adb_manager.components]\nbroken.widget = missing_module:X\n"
    )
    env = {**demo_env, "PYTHONPATH": f"{tmp_path}:{demo_env['PYTHONPATH']}"}

    result = adb_manager("components", "--format", "json", env=env)

    assert result.returncode == 1
    assert [c["name"] for c in json.loads(result.stdout)["components"]] == NAMES
    assert result.stderr == textwrap.dedent("""\
        adb-manager: registered component broken.widget (missing_module:X) is not usable: no\
 module named 'missing_module' (looked in the spec's folder, the --path folders and the\
 installed environment)
        """)
