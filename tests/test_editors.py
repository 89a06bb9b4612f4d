"""What editors and hooks read: configuration schemas, the installed schema, check-jsonschema on
both schemas, the starter spec of `adb-manager init`, and the pre-commit hooks."""

from __future__ import annotations

import http.server
import json
import re
import shlex
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from ruamel.yaml import YAML

from adb_manager import BackendComponent, ValidationOptions, validate_file, validate_text
from adb_manager.components import declaration_problems
from adb_manager.discovery import InstalledComponent
from adb_manager.schema import schema_path
from adb_manager.starter import starter_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "artifactdb"
# The complete specs: overlays (artifactdb.<env>.yaml) and children (extends:) are partial.
EXAMPLE_SPECS = [EXAMPLES / "artifactdb.yaml", EXAMPLES / "artifactdb-full.yaml"]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def findings(text: str) -> list[tuple[int, int, str, str]]:
    options = ValidationOptions(search_path=(str(EXAMPLES),))
    result = validate_text(textwrap.dedent(text), "spec.yaml", options)
    return [(d.line, d.column, d.code, d.message) for d in result.diagnostics]


def test_config_sections_are_checked_against_the_components_schemas() -> None:
    """Each finding is at the offending configuration value, in the words of the spec's own
    schema findings; sections of components not in the spec are not checked."""
    text = """\
    version: 1
    config:
      storage:
        rooot: ./data
      es:
        index: 7
        aliases: [a, a]
      plugins: {enabled: [echo, nope]}
    components:
      - name: storage_manager
        class: artifactdb_demo.storages:StorageComponent
      - name: revision_manager
        class: artifactdb_demo.revisions:RevisionComponent
      - name: es
        class: artifactdb_demo.indexing:IndexComponent
        depends_on: [revision_manager]
    """

    assert findings(text) == [
        (4, 5, "missing-key", "configuration section 'storage' is missing the required key 'root'"),
        (
            4,
            5,
            "unknown-key",
            "unknown key 'rooot' in configuration section 'storage'; did you mean 'root'?",
        ),
        (
            6,
            12,
            "wrong-type",
            "'index' of configuration section 'es' must be a string; found an integer 7",
        ),
        (7, 18, "duplicate-item", "'a' is listed twice in aliases; first at line 7, column 15"),
    ]


def test_config_sections_are_not_checked_without_imports() -> None:
    """With --no-import the classes, and so their schemas, are unknown."""
    text = "version: 1\nconfig: {storage: {root: 5}}\ncomponents:\n"
    text += "  - {name: storage_manager, class: artifactdb_demo.storages:StorageComponent}\n"
    options = ValidationOptions(import_classes=False)

    assert validate_text(text, "spec.yaml", options).diagnostics == ()


class _BadSchema(BackendComponent):
    CONFIG_KEY = "bad"
    CONFIG_SCHEMA: ClassVar[dict[str, Any]] = {"type": "nothing"}


class _SchemaWithoutKey(BackendComponent):
    CONFIG_SCHEMA: ClassVar[dict[str, Any]] = {"type": "object"}


