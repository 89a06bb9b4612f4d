"""Resolving ``package.module:Qualname`` class paths."""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from collections.abc import Iterator, Sequence

from adb_manager.errors import AdbManagerError

logger = logging.getLogger(__name__)


class ClassPathError(AdbManagerError, ImportError):
    """A class path could not be resolved to an object."""

    def __init__(self, path: str, reason: str) -> None:
        # ImportError.__init__ resets ``path``: set the attributes after it.
        super().__init__(f"cannot import {path!r}: {reason}")
        self.path = path
        self.reason = reason


@contextlib.contextmanager
def extra_search_path(directories: Sequence[str]) -> Iterator[None]:
    """Let imports also look in ``directories`` (searched first) while the block runs."""
    added = [d for d in directories if d not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for directory in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(directory)


def import_object(path: str, *, search_path: Sequence[str] = ()) -> object:
    """The object named by ``package.module:Qualname``.

    Importing runs the module's code: only call this on specs whose modules you trust.
    """
    module_name, sep, qualname = path.partition(":")
    if not sep or not module_name or not qualname:
        raise ClassPathError(path, "write it as package.module:Qualname")
    logger.debug("importing %s", module_name)
    with extra_search_path(search_path):
        try:
            target: object = importlib.import_module(module_name)
        except ImportError as error:
            raise ClassPathError(path, f"module {module_name!r} not found ({error})") from error
        except Exception as error:
            reason = f"importing module {module_name!r} raised {type(error).__name__}: {error}"
            raise ClassPathError(path, reason) from error
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as error:
            raise ClassPathError(path, f"{module_name!r} has no attribute {qualname!r}") from error
    return target


def class_path_of(cls: type) -> str:
    """The ``package.module:Qualname`` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"
