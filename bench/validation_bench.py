"""Validation, formatting and building, measured side by side with what users would otherwise run.

Every figure is the median of ``--repeat`` runs, and each row is measured in the same run as the
peer it is compared with, so that the ratio holds on a loaded machine where the times do not:

- whole-process ``adb-manager validate --no-import`` against ``check-jsonschema --schemafile``
  (the spec's JSON Schema alone) on generated specs of 10 to 10,000 components;
- in-process, the steps of validation (load, schema, semantic checks), the plan and ``fmt``,
  each on its own, against loading the same file, which shows where the time goes; and ``fmt``
  on its worst case, a reversed chain, against validating the same text;
- start-up: ``adb-manager --version`` and ``validate`` of the example against ``python -c pass``;
- building 1,000 trivial components through the builder against instantiating them directly;
- unless ``--no-rest``, bench/rest_load.py: ``adb-manager serve`` against a constant FastAPI
  application, as milliseconds per request (the inverse of its requests per second).

The log-log slope of each in-process step between the two largest sizes tells how its cost grows
with components plus edges: 1.0 is linear, 2.0 quadratic.

    .venv/bin/python bench/validation_bench.py [--sizes 10,100,1000,10000] [--repeat 5] [--json]
                                               [--no-rest]
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import specgen

from adb_manager.builder import build_manager
from adb_manager.loading import LoadedSpec, load_file
from adb_manager.model import structure_spec
from adb_manager.plan import make_plan
from adb_manager.reorder import reorder_text
from adb_manager.schema import schema_diagnostics
from adb_manager.validation import ValidationOptions, _SemanticChecker, validate_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "artifactdb" / "artifactdb.yaml"
SCHEMA = ROOT / "schema" / "manager-spec.schema.json"
BIN = Path(sys.executable).parent
NO_IMPORT = ValidationOptions(import_classes=False)
BUILT = 1_000
CHAIN_SIZES = (1_000, 2_000)


@dataclass
class Row:
    """One measurement and the peer it is compared with, both medians in milliseconds."""

    what: str
    size: str
    ms: float
    peer: str
    peer_ms: float

    @property
    def ratio(self) -> float:
        return self.ms / self.peer_ms


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls, after one call that warms caches."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def paired_ms(
    ours: Callable[[], object], peer: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Medians of two runs taken in turn, so that a change of load hits both alike."""
    ours()
    peer()
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(repeat):
        for run, times in ((ours, mine), (peer, theirs)):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    return statistics.median(mine) * 1000, statistics.median(theirs) * 1000


def command(*argv: str | Path) -> Callable[[], object]:
    """A run of a command whose output is dropped; it must succeed."""
    words = [str(word) for word in argv]

    def run() -> object:
        return subprocess.run(words, check=True, capture_output=True)

    return run


def adb_manager(*argv: str | Path) -> Callable[[], object]:
    return command(BIN / "adb-manager", *argv)


def check_jsonschema(path: Path) -> Callable[[], object]:
    return command(BIN / "check-jsonschema", "--schemafile", SCHEMA, path)


def loaded(path: Path) -> LoadedSpec:
    spec, problems = load_file(path)
    assert spec is not None and not problems, problems
    return spec


def semantic(spec: LoadedSpec) -> list[object]:
    """The checks ``validate --no-import`` runs after the schema, ordering included."""
    checker = _SemanticChecker(spec, NO_IMPORT)
    return [
        *checker.check_names(),
        *checker.check_references(),
        *checker.check_required_dependencies(),
        *checker.check_required_features(),
        *checker.check_ordering(),
        *checker.check_features(),
    ]


def _schema_findings(spec: LoadedSpec) -> list[object]:
    return list(schema_diagnostics(spec))


def whole_process(specs: dict[int, Path], repeat: int) -> list[Row]:
    rows = []
    for size, path in specs.items():
        ours, peer = paired_ms(
            adb_manager("validate", "--no-import", path), check_jsonschema(path), repeat
        )
        rows.append(Row("validate --no-import", f"{size:,}", ours, "check-jsonschema", peer))
    return rows


def steps(specs: dict[int, Path], repeat: int) -> list[Row]:
    """Each step of validation, the plan and fmt, against loading the same file."""
    rows = []
    for size, path in specs.items():
        spec = loaded(path)
        model = structure_spec(spec.data)
        text = path.read_text(encoding="utf-8")
        load_ms = median_ms(functools.partial(load_file, path), repeat)
        measured: list[tuple[str, Callable[[], object]]] = [
            ("schema validation", functools.partial(_schema_findings, spec)),
            ("semantic validation", functools.partial(semantic, spec)),
            ("plan", functools.partial(make_plan, model)),
            ("fmt (validate + order)", functools.partial(reorder_text, text, options=NO_IMPORT)),
        ]
        rows.append(Row("load", f"{size:,}", load_ms, "load", load_ms))
        for what, run in measured:
            rows.append(Row(what, f"{size:,}", median_ms(run, repeat), "load", load_ms))
    return rows


def worst_fmt(repeat: int) -> list[Row]:
    """fmt on reversed chains, where every pair of components conflicts, against validating
    the same text (which fmt does twice, before and after reordering)."""
    rows = []
    for size in CHAIN_SIZES:
        text = specgen.reversed_chain(size)
        ours, peer = paired_ms(
            functools.partial(reorder_text, text, options=NO_IMPORT),
            functools.partial(validate_text, text, options=NO_IMPORT),
            repeat,
        )
        rows.append(Row("fmt, reversed chain", f"{size:,}", ours, "validate", peer))
    return rows


