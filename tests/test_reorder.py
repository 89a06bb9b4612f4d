"""Reordering: the nearest valid order, its promise, and the text moved faithfully."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from pathlib import Path

from hypothesis import event, given, note
from hypothesis import strategies as st

from adb_manager import ValidationOptions, reorder_file, reorder_text, validate_text
from adb_manager.reorder import UNSUPPORTED_LAYOUT, nearest_order

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/artifactdb/artifactdb.yaml"
SPECS = Path(__file__).resolve().parent / "specs"
NO_IMPORT = ValidationOptions(import_classes=False)
HEADER = "# generated\nversion: 1\ncomponents:\n"


# Generated specs: acyclic constraints, random declaration orders, comments everywhere.


@st.composite
def acyclic_specs(draw: st.DrawFn) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """Names in a random declaration order, and each one's constraints as (kind, target) pairs,
    all pointing along a hidden order, so that a valid order exists."""
    count = draw(st.integers(1, 6))
    hidden = [f"c{i}" for i in range(count)]
    constraints: dict[str, list[tuple[str, str]]] = {name: [] for name in hidden}
    for position, name in enumerate(hidden):
        for earlier in hidden[:position]:
            kind = draw(st.sampled_from(["none", "none", "depends_on", "after", "before"]))
            if kind == "before":
                constraints[earlier].append(("before", name))
            elif kind != "none":
                constraints[name].append((kind, earlier))
    return draw(st.permutations(hidden)), constraints


def block(name: str, constraints: Sequence[tuple[str, str]], flow: bool) -> str:
    """One component's lines: a comment above it, an inline one, and one at its end."""
    lines = [f"  # about {name}", f"  - name: {name}   # {name} here", f"    class: 'gen:{name}'"]
    for kind in ("depends_on", "after", "before"):
        targets = [target for k, target in constraints if k == kind]
        if targets and flow:
            lines.append(f"    {kind}: [{', '.join(targets)}]")
        elif targets:
            lines.append(f"    {kind}:")
            lines += [f"      - {target}" for target in targets]
    lines.append(f"    # end of {name}")
    return "\n".join(lines) + "\n"


def render(order: Sequence[str], blocks: dict[str, str]) -> str:
    return HEADER + "\n".join(blocks[name] for name in order)


def satisfies(order: Sequence[str], constraints: dict[str, list[tuple[str, str]]]) -> bool:
    place = {name: index for index, name in enumerate(order)}
    for owner, entries in constraints.items():
        for kind, target in entries:
            first, then = (owner, target) if kind == "before" else (target, owner)
            if place[first] > place[then]:
                return False
    return True


def common_subsequence(a: Sequence[str], b: Sequence[str]) -> int:
    """The length of a longest common subsequence."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


@given(acyclic_specs(), st.booleans())
def test_reordering_generated_specs_keeps_its_promise(
    spec: tuple[list[str], dict[str, list[tuple[str, str]]]], flow: bool
) -> None:
    """The output validates, moves exactly as few components as the best valid order, is
    idempotent, leaves a valid input byte for byte, and consists of the input's blocks."""
    declared, constraints = spec
    blocks = {name: block(name, constraints[name], flow) for name in declared}
    text = render(declared, blocks)
    note(text)

    result = reorder_text(text, "gen.yaml", NO_IMPORT)

    assert not result.blocked, result.diagnostics
    assert result.text == render(result.order, blocks)
    assert validate_text(result.text, "gen.yaml", NO_IMPORT).ok
    best = max(
        common_subsequence(declared, order)
        for order in permutations(declared)
        if satisfies(order, constraints)
    )
    assert len(result.moves) == len(declared) - best
    assert common_subsequence(declared, result.order) == best
    kept = [name for name in result.order if name not in {m.name for m in result.moves}]
    assert kept == [name for name in declared if name in kept]
    assert reorder_text(result.text, "gen.yaml", NO_IMPORT).text == result.text
    if satisfies(declared, constraints):
        event("already valid")
        assert result.text == text
        assert result.moves == ()
    comments = [line for line in text.splitlines() if "#" in line]
    assert sorted(line for line in result.text.splitlines() if "#" in line) == sorted(comments)


def test_nearest_order_moves_the_dependency_up() -> None:
    """When moving either of two components would do, the one that must come first moves up,
    as validation's advice says."""
    text = (
        "version: 1\ncomponents:\n"
        "  - {name: b, class: 'x:B', depends_on: [a]}\n"
        "  - {name: c, class: 'x:C'}\n"
        "  - {name: a, class: 'x:A'}\n"
    )

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.order == ("a", "b", "c")
    assert [(m.name, m.old, m.new, m.line) for m in result.moves] == [("a", 3, 1, 5)]


def test_nearest_order_is_the_identity_on_a_valid_order() -> None:
    """No edge broken: nothing moves."""
    assert nearest_order(["x", "y", "z"], []) == ["x", "y", "z"]


def misordered_example() -> str:
    """The example with storage_manager's block below sequence_manager's."""
    text = EXAMPLE.read_text(encoding="utf-8")
    storage = text.index("  - name: storage_manager")
    sequences = text.index("  - name: sequence_manager")
    after = text.index("  # The original declares")
    return text[:storage] + text[sequences:after] + text[storage:sequences] + text[after:]


