"""The ``adb-manager`` command: a thin layer over the library.

Each command parses its arguments into plain values and calls a ``run_*`` function that takes
its output streams and returns the exit code: 0 clean, 1 findings or a failed build, 2 an
unreadable file or wrong arguments.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs
import click
from click.decorators import FC

from adb_manager import __version__
from adb_manager.diagnostics import Diagnostic, has_errors
from adb_manager.errors import (
    AdbManagerError,
    BuildError,
    SpecError,
    UnreadableSpecError,
    describe_error,
)
from adb_manager.limits import Limits
from adb_manager.reporters import (
    REPORTERS,
    Run,
    format_diagnostic,
    printable,
    render_plan,
    render_status,
    write_json,
)
from adb_manager.secrets import RedactingWriter, Redactor, secret_values

# Each command imports the modules it runs when it runs, so that a command loads only what it
# needs: `adb-manager --version` neither the YAML reader nor jsonschema, `validate` no builder
# (docs/performance.md, start-up).
if TYPE_CHECKING:
    from adb_manager.discovery import InstalledComponent, Unusable
    from adb_manager.manager import BackendManagerBase
    from adb_manager.reorder import ReorderResult
    from adb_manager.validation import ValidationOptions, ValidationResult

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

#: The formats of ``adb-manager graph``: the renderers of adb_manager.graph, named here so that
#: the option is declared without importing them.
GRAPH_FORMATS = ("dot", "mermaid")


def run_validate(
    paths: Sequence[str],
    options: ValidationOptions,
    *,
    output_format: str = "text",
    strict: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Validate every file; report all findings together."""
    from adb_manager.validation import validate_file

    diagnostics: list[Diagnostic] = []
    unreadable = 0
    for path in paths:
        try:
            result = validate_file(path, options)
        except UnreadableSpecError as error:
            err.write(f"adb-manager: {printable(str(error))}\n")
            unreadable += 1
            continue
        diagnostics.extend(result.diagnostics)
    REPORTERS[output_format](Run(diagnostics, len(paths), unreadable), out, err)
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if has_errors(diagnostics, strict=strict) else EXIT_OK


def _validated(path: str, options: ValidationOptions, err: TextIO) -> ValidationResult | int:
    """The validation result of a spec that has no errors, or the exit code to stop with."""
    from adb_manager.validation import validate_file

    try:
        result = validate_file(path, options)
    except UnreadableSpecError as error:
        err.write(f"adb-manager: {printable(str(error))}\n")
        return EXIT_USAGE
    if result.loaded is not None:
        # Whatever is logged from here on, components' own logs included, is scrubbed.
        log_redactor.add(secret_values(result.loaded.data.get("config")))
    for diagnostic in result.diagnostics:
        err.write(format_diagnostic(diagnostic) + "\n")
    if result.spec is None:
        err.write(f"adb-manager: {printable(path)} has errors; fix them first\n")
        return EXIT_FINDINGS
    return result


def run_plan(
    path: str, options: ValidationOptions, *, output_format: str, out: TextIO, err: TextIO
) -> int:
    """Print the build order and what fails together; instantiate nothing."""
    from adb_manager.imports import ClassPathError, import_object
    from adb_manager.plan import make_plan

    result = _validated(path, options, err)
    if isinstance(result, int):
        return result
    assert result.spec is not None

    def lookup(class_path: str) -> type | None:
        if not options.import_classes:
            return None
        try:
            cls = import_object(
                class_path, search_path=result.search_path, allowed=options.allow_modules
            )
        except ClassPathError:
            return None
        return cls if isinstance(cls, type) else None

    steps = make_plan(result.spec, lookup)
    if output_format == "json":
        write_json({"name": result.spec.manager.name, "steps": [s.to_dict() for s in steps]}, out)
    else:
        out.write(render_plan(result.spec.manager.name, steps, imported=options.import_classes))
    return EXIT_OK


@contextlib.contextmanager
def _components_printing_to(err: TextIO) -> Iterator[None]:
    """What components print goes to ``err``, scrubbed of secrets, so that the report on stdout
    stays parseable."""
    with RedactingWriter(err, log_redactor) as writer, contextlib.redirect_stdout(writer):
        yield


