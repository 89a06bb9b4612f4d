""" "Did you mean" for misspelt keys, component names and class names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` most likely misspells, if any.

    Close spellings by difflib's ratio count, and so do swapped letters (``cahce`` for ``cache``)
    and ``-`` written for ``_``, which a plain ratio scores too low.
    """
    options = list(candidates)
    normalised = word.replace("-", "_").lower()
    for candidate in options:
        if candidate == normalised or (len(word) > 2 and sorted(candidate) == sorted(word)):
            return candidate
    matches = difflib.get_close_matches(normalised, options, n=1, cutoff=0.75)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for a likely misspelling, else ``""``."""
    match = closest(word, candidates)
    return f"; did you mean {match!r}?" if match is not None and match != word else ""
