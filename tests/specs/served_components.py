"""Components that write their lifecycle to the file named by the configuration's
``journal.path``, so that a test can see what a server process ran before it ended."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from adb_manager import BackendComponent, BackendManagerBase


class Journaled(BackendComponent):
    def _write(self, event: str) -> None:
        with open(self.config["journal"]["path"], "a", encoding="utf-8") as journal:
            journal.write(f"{event} {self.NAME}\n")

    def post_final_init(self) -> None:
        self._write("started")

    def close(self) -> None:
        self._write("closed")


class Storage(Journaled):
    NAME = "storage"
    FEATURES = ("storage",)


class Sequences(Journaled):
    NAME = "sequences"
    FEATURES = ("sequences", "provisioning")
    DEPENDS_ON = ("storage",)


class Leaky(Journaled):
    """Fails, quoting the configuration's token in its message."""

    NAME = "leaky"
    FEATURES = ("notifications",)
    REQUIRED = False

    def __init__(self, manager: BackendManagerBase, config: Mapping[str, Any]) -> None:
        super().__init__(manager, config)
        raise ConnectionError(f"login refused for token {self.config['notify']['token']}")


class Archive(Journaled):
    NAME = "archive"
    FEATURES = ("archives",)


class Stuck(Journaled):
    """Its close() does not return for a minute."""

    NAME = "stuck"

    def close(self) -> None:
        self._write("closing")
        time.sleep(60)


class Chatty(Journaled):
    """Prints the configuration's token, and logs it with a traceback."""

    NAME = "chatty"

    def component_init(self) -> None:
        token = self.config["notify"]["token"]
        print(f"connecting with token {token}")
        try:
            raise ConnectionError(f"refused token {token}")
        except ConnectionError:
            logging.getLogger("chatty").warning("retrying", exc_info=True)