def _validated_and_built(
    path: str, options: ValidationOptions, err: TextIO, timeout: float | None
) -> tuple[str, BackendManagerBase | BuildError] | int:
    """The manager's name and the started manager, or the build error to report; or the exit
    code to stop with when the spec has errors."""
    from adb_manager.builder import build_manager

    result = _validated(path, options, err)
    if isinstance(result, int):
        return result
    assert result.spec is not None
    try:
        with _components_printing_to(err):
            return result.spec.manager.name, build_manager(
                result.spec,
                search_path=result.search_path,
                allowed=result.options.allow_modules,
                timeout=timeout,
            )
    except BuildError as error:
        return result.spec.manager.name, error


def run_build(
    path: str,
    options: ValidationOptions,
    *,
    output_format: str,
    out: TextIO,
    err: TextIO,
    timeout: float | None = None,
) -> int:
    """Validate, build and start the manager, report its status, then close it."""
    built = _validated_and_built(path, options, err, timeout)
    if isinstance(built, int):
        return built
    name, manager = built
    if isinstance(manager, BuildError):
        err.write(f"adb-manager: {printable(str(manager))}\n")
        if output_format == "json":
            write_json(
                {"error": str(manager), "components": [s.to_dict() for s in manager.report]}, out
            )
        else:
            out.write(render_status(name, (), manager.report))
        return EXIT_FINDINGS
    with _components_printing_to(err):
        manager.close()
    if output_format == "json":
        write_json(manager.describe(), out)
    else:
        out.write(render_status(manager.name, manager.features, manager.status, manager.methods))
    return EXIT_OK


def run_serve(
    path: str,
    options: ValidationOptions,
    *,
    host: str,
    port: int,
    err: TextIO,
    timeout: float | None = None,
) -> int:
    """Build and start the manager, then serve its features and components over HTTP until
    SIGINT or SIGTERM; the components are closed when the server stops."""
    try:
        from adb_manager.serving import CannotListenError, serve_manager
    except ImportError:
        err.write("adb-manager: serve needs the rest extra: pip install 'adb-manager[rest]'\n")
        return EXIT_USAGE
    built = _validated_and_built(path, options, err, timeout)
    if isinstance(built, int):
        return built
    name, manager = built
    if isinstance(manager, BuildError):
        err.write(f"adb-manager: {printable(str(manager))}\n")
        err.write(render_status(name, (), manager.report))
        return EXIT_FINDINGS
    if not is_loopback(host):
        logger.warning(
            "serving on %s: anyone who can reach it sees this instance's components", host
        )
    # Where the server listens, and how it stops, are logged at INFO: shown without -v.
    for logger_name in ("uvicorn.error", "adb_manager.serving"):
        if logging.getLogger(logger_name).getEffectiveLevel() > logging.INFO:
            logging.getLogger(logger_name).setLevel(logging.INFO)
    try:
        with _components_printing_to(err):
            return serve_manager(manager, host=host, port=port)
    except CannotListenError:
        err.write(f"adb-manager: could not serve on {printable(host)} port {port}\n")
        return EXIT_USAGE


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine: ``localhost`` or a loopback address."""

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


log_redactor = Redactor()


class _PrintableFormatter(logging.Formatter):
    """One log record, one line: components' messages cannot forge or hide lines. The whole
    line is scrubbed of secrets, the traceback of a record logged with exc_info included."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(log_redactor(super().format(record)))


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, so that a caller who
    redirects the stream (a test runner, an embedding tool) receives the logs."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _configure_logging(verbosity: int) -> None:
    """Log to stderr: WARNING by default (skipped components), more with -v; components' own
    loggers included, as the command is the application here."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, _CurrentStderrHandler) for h in root.handlers):
        handler = _CurrentStderrHandler()
        handler.setFormatter(_PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


def _options(
    no_import: bool, paths: Sequence[str], allow: Sequence[str], settings: Mapping[str, Any]
) -> ValidationOptions:
    """The options of a command; ``settings`` holds the limits and, for the commands that
    read a deployment's effective spec, its environment, overlays and include roots."""
    from adb_manager.validation import ValidationOptions

    return ValidationOptions(
        import_classes=not no_import,
        search_path=tuple(paths),
        limits=Limits(**{name: settings[name] for name in _LIMIT_HELP}),
        allow_modules=tuple(allow),
        overlays=tuple(settings.get("overlays", ())),
        env=settings.get("env"),
        include_roots=tuple(settings.get("include_roots", ())),
    )


