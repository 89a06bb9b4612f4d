"""``!include``: configuration values kept in other files, and where such files may be.

``key: !include relative/path`` inside ``config`` puts the content of that file in place of the
value. YAML and JSON files (``.yaml``, ``.yml``, ``.json``) are read as values, with positions in
their own file, and may include further files relative to themselves; any other file is read as
text, less one final line break: a secret mounted as a file gets in this way, and is redacted
like any value under a secret-naming key.

Included files, like the base of ``extends``, must lie inside the directory tree of the spec
(or of the overlay) they are named from, or inside a root the caller allows: an absolute path,
a ``..`` that climbs out, or a symbolic link that leads out is refused.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import attrs

from adb_manager.diagnostics import Diagnostic
from adb_manager.errors import UnreadableSpecError
from adb_manager.loading import (
    INCLUDE_TAG,
    Limits,
    LoadedSpec,
    Position,
    load_file,
    read_spec_bytes,
)
from adb_manager.merging import Layer, diagnostic_at, layer_of
from adb_manager.positions import PositionList, PositionMap, position_of, position_tree

PARSED_SUFFIXES = (".yaml", ".yml", ".json")


class Refused(Exception):
    """A file named by ``extends`` or ``!include`` that cannot be used; ``problem`` completes
    the diagnostic code (``outside``, ``not-found``...)."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@attrs.frozen
class Located:
    """A file named from a spec: its real path, opened, and its path as shown in diagnostics."""

    real: str
    shown: str


@attrs.frozen
class Confinement:
    """The directories that named files must lie in, as real paths."""

    roots: tuple[str, ...]

    @classmethod
    def of(cls, *directories: str) -> Confinement:
        return cls(tuple(dict.fromkeys(os.path.realpath(d) for d in directories)))

    def locate(self, target: object, naming_file: Located, what: str) -> Located:
        """The file ``target`` names, relative to ``naming_file``. Raises :class:`Refused`."""
        if not isinstance(target, str) or not target.strip() or "\0" in target:
            raise Refused("invalid", f"{what} takes a relative file path")
        if os.path.isabs(target) or target.startswith("~"):
            message = f"{what} {target!r}: an absolute path is not allowed; write it relative"
            raise Refused("outside", message)
        real = os.path.realpath(os.path.join(os.path.dirname(naming_file.real), target))
        if not any(
            real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots
        ):
            message = (
                f"{what} {target!r} leads outside {_listed(self.roots)}; a named file must lie"
                " in the spec's directory tree, or in a root allowed with --include-root"
            )
            raise Refused("outside", message)
        shown = os.path.normpath(os.path.join(os.path.dirname(naming_file.shown), target))
        return Located(real, shown)


def _listed(roots: tuple[str, ...]) -> str:
    return " and ".join(repr(root) for root in roots)


def refused_reason(error: UnreadableSpecError) -> Refused:
    """A file that cannot be opened, as a refusal."""
    if "No such file" in error.reason:
        return Refused("not-found", f"{error.source} does not exist")
    return Refused("unreadable", f"cannot read {error.source}: {error.reason}")


@attrs.define
class IncludeBudget:
    """What every included file together may still add, so that includes cannot grow a spec
    past the limits that one file has."""

    bytes: int
    nodes: int

    def spend(self, size: int, nodes: int) -> None:
        self.bytes -= size
        self.nodes -= nodes
        if self.bytes < 0 or self.nodes < 0:
            raise Refused("too-large", "included files hold more than the limits allow together")