def test_config_declarations_are_checked() -> None:
    """A CONFIG_SCHEMA must pass the draft 2020-12 metaschema and come with a CONFIG_KEY."""
    assert declaration_problems(_BadSchema) == [
        "CONFIG_SCHEMA is not a valid JSON Schema: 'nothing' is not valid under any of the"
        " given schemas"
    ]
    assert declaration_problems(_SchemaWithoutKey) == [
        "CONFIG_SCHEMA without a CONFIG_KEY naming the section it describes"
    ]


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_installed_schema_offers_names_and_wires_config_sections(
    installed_schema_file: Path, demo_env: dict[str, str]
) -> None:
    """The installed schema is valid, the same on every run, offers the 12 names and 12 class
    paths for `class`, and holds the 9 configuration sections the demo components read."""
    schema = _load(installed_schema_file)
    again = subprocess.run(
        [sys.executable, "-m", "adb_manager", "schema", "--installed"],
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    jsonschema.Draft202012Validator.check_schema(schema)
    assert again.stdout == installed_schema_file.read_text(encoding="utf-8")
    choices = schema["$defs"]["component"]["properties"]["class"]["anyOf"]
    assert len([c for c in choices if "const" in c]) == 24
    assert choices[-1] == {"$ref": "#/$defs/componentClass"}
    assert sorted(schema["properties"]["config"]["properties"]) == [
        "es",
        "inspectors",
        "lock",
        "plugins",
        "queues",
        "s3_inventory",
        "schemas",
        "sequences",
        "storage",
    ]
    snippets = schema["$defs"]["component"]["defaultSnippets"]
    assert snippets[1] == {
        "label": "artifactdb.index",
        "description": (
            "Indexes metadata documents by ID, each tagged with its revision, and searches them."
        ),
        "body": {"name": "es", "class": "artifactdb.index", "depends_on": ["revision_manager"]},
    }


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    command = [str(CHECK_JSONSCHEMA), "--schemafile", str(schema), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("which", ["base", "installed"])
def test_check_jsonschema_accepts_the_examples(which: str, installed_schema_file: Path) -> None:
    """check-jsonschema, as pre-commit runs it, validates the example specs with either schema."""
    schema = schema_path() if which == "base" else installed_schema_file

    result = check_jsonschema(schema, *EXAMPLE_SPECS)

    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done"), result


BAD_SPEC = """\
version: 1
config:
  storage: {root: 5}
components:
  - name: storage_manager
    class: artifactdb.storage
    requird: true
"""


@pytest.mark.parametrize("which", ["base", "installed"])
def test_check_jsonschema_rejects_known_bad_specs(
    which: str, installed_schema_file: Path, tmp_path: Path
) -> None:
    """A misspelt key fails both schemas; a configuration value of the wrong type fails the
    installed one, which knows the storage section."""
    schema = schema_path() if which == "base" else installed_schema_file
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC, encoding="utf-8")

    result = check_jsonschema(schema, spec)

    assert result.returncode == 1
    messages = re.findall(r"^  \S+: (.*)$", result.stdout, re.MULTILINE)
    expected = ["Additional properties are not allowed ('requird' was unexpected)"]
    if which == "installed":
        expected.insert(0, "5 is not of type 'string'")
    assert messages == expected, result.stdout


def test_init_writes_a_spec_that_validates(tmp_path: Path, demo_env: dict[str, str]) -> None:
    """The starter names its schema on the first line, declares the installed components in a
    valid order, validates, and is never overwritten without --force."""
    command = [sys.executable, "-m", "adb_manager", "init", "manager.yaml"]
    run = {"env": demo_env, "cwd": tmp_path, "capture_output": True, "text": True, "timeout": 60}

    first = subprocess.run(command, check=False, **run)
    spec = tmp_path / "manager.yaml"
    validated = subprocess.run(
        [sys.executable, "-m", "adb_manager", "validate", str(spec)], check=False, **run
    )
    again = subprocess.run(command, check=False, **run)
    forced = subprocess.run([*command, "--force"], check=False, **run)

    assert (first.returncode, first.stdout) == (
        0,
        "wrote manager.yaml and adb-manager.schema.json\n",
    )
    text = spec.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=adb-manager.schema.json"
    assert len(re.findall(r"^  - name: ", text, re.MULTILINE)) == 12
    assert validated.returncode == 0, validated.stdout
    assert (again.returncode, again.stderr) == (
        2,
        "adb-manager: manager.yaml and adb-manager.schema.json exist already; pass --force to"
        " overwrite\n",
    )
    assert forced.returncode == 0
    schema = _load(tmp_path / "adb-manager.schema.json")
    assert check_jsonschema(tmp_path / "adb-manager.schema.json", spec).returncode == 0
    assert "artifactdb.storage" in json.dumps(schema["$defs"]["component"]["properties"]["class"])


HOOKS = YAML(typ="safe", pure=True).load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_pre_commit_hooks_are_declared() -> None:
    """Two python hooks, for validate and fmt --check, on files named like specs."""
    assert [(h["id"], h["entry"], h["language"]) for h in HOOKS] == [
        ("adb-manager-validate", "adb-manager validate", "python"),
        ("adb-manager-fmt-check", "adb-manager fmt --check", "python"),
    ]
    pattern = re.compile(HOOKS[0]["files"])
    assert [bool(pattern.search(p)) for p in ("manager.yaml", "deploy/backend-spec.yml")] == [
        True,
        True,
    ]
    assert not pattern.search(".github/workflows/ci.yaml")


@pytest.mark.parametrize("hook", [h["id"] for h in HOOKS])
def test_pre_commit_hook_entries_pass_on_the_examples(hook: str) -> None:
    """Each entry, run as pre-commit runs it (the entry, then the file names), passes."""
    entry = next(h["entry"] for h in HOOKS if h["id"] == hook)
    command = [str(Path(sys.executable).parent / shlex.split(entry)[0]), *shlex.split(entry)[1:]]

    result = subprocess.run(
        [*command, *map(str, EXAMPLE_SPECS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_config_schema_reference_is_never_fetched(tmp_path: Path) -> None:
    """A component schema whose $ref points at a server: validation reports it and asks nothing
    of the server, which counts the requests it gets."""
    requests: list[str] = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's protocol
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "string"}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/section.json"
        (tmp_path / "remote_ref.py").write_text(
            "from adb_manager import BackendComponent\n"
            "class Remote(BackendComponent):\n"
            "    CONFIG_KEY = 'remote'\n"
            f"    CONFIG_SCHEMA = {{'$ref': {url!r}}}\n",
            encoding="utf-8",
        )
        spec = tmp_path / "spec.yaml"
        spec.write_text(
            "version: 1\n"
            "config:\n"
            "  remote: {a: 1}\n"
            "components:\n"
            "  - {name: remote, class: remote_ref:Remote}\n",
            encoding="utf-8",
        )
        result = validate_file(spec, ValidationOptions())
    finally:
        server.shutdown()

    assert requests == []
    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [
        (3, 11, "config-schema-unresolvable")
    ]


def installed(name: str, **declared: Any) -> InstalledComponent:
    fields: dict[str, Any] = {
        "name": name,
        "class_path": f"shared.parts:{name.split('.')[-1].capitalize()}",
        "distribution": "shared",
        "summary": "",
        "component_name": None,
        "features": (),
        "depends_on": (),
        "requires_features": (),
        "required": True,
        "config_key": None,
        "config_schema": None,
    }
    return InstalledComponent(**{**fields, **declared})


def test_the_starter_writes_a_shared_section_once_and_escapes_what_classes_declare() -> None:
    """Two components reading section db get one section with what both need; text from the
    classes cannot add lines to the spec."""
    section = {
        "type": "object",
        "description": "Database.\n  injected: yes",
        "required": ["url"],
        "properties": {"url": {"type": "string", "examples": ["postgres://db"]}},
    }
    components = [
        installed("shared.reader", config_key="db", config_schema=section, summary="Reads\x1b."),
        installed("shared.writer", config_key="db", config_schema=section),
    ]

    text = starter_spec(components, schema="adb-manager.schema.json", spec_name="manager.yaml")
    result = validate_text(text, "manager.yaml", ValidationOptions(import_classes=False))

    # Well formed; the two names are only not installed here.
    assert [d.code for d in result.diagnostics if d.is_error] == ["class-not-found"] * 2
    assert result.loaded is not None
    assert result.loaded.data["config"] == {"db": {"url": "postgres://db"}}
    assert "injected" not in result.loaded.data["config"]["db"]
    assert "  # Database.   injected: yes Read by shared.reader.\n" in text
    assert "  # Reads .\n" in text