_LIMIT_HELP = {
    "max_bytes": "Largest spec file, in bytes.",
    "max_depth": "Deepest nesting of mappings and lists.",
    "max_nodes": "Most YAML nodes, counted again once aliases are expanded.",
    "max_components": "Most components in one spec.",
}


def limit_options(command: FC) -> FC:
    """--max-bytes, --max-depth, --max-nodes and --max-components, defaulting to Limits()."""
    defaults = Limits()
    for name, help_text in reversed(_LIMIT_HELP.items()):
        command = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=click.IntRange(min=1),
            default=getattr(defaults, name),
            show_default=True,
            help=help_text,
        )(command)
    return command


def environment_options(command: FC) -> FC:
    """--env, --overlay and --include-root: which effective spec of a deployment to read."""
    command = click.option(
        "--include-root",
        "include_roots",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Also allow extends and !include to name files under this directory (repeatable).",
    )(command)
    command = click.option(
        "--overlay",
        "overlays",
        multiple=True,
        type=click.Path(dir_okay=False),
        help=(
            "Apply this overlay, merged by component name or a JSON Patch list, after the"
            " --env one (repeatable, in order)."
        ),
    )(command)
    return click.option(
        "--env",
        metavar="NAME",
        default=None,
        help="Apply the environment's overlay, SPEC-STEM.NAME.yaml (.yml, .json) beside the spec.",
    )(command)


no_import_option = click.option(
    "--no-import",
    is_flag=True,
    help="Do not import component classes: check the spec alone.",
)
path_option = click.option(
    "--path",
    "search_path",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Also look for component modules in this directory (repeatable).",
)
allow_option = click.option(
    "--allow-module",
    "allow",
    multiple=True,
    metavar="PREFIX",
    help=(
        "Also import modules under this dotted prefix from the installed environment"
        " (repeatable; '*' for any). Modules beside the spec and in --path folders are allowed."
    ),
)

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, max=86_400, min_open=True),
    callback=lambda _context, _option, value: _finite(value),
    default=None,
    metavar="SECONDS",
    help="Fail a component whose constructor, hook or close() takes longer.",
)


def _format_option(choices: Sequence[str], default: str) -> Callable[[FC], FC]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="adb-manager")
@click.option("-v", "--verbose", count=True, help="Log more: -v for INFO, -vv for DEBUG.")
def main(verbose: int) -> None:
    """Validate, plan and build backend managers declared in YAML or JSON specs."""
    _configure_logging(verbose)


def _guarded(run: Callable[[], int]) -> None:
    """Run a command; any error that escapes the library becomes one line and an exit code."""
    try:
        code = run()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining again
        # when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_FINDINGS
    except AdbManagerError as error:
        click.echo(f"adb-manager: {printable(str(error))}", err=True)
        code = EXIT_FINDINGS
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        # Component code may raise anything, SystemExit included; none of it ends in a traceback.
        logger.debug("internal error", exc_info=True)
        click.echo(f"adb-manager: internal error: {printable(describe_error(error))}", err=True)
        code = EXIT_INTERNAL
    sys.exit(code)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_format_option(sorted(REPORTERS), "text")
