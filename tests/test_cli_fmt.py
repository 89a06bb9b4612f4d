"""adb-manager fmt and adb-manager graph: outputs, exit codes, and what is written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adb_manager.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/artifactdb/artifactdb.yaml"
MISORDERED = (
    "version: 1\n"
    "components:\n"
    "  # needs a\n"
    "  - name: b\n"
    "    class: x:B\n"
    "    depends_on: [a]\n"
    "\n"
    "  - name: a  # first\n"
    "    class: x:A\n"
)
ORDERED = (
    "version: 1\n"
    "components:\n"
    "  - name: a  # first\n"
    "    class: x:A\n"
    "\n"
    "  # needs a\n"
    "  - name: b\n"
    "    class: x:B\n"
    "    depends_on: [a]\n"
)
CYCLE = (
    "version: 1\ncomponents:\n"
    "  - {name: a, class: x:A, depends_on: [b]}\n"
    "  - {name: b, class: x:B, depends_on: [a]}\n"
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_check_passes_on_the_example() -> None:
    """The example is in order: nothing printed, exit 0."""
    assert invoke("fmt", "--check", str(EXAMPLE)) == (0, "", "")


def test_check_fails_on_a_misordered_file_and_changes_nothing(tmp_path: Path) -> None:
    """--check names what would move and exits 1."""
    path = write(tmp_path, "spec.yaml", MISORDERED)

    code, out, _ = invoke("fmt", "--check", "--no-import", str(path))

    assert code == 1
    assert out == f"{path}:8: would move 'a' from place 2 to place 1\n"
    assert path.read_text(encoding="utf-8") == MISORDERED


def test_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    """--diff shows moved lines only and writes nothing."""
    path = write(tmp_path, "spec.yaml", MISORDERED)

    code, out, _ = invoke("fmt", "--diff", "--no-import", str(path))

    assert code == 0
    assert out == (
        f"--- {path}\n+++ {path}\n@@ -1,9 +1,9 @@\n version: 1\n components:\n"
        "+  - name: a  # first\n+    class: x:A\n+\n"
        "   # needs a\n   - name: b\n     class: x:B\n     depends_on: [a]\n"
        "-\n-  - name: a  # first\n-    class: x:A\n"
    )
    assert path.read_text(encoding="utf-8") == MISORDERED


def test_fmt_rewrites_in_place_keeping_the_mode(tmp_path: Path) -> None:
    """The file is replaced by its reordered text, with its permission bits; a second run
    changes nothing."""
    path = write(tmp_path, "spec.yaml", MISORDERED)
    path.chmod(0o640)

    code, out, err = invoke("fmt", "--no-import", str(path))

    assert (code, out) == (0, "")
    assert err == f"adb-manager: reordered {path}: moved a\n"
    assert path.read_text(encoding="utf-8") == ORDERED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert invoke("validate", "--no-import", str(path))[0] == 0
    assert invoke("fmt", "--check", "--no-import", str(path)) == (0, "", "")
    assert sorted(os.listdir(tmp_path)) == ["spec.yaml"]


def test_fmt_rewrites_the_target_of_a_link(tmp_path: Path) -> None:
    """A symbolic link stays a link; the file it points to is rewritten."""
    target = write(tmp_path, "real.yaml", MISORDERED)
    link = tmp_path / "link.yaml"
    link.symlink_to(target)

    assert invoke("fmt", "--no-import", str(link))[0] == 0

    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == ORDERED


def test_errors_it_cannot_fix_leave_the_file_byte_identical(tmp_path: Path) -> None:
    """A cycle: reported, exit 1, the file untouched; other files are still reordered."""
    broken = write(tmp_path, "broken.yaml", CYCLE)
    fixable = write(tmp_path, "fixable.yaml", MISORDERED)

    code, out, err = invoke("fmt", "--no-import", str(broken), str(fixable))

    assert code == 1
    assert out == (
        f"{broken}:3:40: error[cycle] ordering cycle a -> b -> a: a depends_on b at line 3,"
        " b depends_on a at line 4; every edge is a hard dependency: one of them must go\n"
    )
    assert f"adb-manager: {broken} has errors that reordering cannot fix; left unchanged\n" in err
    assert broken.read_bytes() == CYCLE.encode("utf-8")
    assert fixable.read_text(encoding="utf-8") == ORDERED


def test_unreadable_file_exits_two(tmp_path: Path) -> None:
    """A missing file is a usage error."""
    code, _, err = invoke("fmt", str(tmp_path / "missing.yaml"))

    assert code == 2
    assert "missing.yaml" in err


def test_a_layout_it_cannot_rewrite_exits_two(tmp_path: Path) -> None:
    """A dash alone on its line: reported at its place, exit 2, nothing written."""
    text = "version: 1\ncomponents:\n  -\n    name: b\n    class: x:B\n    after: [a]\n"
    text += "  - name: a\n    class: x:A\n"
    path = write(tmp_path, "odd.yaml", text)

    code, out, _ = invoke("fmt", "--no-import", str(path))

    assert code == 2
    assert out == (
        f"{path}:4:5: error[fmt-layout] cannot reorder this layout: a component does not start"
        " on the line of its dash\n"
    )
    assert path.read_text(encoding="utf-8") == text


def test_graph_prints_mermaid_by_default() -> None:
    """The example's graph starts with the flowchart header and its first node."""
    code, out, err = invoke("graph", str(EXAMPLE))

    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "flowchart TD",
        '  c0["storage_manager<br/><i>storage</i><br/>required"]:::required',
    ]


