"""The HTTP routes: bodies, ETags and the OpenAPI document in process; then a real server."""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rest_load import ServedSpec, run_load

from adb_manager import BackendComponent, BackendManagerBase, ValidationOptions, from_spec
from adb_manager.cli import is_loopback, run_serve
from adb_manager.rest import ComponentList, FeatureSet, create_app, create_router, matches

ROOT = Path(__file__).resolve().parent.parent
SPECS = Path(__file__).resolve().parent / "specs"
SECRET = "s3cr3t-T0KEN-9f2e"

FEATURES = {
    "name": "served",
    "features": ["provisioning", "sequences", "storage"],
    "providers": {
        "provisioning": ["sequences"],
        "sequences": ["sequences"],
        "storage": ["storage"],
    },
}


def component(name: str, state: str, **fields: object) -> dict[str, object]:
    return {
        "name": name,
        "class": f"served_components:{name.capitalize()}",
        "state": state,
        "required": True,
        "reason": None,
        "features": [],
        "depends_on": [],
        "requires_features": [],
        "undeclared_uses": [],
        **fields,
    }


COMPONENTS = {
    "name": "served",
    "components": [
        component("storage", "built", features=["storage"]),
        component(
            "sequences", "built", features=["sequences", "provisioning"], depends_on=["storage"]
        ),
        component(
            "leaky",
            "skipped",
            required=False,
            features=["notifications"],
            reason="Leaky() raised ConnectionError: login refused for token [redacted]",
        ),
        component("archive", "disabled", reason="disabled in the spec"),
    ],
}


SERVED_COMPONENTS = (
    "  - {name: storage, class: served_components:Storage}\n"
    "  - {name: sequences, class: served_components:Sequences}\n"
    "  - {name: leaky, class: served_components:Leaky}\n"
    "  - {name: archive, class: served_components:Archive, enabled: false}\n"
)


def write_spec(folder: Path, components: str = SERVED_COMPONENTS) -> tuple[Path, Path]:
    """A spec of the journaling components, and the journal they will write."""
    journal = folder / "journal.txt"
    spec = folder / "served.yaml"
    spec.write_text(
        "version: 1\n"
        "manager: {name: served}\n"
        "config:\n"
        f"  journal: {{path: {json.dumps(str(journal))}}}\n"
        f"  notify: {{token: {SECRET}}}\n"
        "components:\n" + components,
        encoding="utf-8",
    )
    return spec, journal


def journal_lines(journal: Path) -> list[str]:
    return journal.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[BackendManagerBase, Path]]:
    spec, journal = write_spec(tmp_path)
    manager = from_spec(spec, options=ValidationOptions(search_path=(str(SPECS),)))
    yield manager, journal
    manager.close()


@pytest.fixture
def client(built: tuple[BackendManagerBase, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(built[0])) as test_client:
        yield test_client


# In process


def test_features_lists_the_sorted_features_and_their_providers(client: TestClient) -> None:
    response = client.get("/features")

    assert response.status_code == 200
    assert response.json() == FEATURES
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-cache"
    assert FeatureSet.model_validate_json(response.content).model_dump() == FEATURES


def test_components_reports_every_declared_component(client: TestClient) -> None:
    response = client.get("/components")

    assert response.status_code == 200
    assert response.json() == COMPONENTS
    model = ComponentList.model_validate_json(response.content)
    assert model.model_dump(by_alias=True, mode="json") == COMPONENTS


def test_no_configuration_value_is_ever_returned(
    client: TestClient, built: tuple[BackendManagerBase, Path]
) -> None:
    """The token a failing component quoted is redacted; the journal path is not shown."""
    for route in ("/features", "/components", "/openapi.json"):
        text = client.get(route).text
        assert SECRET not in text
        assert str(built[1]) not in text


def test_a_matching_if_none_match_answers_304_without_a_body(client: TestClient) -> None:
    tag = client.get("/features").headers["etag"]

    response = client.get("/features", headers={"If-None-Match": tag})

    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == tag
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("{tag}", 304),
        ("W/{tag}", 304),
        ('"0123", {tag}', 304),
        ("*", 304),
        (' "0123" ,W/"4567"', 200),
        ("", 200),
        ("not a tag", 200),
    ],
)
def test_if_none_match_lists_and_weak_tags(client: TestClient, header: str, expected: int) -> None:
    for route in ("/features", "/components"):
        tag = client.get(route).headers["etag"]

        response = client.get(route, headers={"If-None-Match": header.format(tag=tag)})

        assert response.status_code == expected