@no_import_option
@path_option
@allow_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@environment_options
@limit_options
def validate(
    paths: tuple[str, ...],
    output_format: str,
    no_import: bool,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    strict: bool,
    **settings: Any,
) -> None:
    """Check spec files and report every mistake with its file, line and column."""
    options = _options(no_import, search_path, allow, settings)
    _guarded(
        lambda: run_validate(
            paths,
            options,
            output_format=output_format,
            strict=strict,
            out=sys.stdout,
            err=sys.stderr,
        )
    )


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@_format_option(["text", "json"], "text")
@no_import_option
@path_option
@allow_option
@environment_options
@limit_options
def plan(
    path: str,
    output_format: str,
    no_import: bool,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    **settings: Any,
) -> None:
    """Show the build order and, for each optional component, what fails with it."""
    options = _options(no_import, search_path, allow, settings)
    _guarded(
        lambda: run_plan(path, options, output_format=output_format, out=sys.stdout, err=sys.stderr)
    )


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@_format_option(["json", "text"], "json")
@path_option
@allow_option
@timeout_option
@environment_options
@limit_options
def build(
    path: str,
    output_format: str,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    timeout: float | None,
    **settings: Any,
) -> None:
    """Build the manager a spec declares and print its status and features."""
    options = _options(False, search_path, allow, settings)
    _guarded(
        lambda: run_build(
            path,
            options,
            output_format=output_format,
            out=sys.stdout,
            err=sys.stderr,
            timeout=timeout,
        )
    )


@main.command()
@click.option(
    "--installed",
    is_flag=True,
    help="Specialise it to the installed components (imports them): their registered names and"
    " class paths for `class`, their configuration sections under `config`.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write it to this file (atomically) instead of standard output.",
)
def schema(installed: bool, output: str | None) -> None:
    """Print the JSON Schema of manager specs, for editors and other validators."""
    _guarded(lambda: run_schema(installed=installed, output=output, out=sys.stdout, err=sys.stderr))


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default answers this machine only.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@path_option
@allow_option
@timeout_option
@environment_options
@limit_options
def serve(
    path: str,
    host: str,
    port: int,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    timeout: float | None,
    **settings: Any,
) -> None:
    """Build the manager, then serve GET /features and GET /components over HTTP.

    Needs the rest extra. Stops on SIGINT or SIGTERM, closing the components.
    """
    options = _options(False, search_path, allow, settings)
    _guarded(
        lambda: run_serve(path, options, host=host, port=port, err=sys.stderr, timeout=timeout)
    )


def _spec_reading_options(command: FC) -> FC:
    """--no-import, --path, --allow-module and the limits: how a spec and its classes are read."""
    for option in (limit_options, allow_option, path_option, no_import_option):
        command = option(command)
    return command


