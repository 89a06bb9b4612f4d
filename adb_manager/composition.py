"""The effective spec of a deployment: a spec file, its chain of bases, its overlays and includes.

The steps, each in its own module: the top file and every base it ``extends`` are read (the
chain ends at a spec with no ``extends``, the root); each file's ``!include`` values are
resolved (:mod:`adb_manager.includes`); the chain is merged from the root up, then each overlay
in turn, merge overlays by component name (:mod:`adb_manager.merging`) and JSON Patch overlays
operation by operation (:mod:`adb_manager.patching`). The result is one
:class:`~adb_manager.loading.LoadedSpec` whose positions name the file each value was written in,
which validation takes as it takes a single file.

``--env NAME`` names the overlay ``<stem>.NAME.yaml`` (or ``.yml``, ``.json``) beside the spec;
it is applied before the overlays named one by one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import attrs

from adb_manager.diagnostics import Diagnostic
from adb_manager.errors import UnreadableSpecError
from adb_manager.includes import (
    Confinement,
    IncludeBudget,
    Includer,
    Located,
    Refused,
    refused_reason,
)
from adb_manager.loading import Limits, LoadedSpec, beyond_limits, describe_kind, load_file
from adb_manager.merging import (
    EXTENDS,
    Layer,
    base_flag_diagnostics,
    component_name,
    merge,
    normalized,
    resolved,
)
from adb_manager.patching import patched
from adb_manager.positions import flattened

logger = logging.getLogger(__name__)

OVERLAY_SUFFIXES = (".yaml", ".yml", ".json")


@attrs.frozen
class Composition:
    """The effective spec (``None`` when the top file could not be read as a spec), every
    diagnostic found while composing it, and the files it was composed from, root first."""

    loaded: LoadedSpec | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    directories: tuple[str, ...] = ()


_NO_OVERLAY = "cannot use its environment overlay"


def env_overlay(path: str | os.PathLike[str], env: str) -> str:
    """The overlay of environment ``env`` beside the spec at ``path``.

    Raises :class:`~adb_manager.errors.UnreadableSpecError` when there is none, or when ``env``
    is not a plain name.
    """
    spec = Path(path)
    if not env or any(c in env for c in "/\\\0") or env in (".", ".."):
        raise UnreadableSpecError(
            str(path), f"{env!r} is not an environment name", problem=_NO_OVERLAY
        )
    candidates = [spec.with_name(f"{spec.stem}.{env}{suffix}") for suffix in OVERLAY_SUFFIXES]
    folder = os.path.realpath(spec.parent)
    for candidate in candidates:
        if candidate.is_file():
            # Picked by what the folder holds, not named by the caller: confined like extends.
            real = os.path.realpath(candidate)
            if not real.startswith(folder.rstrip(os.sep) + os.sep):
                message = f"the overlay of environment {env!r}, {candidate}, leads outside {folder}"
                raise UnreadableSpecError(str(path), message, problem=_NO_OVERLAY)
            return str(candidate)
    looked = ", ".join(str(c) for c in candidates)
    raise UnreadableSpecError(
        str(path), f"no overlay for environment {env!r}: looked for {looked}", problem=_NO_OVERLAY
    )


def compose_file(
    path: str | os.PathLike[str],
    *,
    overlays: Sequence[str] = (),
    env: str | None = None,
    include_roots: Sequence[str] = (),
    limits: Limits | None = None,
) -> Composition:
    """The effective spec of the file at ``path``; see the module's description.

    Raises :class:`~adb_manager.errors.UnreadableSpecError` when the file, an overlay, or the
    overlay of ``env`` cannot be read. A base or an included file that cannot be read is a
    diagnostic at the line that names it.
    """
    limits = limits or Limits()
    source = str(path)
    named = [*([env_overlay(path, env)] if env is not None else []), *overlays]
    top, problems = load_file(path, limits=limits)
    if top is None:
        return Composition(None, tuple(problems), (source,))
    if not named and EXTENDS not in top.data and not top.includes:
        return Composition(top, tuple(problems), (source,))
    located = Located(os.path.realpath(source), source)
    composer = _Composer(Confinement.of(os.path.dirname(located.real), *include_roots), limits)
    composer.problems.extend(problems)
    return composer.compose(top, located, named)


@attrs.define
class _Composer:
    confinement: Confinement
    limits: Limits
    problems: list[Diagnostic] = attrs.field(factory=list)
    files: list[str] = attrs.field(factory=list)
    directories: list[str] = attrs.field(factory=list)
    # One budget for every file that includes add, whichever layer includes them.
    budget: IncludeBudget = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.budget = IncludeBudget(self.limits.max_bytes, self.limits.max_nodes)

    def compose(self, top: LoadedSpec, located: Located, overlays: Sequence[str]) -> Composition:
        chain, complete = self._chain(top, located)
        root, root_file = chain[0]
        if complete:
            self.problems.extend(base_flag_diagnostics(root))
        state = _without_extends(self._layer(root, root_file, self.confinement))
        fixed = {name for e in state.data.get("components") or () if (name := component_name(e))}
        for loaded, file in chain[1:]:
            state = self._merged(state, self._layer(loaded, file, self.confinement))
        for overlay in overlays:
            state = self._overlaid(state, overlay, fixed)
        state = resolved(state, fixed)
        # Each file kept to the limits; what bases, overlays and includes add up to must too.
        beyond = beyond_limits(state.data, self.limits)
        if beyond is not None:
            code, message = beyond
            self.problems.append(top.diagnostic("", code, message + ", once composed"))
            return Composition(None, tuple(self.problems), tuple(self.files))
        effective = flattened(top.source, state.data, state.tree)
        logger.debug("%s: composed from %s", top.source, ", ".join(self.files))
        return Composition(
            effective, tuple(self.problems), tuple(self.files), tuple(self.directories)
        )

    def _chain(
        self, top: LoadedSpec, located: Located
    ) -> tuple[list[tuple[LoadedSpec, Located]], bool]:
        """The top file and its bases, root first; whether the chain reached a root."""
        chain = [(top, located)]
        while EXTENDS in chain[-1][0].data:
            child, file = chain[-1]
            try:
                base = self._base(child, file, [f.real for _, f in chain])
            except Refused as refusal:
                code = f"extends-{refusal.problem}"
                self.problems.append(child.diagnostic("/extends", code, refusal.message))
                return chain[::-1], False
            if base is None:
                return chain[::-1], False
            chain.append(base)
        return chain[::-1], True

    def _base(
        self, child: LoadedSpec, file: Located, seen: Sequence[str]
    ) -> tuple[LoadedSpec, Located] | None:
        target = child.data[EXTENDS]
        base = self.confinement.locate(target, file, EXTENDS)
        if base.real in seen:
            message = f"extends {target!r}: {base.shown} is already in the chain, a cycle"
            raise Refused("cycle", message)
        try:
            loaded, problems = load_file(base.real, limits=self.limits, source=base.shown)
        except UnreadableSpecError as error:
            raise refused_reason(error) from error
        self.problems.extend(problems)
        return None if loaded is None else (loaded, base)

    def _layer(self, loaded: LoadedSpec, file: Located, confinement: Confinement) -> Layer:
        self.files.append(file.shown)
        self.directories.append(os.path.dirname(file.real))
        includer = Includer(confinement, self.limits, budget=self.budget)
        layer = includer.layer(loaded, file)
        self.problems.extend(includer.diagnostics)
        return layer

    def _merged(self, state: Layer, upper: Layer) -> Layer:
        upper, problems = normalized(upper)
        self.problems.extend(problems)
        return merge(state, upper, self.problems)

    def _overlaid(self, state: Layer, overlay: str, fixed: set[str]) -> Layer:
        loaded, problems = load_file(overlay, limits=self.limits, any_value=True)
        self.problems.extend(problems)
        if loaded is None:
            return state
        if isinstance(loaded.data, list):
            self.files.append(overlay)
            return patched(resolved(state, fixed), loaded, self.problems, self.limits)
        if not isinstance(loaded.data, dict):
            message = (
                "an overlay is a mapping, merged by component name, or a list of JSON Patch"
                f" operations; found {describe_kind(loaded.data)}"
            )
            self.problems.append(loaded.diagnostic("", "overlay-invalid", message))
            return state
        if EXTENDS in loaded.data:
            message = "an overlay applies to the spec it is given with; extends is not followed"
            self.problems.append(
                loaded.diagnostic("/extends", "overlay-extends", message, key=True)
            )
        file = Located(os.path.realpath(overlay), overlay)
        confinement = attrs.evolve(
            self.confinement, roots=(*self.confinement.roots, os.path.dirname(file.real))
        )
        return self._merged(state, self._layer(loaded, file, confinement))


def _without_extends(layer: Layer) -> Layer:
    """The root of a chain that stopped at a base that could not be read, reported already."""
    if EXTENDS not in layer.data:
        return layer
    tree = layer.tree.copy()
    del tree[EXTENDS]
    return Layer({k: v for k, v in layer.data.items() if k != EXTENDS}, tree)
