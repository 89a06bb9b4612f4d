"""revision_manager: parsing and ordering revision strings such as ``NUM-3``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from adb_manager.components import BackendComponent

PREFIX = "NUM-"
_REVISION = re.compile(rf"(?:{re.escape(PREFIX)})?([1-9][0-9]*)", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, order=True)
class Revision:
    """A revision number; written ``NUM-<n>`` so that it cannot be mistaken for a version."""

    number: int

    def __str__(self) -> str:
        return f"{PREFIX}{self.number}"


class RevisionComponent(BackendComponent):
    """Parses, compares and increments revisions; ``"3"``, ``3`` and ``"NUM-3"`` are equal.

    It needs nothing from ``es`` (the original declares that it does), so it depends on nothing.
    """

    NAME = "revision_manager"
    FEATURES = ("revisions",)
    DEPENDS_ON = ()
    REQUIRED = True

    def parse(self, revision: str | int | Revision) -> Revision:
        """The revision written ``revision``; ValueError when it is not one."""
        if isinstance(revision, Revision):
            return revision
        text = str(revision).strip()
        # "latest" names whichever revision is newest, so it can never be a revision itself.
        if text.lower() == "latest":
            raise ValueError("'latest' is reserved and cannot be a revision")
        match = _REVISION.fullmatch(text)
        if match is None:
            raise ValueError(f"{revision!r} is not a revision: write a number or {PREFIX}<n>")
        return Revision(int(match.group(1)))

    def compare(self, first: str | int | Revision, second: str | int | Revision) -> int:
        """-1, 0 or 1 as ``first`` is older than, the same as or newer than ``second``."""
        a, b = self.parse(first), self.parse(second)
        return (a > b) - (a < b)

    def next_revision(self, revision: str | int | Revision | None = None) -> Revision:
        """The revision after ``revision``; the first one when it is None."""
        return Revision(1 if revision is None else self.parse(revision).number + 1)

    def latest(self, revisions: Iterable[str | int | Revision]) -> Revision | None:
        """The newest of ``revisions``; None when there are none."""
        return max((self.parse(r) for r in revisions), default=None)
