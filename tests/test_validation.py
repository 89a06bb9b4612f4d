"""Validation: every mistake of a spec, each with its code, line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from adb_manager import (
    BuildError,
    ComponentSpec,
    ManagerSpec,
    Severity,
    SpecError,
    ValidationOptions,
    from_spec,
    validate_data,
    validate_file,
    validate_text,
)

ROOT = Path(__file__).resolve().parent.parent
SPECS = Path(__file__).resolve().parent / "specs"
NO_IMPORT = ValidationOptions(import_classes=False)
WITH_DEMO = ValidationOptions(search_path=(str(SPECS),))


def findings(text: str, options: ValidationOptions = NO_IMPORT) -> list[tuple[int, int, str]]:
    """(line, column, code) of every diagnostic of a dedented spec."""
    result = validate_text(textwrap.dedent(text), "spec.yaml", options)
    return [(d.line, d.column, d.code) for d in result.diagnostics]


def messages(text: str, options: ValidationOptions = NO_IMPORT) -> list[str]:
    result = validate_text(textwrap.dedent(text), "spec.yaml", options)
    return [d.message for d in result.diagnostics]


def test_four_mistakes_are_all_reported_at_their_own_lines() -> None:
    """The example with an order violation, a cycle, a misspelt key and an unknown dependency."""
    result = validate_file(ROOT / "examples/invalid/four-mistakes.yaml", NO_IMPORT)

    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [
        (9, 18, "order-violation"),
        (14, 18, "cycle"),
        (20, 5, "unknown-key"),
        (21, 18, "unknown-dependency"),
    ]
    assert not result.ok
    assert result.spec is None


def test_a_clean_spec_structures_into_the_model() -> None:
    """A valid spec has no diagnostic and gives the attrs model with defaults applied."""
    result = validate_text(
        """\
        version: 1
        components:
          - name: storage
            class: demo_components:Storage
          - name: sequences
            class: demo_components:Sequences
            depends_on: [storage]
            features: [extra-feature]
        """.replace("        ", ""),
        "spec.yaml",
        WITH_DEMO,
    )

    assert result.diagnostics == ()
    assert result.spec is not None
    assert result.spec.manager.name == "backend"
    assert [c.name for c in result.spec.components] == ["storage", "sequences"]
    assert result.spec.components[1].depends_on == ("storage",)
    assert result.spec.components[1].enabled is True


def test_misspelt_keys_suggest_the_right_one() -> None:
    """Unknown keys are reported at the key itself, with a suggestion."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:C
        depends-on: []
        require: true
        colour: red
    """
    assert findings(text) == [
        (5, 5, "unknown-key"),
        (6, 5, "unknown-key"),
        (7, 5, "unknown-key"),
    ]
    found = messages(text)
    assert "did you mean 'depends_on'?" in found[0]
    assert "did you mean 'required'?" in found[1]
    assert "allowed keys:" in found[2]


def test_top_level_unknown_key_and_missing_keys() -> None:
    """Unknown top-level keys and missing required keys point at the right node."""
    text = """\
    version: 1
    componets: []
    """
    assert findings(text) == [(1, 1, "missing-key"), (2, 1, "unknown-key")]
    assert "did you mean 'components'?" in messages(text)[1]


def test_missing_class_points_at_the_component() -> None:
    """A component without its class is reported at the component's mapping."""
    text = """\
    version: 1
    components:
      - name: alpha
        required: true
    """
    assert findings(text) == [(3, 5, "missing-key")]
    assert messages(text) == ["component 'alpha' is missing the required key 'class'"]


def test_wrong_types_point_at_the_value() -> None:
    """Values of the wrong type are reported at the value, with YAML 1.1 hints."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:C
        required: yes
        enabled: 0
        depends_on: beta
    """
    assert findings(text) == [
        (5, 15, "wrong-type"),
        (6, 14, "wrong-type"),
        (7, 17, "wrong-type"),
    ]
    assert "'yes' is a string in YAML 1.2" in messages(text)[0]


