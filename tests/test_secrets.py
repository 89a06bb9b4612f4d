"""Secrets in the configuration never reach a diagnostic, a report or a log line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from adb_manager import ValidationOptions, from_spec, validate_file
from adb_manager.secrets import REDACTED, Redactor, is_secret_key, redacted, secret_values

SECRET = "s3cr3t-planted-value"

COMPONENTS = """\
import logging
from adb_manager import BackendComponent

logger = logging.getLogger("secret_components_for_adb_tests")


class Login(BackendComponent):
    NAME = "login"
    REQUIRED = False

    def __init__(self, manager, config):
        super().__init__(manager, config)
        password = config["database"]["password"]
        logger.warning("logging in with %s", password)
        raise PermissionError(f"login refused for password {password}")


class Hooked(BackendComponent):
    NAME = "hooked"
    REQUIRED = False

    def post_tasks_init(self):
        raise RuntimeError("token " + self.config["api"]["token"] + " expired")

    def close(self):
        raise RuntimeError("closing with " + self.config["api"]["token"])
"""

SPEC = f"""\
version: 1
config:
  database: {{user: admin, password: {SECRET}}}
  api: {{token: {SECRET}-token}}
components:
  - name: login
    class: secret_components_for_adb_tests:Login
  - name: hooked
    class: secret_components_for_adb_tests:Hooked
"""

BAD_SPEC = f"""\
version: 1
config:
  database: {{password: {SECRET}}}
components:
  - name: a
    class: x.y:A
    enabled: "{SECRET}"
"""


def run(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "adb_manager", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


def test_no_output_channel_shows_a_planted_secret(tmp_path: Path) -> None:
    """validate, plan and build, in every format, with logs on, never print the secret."""
    (tmp_path / "secret_components_for_adb_tests.py").write_text(COMPONENTS, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD_SPEC, encoding="utf-8")
    outputs = [
        run("-vv", "validate", "spec.yaml", "bad.yaml", cwd=tmp_path),
        run("validate", "--format", "json", "bad.yaml", cwd=tmp_path),
        run("-vv", "plan", "spec.yaml", cwd=tmp_path),
        run("-vv", "build", "spec.yaml", cwd=tmp_path),
        run("-vv", "build", "--format", "text", "spec.yaml", cwd=tmp_path),
    ]

    for output in outputs:
        assert SECRET not in output
    assert f"login refused for password {REDACTED}" in outputs[3]
    assert f"logging in with {REDACTED}" in outputs[3]
    assert f"token {REDACTED} expired" in outputs[4]
    assert '"code": "wrong-type"' in outputs[1]


def test_python_reports_and_diagnostics_are_redacted(tmp_path: Path) -> None:
    """describe(), statuses and diagnostics from Python are scrubbed too."""
    (tmp_path / "secret_components_for_adb_tests.py").write_text(COMPONENTS, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD_SPEC, encoding="utf-8")

    manager = from_spec(tmp_path / "spec.yaml")
    manager.close()
    result = validate_file(tmp_path / "bad.yaml", ValidationOptions(import_classes=False))

    assert SECRET not in json.dumps(manager.describe())
    assert SECRET not in " ".join(d.message for d in result.diagnostics)


def test_secret_values_are_found_under_secret_names_at_any_depth() -> None:
    """Keys naming a secret mark every value below them; short values are not scrubbed."""
    config = {
        "db": {"password": "hunter22", "user": "admin"},
        "clients": [{"api_key": "k-123456"}, {"auth": {"bearer": "b-987654"}}],
        "port": 5432,
        "token": "abc",
    }

    assert secret_values(config) == {"hunter22", "k-123456", "b-987654"}
    assert Redactor.for_config(config)("user admin, hunter22") == f"user admin, {REDACTED}"
    assert redacted(config)["db"] == {"password": REDACTED, "user": "admin"}


def test_escaped_spellings_of_a_secret_are_redacted() -> None:
    """A non-ASCII secret is caught as written, and as repr, ascii and JSON escape it."""
    secret = "h\u00fcnter2-long-secret"
    redact = Redactor([secret])
    texts = [secret, repr(secret), ascii(secret), json.dumps(secret)]

    assert [redact(text) for text in texts] == [
        REDACTED,
        f"'{REDACTED}'",
        f"'{REDACTED}'",
        f'"{REDACTED}"',
    ]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("DB_PASSWORD", True),
        ("apiKey", True),
        ("api-key", True),
        ("accessToken", True),
        ("privateKey", True),
        ("auth", True),
        ("client_secret", True),
        ("Passphrase", True),
        ("author", False),
        ("oauth_issuer", False),
        ("passthrough", False),
        ("keyring", False),
        ("monkey", False),
    ],
)
def test_keys_name_secrets_by_their_words(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret
