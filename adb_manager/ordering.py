"""Ordering rules between components, as a graph: which must be declared before which.

An edge ``Edge(first, then, ...)`` says that ``first`` must be declared (and built) before
``then``. ``depends_on`` entries are hard edges; ``after`` and ``before`` entries are soft: they
bind only when the other component is in the spec and enabled, and they never make a component
be skipped. Every ordering rule of the project is stated here and enforced through these edges.
"""

from __future__ import annotations

import enum
import heapq
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs

from adb_manager.model import ComponentSpec


class EdgeKind(str, enum.Enum):
    DEPENDS_ON = "depends_on"
    AFTER = "after"
    BEFORE = "before"
    REQUIRES_FEATURES = "requires_features"
    CLASS_DEPENDS_ON = "DEPENDS_ON"
    CLASS_REQUIRES_FEATURES = "REQUIRES_FEATURES"


_FROM_CLASS = (EdgeKind.CLASS_DEPENDS_ON, EdgeKind.CLASS_REQUIRES_FEATURES)
_FEATURE_KINDS = (EdgeKind.REQUIRES_FEATURES, EdgeKind.CLASS_REQUIRES_FEATURES)


@attrs.frozen
class Edge:
    """``first`` must come before ``then``; ``owner`` holds the constraint, at ``index`` of its
    ``kind`` list (``None`` for a class-level declaration). A feature requirement makes one edge
    from each provider it binds to, with the ``feature``.
    """

    first: str
    then: str
    kind: EdgeKind
    owner: str
    index: int | None = None
    feature: str | None = None

    @property
    def soft(self) -> bool:
        return self.kind in (EdgeKind.AFTER, EdgeKind.BEFORE)

    @property
    def from_class(self) -> bool:
        return self.kind in _FROM_CLASS

    @property
    def target(self) -> str:
        """The component named in the owner's constraint, or the provider of its feature."""
        return self.then if self.owner == self.first else self.first

    def describe(self) -> str:
        """The constraint as written: "alpha depends_on beta"."""
        if self.kind in _FEATURE_KINDS:
            return f"{self.owner} {self.kind.value} {self.feature} (from {self.first})"
        return f"{self.owner} {self.kind.value} {self.target}"


@attrs.frozen
class ClassDeclarations:
    """What the imported component classes declare, by component name."""

    depends_on: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    features: Mapping[str, Sequence[str]] = attrs.field(factory=dict)
    requires_features: Mapping[str, Sequence[str]] = attrs.field(factory=dict)


def provided_features(
    component: ComponentSpec, classes: ClassDeclarations | None = None
) -> set[str]:
    """The features a component provides: the spec's and its class's."""
    return {*component.features, *(classes.features.get(component.name, ()) if classes else ())}


def feature_requirements(
    component: ComponentSpec, classes: ClassDeclarations | None = None
) -> list[tuple[str, EdgeKind, int | None]]:
    """(feature, kind, index) of every feature a component requires: the spec's, then the
    class's that the spec does not repeat."""
    found: list[tuple[str, EdgeKind, int | None]] = [
        (feature, EdgeKind.REQUIRES_FEATURES, index)
        for index, feature in enumerate(component.requires_features)
    ]
    for feature in classes.requires_features.get(component.name, ()) if classes else ():
        if feature not in component.requires_features:
            found.append((feature, EdgeKind.CLASS_REQUIRES_FEATURES, None))
    return found


def feature_providers(
    components: Sequence[ComponentSpec], classes: ClassDeclarations | None = None
) -> dict[str, list[str]]:
    """Each feature with the enabled components that provide it, in declared order."""
    providers: dict[str, list[str]] = {}
    for component in components:
        if component.enabled:
            for feature in sorted(provided_features(component, classes)):
                providers.setdefault(feature, []).append(component.name)
    return providers


