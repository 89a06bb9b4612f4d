"""Keeping configuration secrets out of diagnostics, reports and logs.

Values under configuration keys that name a secret (password, secret, token, credentials, private
key, API key...) are collected, and every text adb_manager shows is scrubbed of them, wherever they
appear in it: a component's exception message, a diagnostic quoting a value, a log line.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

REDACTED = "[redacted]"

# A key names a secret when one of its words does: `db_password`, `apiKey`, `ACCESS_TOKEN` and
# `auth` do; `author`, `oauth_issuer` and `passthrough` do not. Words are split at `_`, `-`, `.`,
# spaces and case changes.
SECRET_WORDS = frozenset(
    {
        "password", "passwd", "passphrase", "pass", "pwd", "secret", "secrets", "token",
        "tokens", "credential", "credentials", "creds", "auth", "apikey", "privatekey",
    }
)  # fmt: skip
SECRET_WORD_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def is_secret_key(key: object) -> bool:
    """Whether a configuration key names a secret, by its words."""
    words = [word.lower() for word in _WORD.findall(str(key))]
    return any(word in SECRET_WORDS for word in words) or any(
        pair in SECRET_WORD_PAIRS for pair in zip(words, words[1:], strict=False)
    )


# Values this short would scrub ordinary words from messages; they are still masked when shown.
_SHORTEST = 4


def secret_values(config: object) -> set[str]:
    """Every value, as text, found under a secret-naming key anywhere in ``config``."""
    found: set[str] = set()
    _collect(config, False, found)
    return {value for value in found if len(value) >= _SHORTEST}


def _collect(value: object, secret: bool, found: set[str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _collect(item, secret or is_secret_key(key), found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, secret, found)
    elif secret and value is not None and not isinstance(value, bool):
        found.add(str(value))


class Redactor:
    """Replaces every known secret value in a text by ``[redacted]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: set[str] = set(secrets)

    @classmethod
    def for_config(cls, config: object) -> Redactor:
        return cls(secret_values(config))

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets.update(secrets)

    def __call__(self, text: str) -> str:
        # Longest first, so that a secret containing another is replaced whole.
        for secret in sorted(self.secrets, key=len, reverse=True):
            for shown in _spellings(secret):
                if shown in text:
                    text = text.replace(shown, REDACTED)
        return text


def _spellings(secret: str) -> list[str]:
    """The ways a secret is written in text: as is, and escaped as repr, ascii, JSON and Python
    escapes write it. A secret split, recased or encoded by a component is not recognised."""
    forms = [
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
    ]
    return list(dict.fromkeys(forms))


def redacted(config: Any) -> Any:
    """A copy of ``config`` with every value under a secret-naming key replaced, for display."""
    if isinstance(config, Mapping):
        return {
            key: REDACTED if is_secret_key(key) else redacted(item) for key, item in config.items()
        }
    if isinstance(config, list | tuple):
        return [redacted(item) for item in config]
    return config


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs known secrets from every record it passes."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactor.secrets:
            record.msg = self.redactor(record.getMessage())
            record.args = None
        return True


class RedactingWriter(io.TextIOBase):
    """A text stream writing to ``target`` a line at a time, each scrubbed of known secrets.

    Whole lines are scrubbed, so that a secret written in pieces is still recognised; what is
    left without a newline is written when the stream is flushed or closed.
    """

    def __init__(self, target: TextIO, redactor: Redactor) -> None:
        super().__init__()
        self.target = target
        self.redactor = redactor
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self.target.write(self.redactor(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.target.write(self.redactor(self._pending))
            self._pending = ""
        self.target.flush()