def test_malformed_names_features_class_paths_and_version() -> None:
    """Patterns of names, features and class paths, and the version, each have a code."""
    text = """\
    version: 2
    components:
      - name: Alpha-One
        class: not a path
        features: [Bad_Feature, ok-feature]
    """
    assert findings(text) == [
        (1, 10, "unsupported-version"),
        (3, 11, "invalid-name"),
        (4, 12, "invalid-class-path"),
        (5, 16, "invalid-feature"),
    ]


def test_duplicate_names_and_list_items_point_at_the_second() -> None:
    """The second of two equal names, or of two equal list items, is the one reported."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:C
      - name: beta
        class: a.b:D
        depends_on:
          - alpha
          - alpha
      - name: alpha
        class: a.b:E
    """
    assert findings(text) == [(9, 9, "duplicate-item"), (10, 11, "duplicate-name")]
    assert messages(text)[1] == "duplicate component name 'alpha'; first declared at line 3"


def test_references_to_itself_unknown_and_disabled_components() -> None:
    """Hard references must name another enabled component; soft ones are lenient."""
    text = """\
    version: 1
    components:
      - name: off
        class: a.b:Off
        enabled: false
      - name: alpha
        class: a.b:C
        depends_on: [alpha, off, ghost]
        after: [off, spectre]
        before: [alpha]
    """
    result = validate_text(textwrap.dedent(text), "spec.yaml", NO_IMPORT)

    assert [(d.line, d.column, d.code, d.severity) for d in result.diagnostics] == [
        (8, 18, "self-reference", Severity.ERROR),
        (8, 25, "disabled-dependency", Severity.ERROR),
        (8, 30, "unknown-dependency", Severity.ERROR),
        (9, 13, "disabled-reference", Severity.INFO),
        (9, 18, "unknown-reference", Severity.WARNING),
        (10, 14, "self-reference", Severity.ERROR),
    ]


def test_a_disabled_component_may_depend_on_a_disabled_one() -> None:
    """Disabled components are not built, so their references to disabled ones do not matter."""
    text = """\
    version: 1
    components:
      - name: first
        class: a.b:C
        enabled: false
      - name: second
        class: a.b:D
        enabled: false
        depends_on: [first]
    """
    assert findings(text) == []


def test_order_violations_of_each_kind_name_both_components() -> None:
    """depends_on, after and before broken by the declared order, each at its entry."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:A
        depends_on: [beta]
        after: [gamma]
      - name: beta
        class: a.b:B
      - name: gamma
        class: a.b:C
        before: [beta]
    """
    assert findings(text) == [
        (5, 18, "order-violation"),
        (6, 13, "order-violation"),
        (11, 14, "order-violation"),
    ]
    assert messages(text) == [
        "'alpha' depends on 'beta', which is declared later (line 7); move 'beta' above 'alpha'",
        "'alpha' must come after 'gamma', which is declared later (line 9);"
        " move 'gamma' above 'alpha'",
        "'gamma' must come before 'beta', which is declared earlier (line 7);"
        " move 'gamma' above 'beta'",
    ]


def test_soft_constraints_to_disabled_components_do_not_bind() -> None:
    """An after naming a disabled component declared later is not an order violation."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:A
        after: [beta]
      - name: beta
        class: a.b:B
        enabled: false
    """
    assert findings(text) == [(5, 13, "disabled-reference")]


def test_a_cycle_reports_its_whole_path_with_lines_and_soft_edges() -> None:
    """A three-component cycle names every edge, its line, and which are soft."""
    text = """\
    version: 1
    components:
      - name: alpha
        class: a.b:A
        after: [gamma]
      - name: beta
        class: a.b:B
        depends_on: [alpha]
      - name: gamma
        class: a.b:C
        depends_on: [beta]
    """
    assert findings(text) == [(5, 13, "cycle")]
    assert messages(text) == [
        "ordering cycle alpha -> gamma -> beta -> alpha: alpha after gamma at line 5 (soft),"
        " gamma depends_on beta at line 11, beta depends_on alpha at line 8;"
        " drop one of the soft constraints: alpha after gamma"
    ]


def test_a_hard_only_cycle_says_no_edge_is_soft() -> None:
    """A cycle of hard dependencies cannot be broken by dropping a soft constraint."""
    text = """\
    version: 1
    components:
      - name: es
        class: a.b:Es
        depends_on: [revision_manager]
      - name: revision_manager
        class: a.b:Revisions
        depends_on: [es]
    """
    assert findings(text) == [(5, 18, "cycle")]
    assert messages(text)[0].endswith("every edge is a hard dependency: one of them must go")


def test_two_separate_cycles_are_both_reported() -> None:
    """Each group of components in a circle gets its own diagnostic."""
    text = """\
    version: 1
    components:
      - name: a
        class: x.y:A
        after: [b]
      - name: b
        class: x.y:B
        after: [a]
      - name: c
        class: x.y:C
        before: [d]
      - name: d
        class: x.y:D
        before: [c]
    """
    assert findings(text) == [(5, 13, "cycle"), (14, 14, "cycle")]


def test_required_component_depending_on_an_optional_one_is_an_error() -> None:
    """A required component cannot hard-depend on an optional one."""
    text = """\
    version: 1
    components:
      - name: extras
        class: a.b:Extras
        required: false
      - name: core
        class: a.b:Core
        depends_on: [extras]
      - name: more
        class: a.b:More
        required: false
        depends_on: [extras]
    """
    assert findings(text) == [(8, 18, "required-depends-on-optional")]
    assert messages(text)[0] == (
        "required 'core' depends on optional 'extras': if 'extras' fails, the whole manager"
        " fails; mark 'extras' required: true or 'core' required: false"
    )


def test_a_feature_provided_twice_is_a_warning() -> None:
    """Two components providing one feature is legal but reported."""
    text = """\
    version: 1
    components:
      - name: one
        class: a.b:One
        features: [search]
      - name: two
        class: a.b:Two
        features: [search]
    """
    result = validate_text(textwrap.dedent(text), "spec.yaml", NO_IMPORT)

    assert [(d.line, d.column, d.code, d.severity) for d in result.diagnostics] == [
        (8, 16, "duplicate-feature", Severity.WARNING)
    ]
    assert result.ok
    assert result.failed(strict=True)


def test_class_checks_with_imports() -> None:
    """Imported classes must exist, be components, agree on NAME and declare good features."""
    text = """\
    version: 1
    components:
      - name: storage
        class: demo_components:Storage
      - name: missing
        class: demo_components:Missing
      - name: ghost
        class: no_such_module_here:Ghost
      - name: not_a_component
        class: demo_components:NotAComponent
      - name: wrong_name
        class: demo_components:Optional
      - name: bad_feature
        class: demo_components:BadFeature
    """
    assert findings(text, WITH_DEMO) == [
        (6, 12, "class-not-found"),
        (8, 12, "class-not-found"),
        (10, 12, "not-a-component"),
        (11, 11, "name-mismatch"),
        (14, 12, "class-declaration"),
    ]
    assert findings(text) == []


def test_class_depends_on_must_be_satisfied_by_the_spec() -> None:
    """A class's DEPENDS_ON is checked against the spec: present, enabled and earlier."""
    missing = """\
    version: 1
    components:
      - name: sequences
        class: demo_components:Sequences
    """
    later = """\
    version: 1
    components:
      - name: sequences
        class: demo_components:Sequences
      - name: storage
        class: demo_components:Storage
    """
    assert findings(missing, WITH_DEMO) == [(4, 12, "class-dependency")]
    assert findings(later, WITH_DEMO) == [(4, 12, "order-violation")]
    assert messages(later, WITH_DEMO) == [
        "'sequences' depends (by its class's DEPENDS_ON) on 'storage', which is declared later"
        " (line 5); move 'storage' above 'sequences'"
    ]


def test_class_required_counts_for_the_required_optional_rule() -> None:
    """With imports, the class's REQUIRED decides when the spec leaves required unset."""
    text = """\
    version: 1
    components:
      - name: optional
        class: demo_components:Optional
      - name: core
        class: demo_components:Unnamed
        depends_on: [optional]
    """
    assert findings(text, WITH_DEMO) == [(7, 18, "required-depends-on-optional")]