def test_graph_draws_a_cycle_but_not_other_errors(tmp_path: Path) -> None:
    """Ordering errors are drawn, and reported (exit 1); a schema error stops it (exit 1)."""
    cycle = write(tmp_path, "cycle.yaml", CYCLE)
    broken = write(tmp_path, "broken.yaml", "version: 1\ncomponents: [{name: a}]\n")

    code, out, err = invoke("graph", "--format", "dot", "--no-import", str(cycle))
    assert code == 1
    assert '  "b" -> "a" [style=solid];\n  "a" -> "b" [style=solid];\n' in out
    assert err.startswith(f"{cycle}:3:40: error[cycle] ordering cycle a -> b -> a")

    code, out, err = invoke("graph", "--no-import", str(broken))
    assert (code, out) == (1, "")
    assert err.endswith(f"adb-manager: {broken} has errors; fix them first\n")


@pytest.mark.parametrize(
    "text",
    [
        MISORDERED.replace("\n", "\r\n"),
        MISORDERED.rstrip("\n"),
        MISORDERED.replace("class: x:A", "class: x:A\n    description: 'one\u2028line\u0085'"),
        MISORDERED.replace("    class: x:A", "    class: x:A\n    description: 'tab\there'"),
    ],
    ids=["crlf", "no-final-newline", "unicode-breaks-in-a-string", "tab"],
)
def test_the_diff_is_a_patch_that_applies(tmp_path: Path, text: str) -> None:
    """`patch` turns the file into what fmt would write, whatever its line ends."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(text.encode("utf-8"))
    command = [sys.executable, "-m", "adb_manager", "fmt", "--no-import", str(path)]
    # A real process: the test runner's captured output would turn CR LF into LF.
    diff = subprocess.run([*command, "--diff"], capture_output=True, check=True).stdout
    patched = tmp_path / "patched.yaml"
    patched.write_bytes(text.encode("utf-8"))

    run = subprocess.run(
        ["patch", "--quiet", "--binary", str(patched)],
        input=diff,
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert invoke("fmt", "--no-import", str(path))[0] == 0
    assert patched.read_bytes() == path.read_bytes()
    assert patched.read_bytes() != text.encode("utf-8")


def test_a_spec_that_extends_another_is_left_alone(tmp_path: Path) -> None:
    """Its components are placed when it is composed with its base: fmt neither fails nor
    rewrites it, and says why."""
    write(tmp_path, "base.yaml", ORDERED)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\n" + MISORDERED)

    code, out, err = invoke("fmt", "--check", "--no-import", str(child))

    assert (code, out) == (0, "")
    assert err == (
        f"adb-manager: {child} is not reordered: it extends another spec: its components are"
        " placed when the two are composed, so it is left as it is\n"
    )
    assert child.read_text(encoding="utf-8") == "extends: base.yaml\n" + MISORDERED
