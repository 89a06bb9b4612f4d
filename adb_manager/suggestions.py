""" "Did you mean" for misspelt keys, component names and class names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Past this many candidates, only the cheap look-ups run: difflib compares the word with each.
_FUZZY_CANDIDATES = 1000


class Suggester:
    """Finds the candidate a word most likely misspells; build one per set of candidates.

    Close spellings by difflib's ratio count, and so do swapped letters (``cahce`` for
    ``cache``) and ``-`` written for ``_``, which a plain ratio scores too low.
    """

    def __init__(self, candidates: Iterable[str]) -> None:
        self.candidates = [c for c in dict.fromkeys(candidates) if isinstance(c, str)]
        self.by_letters = {}
        for candidate in reversed(self.candidates):
            self.by_letters["".join(sorted(candidate))] = candidate
        self.known = set(self.candidates)

    def closest(self, word: str) -> str | None:
        normalised = str(word).replace("-", "_").lower()
        if normalised in self.known:
            return normalised
        if len(normalised) > 2 and "".join(sorted(normalised)) in self.by_letters:
            return self.by_letters["".join(sorted(normalised))]
        if len(self.candidates) > _FUZZY_CANDIDATES:
            return None
        matches = difflib.get_close_matches(normalised, self.candidates, n=1, cutoff=0.75)
        return matches[0] if matches else None

    def hint(self, word: str) -> str:
        """``"; did you mean 'x'?"`` for a likely misspelling, else ``""``."""
        match = self.closest(word)
        return f"; did you mean {quoted(match)}?" if match is not None and match != word else ""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """The hint of a one-off :class:`Suggester`."""
    return Suggester(candidates).hint(word)


def quoted(text: object) -> str:
    """``repr`` of a value, with every non-ASCII character escaped in a string that holds one,
    so that a look-alike letter (a Cyrillic a in a name) shows as different from the real one."""
    if isinstance(text, str) and not text.isascii():
        return ascii(text)
    return repr(text)