def ordering_edges(
    components: Sequence[ComponentSpec], classes: ClassDeclarations | None = None
) -> list[Edge]:
    """The binding ordering edges between the enabled components.

    Constraints naming the component itself, an unknown or a disabled component make no edge:
    they are reported on their own. A required feature binds to its providers, leaving out,
    when there are several, those that other constraints put after the component (one provider
    is enough); of those, to the ones declared before the component, and when there are none,
    to every later one (which is then an order violation, or part of a cycle).
    """
    enabled = {c.name for c in components if c.enabled}
    position = {c.name: index for index, c in enumerate(components)}
    providers = feature_providers(components, classes)
    fixed = {c.name: _constraint_edges(c, enabled, classes) for c in components if c.enabled}
    following: dict[str, list[str]] = {}
    for edge in (edge for found in fixed.values() for edge in found):
        following.setdefault(edge.first, []).append(edge.then)
    later_than: dict[str, set[str]] = {}
    edges: list[Edge] = []
    for component in components:
        if not component.enabled:
            continue
        name = component.name
        edges.extend(fixed[name])
        for feature, kind, entry in feature_requirements(component, classes):
            others = [p for p in providers.get(feature, ()) if p != name]
            if len(others) > 1:
                # One provider is enough: those that other constraints already put after the
                # component cannot be it, and binding to them would report a cycle that a
                # valid order avoids.
                if name not in later_than:
                    later_than[name] = _reachable(name, following)
                others = [p for p in others if p not in later_than[name]] or others
            candidates = [p for p in others if position[p] < position[name]] or others
            for provider in candidates:
                edges.append(Edge(provider, name, kind, name, entry, feature))
    return edges


def _constraint_edges(
    component: ComponentSpec, enabled: set[str], classes: ClassDeclarations | None
) -> list[Edge]:
    """The edges of a component's depends_on, after and before, and of its class's DEPENDS_ON."""
    name = component.name
    edges: list[Edge] = []
    lists = (
        (EdgeKind.DEPENDS_ON, component.depends_on),
        (EdgeKind.AFTER, component.after),
        (EdgeKind.BEFORE, component.before),
    )
    for kind, targets in lists:
        for index, target in enumerate(targets):
            if target == name or target not in enabled:
                continue
            if kind is EdgeKind.BEFORE:
                edges.append(Edge(name, target, kind, name, index))
            else:
                edges.append(Edge(target, name, kind, name, index))
    declared = set(component.depends_on)
    for target in classes.depends_on.get(name, ()) if classes else ():
        if target in enabled and target != name and target not in declared:
            edges.append(Edge(target, name, EdgeKind.CLASS_DEPENDS_ON, name))
    return edges


def _reachable(start: str, following: Mapping[str, Sequence[str]]) -> set[str]:
    """Every name that ``following`` puts after ``start``, directly or through others."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for after in following.get(stack.pop(), ()):
            if after not in seen:
                seen.add(after)
                stack.append(after)
    return seen


def order_violations(order: Sequence[str], edges: Iterable[Edge]) -> list[Edge]:
    """The edges that ``order`` (a declaration order of names) breaks."""
    position = {name: index for index, name in enumerate(order)}
    return [e for e in edges if position[e.first] > position[e.then]]


def strongly_connected_components(nodes: Sequence[str], edges: Iterable[Edge]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that long chains do not exhaust the stack."""
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for edge in edges:
        successors[edge.then].append(edge.first)
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, next_child = work.pop()
            if next_child == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors[node]
            if next_child < len(children):
                work.append((node, next_child + 1))
                child = children[next_child]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


@attrs.frozen
class Cycle:
    """Components that constrain each other in a circle.

    ``path`` is one closed path of edges through them, starting at the earliest declared member
    and read as "comes after": ``a -> b`` means ``a`` must come after ``b``. ``edges`` holds every
    edge between members, ``path`` ones included.
    """

    path: tuple[Edge, ...]
    members: frozenset[str]
    edges: tuple[Edge, ...]

    def parallel(self, step: Edge) -> list[Edge]:
        """Every edge that orders the same two components as ``step``, in the same direction."""
        return [e for e in self.edges if (e.first, e.then) == (step.first, step.then)]

    def is_broken_without(self, removed: Sequence[Edge]) -> bool:
        """Whether the members would no longer form any circle without ``removed``."""
        kept = [e for e in self.edges if e not in removed]
        groups = strongly_connected_components(sorted(self.members), kept)
        return all(len(group) == 1 for group in groups)


