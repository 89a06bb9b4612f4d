"""Resolving ``package.module:Qualname`` class paths."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import types
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec, PathFinder

from adb_manager.errors import AdbManagerError, describe_error
from adb_manager.suggestions import did_you_mean

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
    # Put first even when already on sys.path, so that a spec's own package wins over an
    # installed one of the same name; the previous order comes back afterwards.
    before = list(sys.path)
    sys.path[:] = [*directories, *(entry for entry in before if entry not in directories)]
    try:
        yield
    finally:
        sys.path[:] = before


# Directories that specs have named for their modules, in this process. A package loaded from
# one of them belongs to that spec: when another spec's directory holds a package of the same
# name, the first is forgotten so that each spec is checked against its own.
_spec_directories: set[str] = set()


class ImportNotAllowedError(ClassPathError):
    """A class path names a module that the import policy does not allow."""


ALLOW_ALL = "*"


def import_object(
    path: str, *, search_path: Sequence[str] = (), allowed: Sequence[str] | None = None
) -> object:
    """The object named by ``package.module:Qualname``, or registered by an installed package
    under a name (see :mod:`adb_manager.discovery`); ``search_path`` directories first.

    Importing runs the module's code. With ``allowed`` (a list of module prefixes, ``"*"`` for
    any), only modules found in ``search_path`` directories, ``adb_manager`` itself and modules
    under those prefixes are imported; others raise :class:`ImportNotAllowedError` before any of
    their code runs. ``None`` imports anything: for callers that trust the path, as Python code.
    """
    module_name, sep, qualname = path.partition(":")
    if not sep and path:
        # A name that installed packages register (adb_manager.discovery): installing them was
        # the decision to trust their code, so the policy for paths written in a spec is not
        # applied.
        from adb_manager.discovery import resolve_registered

        return resolve_registered(path)
    if not module_name or not qualname:
        raise ClassPathError(path, "write it as package.module:Qualname")
    if allowed is not None:
        _check_allowed(path, module_name, search_path, allowed)
    _spec_directories.update(os.path.realpath(d) for d in search_path)
    logger.debug("importing %s", module_name)
    # What a module prints while imported goes to stderr, not into the command's output.
    with extra_search_path(search_path), contextlib.redirect_stdout(sys.stderr):
        _forget_other_specs_package(path, module_name.partition(".")[0], search_path)
        target: object = _import_module(path, module_name)
        for depth, part in enumerate(qualname.split(".")):
            owner = ".".join([module_name, *qualname.split(".")[:depth]])
            target = _attribute(path, target, owner, part)
    return target


def _check_allowed(
    path: str, module_name: str, search_path: Sequence[str], allowed: Sequence[str]
) -> None:
    if "__main__" in module_name.split("."):
        # Importing a __main__ module runs a program (adb_manager's own would run the CLI again).
        raise ImportNotAllowedError(path, "__main__ modules run programs and are never imported")
    prefixes = (*allowed, "adb_manager")
    if ALLOW_ALL in allowed or any(
        module_name == prefix or module_name.startswith(prefix + ".") for prefix in prefixes
    ):
        return
    top = module_name.partition(".")[0]
    # Finding a top-level module runs none of its code. A namespace package (a folder without
    # __init__.py) does not count: Python would prefer a regular package of that name anywhere.
    local = PathFinder.find_spec(top, list(search_path)) if search_path else None
    if local is not None and local.loader is not None and local.origin is not None:
        return
    if top not in sys.modules and PathFinder.find_spec(top) is None:
        return  # found nowhere: the import fails as "no module named", which says more
    reason = (
        f"module {module_name!r} is not in the spec's folder or a --path folder, and is not"
        f" allowed: pass --allow-module {top} to import it"
    )
    raise ImportNotAllowedError(path, reason)


def _attribute(path: str, owner: object, owner_name: str, part: str) -> object:
    try:
        return getattr(owner, part)
    except AttributeError as error:
        names = [n for n in dir(owner) if not n.startswith("_")]
        reason = f"{owner_name!r} has no attribute {part!r}{did_you_mean(part, names)}"
        raise ClassPathError(path, reason) from error
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        reason = f"getting {part!r} from {owner_name!r} raised {describe_error(error)}"
        raise ClassPathError(path, reason) from error


def _import_module(path: str, module_name: str) -> types.ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            reason = (
                f"no module named {missing!r} (looked in the spec's folder, the --path folders"
                " and the installed environment)"
            )
            raise ClassPathError(path, reason) from error
        reason = f"importing {module_name!r} failed: {describe_error(error)}"
        raise ClassPathError(path, reason) from error
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        # SystemExit included: a module that exits while imported must not end the validation.
        reason = f"importing {module_name!r} raised {describe_error(error)}"
        raise ClassPathError(path, reason) from error


def _locations(module: types.ModuleType | None, spec: ModuleSpec | None) -> set[str]:
    found: set[str] = set()
    origin = spec.origin if spec is not None else getattr(module, "__file__", None)
    if origin:
        found.add(os.path.realpath(origin))
    search = spec.submodule_search_locations if spec is not None else None
    if search is None and module is not None:
        search = getattr(module, "__path__", None)
    found.update(os.path.realpath(location) for location in search or ())
    return found


def _forget_other_specs_package(path: str, top: str, search_path: Sequence[str]) -> None:
    """Make ``top`` resolve in ``search_path`` when a package of that name is already loaded
    from elsewhere: forget it if another spec's directory provided it, else refuse."""
    loaded = sys.modules.get(top)
    if loaded is None or not search_path:
        return
    local = PathFinder.find_spec(top, list(search_path))
    if local is None:
        return
    loaded_at = _locations(loaded, loaded.__spec__)
    if loaded_at & _locations(None, local):
        return
    if any(_is_under(location, _spec_directories) for location in loaded_at):
        logger.debug("forgetting %s from %s for %s", top, sorted(loaded_at), path)
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
        return
    where = getattr(loaded, "__file__", None) or "a built-in module"
    reason = (
        f"module {top!r} is already imported from {where}, which hides the one at"
        f" {local.origin or local.submodule_search_locations}; rename that package"
    )
    raise ClassPathError(path, reason)


def _is_under(location: str, directories: set[str]) -> bool:
    return any(location.startswith(directory + os.sep) for directory in directories)


def class_path_of(cls: type) -> str:
    """The ``package.module:Qualname`` of a class."""
    return f"{cls.__module__}:{cls.__qualname__}"
