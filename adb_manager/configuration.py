"""The configuration handed to components: one mapping they can read and cannot change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` that refuses changes, so that no component can alter what the others read.

    It stays a ``dict`` (``isinstance``, ``json.dumps`` and ``dict(...)`` work as usual); a
    change raises :class:`TypeError`, which fails the component that tried it.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("the configuration is read-only: components share it")

    # Made only by read_only(): calling __init__ again on a built one would change it.
    __init__ = _refuse
    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __reduce__(self) -> tuple[type[dict[str, Any]], tuple[dict[str, Any]]]:
        return (dict, (dict(self),))


def read_only(config: Mapping[str, Any]) -> ReadOnlyDict:
    """A read-only copy of ``config``: every mapping in it is copied and made read-only. Lists
    and other values are shared as they are given."""
    frozen: ReadOnlyDict = dict.__new__(ReadOnlyDict)
    dict.update(frozen, {key: _freeze(value) for key, value in config.items()})
    return frozen


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return read_only(value)
    return value