def run_fmt(
    paths: Sequence[str],
    options: ValidationOptions,
    *,
    check: bool = False,
    diff: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Put each spec's components in the nearest valid order: report (``check``), show a diff
    (``diff``), or, with neither, rewrite the file in place. A file with errors that reordering
    cannot fix is reported and never written."""
    from adb_manager.reorder import reorder_file

    codes = [EXIT_OK]
    for path in paths:
        try:
            result = reorder_file(path, options)
        except UnreadableSpecError as error:
            err.write(f"adb-manager: {printable(str(error))}\n")
            codes.append(EXIT_USAGE)
            continue
        codes.append(_report_reorder(path, result, check=check, diff=diff, out=out, err=err))
    return max(codes)


def _report_reorder(
    path: str, result: ReorderResult, *, check: bool, diff: bool, out: TextIO, err: TextIO
) -> int:
    from adb_manager.rewriting import unified_diff, write_atomically

    shown = printable(path)
    if result.skipped is not None:
        err.write(f"adb-manager: {shown} is not reordered: {result.skipped}\n")
        return EXIT_OK
    if result.blocked:
        for diagnostic in result.diagnostics:
            out.write(format_diagnostic(diagnostic) + "\n")
        err.write(f"adb-manager: {shown} has errors that reordering cannot fix; left unchanged\n")
        return EXIT_USAGE if result.unsupported else EXIT_FINDINGS
    if not result.changed:
        return EXIT_OK
    if check:
        for move in result.moves:
            out.write(
                f"{shown}:{move.line}: would move {move.name!r} from place {move.old}"
                f" to place {move.new}\n"
            )
    if diff:
        out.write(unified_diff(result.original, result.text, printable(path)))
    if check or diff:
        return EXIT_FINDINGS if check else EXIT_OK
    try:
        write_atomically(path, result.text.encode("utf-8"))
    except OSError as error:
        err.write(f"adb-manager: cannot write {shown}: {printable(error.strerror or str(error))}\n")
        return EXIT_USAGE
    moved = ", ".join(move.name for move in result.moves)
    err.write(f"adb-manager: reordered {shown}: moved {moved}\n")
    return EXIT_OK


def run_graph(
    path: str, options: ValidationOptions, *, output_format: str, out: TextIO, err: TextIO
) -> int:
    """Print the component graph of a spec; ordering errors are drawn and reported (exit 1),
    others stop it."""
    from adb_manager.graph import RENDERERS, graph_file

    try:
        graph = graph_file(path, options)
    except UnreadableSpecError as error:
        err.write(f"adb-manager: {printable(str(error))}\n")
        return EXIT_USAGE
    except SpecError as error:
        for diagnostic in error.diagnostics:
            err.write(format_diagnostic(diagnostic) + "\n")
        err.write(f"adb-manager: {printable(path)} has errors; fix them first\n")
        return EXIT_FINDINGS
    out.write(RENDERERS[output_format](graph))
    # Drawn, so that they can be seen; reported all the same, so that a pipeline notices.
    for diagnostic in graph.errors:
        err.write(format_diagnostic(diagnostic) + "\n")
    return EXIT_FINDINGS if graph.errors else EXIT_OK


def run_render(path: str, options: ValidationOptions, *, out: TextIO, err: TextIO) -> int:
    """Print the effective spec as YAML, secrets redacted. It is printed even when it has
    errors, reported on ``err`` (exit 1), since seeing it is how an overlay is debugged."""
    from adb_manager.rendering import render_effective
    from adb_manager.validation import validate_file

    try:
        result = validate_file(path, options)
    except UnreadableSpecError as error:
        err.write(f"adb-manager: {printable(str(error))}\n")
        return EXIT_USAGE
    for diagnostic in result.diagnostics:
        err.write(format_diagnostic(diagnostic) + "\n")
    if result.loaded is None:
        err.write(f"adb-manager: {printable(path)} cannot be read as a spec\n")
        return EXIT_FINDINGS
    out.write(render_effective(result.loaded, result.files))
    return EXIT_FINDINGS if has_errors(result.diagnostics) else EXIT_OK


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@_spec_reading_options
@environment_options
def render(
    path: str,
    no_import: bool,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    **settings: Any,
) -> None:
    """Print the effective spec, with its bases, overlays and includes merged, as YAML.

    Secrets are redacted; a comment above each component names the files it came from.
    """
    options = _options(no_import, search_path, allow, settings)
    _guarded(lambda: run_render(path, options, out=sys.stdout, err=sys.stderr))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file would change.")
@click.option("--diff", is_flag=True, help="Change nothing; print a unified diff.")
@_spec_reading_options
def fmt(
    paths: tuple[str, ...],
    check: bool,
    diff: bool,
    no_import: bool,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    **limits: int,
) -> None:
    """Put components in the nearest valid order, keeping comments and layout.

    Each file is reordered on its own: bases, overlays and includes are not merged in.
    """
    options = _options(no_import, search_path, allow, limits)
    _guarded(
        lambda: run_fmt(paths, options, check=check, diff=diff, out=sys.stdout, err=sys.stderr)
    )


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@_format_option(GRAPH_FORMATS, "mermaid")
@_spec_reading_options
@environment_options
def graph(
    path: str,
    output_format: str,
    no_import: bool,
    search_path: tuple[str, ...],
    allow: tuple[str, ...],
    **settings: Any,
) -> None:
    """Print the components and their ordering as a Mermaid flowchart or a Graphviz digraph."""
    options = _options(no_import, search_path, allow, settings)
    _guarded(
        lambda: run_graph(
            path, options, output_format=output_format, out=sys.stdout, err=sys.stderr
        )
    )


def _report_unusable(unusable: Sequence[Unusable], err: TextIO) -> None:
    for entry in unusable:
        err.write(
            f"adb-manager: registered component {printable(entry.name)!s}"
            f" ({printable(entry.class_path)}) is not usable: {printable(entry.reason)}\n"
        )


def _write_output(text: str, output: str | None, out: TextIO, err: TextIO) -> int:
    """Write ``text`` to the file ``output`` atomically, or to ``out`` when it is None."""
    from adb_manager.rewriting import write_atomically

    if output is None:
        out.write(text)
        return EXIT_OK
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        reason = printable(error.strerror or str(error))
        err.write(f"adb-manager: cannot write {printable(output)}: {reason}\n")
        return EXIT_USAGE
    return EXIT_OK


def run_schema(*, installed: bool, output: str | None, out: TextIO, err: TextIO) -> int:
    """Write the spec schema, specialised to the installed components with ``installed``. A
    registered component that cannot be imported is reported and left out (exit 1)."""
    from adb_manager.discovery import installed_components
    from adb_manager.installed_schema import installed_schema
    from adb_manager.schema import load_schema

    unusable: list[Unusable] = []
    document = load_schema()
    if installed:
        components, unusable = installed_components()
        document = installed_schema(components)
        _report_unusable(unusable, err)
    code = _write_output(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", output, out, err
    )
    return code if code or not unusable else EXIT_FINDINGS


def run_components(*, output_format: str, out: TextIO, err: TextIO) -> int:
    """List the installed components (importing them): exit 1 when one is not usable."""
    from adb_manager.discovery import installed_components

    components, unusable = installed_components()
    if output_format == "json":
        write_json(
            {
                "components": [c.to_dict() for c in components],
                "unusable": [attrs.asdict(u) for u in unusable],
            },
            out,
        )
    else:
        out.write(render_components(components))
    _report_unusable(unusable, err)
    return EXIT_FINDINGS if unusable else EXIT_OK


def render_components(components: Sequence[InstalledComponent]) -> str:
    """The text listing of ``adb-manager components``: one block per registered name."""
    from adb_manager.discovery import GROUP

    if not components:
        return f"no component is registered under the {GROUP} entry points\n"
    blocks = []
    for component in components:
        facts = component.facts()
        lines = [f"{component.name}: {component.class_path} ({component.distribution})"]
        if component.summary:
            lines.append(f"  {component.summary}")
        lines.append("  " + "; ".join(f"{label}: {value}" for label, value in facts))
        blocks.append("\n".join(printable(line) for line in lines) + "\n")
    return "".join(blocks)


@main.command()
@_format_option(["text", "json"], "text")
def components(output_format: str) -> None:
    """List the components installed packages register, with what each class declares.

    Imports each registered class: installing its package was the decision to trust it.
    """
    _guarded(lambda: run_components(output_format=output_format, out=sys.stdout, err=sys.stderr))


SCHEMA_BESIDE_SPEC = "adb-manager.schema.json"


def run_init(path: str, *, force: bool, out: TextIO, err: TextIO) -> int:
    """Write a starter spec at ``path`` with the installed components, and beside it the schema
    specialised to them, which the spec's modeline names. Refuses to overwrite either file
    unless ``force``."""
    from adb_manager.discovery import installed_components
    from adb_manager.installed_schema import installed_schema
    from adb_manager.starter import starter_spec

    schema_file = os.path.join(os.path.dirname(path), SCHEMA_BESIDE_SPEC)
    existing = [p for p in (path, schema_file) if os.path.lexists(p)]
    if existing and not force:
        shown = " and ".join(printable(p) for p in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        err.write(f"adb-manager: {shown} {verb} already; pass --force to overwrite\n")
        return EXIT_USAGE
    components, unusable = installed_components()
    _report_unusable(unusable, err)
    text = starter_spec(components, schema=SCHEMA_BESIDE_SPEC, spec_name=os.path.basename(path))
    document = json.dumps(installed_schema(components), indent=2, ensure_ascii=False) + "\n"
    code = _write_output(document, schema_file, out, err) or _write_output(text, path, out, err)
    if code:
        return code
    out.write(f"wrote {printable(path)} and {printable(schema_file)}\n")
    return EXIT_FINDINGS if unusable else EXIT_OK


@main.command()
@click.argument("path", default="manager.yaml", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite the spec and its schema if they exist.")
def init(path: str, force: bool) -> None:
    """Write a starter spec (default manager.yaml) with the installed components, each field
    explained, and the schema editors read beside it (adb-manager.schema.json)."""
    _guarded(lambda: run_init(path, force=force, out=sys.stdout, err=sys.stderr))
