"""The adb-manager command: output formats and exit codes, in process and as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from artifactdb_facts import ALL_COMPONENTS
from click.testing import CliRunner

from adb_manager import ValidationOptions
from adb_manager.cli import main, run_plan, run_validate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/artifactdb/artifactdb.yaml"
FOUR_MISTAKES = ROOT / "examples/invalid/four-mistakes.yaml"
SPECS = Path(__file__).resolve().parent / "specs"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_validate_clean_example_exits_zero() -> None:
    """The example validates with imports and prints only the summary."""
    code, out, err = invoke("validate", str(EXAMPLE))

    assert code == 0
    assert out == ""
    assert err == "0 errors, 0 warnings, 0 infos in 1 file\n"


def test_validate_text_lines_are_compiler_style() -> None:
    """Each finding is one PATH:LINE:COL: SEVERITY[CODE] MESSAGE line; exit 1 on errors."""
    code, out, _ = invoke("validate", "--no-import", str(FOUR_MISTAKES))

    assert code == 1
    heads = [line.split(" ", 2)[:2] for line in out.splitlines()]
    assert heads == [
        [f"{FOUR_MISTAKES}:9:18:", "error[order-violation]"],
        [f"{FOUR_MISTAKES}:14:18:", "error[cycle]"],
        [f"{FOUR_MISTAKES}:20:5:", "error[unknown-key]"],
        [f"{FOUR_MISTAKES}:21:18:", "error[unknown-dependency]"],
    ]


def test_validate_json_format() -> None:
    """--format json gives every diagnostic with its pointer, and a summary."""
    code, out, _ = invoke("validate", "--no-import", "--format", "json", str(FOUR_MISTAKES))
    document = json.loads(out)

    assert code == 1
    assert document["summary"] == {
        "files": 1,
        "unreadable": 0,
        "errors": 4,
        "warnings": 0,
        "infos": 0,
    }
    assert [d["pointer"] for d in document["diagnostics"]] == [
        "/components/0/depends_on/0",
        "/components/2/depends_on/0",
        "/components/4/require",
        "/components/4/depends_on/0",
    ]


def test_strict_makes_warnings_fail(tmp_path: Path) -> None:
    """A warning passes by default and fails with --strict."""
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - name: a\n    class: x.y:A\n    after: [ghost]\n",
    )

    assert invoke("validate", "--no-import", path)[0] == 0
    assert invoke("validate", "--no-import", "--strict", path)[0] == 1


def test_several_files_are_all_reported(tmp_path: Path) -> None:
    """Every file is checked; the summary counts them all."""
    bad = write(tmp_path, "bad.yaml", "version: 1\ncomponents: 3\n")
    code, out, err = invoke("validate", "--no-import", str(EXAMPLE), bad)

    assert code == 1
    assert out == (
        f"{bad}:2:13: error[wrong-type] 'components' must be a list; found an integer 3\n"
    )
    assert err == "1 error, 0 warnings, 0 infos in 2 files\n"


def test_unreadable_file_exits_two(tmp_path: Path) -> None:
    """A file that cannot be read is exit 2, after the readable ones are checked."""
    missing = str(tmp_path / "missing.yaml")
    code, _, err = invoke("validate", str(EXAMPLE), missing)

    assert code == 2
    assert f"{missing}: cannot read the file" in err
    assert err.endswith("0 errors, 0 warnings, 0 infos in 2 files; 1 file could not be read\n")


def test_wrong_arguments_exit_two() -> None:
    """Usage errors are exit 2, as with every click command."""
    assert invoke("validate")[0] == 2
    assert invoke("validate", "--format", "xml", str(EXAMPLE))[0] == 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"---\na: 1\n---\nb: 2\n",
        b"version: 1\ncomponents:\n\t- name: a\n",
        b"\xff\xfe\x00garbage",
        b"- just\n- a list\n",
        b"version: !!python/object/apply:os.system ['true']\ncomponents: []\n",
        b"a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    ],
    ids=["empty", "two-documents", "tabs", "binary", "list", "python-tag", "alias-bomb"],
)
def test_bad_input_is_a_diagnostic_not_a_traceback(tmp_path: Path, content: bytes) -> None:
    """Bad input of any kind gives positioned diagnostics and exit 1."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    code, out, err = invoke("validate", str(path))

    assert code == 1
    assert out.startswith(f"{path}:")
    assert "Traceback" not in out + err


