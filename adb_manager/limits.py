"""Bounds on what a spec may hold.

Its own module, so that the command line can show the defaults without loading the YAML reader.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Limits:
    """Bounds on what a spec may hold, so that hostile input fails fast and in bounded memory."""

    max_bytes: int = 5 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 500_000
    max_components: int = 20_000