def test_manager_class_must_be_a_manager() -> None:
    """The manager's class path is imported and checked too."""
    text = """\
    version: 1
    manager:
      class: demo_components:Storage
    components: []
    """
    assert findings(text, WITH_DEMO) == [(3, 10, "not-a-manager")]


def test_validate_data_and_from_spec_reject_bad_specs() -> None:
    """In-memory data is validated too; from_spec raises SpecError with every diagnostic."""
    data = {"version": 1, "components": [{"name": "x", "class": "a.b:C", "depends_on": ["y"]}]}
    result = validate_data(data, options=NO_IMPORT)

    assert [d.code for d in result.diagnostics] == ["unknown-dependency"]
    with pytest.raises(SpecError) as raised:
        from_spec(data, options=NO_IMPORT)
    assert [d.code for d in raised.value.diagnostics] == ["unknown-dependency"]


def test_from_spec_builds_a_valid_spec() -> None:
    """from_spec validates, then builds and starts the manager."""
    data = {
        "version": 1,
        "manager": {"name": "tiny"},
        "components": [
            {"name": "storage", "class": "demo_components:Storage"},
            {"name": "sequences", "class": "demo_components:Sequences", "depends_on": ["storage"]},
            {"name": "broken", "class": "demo_components:Broken"},
            {"name": "optional", "class": "demo_components:Optional", "enabled": False},
        ],
    }
    manager = from_spec(data, options=WITH_DEMO)

    assert manager.name == "tiny"
    assert manager.features == ("provisioning", "sequences", "storage")
    assert [(s.name, s.state.value) for s in manager.status] == [
        ("storage", "built"),
        ("sequences", "built"),
        ("broken", "skipped"),
        ("optional", "disabled"),
    ]
    manager.close()


def _package(root: Path, package: str, source: str) -> None:
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("", encoding="utf-8")
    (root / package / "parts.py").write_text(textwrap.dedent(source), encoding="utf-8")


def test_specs_beside_packages_of_the_same_name_each_get_their_own(tmp_path: Path) -> None:
    """Two specs each beside its own 'shop' package are checked against their own, in any order."""
    for name, cls in (("one", "First"), ("two", "Second")):
        _package(
            tmp_path / name,
            "shop_for_adb_tests",
            f"""\
            from adb_manager import BackendComponent
            class {cls}(BackendComponent):
                NAME = "{cls.lower()}"
            """,
        )
        spec = f"version: 1\ncomponents:\n  - name: {cls.lower()}\n"
        spec += f"    class: shop_for_adb_tests.parts:{cls}\n"
        (tmp_path / name / "spec.yaml").write_text(spec, encoding="utf-8")

    for name in ("one", "two", "one"):
        assert validate_file(tmp_path / name / "spec.yaml").diagnostics == ()


def test_a_package_hidden_by_an_imported_module_is_explained(tmp_path: Path) -> None:
    """A spec-side package named like a module already imported (json) is reported as hidden."""
    _package(tmp_path, "json", "X = 1\n")
    (tmp_path / "spec.yaml").write_text(
        "version: 1\ncomponents:\n  - name: x\n    class: json.parts:X\n", encoding="utf-8"
    )
    result = validate_file(tmp_path / "spec.yaml")

    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [(4, 12, "class-not-found")]
    assert "module 'json' is already imported from" in result.diagnostics[0].message
    assert "rename that package" in result.diagnostics[0].message


