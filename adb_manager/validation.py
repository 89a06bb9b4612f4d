"""Validation of a spec: every finding, not only the first, each at the node that is wrong.

The checks run in named steps: the schema, names and references, ordering, features, and (when
imports are allowed) the component classes. They all run even when earlier steps found problems,
on the parts of the spec that are well formed, so that one run reports every mistake.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from adb_manager.components import (
    BackendComponent,
    declaration_problems,
    is_component_class,
    manager_methods,
)
from adb_manager.composition import compose_file
from adb_manager.diagnostics import Diagnostic, Severity, has_errors, sorted_diagnostics
from adb_manager.imports import (
    ClassPathError,
    ImportNotAllowedError,
    extra_search_path,
    import_object,
)
from adb_manager.loading import INCLUDE_TAG, Limits, LoadedSpec, load_text
from adb_manager.manager import BackendManagerBase, entry_name
from adb_manager.merging import EXTENDS, base_flag_diagnostics
from adb_manager.model import ComponentSpec, ManagerSpec, salvage_component, structure_spec
from adb_manager.ordering import (
    ClassDeclarations,
    Cycle,
    Edge,
    EdgeKind,
    feature_providers,
    feature_requirements,
    find_cycles,
    order_violations,
    ordering_edges,
    provided_features,
    strongly_connected_components,
)
from adb_manager.plan import class_declarations
from adb_manager.schema import config_diagnostics, defined_pattern, schema_diagnostics
from adb_manager.secrets import Redactor
from adb_manager.suggestions import Suggester, quoted

logger = logging.getLogger(__name__)

_SOFT_STEPS_TRIED = 20


@attrs.frozen
class ValidationOptions:
    """How to validate: whether to import component classes, and where else to find them.

    ``search_path`` directories are searched before ``sys.path`` while classes are imported;
    validating a file also searches the file's own directory. Only modules found there, and
    modules under the ``allow_modules`` prefixes (``"*"`` for any), are imported.

    A file is validated as the effective spec of a deployment (see docs/environments.md): with
    its ``extends`` chain, the overlay of environment ``env`` and the ``overlays`` files merged
    in, and its includes resolved, inside its own directory tree or the ``include_roots``.
    """

    import_classes: bool = True
    search_path: tuple[str, ...] = ()
    limits: Limits = Limits()
    allow_modules: tuple[str, ...] = ()
    overlays: tuple[str, ...] = ()
    env: str | None = None
    include_roots: tuple[str, ...] = ()


@attrs.frozen
class ValidationResult:
    """The findings of one validation, and the spec model when there is no error."""

    source: str
    diagnostics: tuple[Diagnostic, ...]
    spec: ManagerSpec | None = None
    loaded: LoadedSpec | None = None
    options: ValidationOptions = ValidationOptions()
    files: tuple[str, ...] = ()

    @property
    def search_path(self) -> tuple[str, ...]:
        """Where component modules were looked for: the options', then the spec's folder."""
        return self.options.search_path

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def failed(self, *, strict: bool = False) -> bool:
        return has_errors(self.diagnostics, strict=strict)


def validate_file(
    path: str | os.PathLike[str], options: ValidationOptions | None = None
) -> ValidationResult:
    """Validate a YAML or JSON spec file, as the effective spec that ``options`` describe.

    Raises :class:`~adb_manager.errors.UnreadableSpecError` when the file, an overlay, or the
    overlay of ``options.env`` cannot be read.
    """
    options = options or ValidationOptions()
    composition = compose_file(
        path,
        overlays=options.overlays,
        env=options.env,
        include_roots=options.include_roots,
        limits=options.limits,
    )
    spec_dir = str(Path(path).resolve().parent)
    folders = dict.fromkeys([*options.search_path, spec_dir, *composition.directories])
    options = attrs.evolve(options, search_path=tuple(folders))
    result = _validate_loaded(str(path), composition.loaded, composition.diagnostics, options)
    return attrs.evolve(result, files=composition.files)


def validate_text(
    text: str,
    source: str = "<string>",
    options: ValidationOptions | None = None,
    *,
    is_json: bool = False,
) -> ValidationResult:
    """Validate spec text, YAML or JSON; ``is_json`` reads it as JSON, as a ``.json`` file is."""
    options = options or ValidationOptions()
    loaded, load_problems = load_text(text, source, limits=options.limits, is_json=is_json)
    return _validate_loaded(source, loaded, load_problems, options)


def _validate_loaded(
    source: str,
    loaded: LoadedSpec | None,
    load_problems: Sequence[Diagnostic],
    options: ValidationOptions,
) -> ValidationResult:
    diagnostics = list(load_problems)
    if loaded is not None:
        diagnostics.extend(iter_diagnostics(loaded, options))
    if loaded is not None:
        redact = Redactor.for_config(loaded.data.get("config"))
        diagnostics = [attrs.evolve(d, message=redact(d.message)) for d in diagnostics]
    diagnostics = sorted_diagnostics(diagnostics)
    spec = None
    if loaded is not None and not has_errors(diagnostics):
        spec = structure_spec(loaded.data)
    logger.debug("%s: %d diagnostic(s)", source, len(diagnostics))
    return ValidationResult(source, tuple(diagnostics), spec, loaded, options)


def iter_diagnostics(
    loaded: LoadedSpec, options: ValidationOptions | None = None
) -> Iterator[Diagnostic]:
    """Every finding about a loaded spec, lazily, in the order the checks run."""
    options = options or ValidationOptions()
    components = loaded.data.get("components")
    limit = options.limits.max_components
    if isinstance(components, list) and len(components) > limit:
        # Every later check grows with the number of components: stop before them.
        message = f"the spec declares {len(components)} components; the limit is {limit}"
        yield loaded.diagnostic("/components", "too-many-components", message)
        return
    yield from _uncomposed_diagnostics(loaded)
    yield from schema_diagnostics(loaded)
    checker = _SemanticChecker(loaded, options)
    if options.import_classes:
        yield from checker.check_manager_class()
    yield from checker.check_names()
    yield from checker.check_references()
    if options.import_classes:
        yield from checker.check_component_classes()
        yield from checker.check_config_sections()
    else:
        yield from checker.check_registered_names()
    yield from checker.check_required_dependencies()
    yield from checker.check_required_features()
    if options.import_classes:
        yield from checker.check_manager_methods()
    yield from checker.check_ordering()
    yield from checker.check_features()


def _uncomposed_diagnostics(loaded: LoadedSpec) -> Iterator[Diagnostic]:
    """What only composing a spec file resolves, found in a spec that was not composed: text,
    data, or a file with no base, overlay or include."""
    if EXTENDS in loaded.data:
        message = "extends is followed when a spec file is validated, not spec text or data"
        yield loaded.diagnostic("/" + EXTENDS, "extends-unsupported", message, key=True)
    else:
        yield from base_flag_diagnostics(loaded)
    for pointer, target in loaded.includes.items():
        message = (
            f"{INCLUDE_TAG} {target!r} is resolved when a spec file is validated; here the value is"
            " the path itself"
        )
        yield loaded.diagnostic(pointer, "include-unresolved", message, severity=Severity.INFO)


@attrs.frozen
class _Inherited:
    """What validation knows of a component the manager class builds from its COMPONENTS."""

    required: bool = True
    features: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset()


def _inherited(entry: Mapping[str, Any], search_path: Sequence[str]) -> _Inherited:
    cls = entry.get("class")
    if isinstance(cls, str):
        cls = import_object(cls, search_path=search_path)
    if not (isinstance(cls, type) and issubclass(cls, BackendComponent)):
        return _Inherited()
    required = entry.get("required")
    return _Inherited(
        required=cls.REQUIRED if required is None else bool(required),
        features=frozenset([*cls.FEATURES, *entry.get("features", ())]),
        methods=frozenset(manager_methods(cls)),
    )


@attrs.define
class _Declared:
    """A component as declared, with its index in the spec's component list."""

    index: int
    spec: ComponentSpec
    raw: Mapping[str, Any]
    cls: type[BackendComponent] | None = None
    kept: dict[str, list[int]] = attrs.field(factory=dict)

    @property
    def pointer(self) -> str:
        return f"/components/{self.index}"

    def entry(self, field: str, index: int) -> str:
        """The pointer of the ``index``-th name of a list field, counted in the spec model,
        which leaves out entries that are not strings (the schema reports those)."""
        if field not in self.kept:
            raw_list = self.raw.get(field)
            listed = raw_list if isinstance(raw_list, list) else []
            self.kept[field] = [i for i, v in enumerate(listed) if isinstance(v, str)]
        kept = self.kept[field]
        return f"{self.pointer}/{field}/{kept[index] if index < len(kept) else index}"


