"""JSON Patch overlays (RFC 6902), applied so that every value keeps the file it came from.

Each operation is applied to the data with the jsonpatch package, then the same operation, its
``value`` replaced by the positions of that value in the patch file, to the position tree: a
value a patch adds or replaces is reported at its line in the patch. A patch is applied whole
or not at all, as RFC 6902 asks: an operation that fails (a path that is not there, a ``test``
that does not hold, a malformed operation) is reported at that operation and leaves the spec as
it was.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer

from adb_manager.diagnostics import Diagnostic
from adb_manager.loading import Limits, LoadedSpec, count_nodes
from adb_manager.merging import Layer
from adb_manager.positions import PositionMap, position_tree

_FAILURES = (
    jsonpatch.JsonPatchException,
    jsonpointer.JsonPointerException,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
)


def patched(
    layer: Layer, patch: LoadedSpec, problems: list[Diagnostic], limits: Limits | None = None
) -> Layer:
    """``layer`` with the operations of ``patch`` (a loaded list) applied, or ``layer`` itself
    with the failing operation added to ``problems``. An operation that would take the spec
    past ``limits``' node count fails, before it runs: a ``copy`` into itself doubles a value."""
    operations = patch.data
    assert isinstance(operations, list)
    most = (limits or Limits()).max_nodes
    trees = position_tree(patch)
    data: Any = copy.deepcopy(layer.data)
    tree: Any = copy.deepcopy(layer.tree)
    nodes = count_nodes(data, most)
    for index, operation in enumerate(operations):
        try:
            nodes += _added_nodes(data, operation, most - nodes)
            if nodes > most:
                raise jsonpatch.JsonPatchException(f"the spec would hold more than {most} nodes")
            data = jsonpatch.JsonPatch([operation]).apply(data, in_place=True)
        except _FAILURES as error:
            problems.append(_failure(patch, index, operation, error))
            return layer
        if operation["op"] != "test":
            tree = jsonpatch.JsonPatch([_on_tree(operation, trees[index])]).apply(tree, True)
    if not isinstance(data, dict) or not isinstance(tree, PositionMap):
        message = "the patch leaves the spec something other than a mapping; it is not applied"
        problems.append(patch.diagnostic("", "patch-failed", message))
        return layer
    return Layer(data, tree)


def _added_nodes(data: Any, operation: object, most: int) -> int:
    """How many nodes an operation adds at most: its value, or what it copies."""
    if not isinstance(operation, dict):
        return 0
    if operation.get("op") in ("add", "replace") and "value" in operation:
        return count_nodes(operation["value"], most)
    if operation.get("op") == "copy" and isinstance(operation.get("from"), str):
        return count_nodes(jsonpointer.resolve_pointer(data, operation["from"]), most)
    return 0


def _on_tree(operation: dict[str, Any], operation_tree: PositionMap) -> dict[str, Any]:
    if "value" not in operation:
        return operation
    return {**operation, "value": operation_tree["value"]}


def _failure(patch: LoadedSpec, index: int, operation: object, error: Exception) -> Diagnostic:
    reason = " ".join(str(error).split()) or type(error).__name__
    named = ""
    if isinstance(operation, dict) and isinstance(operation.get("op"), str):
        named = f" ({operation['op']} {operation.get('path')!r})"
    message = f"JSON Patch operation {index + 1}{named} fails: {reason}; the patch is not applied"
    return patch.diagnostic(f"/{index}", "patch-failed", message)