def test_import_failures_say_what_failed(tmp_path: Path) -> None:
    """A missing module, a module whose own import fails and a misspelt class differ in words."""
    _package(tmp_path, "broken_for_adb_tests", "import no_such_dependency_for_adb_tests\n")
    _package(tmp_path, "fine_for_adb_tests", "class Database:\n    pass\n")
    text = """\
    version: 1
    components:
      - name: a
        class: broken_for_adb_tests.parts:A
      - name: b
        class: fine_for_adb_tests.nothing:B
      - name: c
        class: fine_for_adb_tests.parts:Databse
    """
    options = ValidationOptions(search_path=(str(tmp_path),))

    assert messages(text, options) == [
        "cannot import 'broken_for_adb_tests.parts:A': importing 'broken_for_adb_tests.parts'"
        " failed: ModuleNotFoundError: No module named 'no_such_dependency_for_adb_tests'",
        "cannot import 'fine_for_adb_tests.nothing:B': no module named"
        " 'fine_for_adb_tests.nothing' (looked in the spec's folder, the --path folders and the"
        " installed environment)",
        "cannot import 'fine_for_adb_tests.parts:Databse': 'fine_for_adb_tests.parts' has no"
        " attribute 'Databse'; did you mean 'Database'?",
    ]


def test_cycle_advice_counts_hard_edges_beside_soft_ones() -> None:
    """A step held by a hard and a soft constraint is not one that dropping the soft one breaks."""
    text = """\
    version: 1
    components:
      - name: cache
        class: a.b:Cache
        after: [database]
      - name: database
        class: a.b:Database
        depends_on: [cache]
        after: [cache]
    """
    assert messages(text) == [
        "ordering cycle cache -> database -> cache: cache after database at line 5 (soft),"
        " database depends_on cache at line 8 and database after cache at line 9 (soft);"
        " drop one of the soft constraints: cache after database"
    ]


def test_cycle_advice_when_no_soft_constraint_alone_is_enough() -> None:
    """When every step has a hard edge, the advice says a hard dependency must go."""
    text = """\
    version: 1
    components:
      - name: cache
        class: a.b:Cache
        depends_on: [database]
      - name: database
        class: a.b:Database
        depends_on: [cache]
        after: [cache]
    """
    assert messages(text)[0].endswith(
        "no soft constraint alone breaks it: a hard dependency must go"
    )


def test_names_taken_by_the_manager_are_refused() -> None:
    """A component named like a manager attribute would replace it: reported at the name."""
    text = """\
    version: 1
    components:
      - name: status
        class: a.b:Status
      - name: build
        class: a.b:Build
    """
    assert findings(text) == [(3, 11, "reserved-name"), (5, 11, "reserved-name")]
    assert messages(text)[0] == (
        "'status' is taken by the manager itself (BackendManagerBase.status); rename it"
    )


def test_components_of_the_manager_class_count_as_declared() -> None:
    """Names the manager class builds from COMPONENTS satisfy references and cannot be reused."""
    text = """\
    version: 1
    manager:
      class: demo_components:ManagerWithStorage
    components:
      - name: sequences
        class: demo_components:Sequences
        depends_on: [storage]
      - name: storage
        class: demo_components:Storage
    """
    assert findings(text, WITH_DEMO) == [(8, 11, "duplicate-name")]
    assert messages(text, WITH_DEMO) == [
        "'storage' is already built by the COMPONENTS of ManagerWithStorage"
    ]


def test_class_declarations_of_the_wrong_type_are_reported() -> None:
    """A string DEPENDS_ON or a non-boolean REQUIRED is a diagnostic, not a crash."""
    text = """\
    version: 1
    components:
      - name: stringly
        class: demo_components:StringlyDeclared
    """
    assert findings(text, WITH_DEMO) == [(4, 12, "class-declaration")]
    assert messages(text, WITH_DEMO) == [
        "demo_components:StringlyDeclared declares DEPENDS_ON must be a list or tuple of names,"
        " not 'storage'; REQUIRED must be True or False, not 'no'"
    ]


def test_a_module_that_exits_on_import_does_not_end_validation() -> None:
    """SystemExit raised while importing is a diagnostic; the other findings are still there."""
    text = """\
    version: 2
    components:
      - name: exits
        class: exits_on_import:Anything
        requird: true
    """
    assert findings(text, WITH_DEMO) == [
        (1, 10, "unsupported-version"),
        (4, 12, "class-not-found"),
        (5, 5, "unknown-key"),
    ]
    assert "raised SystemExit: 0" in messages(text, WITH_DEMO)[1]