def test_every_if_none_match_line_counts(client: TestClient) -> None:
    tag = client.get("/features").headers["etag"]

    response = client.get(
        "/features", headers=[("If-None-Match", '"0123"'), ("If-None-Match", tag)]
    )

    assert response.status_code == 304


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for route in ("/features", "/components"):
        got = client.get(route)
        head = client.head(route)

        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == got.headers["etag"]
        assert head.headers["content-length"] == got.headers["content-length"]


def test_the_two_routes_have_their_own_tags(client: TestClient) -> None:
    features = client.get("/features").headers["etag"]
    components = client.get("/components").headers["etag"]

    assert features != components
    assert client.get("/components", headers={"If-None-Match": features}).status_code == 200


def test_the_etag_follows_the_feature_set(
    client: TestClient, built: tuple[BackendManagerBase, Path]
) -> None:
    """Same features, same tag, from any instance; a new feature, a new tag and a full answer."""
    manager = built[0]
    before = client.get("/features").headers["etag"]
    assert client.get("/features").headers["etag"] == before

    class Search(BackendComponent):
        NAME = "search"
        FEATURES = ("search",)

    manager.build(Search)
    response = client.get("/features", headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response.headers["etag"] != before
    assert response.json()["features"] == ["provisioning", "search", "sequences", "storage"]
    assert response.json()["providers"]["search"] == ["search"]


def test_the_same_feature_set_has_the_same_tag_on_another_instance(
    client: TestClient, tmp_path: Path
) -> None:
    spec, _journal = write_spec(tmp_path / "..")
    other = from_spec(spec, options=ValidationOptions(search_path=(str(SPECS),)))
    try:
        with TestClient(create_app(other)) as other_client:
            assert (
                other_client.get("/features").headers["etag"]
                == (client.get("/features").headers["etag"])
            )
    finally:
        other.close()


def test_matches_compares_tags_weakly() -> None:
    assert matches('W/"abc"', '"abc"')
    assert matches('"x", "abc"', '"abc"')
    assert not matches('"abcd"', '"abc"')
    assert not matches(None, '"abc"')
    assert not matches("abc", '"abc"')


def test_the_openapi_document_describes_both_responses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    assert sorted(document["paths"]) == ["/components", "/features"]
    for path, model in (("/features", "FeatureSet"), ("/components", "ComponentList")):
        responses = document["paths"][path]["get"]["responses"]
        content = responses["200"]["content"]["application/json"]["schema"]
        assert content == {"$ref": f"#/components/schemas/{model}"}
        assert "304" in responses
        assert "422" not in responses
        assert sorted(responses["200"]["headers"]) == ["Cache-Control", "ETag"]
        assert sorted(responses["304"]["headers"]) == ["Cache-Control", "ETag"]
        parameters = document["paths"][path]["get"]["parameters"]
        assert [(p["name"], p["in"]) for p in parameters] == [("If-None-Match", "header")]
    assert sorted(schemas["FeatureSet"]["required"]) == ["features", "name", "providers"]
    assert "description" in schemas["ComponentList"]["properties"]["components"]
    assert schemas["State"]["description"].startswith("What happened to a component")
    assert "class" in schemas["ComponentReport"]["properties"]
    assert schemas["State"]["enum"] == ["built", "skipped", "disabled", "failed"]


def test_the_router_mounts_under_a_prefix_in_any_application(
    built: tuple[BackendManagerBase, Path],
) -> None:
    app = FastAPI()
    app.include_router(create_router(built[0]), prefix="/manager")

    with TestClient(app) as test_client:
        assert test_client.get("/manager/features").json() == FEATURES
        assert test_client.get("/features").status_code == 404


def test_the_application_closes_the_components_on_shutdown(
    built: tuple[BackendManagerBase, Path],
) -> None:
    manager, journal = built
    with TestClient(create_app(manager)) as test_client:
        test_client.get("/features")
        assert journal_lines(journal) == ["started storage", "started sequences"]

    assert journal_lines(journal)[2:] == ["closed sequences", "closed storage"]


def test_close_on_shutdown_can_be_left_to_the_caller(
    built: tuple[BackendManagerBase, Path],
) -> None:
    manager, journal = built
    with TestClient(create_app(manager, close_on_shutdown=False)) as test_client:
        test_client.get("/features")

    assert journal_lines(journal) == ["started storage", "started sequences"]


# A real server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServedSpec, Path]]:
    spec, journal = write_spec(tmp_path)
    server = ServedSpec(spec, "--path", str(SPECS))
    yield server, journal
    server.stop()


def test_a_served_spec_answers_then_closes_every_component_on_sigterm(
    served: tuple[ServedSpec, Path],
) -> None:
    server, journal = served
    with httpx.Client(base_url=server.url) as http:
        features = http.get("/features")
        components = http.get("/components")
        not_modified = http.get("/features", headers={"If-None-Match": features.headers["etag"]})

    code = server.stop(signal.SIGTERM)

    assert features.json() == FEATURES
    assert components.json() == COMPONENTS
    assert not_modified.status_code == 304
    assert code == 128 + signal.SIGTERM
    assert journal_lines(journal) == [
        "started storage",
        "started sequences",
        "closed sequences",
        "closed storage",
    ]
    assert server.stdout == ""
    stderr = "".join(server.stderr)
    assert "Traceback" not in stderr
    assert SECRET not in stderr
    assert (
        "INFO adb_manager.serving: SIGTERM: stopping once requests in flight are answered\n"
        in stderr
    )
    assert "INFO adb_manager.serving: closing the components of served\n" in stderr


def test_sigint_also_closes_every_component(served: tuple[ServedSpec, Path]) -> None:
    server, journal = served
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/features").status_code == 200

    code = server.stop(signal.SIGINT)

    assert code == 128 + signal.SIGINT
    assert journal_lines(journal)[2:] == ["closed sequences", "closed storage"]
    assert "Traceback" not in "".join(server.stderr)


def test_the_example_serves_provisioning(tmp_path: Path) -> None:
    """The example as `make serve` runs it; it keeps its data under the current directory."""
    server = ServedSpec(ROOT / "examples/artifactdb/artifactdb.yaml", cwd=tmp_path)
    try:
        features = httpx.get(f"{server.url}/features").json()
    finally:
        assert server.stop() == 128 + signal.SIGTERM
    assert features["name"] == "artifactdb-demo"
    assert features["providers"]["provisioning"] == ["sequence_manager"]


# Schemathesis against the served OpenAPI document


def test_schemathesis_finds_no_failure_in_the_served_api(
    served: tuple[ServedSpec, Path], tmp_path: Path
) -> None:
    """Every check schemathesis has (server errors, status codes, content types, response
    schemas, headers...) over generated requests, positive and negative."""
    server, _journal = served
    schemathesis_cli = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [
            str(schemathesis_cli),
            "run",
            f"{server.url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "100",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # where schemathesis keeps its cache
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Tested: 2" in run.stdout, run.stdout
    assert "No issues found" in run.stdout, run.stdout


def test_two_thousand_requests_from_twenty_clients_all_succeed(
    served: tuple[ServedSpec, Path],
) -> None:
    """A bounded load: no error, no other status, the same body every time. The throughput is
    measured by bench/rest_load.py, not asserted here."""
    server, _journal = served
    result = run_load(server.url, requests=2000, concurrency=20)

    assert result.errors == {}
    assert result.statuses == {200: 2000}
    assert [json.loads(body) for body in result.bodies] == [FEATURES]


# The serve command, when it cannot serve


def serve_command(spec: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adb_manager", "serve", *options, str(spec)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_a_spec_with_errors() -> None:
    run = serve_command(ROOT / "examples/invalid/four-mistakes.yaml", "--port", "0")

    assert run.returncode == 1
    assert run.stdout == ""
    assert "four-mistakes.yaml has errors; fix them first\n" in run.stderr
    assert "running on" not in run.stderr


def test_serve_reports_a_failed_build_and_does_not_listen(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "version: 1\n"
        "components:\n"
        "  - {name: storage, class: demo_components:Storage}\n"
        "  - {name: broken, class: demo_components:Broken, required: true}\n",
        encoding="utf-8",
    )
    run = serve_command(spec, "--path", str(SPECS), "--port", "0")

    assert run.returncode == 1
    assert run.stderr.endswith(
        "backend:\n"
        "  built    storage\n"
        "  failed   broken: Broken() raised RuntimeError: broken on purpose\n"
        "features: none\n"
    )
    assert "running on" not in run.stderr


def test_a_taken_port_exits_two_after_closing_the_components(tmp_path: Path) -> None:
    spec, journal = write_spec(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        run = serve_command(spec, "--path", str(SPECS), "--port", str(port))

    assert run.returncode == 2
    assert "address already in use" in run.stderr
    assert run.stderr.endswith(f"adb-manager: could not serve on 127.0.0.1 port {port}\n")
    assert journal_lines(journal) == [
        "started storage",
        "started sequences",
        "closed sequences",
        "closed storage",
    ]


def test_serve_without_the_rest_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # what an environment without it imports
    err = io.StringIO()

    code = run_serve(
        str(ROOT / "examples/artifactdb/artifactdb.yaml"),
        ValidationOptions(),
        host="127.0.0.1",
        port=0,
        err=err,
    )

    assert code == 2
    assert err.getvalue() == (
        "adb-manager: serve needs the rest extra: pip install 'adb-manager[rest]'\n"
    )


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    run = serve_command(ROOT / "examples/artifactdb/artifactdb.yaml", "--port", port)

    assert run.returncode == 2
    assert "Invalid value for '--port'" in run.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.7", False),
        ("example.org", False),
    ],
)
def test_hosts_other_than_loopback_are_told_apart(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def wait_for(condition: Callable[[], bool], server: ServedSpec) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "".join(server.stderr)
        time.sleep(0.05)


def test_a_second_signal_still_closes_every_component(tmp_path: Path) -> None:
    spec, journal = write_spec(tmp_path)
    server = ServedSpec(spec, "--path", str(SPECS))
    server.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "SIGTERM: stopping" in "".join(server.stderr), server)
    server.process.send_signal(signal.SIGINT)

    code = server.process.wait(timeout=30)

    assert code == 128 + signal.SIGTERM
    assert journal_lines(journal) == [
        "started storage",
        "started sequences",
        "closed sequences",
        "closed storage",
    ]


def test_a_third_signal_while_a_close_hangs_ends_the_process_at_once(tmp_path: Path) -> None:
    components = SERVED_COMPONENTS + "  - {name: stuck, class: served_components:Stuck}\n"
    spec, journal = write_spec(tmp_path, components)
    server = ServedSpec(spec, "--path", str(SPECS))
    server.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "closing stuck" in journal.read_text(encoding="utf-8"), server)

    server.process.send_signal(signal.SIGINT)
    wait_for(lambda: "SIGINT: closing the components" in "".join(server.stderr), server)
    code = server.stop(signal.SIGINT)

    assert code == 128 + signal.SIGTERM
    assert journal_lines(journal)[-1] == "closing stuck"  # the others were not reached
    assert (
        "ERROR adb_manager.serving: SIGINT: stopping at once, without closing the remaining"
        " components\n" in "".join(server.stderr)
    )


def test_what_components_print_and_log_is_scrubbed_of_secrets(tmp_path: Path) -> None:
    components = SERVED_COMPONENTS + "  - {name: chatty, class: served_components:Chatty}\n"
    spec, _journal = write_spec(tmp_path, components)
    server = ServedSpec(spec, "--path", str(SPECS))
    code = server.stop()
    stderr = "".join(server.stderr)

    assert code == 128 + signal.SIGTERM
    assert "connecting with token [redacted]\n" in stderr
    assert "ConnectionError: refused token [redacted]" in stderr
    assert SECRET not in stderr
    assert server.stdout == ""


def test_the_etag_shown_in_the_docs_is_the_examples(tmp_path: Path) -> None:
    shown = re.search(r'etag: ("[0-9a-f]{32}")', (ROOT / "docs/rest.md").read_text("utf-8"))
    server = ServedSpec(ROOT / "examples/artifactdb/artifactdb.yaml", cwd=tmp_path)
    try:
        served = httpx.get(f"{server.url}/features").headers["etag"]
    finally:
        server.stop()

    assert shown is not None
    assert shown.group(1) == served