def test_plan_text_lists_order_and_consequences(tmp_path: Path) -> None:
    """plan shows the build order and what an optional failure takes with it."""
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\n"
        "manager: {name: tiny}\n"
        "components:\n"
        "  - {name: storage, class: demo_components:Storage}\n"
        "  - {name: optional, class: demo_components:Optional}\n"
        "  - {name: extra, class: demo_components:Unnamed, required: false,"
        " depends_on: [optional]}\n"
        "  - {name: sequences, class: demo_components:Sequences, depends_on: [storage],"
        " enabled: false}\n",
    )
    out, err = io.StringIO(), io.StringIO()
    code = run_plan(
        path,
        ValidationOptions(search_path=(str(SPECS),)),
        output_format="text",
        out=out,
        err=err,
    )

    assert code == 0
    assert out.getvalue() == (
        "build plan for tiny:\n"
        "   1. storage [required] demo_components:Storage: storage\n"
        "   2. optional [optional] demo_components:Optional: extras\n"
        "      if it fails: skipped together with extra\n"
        "   3. extra [optional] demo_components:Unnamed: no features\n"
        "      needs: optional\n"
        "      if it fails: skipped alone\n"
        "   -  sequences (disabled, not built)\n"
    )


def test_plan_refuses_an_invalid_spec() -> None:
    """plan prints the diagnostics and exits 1 when the spec has errors."""
    out, err = io.StringIO(), io.StringIO()
    code = run_plan(
        str(FOUR_MISTAKES),
        ValidationOptions(import_classes=False),
        output_format="text",
        out=out,
        err=err,
    )

    assert code == 1
    assert out.getvalue() == ""
    assert err.getvalue().count("error[") == 4


def test_run_validate_is_usable_without_click() -> None:
    """The command functions take their streams and return the exit code."""
    out, err = io.StringIO(), io.StringIO()
    code = run_validate([str(EXAMPLE)], ValidationOptions(), out=out, err=err)

    assert code == 0
    assert err.getvalue() == "0 errors, 0 warnings, 0 infos in 1 file\n"


def test_build_prints_describe_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """build prints the instance's status and features as JSON; s3_inventory is skipped."""
    monkeypatch.chdir(tmp_path)  # the example writes its data relative to the current directory
    code, out, err = invoke("build", str(EXAMPLE))
    document = json.loads(out)

    assert code == 0
    assert document["name"] == "artifactdb-demo"
    assert "provisioning" in document["features"]
    assert document["providers"]["provisioning"] == ["sequence_manager"]
    states = {c["name"]: c["state"] for c in document["components"]}
    assert states["s3_inventory"] == "skipped"
    assert [n for n, s in states.items() if s == "built"] == ALL_COMPONENTS[:-1]
    assert "optional component s3_inventory skipped" in err


def test_build_of_a_failing_required_component_exits_one(tmp_path: Path) -> None:
    """A required component that fails aborts the build with its status report."""
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\n"
        "components:\n"
        "  - {name: storage, class: demo_components:Storage}\n"
        "  - {name: broken, class: demo_components:Broken, required: true}\n",
    )
    code, out, err = invoke("build", "--path", str(SPECS), "--format", "text", path)

    assert code == 1
    assert "required component 'broken' was not built" in err
    assert out == (
        "backend:\n"
        "  built    storage\n"
        "  failed   broken: Broken() raised RuntimeError: broken on purpose\n"
        "features: none\n"
    )


def test_schema_command_prints_the_schema() -> None:
    """schema prints the JSON Schema, byte for byte the file the repository holds."""
    code, out, _ = invoke("schema")

    assert code == 0
    assert json.loads(out)["title"] == "adb_manager manager spec"
    assert out == (ROOT / "schema/manager-spec.schema.json").read_text(encoding="utf-8")


