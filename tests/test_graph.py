"""The component graph: its model, exact Mermaid and DOT text, and Graphviz accepting it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from adb_manager import ValidationOptions, graph_file, render_dot, render_mermaid
from adb_manager.graph import dot_string, mermaid_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    ROOT / "examples/artifactdb/artifactdb.yaml",
    ROOT / "examples/artifactdb/artifactdb-full.yaml",
    ROOT / "examples/invalid/original-cycle.yaml",
]
NO_IMPORT = ValidationOptions(import_classes=False)
SPEC = (
    "version: 1\n"
    "manager: {name: small}\n"
    "components:\n"
    "  - {name: store, class: x:S, features: [storage]}\n"
    "  - {name: index, class: x:I, required: false, depends_on: [store]}\n"
    "  - {name: perms, class: x:P, requires_features: [storage], after: [index]}\n"
    "  - {name: old, class: x:O, enabled: false, before: [store]}\n"
)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_mermaid_output(small: Path) -> None:
    """Nodes by status, hard edges solid, soft dashed, features as labels."""
    assert render_mermaid(graph_file(small, NO_IMPORT)) == (
        "flowchart TD\n"
        '  c0["store<br/><i>storage</i><br/>required"]:::required\n'
        '  c1["index<br/>optional"]:::optional\n'
        '  c2["perms<br/>required"]:::required\n'
        '  c3["old<br/>disabled"]:::disabled\n'
        "  c0 --> c1\n"
        '  c1 -.->|"after"| c2\n'
        '  c0 -->|"storage"| c2\n'
        "  classDef required fill:#dbeafe,stroke:#1e3a8a,stroke-width:2px\n"
        "  classDef optional fill:#fef9c3,stroke:#854d0e,stroke-dasharray:4 2\n"
        "  classDef disabled fill:#e5e7eb,stroke:#6b7280,color:#6b7280,stroke-dasharray:2 2\n"
    )


def test_dot_output(small: Path) -> None:
    """The same graph for Graphviz."""
    assert render_dot(graph_file(small, NO_IMPORT)) == (
        'digraph "small" {\n'
        "  rankdir=TB;\n"
        '  node [fontname="Helvetica"];\n'
        '  edge [fontname="Helvetica", fontsize=10];\n'
        '  "store" [label="store\\nstorage\\n(required)", shape=box, style="rounded,bold"];\n'
        '  "index" [label="index\\n(optional)", shape=box, style="rounded,dashed"];\n'
        '  "perms" [label="perms\\n(required)", shape=box, style="rounded,bold"];\n'
        '  "old" [label="old\\n(disabled)", shape=box, style="rounded,dotted",'
        " fontcolor=gray50, color=gray50];\n"
        '  "store" -> "index" [style=solid];\n'
        '  "index" -> "perms" [style=dashed, label="after"];\n'
        '  "store" -> "perms" [style=solid, label="storage"];\n'
        "}\n"
    )


def test_labels_are_escaped() -> None:
    """Quotes, markup and line breaks cannot end a label or a line."""
    assert mermaid_text('a"b<c>\n#') == "a#34;b#60;c#62;#10;#35;"
    assert dot_string('a"b\\c\nd') == '"a\\"b\\\\c\\\\x0ad"'


@pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not installed and `make test` could not install it (no apt-get"
    " or not root)",
)
@pytest.mark.parametrize("spec", EXAMPLES, ids=lambda p: p.name)
def test_dot_accepts_the_examples(spec: Path, tmp_path: Path) -> None:
    """dot -Tsvg renders every example's graph without a complaint."""
    source = tmp_path / "graph.dot"
    source.write_text(render_dot(graph_file(spec, NO_IMPORT)), encoding="utf-8")

    done = subprocess.run(
        ["dot", "-Tsvg", str(source)], capture_output=True, text=True, check=False, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.rstrip().endswith("</svg>")


def test_the_documented_graph_is_the_examples() -> None:
    """docs/formatting.md shows exactly what the command prints for the example."""
    document = (ROOT / "docs/formatting.md").read_text(encoding="utf-8")
    shown = document.split("```mermaid\n", 1)[1].split("```", 1)[0]

    assert shown == render_mermaid(graph_file(EXAMPLES[0]))
