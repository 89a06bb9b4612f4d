"""yaml-language-server, as editors run it, on a spec whose modeline names the installed schema.

The server is the one pinned in .lsp/package.json, installed by `make test` with `npm ci` when
Node.js is there; it runs with the machine's Node.js over stdio. It is told not to fetch the
schema store: the only schema it reads is the local file the modeline names.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_client import LspClient

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / ".lsp" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="Node.js is not installed: no node on PATH"),
    pytest.mark.skipif(
        not SERVER.is_file(),
        reason="yaml-language-server is not installed: run `make lsp` (npm ci in .lsp/)",
    ),
]

SPEC = """\
# yaml-language-server: $schema=adb-manager.schema.json
version: 1
config:
  storage:
    root: 5
components:
  - name: storage_manager
    class: artifactdb.storage
    requird: true
  - name: es
    class: artifactdb.index
    depends_on: [storage_manager]
"""
# Where the cursor stands to add a key to the second component (line 12, character 4).
SPEC += "    \n"

CAPABILITIES = {
    "textDocument": {
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "completion": {
            "completionItem": {
                "snippetSupport": True,
                "documentationFormat": ["markdown", "plaintext"],
            }
        },
        "publishDiagnostics": {},
    }
}
SETTINGS = {
    "yaml": {
        "schemaStore": {"enable": False},
        "validate": True,
        "hover": True,
        "completion": True,
    }
}


@pytest.fixture
def opened(tmp_path: Path, installed_schema_file: Path) -> Iterator[tuple[LspClient, str]]:
    """The server, with SPEC open beside a copy of the installed schema."""
    shutil.copy(installed_schema_file, tmp_path / "adb-manager.schema.json")
    spec = tmp_path / "manager.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert NODE is not None
    client = LspClient([NODE, str(SERVER), "--stdio"], timeout=30)
    try:
        client.request(
            "initialize",
            {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": CAPABILITIES},
        )
        client.notify("initialized", {})
        client.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
        document = {"uri": spec.as_uri(), "languageId": "yaml", "version": 1, "text": SPEC}
        client.notify("textDocument/didOpen", {"textDocument": document})
        yield client, spec.as_uri()
    finally:
        client.close()


def _at(uri: str, line: int, character: int) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def _items(result: Any) -> list[dict[str, Any]]:
    return list(result["items"] if isinstance(result, dict) else result)


def test_diagnostics_for_a_misspelt_key_and_a_wrong_type(opened: tuple[LspClient, str]) -> None:
    """The server reports the misspelt `requird` and the number given as storage root, each
    at its line and columns (0-based), with the schema's words."""
    client, uri = opened

    published = client.wait_notification(
        "textDocument/publishDiagnostics", lambda p: p["uri"] == uri and bool(p["diagnostics"])
    )

    found = [
        (d["range"]["start"]["line"], d["range"]["start"]["character"], d["message"])
        for d in published["diagnostics"]
    ]
    assert found == [
        (4, 10, 'Incorrect type. Expected "string".'),
        (8, 4, "Property requird is not allowed."),
    ]


def test_completion_offers_component_keys(opened: tuple[LspClient, str]) -> None:
    """On the empty line of a component, the keys it does not have yet are offered."""
    client, uri = opened

    items = _items(client.request("textDocument/completion", _at(uri, 12, 4)))

    labels = {item["label"] for item in items}
    assert {"required", "enabled", "after", "before", "features", "description"} <= labels
    assert "depends_on" not in labels  # already there


def test_completion_offers_the_installed_class_names(opened: tuple[LspClient, str]) -> None:
    """The value of `class` completes to every registered name and class path, each
    documented with what its class declares."""
    client, uri = opened

    items = _items(client.request("textDocument/completion", _at(uri, 7, 11)))

    by_label = {item["label"]: item for item in items}
    assert "artifactdb.storage" in by_label
    assert "artifactdb_demo.storages:StorageComponent" in by_label
    assert len([label for label in by_label if label.startswith("artifactdb.")]) == 12
    documentation = by_label["artifactdb.storage"]["documentation"]
    assert documentation["kind"] == "markdown"
    assert documentation["value"].splitlines()[:3] == [
        "`artifactdb_demo.storages:StorageComponent`, registered as `artifactdb.storage`",
        "",
        "Stores artifacts as files under ``storage.root``, keyed by slash-separated paths.",
    ]
    assert "- configuration: `config.storage`" in documentation["value"]


def test_hover_shows_the_description(opened: tuple[LspClient, str]) -> None:
    """Hovering a component's `name` shows the schema's title and Markdown description;
    hovering a configuration setting shows what its component's schema says."""
    client, uri = opened

    name = client.request("textDocument/hover", _at(uri, 6, 6))
    root = client.request("textDocument/hover", _at(uri, 4, 5))

    assert name["contents"]["kind"] == "markdown"
    assert name["contents"]["value"].splitlines()[:3] == [
        "#### Component name",
        "",
        "Unique name of the component, in `snake_case`; it becomes the manager attribute of"
        " that name and must match the class's `NAME` when the class sets one.",
    ]
    assert "Folder that holds the artifacts; created at build time" in root["contents"]["value"]