def test_python_dash_m_runs_the_same_command() -> None:
    """python -m adb_manager works as a real process, with the documented exit codes."""
    ok = subprocess.run(
        [sys.executable, "-m", "adb_manager", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    bad = subprocess.run(
        [sys.executable, "-m", "adb_manager", "validate", "--no-import", str(FOUR_MISTAKES)],
        capture_output=True,
        text=True,
        check=False,
    )
    version = subprocess.run(
        [sys.executable, "-m", "adb_manager", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (ok.returncode, bad.returncode, version.returncode) == (0, 1, 0)
    assert version.stdout.startswith("adb-manager, version ")
    assert bad.stdout.count("error[") == 4


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """Output piped into a reader that stops early ends without an error message."""
    reader = subprocess.Popen(
        [sys.executable, "-m", "adb_manager", "plan", "--format", "json", str(EXAMPLE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()
    stderr = reader.stderr.read().decode()
    reader.wait(timeout=60)

    assert "internal error" not in stderr
    assert "Traceback" not in stderr


def test_control_characters_in_messages_cannot_forge_lines(tmp_path: Path) -> None:
    """A message quoting an exception with a newline and escapes stays on one line."""
    module = tmp_path / "forger_for_adb_tests.py"
    module.write_text(
        'raise ValueError("line1\\nfake.yaml:1:1: error[x] injected \\x1b[2J")\n', encoding="utf-8"
    )
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - {name: a, class: forger_for_adb_tests:A}\n",
    )
    code, out, _ = invoke("validate", path)

    assert code == 1
    assert len(out.splitlines()) == 1
    assert "\\nfake.yaml:1:1" in out
    assert "\x1b" not in out


def test_look_alike_letters_are_shown_escaped(tmp_path: Path) -> None:
    """A key with a Cyrillic letter shows its escape, so it is visibly not the expected key."""
    path = write(tmp_path, "spec.yaml", "version: 1\nc\u043emponents: []\n")
    _, out, _ = invoke("validate", "--no-import", path)

    assert "unknown key 'c\\u043emponents' in the spec; did you mean 'components'?" in out


def test_an_exception_whose_message_cannot_be_read_is_still_reported(tmp_path: Path) -> None:
    """A component raising an exception whose str() raises gives a one-line report."""
    module = tmp_path / "badstr_for_adb_tests.py"
    module.write_text(
        "from adb_manager import BackendComponent\n"
        "class BadStr(Exception):\n"
        "    def __str__(self):\n"
        "        raise BadStr()\n"
        "class Broken(BackendComponent):\n"
        "    NAME = 'broken'\n"
        "    def __init__(self, manager, config):\n"
        "        raise BadStr()\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - {name: broken, class: badstr_for_adb_tests:Broken}\n",
    )
    code, out, err = invoke("build", "--format", "text", path)

    assert code == 1
    assert "Traceback" not in out + err
    assert "Broken() raised BadStr: <message unavailable: str() raised>" in out


def test_limits_are_set_from_the_command_line() -> None:
    """Each limit has an option; a spec over one gets its diagnostic and exit 1."""
    code, out, _ = invoke("validate", "--no-import", "--max-components", "2", str(EXAMPLE))
    assert code == 1
    assert out.splitlines() == [
        f"{EXAMPLE}:44:3: error[too-many-components] the spec declares 12 components;"
        " the limit is 2"
    ]
    code, out, _ = invoke("validate", "--max-bytes", "100", str(EXAMPLE))
    assert code == 1
    assert "error[file-too-large]" in out
    code, out, _ = invoke("plan", "--max-depth", "2", str(EXAMPLE))
    assert code == 1
    assert invoke("validate", "--max-nodes", "0", str(EXAMPLE))[0] == 2


def test_allow_module_lets_a_spec_name_an_installed_module(tmp_path: Path) -> None:
    """--allow-module opens the import policy to a prefix; '*' to anything."""
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - {name: decoder, class: 'json.decoder:JSONDecoder'}\n",
    )
    refused = invoke("validate", path)
    allowed = invoke("validate", "--allow-module", "json", path)
    anything = invoke("validate", "--allow-module", "*", path)

    assert refused[0] == allowed[0] == anything[0] == 1
    assert "error[import-not-allowed]" in refused[1]
    assert "error[not-a-component]" in allowed[1]
    assert "error[not-a-component]" in anything[1]


def test_build_timeout_fails_a_component_that_hangs(tmp_path: Path) -> None:
    """build --timeout skips an optional component whose constructor never returns."""
    (tmp_path / "hangs_for_adb_tests.py").write_text(
        "import time\n"
        "from adb_manager import BackendComponent\n"
        "class Hangs(BackendComponent):\n"
        "    NAME = 'hangs'\n"
        "    REQUIRED = False\n"
        "    def __init__(self, manager, config):\n"
        "        time.sleep(60)\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - {name: hangs, class: hangs_for_adb_tests:Hangs}\n",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adb_manager",
            "build",
            "--timeout",
            "0.5",
            "--format",
            "text",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0
    assert "skipped  hangs: Hangs() raised TimeoutError: __init__ did not return within 0.5 s" in (
        done.stdout
    )


def test_a_timeout_must_be_a_finite_number_of_seconds() -> None:
    """nan, inf and values past a day are usage errors, not component failures."""
    for value in ("nan", "inf", "1e309", "0", "100000"):
        assert invoke("build", "--timeout", value, str(EXAMPLE))[0] == 2, value


def test_component_log_lines_cannot_forge_lines(tmp_path: Path) -> None:
    """A component logging a newline still produces one log line."""
    (tmp_path / "logs_for_adb_tests.py").write_text(
        "import logging\n"
        "from adb_manager import BackendComponent\n"
        "class Logs(BackendComponent):\n"
        "    NAME = 'logs'\n"
        "    def component_init(self):\n"
        "        logging.getLogger('logs_for_adb_tests').warning('one\\nfake.yaml:1:1: error')\n",
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        "spec.yaml",
        "version: 1\ncomponents:\n  - {name: logs, class: logs_for_adb_tests:Logs}\n",
    )
    done = subprocess.run(
        [sys.executable, "-m", "adb_manager", "build", path],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0
    assert "WARNING logs_for_adb_tests: one\\nfake.yaml:1:1: error" in done.stderr
    assert "\nfake.yaml" not in done.stderr


def loaded_modules(code: str) -> set[str]:
    """The modules of the project and of its heavier dependencies loaded by running ``code``."""
    shown = "import sys; print(' '.join(sys.modules))"
    run = subprocess.run(
        [sys.executable, "-c", f"{code}\n{shown}"], capture_output=True, text=True, check=True
    )
    heavy = ("adb_manager", "ruamel", "jsonschema", "cattrs", "fastapi", "importlib.metadata")
    return {name for name in run.stdout.split() if name.startswith(heavy)}


def test_the_command_line_loads_no_reader_validator_or_builder_before_a_command_runs() -> None:
    """`adb-manager --version` loads the command line only: each command imports what it runs."""
    assert loaded_modules("import adb_manager.cli") == {
        "adb_manager",
        "adb_manager.cli",
        "adb_manager.diagnostics",
        "adb_manager.errors",
        "adb_manager.limits",
        "adb_manager.reporters",
        "adb_manager.secrets",
    }


def test_validate_without_imports_loads_no_builder_and_no_server() -> None:
    """`validate --no-import` reads and checks the spec; it builds nothing and serves nothing."""
    loaded = loaded_modules(
        "from adb_manager.cli import main\n"
        f"try: main(['validate', '--no-import', {str(EXAMPLE)!r}])\n"
        "except SystemExit: pass"
    )

    assert {"adb_manager.validation", "adb_manager.schema", "adb_manager.loading"} <= loaded
    assert not loaded & {"adb_manager.builder", "adb_manager.rest", "adb_manager.reorder"}
    assert not {name for name in loaded if name.startswith("fastapi")}


def test_graph_formats_are_the_renderers() -> None:
    """The --format choices of graph, declared without importing the renderers, are theirs."""
    from adb_manager.cli import GRAPH_FORMATS
    from adb_manager.graph import RENDERERS

    assert sorted(GRAPH_FORMATS) == sorted(RENDERERS)


def test_every_public_name_is_reached_from_the_package() -> None:
    """The package imports its modules when a name is first used; each name of __all__ is
    there, and is the object of the module that defines it."""
    import adb_manager

    for name in adb_manager.__all__:
        value = getattr(adb_manager, name)
        if name != "__version__":
            module = sys.modules[adb_manager._MODULES[name]]
            assert getattr(module, name) is value, name
    assert set(adb_manager._MODULES) == set(adb_manager.__all__) - {"__version__"}


def test_the_package_s_modules_are_reached_as_its_attributes() -> None:
    """`import adb_manager` no longer imports every module, yet `adb_manager.loading` is there."""
    loaded = loaded_modules("import adb_manager\nassert adb_manager.loading.Limits().max_depth")

    assert "adb_manager.loading" in loaded
    assert "adb_manager.builder" not in loaded