def find_cycles(order: Sequence[str], edges: Sequence[Edge]) -> list[Cycle]:
    """One :class:`Cycle` for every group of components that constrain each other in a circle,
    in the declared order of their earliest member."""
    position = {name: index for index, name in enumerate(order)}
    cycles = []
    for group in strongly_connected_components(order, edges):
        if len(group) < 2:
            continue
        members = frozenset(group)
        inner = tuple(e for e in edges if e.first in members and e.then in members)
        start = min(group, key=position.__getitem__)
        path = tuple(_shortest_cycle_through(start, inner, position))
        cycles.append(Cycle(path, members, inner))
    cycles.sort(key=lambda cycle: position[cycle.path[0].then])
    return cycles


def _shortest_cycle_through(
    start: str, edges: Sequence[Edge], position: Mapping[str, int]
) -> list[Edge]:
    outgoing: dict[str, list[Edge]] = {}
    for edge in sorted(edges, key=lambda e: (position[e.first], e.kind.value)):
        outgoing.setdefault(edge.then, []).append(edge)
    came_by: dict[str, Edge] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for edge in outgoing.get(node, ()):
            if edge.first == start:
                path = [edge]
                while path[-1].then != start:
                    path.append(came_by[path[-1].then])
                return list(reversed(path))
            if edge.first not in came_by:
                came_by[edge.first] = edge
                queue.append(edge.first)
    raise AssertionError(f"{start} is in a strongly connected group but on no cycle")


def lost_with(
    failed: str,
    components: Sequence[ComponentSpec],
    classes: ClassDeclarations | None = None,
) -> list[str]:
    """The enabled components that are not built because ``failed`` fails, in declared order:
    those that would be built otherwise, and depend on a component not built or require a
    feature that no earlier component still built provides."""
    baseline = _not_built(None, components, classes)
    lost = _not_built(failed, components, classes) - baseline - {failed}
    return [c.name for c in components if c.name in lost]


def lost_with_each(
    failed: Iterable[str],
    components: Sequence[ComponentSpec],
    classes: ClassDeclarations | None = None,
) -> dict[str, list[str]]:
    """:func:`lost_with` for each name of ``failed``, sharing the work that does not depend on
    which component fails: each answer costs what it reaches, not the whole spec."""
    impact = _Impact(components, classes)
    return {name: impact.lost(name) for name in failed}


