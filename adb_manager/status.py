"""What happened to each component of a manager: built, skipped, disabled or failed."""

from __future__ import annotations

import enum

import attrs


class State(str, enum.Enum):
    BUILT = "built"
    SKIPPED = "skipped"
    DISABLED = "disabled"
    FAILED = "failed"


@attrs.frozen
class ComponentStatus:
    """The outcome of one component.

    ``root`` names the component whose failure caused this one not to be built (itself when it
    failed on its own); ``reason`` tells the story in words, starting from that root cause.
    """

    name: str
    class_path: str
    state: State
    required: bool
    features: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    reason: str | None = None
    root: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "class": self.class_path,
            "state": self.state.value,
            "required": self.required,
            "features": list(self.features),
            "depends_on": list(self.depends_on),
            "reason": self.reason,
        }