class _SemanticChecker:
    def __init__(self, loaded: LoadedSpec, options: ValidationOptions) -> None:
        self.loaded = loaded
        self.options = options
        raw = loaded.data.get("components")
        raw_components = raw if isinstance(raw, list) else []
        self.declared = [
            _Declared(index, spec, item)
            for index, item in enumerate(raw_components)
            if (spec := salvage_component(item)) is not None
        ]
        # The first declaration of a name is the one the other checks see; later ones are
        # reported as duplicates.
        self.by_name: dict[str, _Declared] = {}
        for item in self.declared:
            self.by_name.setdefault(item.spec.name, item)
        self.manager_class: type[BackendManagerBase] = BackendManagerBase
        # Components the manager class builds itself, from its COMPONENTS, before the spec's.
        self.inherited: dict[str, _Inherited] = {}

    @functools.cached_property
    def suggester(self) -> Suggester:
        return Suggester([*self.by_name, *self.inherited])

    def _at(
        self,
        pointer: str,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
        *,
        key: bool = False,
    ) -> Diagnostic:
        return self.loaded.diagnostic(pointer, code, message, severity=severity, key=key)

    def _line_of(self, pointer: str, near: str) -> str:
        """Where the node at ``pointer`` is, for a message about the node at ``near``: "line 10",
        or "base.yaml line 10" when the two are in different files of a composed spec."""
        where = self.loaded.position(pointer)
        there = self.loaded.file_of(where)
        if there == self.loaded.file_of(self.loaded.position(near)):
            return f"line {where.line}"
        return f"{there} line {where.line}"

    @property
    def unique(self) -> list[_Declared]:
        return list(self.by_name.values())

    # Names and references

    def check_names(self) -> Iterator[Diagnostic]:
        reserved = self.manager_class.reserved_names()
        for item in self.declared:
            name = item.spec.name
            if name in reserved:
                owner = self.manager_class.__name__
                message = f"{name!r} is taken by the manager itself ({owner}.{name}); rename it"
                yield self._at(item.pointer + "/name", "reserved-name", message)
            elif any(name in i.methods for i in self.inherited.values()):
                message = (
                    f"{name!r} is a manager method that a component of the manager class offers"
                )
                yield self._at(item.pointer + "/name", "reserved-name", message)
            elif name in self.inherited:
                owner = self.manager_class.__name__
                message = f"{name!r} is already built by the COMPONENTS of {owner}"
                yield self._at(item.pointer + "/name", "duplicate-name", message)
            elif self.by_name[name] is not item:
                line = self._line_of(self.by_name[name].pointer + "/name", item.pointer + "/name")
                message = f"duplicate component name {name!r}; first declared at {line}"
                yield self._at(item.pointer + "/name", "duplicate-name", message)

    def check_references(self) -> Iterator[Diagnostic]:
        for item in self.unique:
            for kind in (EdgeKind.DEPENDS_ON, EdgeKind.AFTER, EdgeKind.BEFORE):
                for index, target in enumerate(getattr(item.spec, kind.value)):
                    pointer = item.entry(kind.value, index)
                    yield from self._reference_problems(item, kind, target, pointer)

    def _reference_problems(
        self, item: _Declared, kind: EdgeKind, target: str, pointer: str
    ) -> Iterator[Diagnostic]:
        name = item.spec.name
        hard = kind is EdgeKind.DEPENDS_ON
        if target == name:
            yield self._at(pointer, "self-reference", f"{name!r} names itself in {kind.value}")
            return
        other = self.by_name.get(target)
        if other is None and target in self.inherited:
            return
        if other is None:
            hint = self.suggester.hint(target)
            if hard:
                message = f"{name!r} depends on {quoted(target)}, which is not in the spec{hint}"
                yield self._at(pointer, "unknown-dependency", message)
            else:
                message = (
                    f"{name!r} is ordered {kind.value} {quoted(target)}, which is not in the spec,"
                    f" so the constraint has no effect{hint}"
                )
                yield self._at(pointer, "unknown-reference", message, Severity.WARNING)
            return
        if other.spec.enabled or not item.spec.enabled:
            return
        line = self._line_of(other.pointer, pointer)
        if hard:
            message = (
                f"{name!r} depends on {target!r}, which is disabled ({line});"
                f" enable it or disable {name!r}"
            )
            yield self._at(pointer, "disabled-dependency", message)
        else:
            message = f"{target!r} is disabled ({line}), so this {kind.value} has no effect"
            yield self._at(pointer, "disabled-reference", message, Severity.INFO)

    # Classes

    def check_component_classes(self) -> Iterator[Diagnostic]:
        for item in self.unique:
            # A malformed class path is a schema finding already; importing it says nothing more.
            if not defined_pattern("componentClass").match(item.spec.class_path):
                continue
            yield from self._check_component_class(item)

    def check_registered_names(self) -> Iterator[Diagnostic]:
        """Without imports, the names of registered components are still looked up: reading
        the registrations imports nothing."""
        from adb_manager.discovery import Registration, registrations, resolve_registered_name

        registered: dict[str, Registration] | None = None
        for item in self.unique:
            path = item.spec.class_path
            if ":" in path or not defined_pattern("componentClass").match(path):
                continue
            registered = registrations() if registered is None else registered
            try:
                resolve_registered_name(path, registered)
            except ClassPathError as error:
                yield self._at(item.pointer + "/class", _import_code(error), str(error))

    def _import(self, path: str) -> object:
        return import_object(
            path, search_path=self.options.search_path, allowed=self.options.allow_modules
        )

    def check_manager_class(self) -> Iterator[Diagnostic]:
        manager = self.loaded.data.get("manager")
        path = manager.get("class") if isinstance(manager, Mapping) else None
        if not isinstance(path, str) or not defined_pattern("classPath").match(path):
            return
        try:
            cls = self._import(path)
        except ClassPathError as error:
            yield self._at("/manager/class", _import_code(error), str(error))
            return
        if not (isinstance(cls, type) and issubclass(cls, BackendManagerBase)):
            message = f"{path!r} is not a manager class: it must derive from BackendManagerBase"
            yield self._at("/manager/class", "not-a-manager", message)
            return
        declared: object = cls.COMPONENTS
        if not isinstance(declared, list | tuple) or not all(
            isinstance(entry, Mapping) and "class" in entry for entry in declared
        ):
            message = f"{cls.__name__}.COMPONENTS must be a list of mappings with a 'class'"
            yield self._at("/manager/class", "not-a-manager", message)
            return
        self.manager_class = cls
        for entry in declared:
            try:
                with extra_search_path(self.options.search_path):
                    name = entry_name(entry)
                    inherited = _inherited(entry, self.options.search_path)
            except ClassPathError as error:
                yield self._at("/manager/class", "class-not-found", f"{cls.__name__}: {error}")
                continue
            if name is not None:
                self.inherited[name] = inherited
        # A spec component that repeats one of those is reported, and takes no part in the
        # other checks: references to the name mean the manager's own.
        for name in self.inherited:
            self.by_name.pop(name, None)

    def _check_component_class(self, item: _Declared) -> Iterator[Diagnostic]:
        pointer = item.pointer + "/class"
        path = item.spec.class_path
        try:
            cls = self._import(path)
        except ClassPathError as error:
            yield self._at(pointer, _import_code(error), str(error))
            return
        if not is_component_class(cls):
            message = f"{path!r} is not a component class: it must derive from BackendComponent"
            yield self._at(pointer, "not-a-component", message)
            return
        assert isinstance(cls, type) and issubclass(cls, BackendComponent)
        problems = declaration_problems(cls)
        if problems:
            message = f"{path} declares {'; '.join(problems)}"
            yield self._at(pointer, "class-declaration", message)
            return
        item.cls = cls
        if cls.NAME is not None and item.spec.name != cls.NAME:
            message = (
                f"{item.spec.name!r} does not match the NAME of {path}, which is {cls.NAME!r};"
                " the manager attribute would be wrong"
            )
            yield self._at(item.pointer + "/name", "name-mismatch", message)
        yield from self._check_class_dependencies(item, cls)

    def check_config_sections(self) -> Iterator[Diagnostic]:
        """The configuration section each enabled component reads, against the schema its class
        declares; a section read by several components with one schema is checked once."""
        checked: set[tuple[str, str]] = set()
        for item in self.unique:
            cls = item.cls
            if cls is None or not item.spec.enabled or cls.CONFIG_SCHEMA is None:
                continue
            assert cls.CONFIG_KEY is not None  # declaration_problems requires it with a schema
            identity = (cls.CONFIG_KEY, json.dumps(cls.CONFIG_SCHEMA, sort_keys=True, default=str))
            if identity not in checked:
                checked.add(identity)
                yield from config_diagnostics(self.loaded, cls.CONFIG_KEY, cls.CONFIG_SCHEMA)

    def _check_class_dependencies(
        self, item: _Declared, cls: type[BackendComponent]
    ) -> Iterator[Diagnostic]:
        pointer = item.pointer + "/class"
        for target in cls.DEPENDS_ON:
            other = self.by_name.get(target)
            if target == item.spec.name:
                message = f"{cls.__qualname__} names its own component {target!r} in DEPENDS_ON"
                yield self._at(pointer, "self-reference", message)
                continue
            if other is None and target in self.inherited:
                continue
            if other is None:
                message = (
                    f"{cls.__qualname__} declares DEPENDS_ON {target!r}, which is not in the spec;"
                    f" add a component named {target!r} before {item.spec.name!r}"
                )
                yield self._at(pointer, "class-dependency", message)
            elif not other.spec.enabled and item.spec.enabled:
                line = self._line_of(other.pointer, pointer)
                message = (
                    f"{cls.__qualname__} declares DEPENDS_ON {target!r}, which is disabled"
                    f" ({line}); enable {target!r} or disable {item.spec.name!r}"
                )
                yield self._at(pointer, "class-dependency", message)

    # Required and optional

    def _required(self, item: _Declared) -> bool:
        if item.spec.required is not None:
            return item.spec.required
        return item.cls.REQUIRED if item.cls is not None else True

    def _hard_dependencies(self, item: _Declared) -> list[tuple[str, str]]:
        """(target, pointer) of every hard dependency: the spec's, then the class's."""
        found = [
            (target, item.entry("depends_on", index))
            for index, target in enumerate(item.spec.depends_on)
        ]
        if item.cls is not None:
            declared = set(item.spec.depends_on)
            found += [
                (t, item.pointer + "/class") for t in item.cls.DEPENDS_ON if t not in declared
            ]
        return found

    def check_required_dependencies(self) -> Iterator[Diagnostic]:
        for item in self.unique:
            if not item.spec.enabled or not self._required(item):
                continue
            for target, pointer in self._hard_dependencies(item):
                other = self.by_name.get(target)
                inherited = self.inherited.get(target)
                if inherited is not None:
                    optional = not inherited.required
                elif other is None or other is item or not other.spec.enabled:
                    continue
                else:
                    optional = not self._required(other)
                if optional:
                    message = (
                        f"required {item.spec.name!r} depends on optional {target!r}: if {target!r}"
                        f" fails, the whole manager fails; mark {target!r} required: true or"
                        f" {item.spec.name!r} required: false"
                    )
                    yield self._at(pointer, "required-depends-on-optional", message)

    def check_required_features(self) -> Iterator[Diagnostic]:
        """Every required feature is provided by an enabled component, and a required component
        does not rest on optional providers alone."""
        providers = feature_providers([item.spec for item in self.unique], self.declarations)
        for item in self.unique:
            if not item.spec.enabled:
                continue
            for feature, kind, index in feature_requirements(item.spec, self.declarations):
                pointer = self._requirement_pointer(item, kind, index)
                # The manager class's own components are built before every spec component.
                inherited = [n for n, i in self.inherited.items() if feature in i.features]
                others = [
                    *inherited,
                    *(p for p in providers.get(feature, ()) if p != item.spec.name),
                ]
                earlier = [p for p in others if p in inherited or self._before(p, item)]
                if not others:
                    yield self._missing_feature(item, feature, pointer, providers)
                elif (
                    earlier
                    and self._required(item)
                    and not any(map(self._provider_required, earlier))
                ):
                    message = (
                        f"required {item.spec.name!r} requires the feature {feature!r}, which only"
                        f" optional components declared before it provide ({', '.join(earlier)}):"
                        " if they fail, the whole manager fails"
                    )
                    yield self._at(pointer, "required-depends-on-optional", message)

    def _before(self, name: str, item: _Declared) -> bool:
        return self.by_name[name].index < item.index

    def _provider_required(self, name: str) -> bool:
        if name in self.inherited:
            return self.inherited[name].required
        return self._required(self.by_name[name])

    def _missing_feature(
        self, item: _Declared, feature: str, pointer: str, providers: Mapping[str, list[str]]
    ) -> Diagnostic:
        disabled = [
            other.spec.name
            for other in self.unique
            if not other.spec.enabled
            and feature in provided_features(other.spec, self.declarations)
        ]
        name = item.spec.name
        if disabled:
            message = f"{name!r} requires the feature {feature!r}, provided only by disabled"
            message += f" {', '.join(map(repr, disabled))}"
            return self._at(pointer, "unknown-feature", message)
        hint = Suggester(providers).hint(feature)
        message = f"{name!r} requires the feature {quoted(feature)}, which no component provides"
        if self.options.import_classes:
            return self._at(pointer, "unknown-feature", message + hint)
        # Without imports, a class's FEATURES are unknown: the feature may well be provided.
        message += f" in the spec; its class FEATURES are not known without imports{hint}"
        return self._at(pointer, "unknown-feature", message, Severity.INFO)

    def check_manager_methods(self) -> Iterator[Diagnostic]:
        """Two components cannot offer one manager method; the manager's own attribute wins."""
        offered_by = {m: n for n, i in self.inherited.items() for m in i.methods}
        reserved = self.manager_class.reserved_names()
        for item in self.unique:
            if item.cls is None or not item.spec.enabled:
                continue
            pointer = item.pointer + "/class"
            for method in manager_methods(item.cls):
                if method in offered_by:
                    message = (
                        f"{item.spec.name!r} offers the manager method {method!r}, which"
                        f" {offered_by[method]!r} offers too"
                    )
                    yield self._at(pointer, "duplicate-method", message)
                elif method in self.by_name or method in self.inherited:
                    message = (
                        f"{item.spec.name!r} offers the manager method {method!r}, which is the"
                        " name of a component"
                    )
                    yield self._at(pointer, "duplicate-method", message)
                elif method in reserved:
                    owner = self.manager_class.__name__
                    message = (
                        f"{owner} defines {method!r} itself, so the manager method {method!r}"
                        f" that {item.spec.name!r} offers is not bound"
                    )
                    yield self._at(pointer, "method-shadowed", message, Severity.WARNING)
                offered_by.setdefault(method, item.spec.name)

    # Ordering

    @functools.cached_property
    def declarations(self) -> ClassDeclarations:
        """What the imported classes declare; empty without imports. Read after the class
        checks, which import the classes."""
        return class_declarations({item.spec.name: item.cls for item in self.unique})

    def _edges(self) -> list[Edge]:
        return ordering_edges([item.spec for item in self.unique], self.declarations)

    def _requirement_pointer(self, item: _Declared, kind: EdgeKind, index: int | None) -> str:
        if index is None:
            return item.pointer + "/class"
        return item.entry(kind.value, index)

    def _edge_pointer(self, edge: Edge) -> str:
        owner = self.by_name[edge.owner]
        if edge.from_class:
            return owner.pointer + "/class"
        assert edge.index is not None
        return owner.entry(edge.kind.value, edge.index)

    def check_ordering(self) -> Iterator[Diagnostic]:
        order = [item.spec.name for item in self.unique]
        edges = self._edges()
        # An edge inside a circle is reported with its cycle, not as an order violation too.
        group_of = {
            name: number
            for number, group in enumerate(strongly_connected_components(order, edges))
            for name in group
        }
        by_entry: dict[tuple[str, str, int | None, str | None], list[Edge]] = {}
        for edge in order_violations(order, edges):
            if group_of[edge.first] != group_of[edge.then]:
                key = (edge.owner, edge.kind.value, edge.index, edge.feature)
                by_entry.setdefault(key, []).append(edge)
        for broken in by_entry.values():
            yield self._order_violation(broken)
        for cycle in find_cycles(order, edges):
            yield self._cycle(cycle)

    def _order_violation(self, broken: Sequence[Edge]) -> Diagnostic:
        """One diagnostic per constraint entry; a feature requirement breaks one edge for each
        of its providers, all declared later."""
        edge = broken[0]
        pointer = self._edge_pointer(edge)
        target = edge.target
        line = self._line_of(self.by_name[target].pointer, pointer)
        if edge.feature is not None:
            providers = ", ".join(
                f"{e.first!r} ({self._line_of(self.by_name[e.first].pointer, pointer)})"
                for e in broken
            )
            others = [
                other.spec.name
                for other in self.unique
                if other.spec.enabled
                and other.spec.name not in (edge.owner, *(e.first for e in broken))
                and edge.feature in provided_features(other.spec, self.declarations)
            ]
            # Providers that other constraints put after the component are not candidates.
            only = (
                f"by {providers} (the others must come after it)"
                if others
                else (f"only by {providers}")
            )
            message = (
                f"{edge.owner!r} requires the feature {edge.feature!r}, provided {only},"
                f" declared later; move a provider above {edge.owner!r}"
            )
        elif edge.kind is EdgeKind.BEFORE:
            message = (
                f"{edge.owner!r} must come before {target!r}, which is declared earlier"
                f" ({line}); move {edge.owner!r} above {target!r}"
            )
        else:
            verb = {
                EdgeKind.DEPENDS_ON: "depends on",
                EdgeKind.CLASS_DEPENDS_ON: "depends (by its class's DEPENDS_ON) on",
                EdgeKind.AFTER: "must come after",
            }[edge.kind]
            message = (
                f"{edge.owner!r} {verb} {target!r}, which is declared later ({line});"
                f" move {target!r} above {edge.owner!r}"
            )
        return self._at(pointer, "order-violation", message)

    def _cycle(self, cycle: Cycle) -> Diagnostic:
        first = cycle.path[0]
        path = " -> ".join([first.then, *(edge.first for edge in cycle.path)])
        near = self._edge_pointer(first)
        steps = [
            " and ".join(self._describe_edge(edge, near) for edge in cycle.parallel(step))
            for step in cycle.path
        ]
        message = f"ordering cycle {path}: {', '.join(steps)}; {self._cycle_advice(cycle)}"
        return self._at(self._edge_pointer(first), "cycle", message)

    def _describe_edge(self, edge: Edge, near: str) -> str:
        line = self._line_of(self._edge_pointer(edge), near)
        return f"{edge.describe()} at {line}" + (" (soft)" if edge.soft else "")

    @staticmethod
    def _cycle_advice(cycle: Cycle) -> str:
        """Which soft constraints could go, only when dropping them does break every circle."""
        droppable = []
        soft_steps = [s for s in cycle.path if all(e.soft for e in cycle.parallel(s))]
        # Each trial re-walks the whole group: try a bounded number of steps on long cycles.
        for step in soft_steps[:_SOFT_STEPS_TRIED]:
            parallel = cycle.parallel(step)
            if cycle.is_broken_without(parallel):
                droppable.append(" and ".join(e.describe() for e in parallel))
        if droppable:
            return "drop one of the soft constraints: " + "; ".join(droppable)
        if any(e.soft for e in cycle.edges):
            return "no soft constraint alone breaks it: a hard dependency must go"
        return "every edge is a hard dependency: one of them must go"

    # Features

    def check_features(self) -> Iterator[Diagnostic]:
        provider: dict[str, tuple[str, str]] = {}
        for item in self.unique:
            if not item.spec.enabled:
                continue
            for feature, pointer in self._features_of(item):
                first = provider.setdefault(feature, (item.spec.name, pointer))
                if first[0] == item.spec.name:
                    continue
                line = self._line_of(first[1], pointer)
                message = (
                    f"feature {feature!r} is provided by both {first[0]!r} ({line}) and"
                    f" {item.spec.name!r}"
                )
                yield self._at(pointer, "duplicate-feature", message, Severity.WARNING)

    def _features_of(self, item: _Declared) -> list[tuple[str, str]]:
        found = []
        if item.cls is not None:
            found += [(feature, item.pointer + "/class") for feature in item.cls.FEATURES]
        found += [
            (feature, item.entry("features", index))
            for index, feature in enumerate(item.spec.features)
        ]
        return found


def _import_code(error: ClassPathError) -> str:
    return "import-not-allowed" if isinstance(error, ImportNotAllowedError) else "class-not-found"


def validate_data(
    data: Mapping[str, Any], source: str = "<data>", options: ValidationOptions | None = None
) -> ValidationResult:
    """Validate spec data already in memory; with no file behind it, positions are all 1:1."""
    loaded = LoadedSpec(source, dict(data))
    return _validate_loaded(source, loaded, [], options or ValidationOptions())
