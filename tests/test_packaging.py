"""The wheel ships the schema, and an installed adb_manager reads its own copy of it.

These tests build a wheel from the checkout (without build isolation when hatchling is
installed, else in an isolated environment that pip fills from the package index), install it
with pip into a temporary directory and import it from there. Deselect them with
``-m 'not packaging'``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema" / "manager-spec.schema.json"
PACKAGED_SCHEMA = "adb_manager/schema/manager-spec.schema.json"

# Run in a fresh interpreter whose PYTHONPATH is the install directory: drop the checkout from
# sys.path (the editable install of the venv puts it there) and report where things come from.
PROBE = """
import json
import sys
from pathlib import Path

checkout = Path(sys.argv[1]).resolve()
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != checkout]

import adb_manager.schema

print(json.dumps({
    "module": adb_manager.schema.__file__,
    "schema_path": str(adb_manager.schema.schema_path()),
    "schema": adb_manager.schema.load_schema(),
    "sys_path": sys.path,
}))
"""


def _run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it does not succeed."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} exited with {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the checkout."""
    outdir = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")
    _run([*command, str(ROOT)], cwd=outdir)
    wheels = list(outdir.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory the wheel was installed into with ``pip install --target``."""
    target = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet"]
    command += ["--disable-pip-version-check", "--target", str(target), str(wheel)]
    _run(command, cwd=target)
    return target.resolve()


def test_wheel_contains_the_schema(wheel: Path) -> None:
    """The wheel holds adb_manager/schema/manager-spec.schema.json, byte for byte the checkout's."""
    with zipfile.ZipFile(wheel) as archive:
        assert PACKAGED_SCHEMA in archive.namelist()
        packaged = archive.read(PACKAGED_SCHEMA)
    assert packaged == SCHEMA_FILE.read_bytes()


def test_installed_package_reads_its_own_schema(
    installed: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Imported from the install directory, adb_manager finds and loads the packaged schema."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("PYTHONHOME", None)
    result = _run([sys.executable, "-c", PROBE, str(ROOT)], cwd=elsewhere, env=env)
    found = json.loads(result.stdout)
    assert ROOT not in [Path(entry or elsewhere).resolve() for entry in found["sys_path"]]
    assert Path(found["module"]).resolve().is_relative_to(installed)
    schema_path = Path(found["schema_path"]).resolve()
    assert schema_path == installed / PACKAGED_SCHEMA
    assert found["schema"] == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