def test_the_example_is_left_as_it_is() -> None:
    """A valid file comes back identical, with imports."""
    result = reorder_file(EXAMPLE)

    assert not result.changed
    assert result.text == EXAMPLE.read_text(encoding="utf-8")


def test_a_misordered_example_comes_back_as_the_example(tmp_path: Path) -> None:
    """Classes imported from beside the spec; the moved block takes its comments along."""
    path = EXAMPLE.parent / "misordered-copy.yaml"
    path.write_text(misordered_example(), encoding="utf-8")
    try:
        result = reorder_file(path)
    finally:
        path.unlink()

    assert result.text == EXAMPLE.read_text(encoding="utf-8")
    assert [(m.name, m.old, m.new) for m in result.moves] == [("storage_manager", 2, 1)]


def test_crlf_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    """Line ends and the BOM stay as they were."""
    expected = "\ufeff" + EXAMPLE.read_text(encoding="utf-8").replace("\n", "\r\n")
    misordered = "\ufeff" + misordered_example().replace("\n", "\r\n")
    path = tmp_path / "crlf.yaml"
    path.write_bytes(misordered.encode("utf-8"))

    result = reorder_file(path, NO_IMPORT)

    assert result.text == expected


def test_last_component_without_a_final_line_break() -> None:
    """The line break goes with the place, not with the component."""
    text = "version: 1\ncomponents:\n- name: b\n  class: x:B\n  after: [a]\n- name: a\n  class: x:A"

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.text == (
        "version: 1\ncomponents:\n- name: a\n  class: x:A\n- name: b\n  class: x:B\n  after: [a]"
    )


def test_flow_style_list_and_quoting() -> None:
    """In a flow list the items swap places; separators, quotes and comments after stay."""
    text = (
        "version: 1\ncomponents: [{name: \"b\", class: 'x:B', before: []},\n"
        "  {name: a, class: x:A, before: [b]}]  # two\n"
    )

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.text == (
        "version: 1\ncomponents: [{name: a, class: x:A, before: [b]},\n"
        "  {name: \"b\", class: 'x:B', before: []}]  # two\n"
    )


def test_json_spec() -> None:
    """JSON is reordered item by item, indentation kept."""
    text = (
        '{\n  "version": 1,\n  "components": [\n'
        '    {"name": "b", "class": "x:B", "depends_on": ["a"]},\n'
        '    {"name": "a", "class": "x:A"}\n  ]\n}\n'
    )

    result = reorder_text(text, "s.json", NO_IMPORT, is_json=True)

    assert result.text == (
        '{\n  "version": 1,\n  "components": [\n'
        '    {"name": "a", "class": "x:A"},\n'
        '    {"name": "b", "class": "x:B", "depends_on": ["a"]}\n  ]\n}\n'
    )


def test_comments_between_and_inside_components() -> None:
    """Blank lines stay in place; comments above, inside and at the end move with their
    component; a comment after the list stays."""
    text = (
        "version: 1\n"
        "components:\n"
        "  # b needs a\n"
        "  - name: b\n"
        "    # inside b\n"
        '    class: "x:B"\n'
        "    depends_on:\n"
        "      - a  # here\n"
        "    # end of b\n"
        "\n"
        "  # a first\n"
        "\n"
        "  # really\n"
        "  - name: a\n"
        "    class: x:A\n"
        "# after the list\n"
        "config: {}\n"
    )

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.text == (
        "version: 1\n"
        "components:\n"
        "  # a first\n"
        "\n"
        "  # really\n"
        "  - name: a\n"
        "    class: x:A\n"
        "\n"
        "  # b needs a\n"
        "  - name: b\n"
        "    # inside b\n"
        '    class: "x:B"\n'
        "    depends_on:\n"
        "      - a  # here\n"
        "    # end of b\n"
        "# after the list\n"
        "config: {}\n"
    )


def test_class_dependencies_count_when_classes_are_imported() -> None:
    """Sequences' class DEPENDS_ON storage: with imports it moves, without it stays."""
    text = (
        "version: 1\ncomponents:\n"
        "  - {name: sequences, class: demo_components:Sequences}\n"
        "  - {name: storage, class: demo_components:Storage}\n"
    )
    options = ValidationOptions(search_path=(str(SPECS),))

    assert reorder_text(text, "s.yaml", options).order == ("storage", "sequences")
    assert not reorder_text(text, "s.yaml", NO_IMPORT).changed


def test_errors_it_cannot_fix_leave_the_text_alone() -> None:
    """A cycle and an unknown dependency are reported; the text is unchanged."""
    text = (
        "version: 1\ncomponents:\n"
        "  - {name: a, class: x:A, depends_on: [b]}\n"
        "  - {name: b, class: x:B, after: [a]}\n"
        "  - {name: c, class: x:C, depends_on: [ghost]}\n"
    )

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.text == text
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (3, "cycle"),
        (5, "unknown-dependency"),
    ]


def test_a_layout_it_cannot_rewrite_is_reported_at_its_place() -> None:
    """A dash alone on its line: a positioned diagnostic, not a guess."""
    text = "version: 1\ncomponents:\n  -\n    name: b\n    class: x:B\n    after: [a]\n"
    text += "  - name: a\n    class: x:A\n"

    result = reorder_text(text, "s.yaml", NO_IMPORT)

    assert result.text == text
    assert result.unsupported
    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [(4, 5, UNSUPPORTED_LAYOUT)]