def test_from_spec_validates_a_model_too() -> None:
    """A ManagerSpec given to from_spec is validated like a file before anything is built."""
    spec = ManagerSpec(
        components=(
            ComponentSpec(name="sequences", class_path="demo_components:Sequences"),
            ComponentSpec(name="storage", class_path="demo_components:Storage"),
        )
    )
    with pytest.raises(SpecError) as raised:
        from_spec(spec, options=WITH_DEMO)

    assert [d.code for d in raised.value.diagnostics] == ["order-violation"]


def test_a_component_exiting_while_built_aborts_and_closes_the_others() -> None:
    """SystemExit from a required constructor is a build failure; what was built is closed."""
    closed: list[str] = []
    data = {
        "version": 1,
        "config": {"closed": closed},
        "components": [
            {"name": "closing", "class": "demo_components:Closing"},
            {"name": "exits", "class": "demo_components:ExitsWhenBuilt"},
        ],
    }
    with pytest.raises(BuildError) as raised:
        from_spec(data, options=WITH_DEMO)

    assert raised.value.component == "exits"
    assert raised.value.reason == "ExitsWhenBuilt() raised SystemExit: 0"
    assert closed == ["closing"]


def test_entries_after_a_non_string_keep_their_own_position() -> None:
    """A number in a list does not shift where the following names are reported."""
    text = """\
    version: 1
    components:
      - name: api
        class: a.b:Api
        depends_on: [7, storage, mailer]
      - name: storage
        class: a.b:Storage
    """
    assert findings(text) == [
        (5, 18, "wrong-type"),
        (5, 21, "order-violation"),
        (5, 30, "unknown-dependency"),
    ]


def test_a_trailing_newline_does_not_pass_a_name_pattern() -> None:
    """Names are matched whole, as editors match them: "storage\\n" is not a name."""
    text = """\
    version: 1
    manager:
      name: "demo\\n"
    components:
      - name: "storage\\n"
        class: "a.b:C\\n"
        features: ["x\\n"]
    """
    assert findings(text) == [
        (3, 9, "invalid-name"),
        (5, 11, "invalid-name"),
        (6, 12, "invalid-class-path"),
        (7, 16, "invalid-feature"),
    ]


def test_duplicates_in_lists_of_mixed_types_are_found() -> None:
    """Unique items are compared as JSON values, whatever their types."""
    text = """\
    version: 1
    components:
      - name: a
        class: x.y:A
        features: [1, one, 1.0, [x], [x]]
    """
    assert findings(text) == [
        (5, 16, "wrong-type"),
        (5, 24, "duplicate-item"),
        (5, 24, "wrong-type"),
        (5, 29, "wrong-type"),
        (5, 34, "duplicate-item"),
        (5, 34, "wrong-type"),
    ]
    assert messages(text)[1] == "1.0 is listed twice in features; first at line 5, column 16"


def test_a_string_version_says_to_write_a_number() -> None:
    """version: "1" is explained as a string, not as an unsupported version."""
    assert messages('version: "1"\ncomponents: []\n') == [
        "version '1' is a string; write 1, a number"
    ]


def test_required_features_are_satisfied_by_any_earlier_provider() -> None:
    """A feature requirement needs an enabled provider declared earlier, found by feature."""
    text = """\
    version: 1
    components:
      - name: blobs
        class: a.b:Blobs
        features: [storage]
      - name: index
        class: a.b:Index
        requires_features: [storage]
      - name: early
        class: a.b:Early
        requires_features: [search]
      - name: search
        class: a.b:Search
        features: [search]
      - name: lonely
        class: a.b:Lonely
        requires_features: [queues, storag]
    """
    assert findings(text) == [
        (11, 25, "order-violation"),
        (17, 25, "unknown-feature"),
        (17, 33, "unknown-feature"),
    ]
    found = messages(text)
    assert found[0] == (
        "'early' requires the feature 'search', provided only by 'search' (line 12),"
        " declared later; move a provider above 'early'"
    )
    assert found[2].endswith(
        "its class FEATURES are not known without imports; did you mean 'storage'?"
    )


