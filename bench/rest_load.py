"""Throughput of ``adb-manager serve`` on loopback, under concurrent clients.

Starts the server on a free loopback port, sends ``--requests`` GET requests spread over
``--concurrency`` clients (each an httpx client with its own keep-alive connection), and prints
requests per second and latency percentiles, as the median of ``--repeat`` runs. The clients run
in this process, on the same machine as the server: the figure is for the pair, not the server
alone. When ``wrk`` (Debian package wrk) is installed, it also loads the server for
``--wrk-seconds`` from its own process, which shows the server's own limit. The same loads are
sent to a FastAPI application that answers a constant, as the baseline of the table.

    .venv/bin/python bench/rest_load.py [SPEC] [--requests 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/artifactdb/artifactdb.yaml"
_ADDRESS = re.compile(r"running on (http://127\.0\.0\.1:\d+)")


class ServedSpec:
    """``adb-manager serve SPEC`` in its own process, on a free port of 127.0.0.1."""

    def __init__(self, spec: Path, *options: str, cwd: Path | None = None) -> None:
        command = [sys.executable, "-m", "adb_manager", "serve", "--port", "0", *options]
        self._start([*command, str(spec)], cwd)

    def _start(self, command: list[str], cwd: Path | None) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
        )
        self.stderr: list[str] = []
        self.stdout = ""
        self.url = self._wait_for_address()

    def _wait_for_address(self, timeout: float = 60) -> str:
        """The address the server logs once it listens; stderr is collected meanwhile."""
        found = threading.Event()
        address: list[str] = []

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.stderr.append(line)
                match = _ADDRESS.search(line)
                if match:
                    address.append(match.group(1))
                    found.set()
            found.set()  # the process ended without listening

        threading.Thread(target=read, daemon=True).start()
        found.wait(timeout)
        if not address:
            self.stop()
            raise RuntimeError("the server did not start:\n" + "".join(self.stderr))
        return address[0]

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Signal the server, wait for it to end, and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        code = self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.stdout = self.process.stdout.read()
        return code


_CONSTANT_APP = """
import uvicorn
from fastapi import FastAPI

app = FastAPI()
BODY = {"name": "constant", "features": ["feature-%d" % n for n in range(16)]}


@app.get("/features")
@app.get("/components")
async def constant() -> dict:
    return BODY


uvicorn.run(app, host="127.0.0.1", port=0, log_level="info", access_log=False)
"""


class ConstantApp(ServedSpec):
    """A FastAPI application answering a constant body on the same routes: the baseline."""

    def __init__(self) -> None:
        self._start([sys.executable, "-c", _CONSTANT_APP], None)


def run_wrk(url: str, *, seconds: int, concurrency: int) -> float | None:
    """Requests per second that wrk measured, or None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    command = [wrk, "-t2", f"-c{concurrency}", f"-d{seconds}s", url]
    report = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", report)
    if match is None or "Non-2xx" in report or "Socket errors" in report:
        raise RuntimeError(f"wrk reported failures:\n{report}")
    return float(match.group(1))


@dataclass
class LoadResult:
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    bodies: set[bytes] = field(default_factory=set)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, percent: int) -> float:
        """A latency percentile, in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, len(ordered) * percent // 100)]


async def _client(url: str, route: str, count: int, result: LoadResult) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for _ in range(count):
            began = time.perf_counter()
            try:
                response = await client.get(route)
            except httpx.HTTPError as error:
                result.errors[type(error).__name__] += 1
                continue
            result.latencies.append(time.perf_counter() - began)
            result.statuses[response.status_code] += 1
            result.bodies.add(response.content)


async def _load(url: str, route: str, requests: int, concurrency: int) -> LoadResult:
    shares = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    result = LoadResult(seconds=0.0)
    began = time.perf_counter()
    await asyncio.gather(*(_client(url, route, share, result) for share in shares))
    result.seconds = time.perf_counter() - began
    return result


def run_load(url: str, *, requests: int, concurrency: int, route: str = "/features") -> LoadResult:
    """``requests`` GETs of ``route`` from ``concurrency`` concurrent clients."""
    return asyncio.run(_load(url, route, requests, concurrency))


def arguments_of(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", nargs="?", type=Path, default=EXAMPLE)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--route", action="append", help="default: /features and /components")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def measure(server: ServedSpec, label: str, arguments: argparse.Namespace) -> list[dict[str, Any]]:
    """Every route of ``arguments`` under load, with httpx clients, then with wrk."""
    figures = []
    for route in arguments.route or ["/features", "/components"]:
        run_load(server.url, requests=100, concurrency=4, route=route)  # warm up
        runs = [
            run_load(
                server.url,
                requests=arguments.requests,
                concurrency=arguments.concurrency,
                route=route,
            )
            for _ in range(arguments.repeat)
        ]
        figure = _figure(label, route, arguments, runs)
        figure["wrk_requests_per_second"] = run_wrk(
            server.url + route, seconds=arguments.wrk_seconds, concurrency=arguments.concurrency
        )
        figures.append(figure)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    arguments = arguments_of(argv)
    figures = collect(arguments)
    if arguments.json:
        print(json.dumps(figures, indent=2))
    else:
        print(_table(figures, arguments))
    return 1 if any(f["errors"] or f["non_200"] for f in figures) else 0


def collect(arguments: argparse.Namespace) -> list[dict[str, Any]]:
    """The figures of every server and route that ``arguments`` name."""
    with tempfile.TemporaryDirectory() as folder:  # the example keeps its data in the cwd
        figures = []
        servers: list[tuple[str, Callable[[], ServedSpec]]] = [
            ("adb-manager serve", lambda: ServedSpec(arguments.spec.resolve(), cwd=Path(folder))),
            ("constant FastAPI app", ConstantApp),
        ]
        for label, start in servers:
            server = start()
            try:
                figures.extend(measure(server, label, arguments))
            finally:
                server.stop()
    return figures


def _table(figures: list[dict[str, Any]], arguments: argparse.Namespace) -> str:
    lines = [
        f"{arguments.requests} GET requests from {arguments.concurrency} httpx clients,"
        f" median of {arguments.repeat}; wrk: {arguments.concurrency} connections for"
        f" {arguments.wrk_seconds} s",
        f"{'server':<22} {'route':<12} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'wrk req/s':>9}",
    ]
    for f in figures:
        wrk = f["wrk_requests_per_second"]
        lines.append(
            f"{f['server']:<22} {f['route']:<12} {f['requests_per_second']:>7.0f}"
            f" {f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} {f['errors'] + f['non_200']:>6}"
            f" {'-' if wrk is None else format(wrk, '.0f'):>9}"
        )
    return "\n".join(lines)


def _figure(
    server: str, route: str, arguments: argparse.Namespace, runs: list[LoadResult]
) -> dict[str, Any]:
    """The median run by throughput, and the failures of every run."""
    median = sorted(runs, key=lambda r: r.per_second)[len(runs) // 2]
    return {
        "server": server,
        "route": route,
        "requests": arguments.requests,
        "concurrency": arguments.concurrency,
        "repeat": len(runs),
        "requests_per_second": round(statistics.median(r.per_second for r in runs), 1),
        "p50_ms": round(median.percentile(50), 2),
        "p99_ms": round(median.percentile(99), 2),
        "errors": sum(sum(r.errors.values()) for r in runs),
        "non_200": sum(r.requests - r.statuses[200] for r in runs),
    }


if __name__ == "__main__":
    sys.exit(main())
