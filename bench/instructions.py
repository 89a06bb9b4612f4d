"""How the in-process steps grow with the spec, in instructions counted by callgrind.

Instruction counts do not change with the load of the machine, as times do: they give the slope
of each step between two sizes exactly. Each step runs once and then twice in a process of its
own under ``valgrind --tool=callgrind``; the difference is what one run costs, start-up and the
reading of the spec left out. The spec is read from JSON without positions, which the steps do
not use on a valid spec.

    .venv/bin/python bench/instructions.py [--sizes 1000,10000] [--steps semantic,ordering]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import specgen

from adb_manager.loading import LoadedSpec, load_text
from adb_manager.model import structure_spec
from adb_manager.plan import make_plan
from adb_manager.schema import schema_diagnostics
from adb_manager.validation import ValidationOptions, _SemanticChecker

NO_IMPORT = ValidationOptions(import_classes=False)


def _semantic(spec: LoadedSpec) -> object:
    checker = _SemanticChecker(spec, NO_IMPORT)
    return [
        *checker.check_names(),
        *checker.check_references(),
        *checker.check_required_dependencies(),
        *checker.check_required_features(),
        *checker.check_ordering(),
        *checker.check_features(),
    ]


def _ordering(spec: LoadedSpec) -> object:
    return list(_SemanticChecker(spec, NO_IMPORT).check_ordering())


STEPS: dict[str, Callable[[LoadedSpec], object]] = {
    "semantic": _semantic,
    "ordering": _ordering,
    "schema": lambda spec: list(schema_diagnostics(spec)),
    "plan": lambda spec: make_plan(structure_spec(spec.data)),
}


def run_step(step: str, data_file: str, times: int) -> None:
    """Run one step ``times`` times on the spec data in ``data_file`` (the child's work)."""
    data = json.loads(Path(data_file).read_text(encoding="utf-8"))
    spec = LoadedSpec(data_file, data)
    for _ in range(times):
        STEPS[step](spec)


def counted(step: str, data_file: Path, times: int) -> int:
    """The instructions of a process that runs ``step`` ``times`` times."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            step,
            str(data_file),
            str(times),
        ]
        report = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    match = re.search(r"Collected\s*:\s*(\d+)", report)
    if match is None:
        raise RuntimeError(f"callgrind reported no count:\n{report}")
    return int(match.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument(
        "--child", nargs=3, metavar=("STEP", "DATA", "TIMES"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args(argv)
    if arguments.child:
        step, data_file, times = arguments.child
        run_step(step, data_file, int(times))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian package valgrind)", file=sys.stderr)
        return 2
    sizes = [int(size) for size in arguments.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="adb-bench-"))
    measured: dict[int, Path] = {}
    weight: dict[int, int] = {}
    for size in sizes:
        generated = specgen.generate(size)
        loaded, _ = load_text(generated.text)
        assert loaded is not None
        measured[size] = folder / f"spec-{size}.json"
        measured[size].write_text(json.dumps(loaded.data), encoding="utf-8")
        weight[size] = size + generated.edges
    print("| step | size | instructions per run | slope from the previous size |")
    print("| --- | ---: | ---: | ---: |")
    for step in arguments.steps.split(","):
        previous: tuple[int, int] | None = None
        for size in sizes:
            once = counted(step, measured[size], 1)
            cost = counted(step, measured[size], 2) - once
            slope = "-"
            if previous is not None:
                growth = math.log(weight[size] / weight[previous[0]])
                slope = f"{math.log(cost / previous[1]) / growth:.2f}"
            print(f"| {step} | {size:,} | {cost:,} | {slope} |", flush=True)
            previous = (size, cost)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