def test_required_features_with_imports_count_class_features() -> None:
    """With imports, class FEATURES provide and class REQUIRES_FEATURES require."""
    text = """\
    version: 1
    components:
      - name: needs_storage
        class: demo_components:NeedsStorage
      - name: storage
        class: demo_components:Storage
    """
    assert findings(text, WITH_DEMO) == [(4, 12, "order-violation")]
    assert messages(text, WITH_DEMO)[0].startswith(
        "'needs_storage' requires the feature 'storage', provided only by 'storage' (line 5)"
    )


def test_a_feature_only_disabled_components_provide_is_an_error() -> None:
    """A requirement that only disabled components could satisfy is reported, naming them."""
    text = """\
    version: 1
    components:
      - name: blobs
        class: a.b:Blobs
        features: [storage]
        enabled: false
      - name: index
        class: a.b:Index
        requires_features: [storage]
    """
    assert findings(text) == [(9, 25, "unknown-feature")]
    assert messages(text) == [
        "'index' requires the feature 'storage', provided only by disabled 'blobs'"
    ]


def test_feature_requirements_take_part_in_cycles() -> None:
    """A provider that itself needs the requirer forms a cycle through the feature."""
    text = """\
    version: 1
    components:
      - name: index
        class: a.b:Index
        requires_features: [storage]
      - name: blobs
        class: a.b:Blobs
        features: [storage]
        depends_on: [index]
    """
    assert findings(text) == [(5, 25, "cycle")]
    assert messages(text)[0].startswith(
        "ordering cycle index -> blobs -> index: index requires_features storage (from blobs)"
        " at line 5, blobs depends_on index at line 9;"
    )


def test_a_required_component_resting_on_optional_providers_is_an_error() -> None:
    """Required components need at least one required provider of each feature."""
    text = """\
    version: 1
    components:
      - name: blobs
        class: a.b:Blobs
        features: [storage]
        required: false
      - name: index
        class: a.b:Index
        requires_features: [storage]
    """
    assert findings(text) == [(9, 25, "required-depends-on-optional")]


def test_manager_methods_offered_twice_or_shadowed() -> None:
    """Two components cannot offer one manager method; the manager's own method wins (warning)."""
    text = """\
    version: 1
    components:
      - name: aliases
        class: demo_components:Aliases
      - name: more_aliases
        class: demo_components:MoreAliases
      - name: describing
        class: demo_components:Describing
    """
    result = validate_text(textwrap.dedent(text), "spec.yaml", WITH_DEMO)

    assert [(d.line, d.column, d.code, d.severity) for d in result.diagnostics] == [
        (6, 12, "duplicate-method", Severity.ERROR),
        (8, 12, "method-shadowed", Severity.WARNING),
    ]
    assert result.diagnostics[0].message == (
        "'more_aliases' offers the manager method 'prepare_aliases', which 'aliases' offers too"
    )


def test_what_the_manager_class_builds_counts_for_features_requirements_and_methods() -> None:
    """Components from the manager class's COMPONENTS provide features, can be optional, and
    hold their manager methods, as at build time."""
    text = """\
    version: 1
    manager:
      class: demo_components:ManagerWithExtras
    components:
      - name: needs_storage
        class: demo_components:NeedsStorage
      - name: core
        class: demo_components:Unnamed
        depends_on: [optional]
      - name: more_aliases
        class: demo_components:MoreAliases
    """
    assert findings(text, WITH_DEMO) == [
        (9, 18, "required-depends-on-optional"),
        (11, 12, "duplicate-method"),
    ]


def test_a_class_depending_on_its_own_component_is_a_self_reference() -> None:
    """A class DEPENDS_ON naming its own component could never be built: reported."""
    text = """\
    version: 1
    components:
      - name: self_dependent
        class: demo_components:SelfDependent
    """
    assert findings(text, WITH_DEMO) == [(4, 12, "self-reference")]


def test_only_providers_declared_earlier_count_for_a_required_component() -> None:
    """A required provider declared later does not save a required component from an optional
    earlier one: that one's failure aborts the build."""
    text = """\
    version: 1
    components:
      - name: o
        class: a.b:O
        required: false
        features: [store]
      - name: r
        class: a.b:R
        requires_features: [store]
      - name: p
        class: a.b:P
        features: [store]
    """
    assert findings(text) == [
        (9, 25, "required-depends-on-optional"),
        (12, 16, "duplicate-feature"),
    ]