def startup(repeat: int) -> list[Row]:
    nothing = command(sys.executable, "-c", "pass")
    pairs = [
        ("adb-manager --version", adb_manager("--version"), "python -c pass", nothing),
        (
            "validate --no-import",
            adb_manager("validate", "--no-import", EXAMPLE),
            "check-jsonschema",
            check_jsonschema(EXAMPLE),
        ),
        ("validate (imports classes)", adb_manager("validate", EXAMPLE), "python -c pass", nothing),
    ]
    rows = []
    for what, ours, peer_name, peer in pairs:
        mine, theirs = paired_ms(ours, peer, repeat)
        rows.append(Row(what, "example", mine, peer_name, theirs))
    return rows


def building(repeat: int) -> list[Row]:
    """The builder on trivial components, against constructing the same classes directly."""
    module = Path(tempfile.mkdtemp(prefix="adb-bench-"))
    (module / "trivial_components.py").write_text(
        "from adb_manager import BackendComponent\n\n\nclass Trivial(BackendComponent):\n"
        "    pass\n",
        encoding="utf-8",
    )
    data = {
        "version": 1,
        "components": [
            {"name": f"trivial_{i:04d}", "class": "trivial_components:Trivial"}
            for i in range(BUILT)
        ],
    }
    spec = structure_spec(data)
    search = (str(module),)
    manager = build_manager(spec, search_path=search)
    cls = type(manager.components["trivial_0000"])
    config = spec.config

    def direct() -> object:
        return [cls(manager, config) for _ in range(BUILT)]

    ours, peer = paired_ms(lambda: build_manager(spec, search_path=search), direct, repeat)
    return [Row("build trivial components", f"{BUILT:,}", ours, "instantiate directly", peer)]


def serving() -> list[Row]:
    """bench/rest_load.py's figures as time per request, ``adb-manager serve`` against a FastAPI
    application answering a constant: httpx clients in this process, then wrk."""
    import rest_load  # only when asked: it needs the rest extra

    figures = rest_load.collect(rest_load.arguments_of([]))
    by_key = {(f["server"], f["route"]): f for f in figures}
    rows = []
    for (server, route), ours in by_key.items():
        peer = by_key.get(("constant FastAPI app", route))
        if server == "constant FastAPI app" or peer is None:
            continue
        for client, key in (("httpx", "requests_per_second"), ("wrk", "wrk_requests_per_second")):
            if ours[key] and peer[key]:
                what = f"serve GET {route}, {client} (ms per request)"
                mine, theirs = 1000 / ours[key], 1000 / peer[key]
                rows.append(Row(what, "example", mine, "constant FastAPI app", theirs))
    return rows


def slopes(rows: Sequence[Row], sizes: Sequence[int], edges: dict[int, int]) -> dict[str, float]:
    """The log-log slope of each in-process step against components plus edges, between the
    two largest sizes."""
    if len(sizes) < 2:
        return {}
    small, large = sorted(sizes)[-2:]
    by_key = {(row.what, row.size): row.ms for row in rows}
    growth = math.log((large + edges[large]) / (small + edges[small]))
    found = {}
    for what in dict.fromkeys(row.what for row in rows):
        before, after = by_key.get((what, f"{small:,}")), by_key.get((what, f"{large:,}"))
        if before and after:
            found[what] = math.log(after / before) / growth
    return found


def _ms(value: float) -> str:
    """Milliseconds to three significant digits at least: a request takes a fraction of one."""
    return f"{value:,.1f}" if value >= 10 else f"{value:.3g}"


def table(rows: Sequence[Row], slope: dict[str, float]) -> str:
    lines = [
        "| measured | size | median ms | peer | peer ms | ratio |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.what} | {row.size} | {_ms(row.ms)} | {row.peer} | {_ms(row.peer_ms)}"
            f" | {row.ratio:.2f} |"
        )
    if slope:
        lines += ["", "| step | log-log slope |", "| --- | ---: |"]
        lines += [f"| {what} | {value:.2f} |" for what, value in slope.items()]
    return "\n".join(lines)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in specgen.SIZES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--no-rest", action="store_true", help="skip bench/rest_load.py (about a minute)"
    )
    return parser.parse_args(argv)


def measure(arguments: argparse.Namespace) -> tuple[list[Row], dict[str, float]]:
    sizes = [int(size) for size in arguments.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="adb-bench-"))
    specs, edges = {}, {}
    for size in sizes:
        specs[size] = folder / f"spec-{size}.yaml"
        generated = specgen.generate(size)
        specs[size].write_text(generated.text, encoding="utf-8")
        edges[size] = generated.edges
    repeat = arguments.repeat
    in_process = steps(specs, repeat)
    rows = [
        *whole_process(specs, max(repeat // 2, 1) if max(sizes) > 1000 else repeat),
        *in_process,
        *worst_fmt(max(repeat // 2, 1)),
        *startup(repeat * 2),
        *building(repeat),
        *([] if arguments.no_rest else serving()),
    ]
    return rows, slopes(in_process, sizes, edges)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    rows, slope = measure(arguments)
    if arguments.json:
        figures: dict[str, Any] = {
            "rows": [{**row.__dict__, "ratio": round(row.ratio, 3)} for row in rows],
            "slopes": slope,
        }
        print(json.dumps(figures, indent=2))
    else:
        print(table(rows, slope))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
