"""Shared test configuration: the Hypothesis settings profiles, and the demo components
installed as a package.

``HYPOTHESIS_PROFILE=ci`` (the default) keeps the property tests quick;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples, for a run before a release or after
touching ordering or building.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=150, deadline=None, print_blob=True)
settings.register_profile("thorough", max_examples=3000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The demo components installed as a package, for the tests of discovery and editors.

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where pip installed examples/artifactdb as the artifactdb-demo distribution,
    whose entry points register its twelve components; put it on PYTHONPATH to use them."""
    site = tmp_path_factory.mktemp("demo-site")
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    command += ["--no-deps", "--no-build-isolation", "--target", str(site)]
    subprocess.run(
        [*command, str(ROOT / "examples" / "artifactdb")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return site


@pytest.fixture(scope="session")
def demo_env(demo_site: Path) -> dict[str, str]:
    """The environment of a process that sees the installed demo components."""
    return {**os.environ, "PYTHONPATH": str(demo_site)}


@pytest.fixture(scope="session")
def installed_schema_file(
    demo_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The schema `adb-manager schema --installed` writes where the demo is installed."""
    target = tmp_path_factory.mktemp("installed-schema") / "adb-manager.schema.json"
    command = [sys.executable, "-m", "adb_manager", "schema", "--installed", "-o", str(target)]
    subprocess.run(command, check=True, env=demo_env, capture_output=True, timeout=60)
    return target
