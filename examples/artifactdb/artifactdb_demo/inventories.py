"""s3_inventory: lists a local folder as an inventory, standing in for S3 inventory reports."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from adb_manager.components import BackendComponent
from artifactdb_demo._support import local_path, section

if TYPE_CHECKING:
    from adb_manager.manager import BackendManagerBase

logger = logging.getLogger(__name__)


class InventoryComponent(BackendComponent):
    """Lists the files of ``s3_inventory.folder`` (created if missing) with their sizes.

    Optional: without an ``s3_inventory`` section it raises, and the manager skips it with the
    reason logged, as an instance without inventories would.
    """

    NAME = "s3_inventory"
    FEATURES = ("inventories",)
    DEPENDS_ON = ()
    REQUIRED = False
    CONFIG_KEY = "s3_inventory"
    CONFIG_SCHEMA: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "description": "The local folder listed as an inventory.",
        "required": ["folder"],
        "additionalProperties": False,
        "properties": {
            "folder": {
                "type": "string",
                "minLength": 1,
                "description": "Folder to list; created if missing.",
            },
        },
    }

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        if config.get("s3_inventory") is None:
            raise LookupError("no 's3_inventory' section in the configuration")
        settings = section(config, "s3_inventory")
        if "folder" not in settings:
            raise LookupError("configuration section 's3_inventory' needs a 'folder'")
        self.folder = local_path(settings["folder"], "s3_inventory.folder")

    def component_init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        logger.info("inventory of %s", self.folder)

    def inventory(self) -> list[dict[str, Any]]:
        """One ``{"key", "size"}`` entry per file under the folder, sorted by key."""
        files = sorted(p for p in self.folder.rglob("*") if p.is_file())
        return [
            {"key": p.relative_to(self.folder).as_posix(), "size": p.stat().st_size} for p in files
        ]
