"""Small components that the test specs in this folder name by class path."""

from __future__ import annotations

from adb_manager import BackendComponent, BackendManagerBase, manager_method


class Storage(BackendComponent):
    NAME = "storage"
    FEATURES = ("storage",)


class Sequences(BackendComponent):
    NAME = "sequences"
    FEATURES = ("sequences", "provisioning")
    DEPENDS_ON = ("storage",)


class Optional(BackendComponent):
    NAME = "optional"
    FEATURES = ("extras",)
    REQUIRED = False


class Unnamed(BackendComponent):
    """A class without NAME: the spec's name is used."""


class Broken(BackendComponent):
    NAME = "broken"
    REQUIRED = False

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("broken on purpose")


class BadFeature(BackendComponent):
    NAME = "bad_feature"
    FEATURES = ("Bad_Feature",)


class NotAComponent:
    NAME = "not_a_component"


class StringlyDeclared(BackendComponent):
    """Declarations of the wrong types, which validation reports instead of iterating them."""

    NAME = "stringly"
    DEPENDS_ON = "storage"
    REQUIRED = "no"  # type: ignore[assignment]


class ExitsWhenBuilt(BackendComponent):
    NAME = "exits"

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise SystemExit(0)


class Closing(BackendComponent):
    """Records its close() calls in the configuration's "closed" list."""

    NAME = "closing"

    def close(self) -> None:
        self.config["closed"].append(self.NAME)


class ManagerWithStorage(BackendManagerBase):
    COMPONENTS = [{"class": Storage}]


class NeedsStorage(BackendComponent):
    """Needs some component that provides storage, whichever it is."""

    NAME = "needs_storage"
    REQUIRES_FEATURES = ("storage",)


class Aliases(BackendComponent):
    NAME = "aliases"

    @manager_method
    def prepare_aliases(self) -> str:
        return "prepared"


class MoreAliases(BackendComponent):
    NAME = "more_aliases"

    @manager_method(name="prepare_aliases")
    def prepare(self) -> str:
        return "prepared again"


class Describing(BackendComponent):
    NAME = "describing"

    @manager_method
    def describe(self) -> str:
        return "shadowed by the manager's own describe()"


class ManagerWithExtras(BackendManagerBase):
    """Builds storage, an optional component and a manager method before the spec's."""

    COMPONENTS = [{"class": Storage}, {"class": Optional}, {"class": Aliases}]


class SelfDependent(BackendComponent):
    NAME = "self_dependent"
    DEPENDS_ON = ("self_dependent",)