class _Impact:
    """The components, indexed once, for following a failure to what it leaves unbuilt."""

    def __init__(
        self, components: Sequence[ComponentSpec], classes: ClassDeclarations | None
    ) -> None:
        self.enabled = [c for c in components if c.enabled]
        self.place = {c.name: index for index, c in enumerate(self.enabled)}
        self.baseline = _not_built(None, components, classes)
        self.depends: list[set[str]] = []
        self.needs: list[list[str]] = []
        self.provides: list[set[str]] = []
        self.dependents: dict[str, list[int]] = {}
        self.requirers: dict[str, list[int]] = {}
        self.providers: dict[str, list[int]] = {}
        for index, component in enumerate(self.enabled):
            self._index(index, component, classes)

    def _index(
        self, index: int, component: ComponentSpec, classes: ClassDeclarations | None
    ) -> None:
        depends = {*component.depends_on}
        depends.update(classes.depends_on.get(component.name, ()) if classes else ())
        needs = [f for f, _, _ in feature_requirements(component, classes)]
        provides = provided_features(component, classes)
        self.depends.append(depends)
        self.needs.append(needs)
        self.provides.append(provides)
        for name in depends:
            self.dependents.setdefault(name, []).append(index)
        for feature in needs:
            self.requirers.setdefault(feature, []).append(index)
        if component.name not in self.baseline:
            for feature in provides:
                self.providers.setdefault(feature, []).append(index)

    def lost(self, failed: str) -> list[str]:
        """The components not built because ``failed`` fails, as :func:`lost_with` says.

        Only the components declared after a lost one can be lost through it, so candidates
        are taken in declared order: each is decided once every earlier loss is known."""
        start = self.place.get(failed)
        if start is None or failed in self.baseline:
            return []
        lost = {start}
        waiting = self._reached(start)
        heapq.heapify(waiting)
        decided = {start}
        while waiting:
            index = heapq.heappop(waiting)
            if index in decided:
                continue
            decided.add(index)
            if self.enabled[index].name in self.baseline or not self._loses(index, lost):
                continue
            lost.add(index)
            for reached in self._reached(index):
                heapq.heappush(waiting, reached)
        return [self.enabled[index].name for index in sorted(lost - {start})]

    def _reached(self, index: int) -> list[int]:
        """The components declared after ``index`` that its loss may leave unbuilt."""
        reached = list(self.dependents.get(self.enabled[index].name, ()))
        for feature in self.provides[index]:
            reached += self.requirers.get(feature, ())
        return [other for other in reached if other > index]

    def _loses(self, index: int, lost: set[int]) -> bool:
        if any(self.place.get(name) in lost for name in self.depends[index]):
            return True
        return any(not self._still_provided(feature, index, lost) for feature in self.needs[index])

    def _still_provided(self, feature: str, index: int, lost: set[int]) -> bool:
        for provider in self.providers.get(feature, ()):
            if provider >= index:
                return False
            if provider not in lost:
                return True
        return False


def _not_built(
    failed: str | None, components: Sequence[ComponentSpec], classes: ClassDeclarations | None
) -> set[str]:
    gone: set[str] = set()
    provided: set[str] = set()
    for component in components:
        if not component.enabled:
            continue
        name = component.name
        depends_on = {*component.depends_on}
        depends_on.update(classes.depends_on.get(name, ()) if classes else ())
        needs = [f for f, _, _ in feature_requirements(component, classes)]
        if name == failed or depends_on & gone or any(f not in provided for f in needs):
            gone.add(name)
        else:
            provided.update(provided_features(component, classes))
    return gone


def lowest_first(order: Sequence[str], pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm over ``(first, then)`` pairs, taking the ready component declared first:
    the identity on an order that breaks no constraint. Raises ``ValueError`` on a cycle."""
    index = {name: number for number, name in enumerate(order)}
    waiting = dict.fromkeys(order, 0)
    successors: dict[str, list[str]] = {name: [] for name in order}
    for first, then in pairs:
        waiting[then] += 1
        successors[first].append(then)
    ready = [index[name] for name in order if waiting[name] == 0]
    heapq.heapify(ready)
    placed: list[str] = []
    while ready:
        name = order[heapq.heappop(ready)]
        placed.append(name)
        for then in successors[name]:
            waiting[then] -= 1
            if waiting[then] == 0:
                heapq.heappush(ready, index[then])
    if len(placed) != len(order):
        raise ValueError("the ordering constraints form a cycle")
    return placed


def order_keeping(order: Sequence[str], fixed: Collection[str], edges: Sequence[Edge]) -> list[str]:
    """``order`` with the names not in ``fixed`` moved where the edges place them, as early as
    they allow, and the ``fixed`` names kept in their relative order; ``order`` itself when no
    valid order keeps them (the edges form a cycle, or contradict the fixed names' order)."""
    kept = [name for name in order if name in fixed]
    chain = list(zip(kept, kept[1:], strict=False))
    try:
        return lowest_first(order, [*((e.first, e.then) for e in edges), *chain])
    except ValueError:
        return list(order)