def test_modules_outside_the_spec_folders_are_not_imported_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed module that a spec names is refused before its code runs, unless allowed."""
    installed = tmp_path / "site"
    installed.mkdir()
    marker = tmp_path / "imported.txt"
    (installed / "installed_for_adb_tests.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from adb_manager import BackendComponent\n"
        "class Thing(BackendComponent):\n"
        "    NAME = 'thing'\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(installed))
    spec = tmp_path / "specs" / "spec.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "version: 1\ncomponents:\n  - name: thing\n    class: installed_for_adb_tests:Thing\n",
        encoding="utf-8",
    )

    assert validate_file(spec, ValidationOptions(import_classes=False)).diagnostics == ()
    assert not marker.exists()
    refused = validate_file(spec)
    assert [(d.line, d.column, d.code) for d in refused.diagnostics] == [
        (4, 12, "import-not-allowed")
    ]
    assert "--allow-module installed_for_adb_tests" in refused.diagnostics[0].message
    assert not marker.exists()
    allowed = validate_file(spec, ValidationOptions(allow_modules=("installed_for_adb_tests",)))
    assert allowed.diagnostics == ()
    assert marker.exists()


def test_a_look_alike_letter_in_a_name_is_named() -> None:
    """A Cyrillic a in a component name is reported with its code point and Unicode name."""
    text = "version: 1\ncomponents:\n  - name: storage_m\u0430nager\n    class: a.b:C\n"

    assert findings(text) == [(3, 11, "invalid-name")]
    assert messages(text)[0].endswith(
        "it holds characters that are not ASCII: '\u0430' (U+0430 CYRILLIC SMALL LETTER A)"
    )


def test_an_empty_folder_beside_the_spec_does_not_open_the_import_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder without __init__.py named like an installed package is no reason to import it."""
    installed = tmp_path / "site" / "installed_pkg_for_adb_tests"
    installed.mkdir(parents=True)
    marker = tmp_path / "imported.txt"
    (installed / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    specs = tmp_path / "specs"
    (specs / "installed_pkg_for_adb_tests").mkdir(parents=True)
    (specs / "spec.yaml").write_text(
        "version: 1\ncomponents:\n  - name: x\n    class: installed_pkg_for_adb_tests:X\n",
        encoding="utf-8",
    )

    result = validate_file(specs / "spec.yaml")

    assert [d.code for d in result.diagnostics] == ["import-not-allowed"]
    assert not marker.exists()


def test_main_modules_are_never_imported() -> None:
    """adb_manager.__main__ would run the command again: it is refused."""
    text = "version: 1\ncomponents:\n  - name: x\n    class: adb_manager.__main__:X\n"

    assert findings(text, ValidationOptions()) == [(4, 12, "import-not-allowed")]


def test_one_provider_is_enough_so_others_put_later_make_no_cycle() -> None:
    """p1 must come after user, so it cannot be the provider user needs: p2 can, and the spec
    is misordered, not cyclic."""
    text = """\
    version: 1
    components:
      - {name: p1, class: "x:P", features: [fa], after: [user]}
      - {name: p2, class: "x:P", features: [fa]}
      - {name: user, class: "x:U", requires_features: [fa]}
    """
    assert findings(text) == [(3, 54, "order-violation"), (4, 41, "duplicate-feature")]
    text = """\
    version: 1
    components:
      - {name: p9, class: "x:P", features: [fa], after: [user]}
      - {name: user, class: "x:U", requires_features: [fa]}
      - {name: p0, class: "x:P", features: [fa]}
    """
    assert findings(text) == [
        (3, 54, "order-violation"),
        (4, 52, "order-violation"),
        (5, 41, "duplicate-feature"),
    ]
    assert messages(text)[1] == (
        "'user' requires the feature 'fa', provided by 'p0' (line 5) (the others must come"
        " after it), declared later; move a provider above 'user'"
    )