@attrs.define
class Includer:
    """Resolves the includes of one spec file and of the files it includes."""

    confinement: Confinement
    limits: Limits
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    budget: IncludeBudget | None = None

    def __attrs_post_init__(self) -> None:
        if self.budget is None:
            self.budget = IncludeBudget(self.limits.max_bytes, self.limits.max_nodes)

    def layer(self, loaded: LoadedSpec, located: Located) -> Layer:
        """``loaded``'s data and positions with every include in ``config`` resolved."""
        layer = layer_of(loaded)
        for pointer, target in loaded.includes.items():
            where = position_of(_walk(layer.tree, pointer))
            if pointer != "/config" and not pointer.startswith("/config/"):
                message = f"{INCLUDE_TAG} is allowed in config only, for configuration sections"
                self.diagnostics.append(diagnostic_at(where, pointer, "include-misplaced", message))
                continue
            depth = pointer.count("/")
            self._include(layer.data, layer.tree, pointer, target, located, (located.real,), depth)
        return layer

    def _include(
        self,
        data: Any,
        tree: Any,
        pointer: str,
        target: str,
        naming: Located,
        stack: tuple[str, ...],
        depth: int,
    ) -> None:
        """Put the content of ``target`` at ``pointer``, which lies ``depth`` levels below the
        spec's root: included files nest inside each other, and the limit is the spec's."""
        where = position_of(_walk(tree, pointer))
        try:
            value, value_tree = self._content(target, naming, stack, depth)
        except Refused as refusal:
            code = f"include-{refusal.problem}"
            self.diagnostics.append(diagnostic_at(where, pointer, code, refusal.message))
            return
        _put(data, pointer, value)
        _put(tree, pointer, value_tree)

    def _content(
        self, target: str, naming: Located, stack: tuple[str, ...], depth: int
    ) -> tuple[Any, Any]:
        located = self.confinement.locate(target, naming, INCLUDE_TAG)
        if located.real in stack:
            raise Refused(
                "cycle", f"{INCLUDE_TAG} {target!r} includes {located.shown} again: a cycle"
            )
        if not located.real.endswith(PARSED_SUFFIXES):
            return self._text(located)
        assert self.budget is not None
        # Parsed or not, an included file's bytes count, before it is read: forty includes of
        # one large file must not get past the limit that the file alone keeps to. The nodes
        # it may add are what the budget has left.
        with contextlib.suppress(OSError):  # reported as the loader finds it
            self.budget.spend(os.path.getsize(located.real), 0)
        limits = attrs.evolve(
            self.limits,
            max_depth=max(self.limits.max_depth - depth, 1),
            max_nodes=max(min(self.limits.max_nodes, self.budget.nodes), 1),
        )
        try:
            loaded, problems = load_file(
                located.real, limits=limits, any_value=True, source=located.shown
            )
        except UnreadableSpecError as error:
            raise refused_reason(error) from error
        self.diagnostics.extend(problems)
        if loaded is None:
            raise Refused("invalid", f"{located.shown} could not be read; see its own diagnostics")
        self.budget.spend(0, len(loaded.value_positions))
        holder = {"value": loaded.data}
        holder_tree = PositionMap(Position(1, 1, located.shown), {"value": position_tree(loaded)})
        for pointer, inner in loaded.includes.items():
            self._include(
                holder,
                holder_tree,
                "/value" + pointer,
                inner,
                located,
                (*stack, located.real),
                depth + pointer.count("/"),
            )
        return holder["value"], holder_tree["value"]

    def _text(self, located: Located) -> tuple[str, Position]:
        try:
            raw = read_spec_bytes(located.real, self.limits)
        except UnreadableSpecError as error:
            raise refused_reason(error) from error
        if len(raw) > self.limits.max_bytes:
            raise Refused(
                "too-large", f"{located.shown} is larger than {self.limits.max_bytes} bytes"
            )
        assert self.budget is not None
        self.budget.spend(len(raw), 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Refused("unreadable", f"{located.shown} is not UTF-8 text") from error
        return text.removesuffix("\n").removesuffix("\r"), Position(1, 1, located.shown)


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _walk(node: Any, pointer: str) -> Any:
    for token in _tokens(pointer):
        node = node[int(token)] if isinstance(node, list | PositionList) else node[token]
    return node


def _put(node: Any, pointer: str, value: Any) -> None:
    *parents, last = _tokens(pointer)
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
