"""What happened to each component of a manager: built, skipped, disabled or failed."""

from __future__ import annotations

import enum

import attrs


class State(str, enum.Enum):
    """What happened to a component: built; skipped (optional, and it or something it needs
    failed); disabled by the spec; failed (required, so the manager was not built)."""

    BUILT = "built"
    SKIPPED = "skipped"
    DISABLED = "disabled"
    FAILED = "failed"


@attrs.frozen
class ComponentStatus:
    """The outcome of one component.

    ``root`` names the component whose failure caused this one not to be built (itself when it
    failed on its own); ``reason`` tells the story in words, starting from that root cause.
    ``undeclared_uses`` names the components it reached for, while built or in its hooks, without
    declaring them in ``depends_on``, ``after`` or through ``requires_features``.
    """

    name: str
    class_path: str
    state: State
    required: bool
    features: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    reason: str | None = None
    root: str | None = None
    requires_features: tuple[str, ...] = ()
    undeclared_uses: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "class": self.class_path,
            "state": self.state.value,
            "required": self.required,
            "features": list(self.features),
            "depends_on": list(self.depends_on),
            "requires_features": list(self.requires_features),
            "reason": self.reason,
            "undeclared_uses": list(self.undeclared_uses),
        }
