"""Serving a built manager's routes with uvicorn until a signal stops it, then closing it.

The signals are handled here rather than by uvicorn, so that the components are closed whatever
arrives and in whatever order: uvicorn skips the application's shutdown on a second Ctrl-C and
re-raises the signals it caught once it returns, which would end the process before anything
is closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn

from adb_manager.manager import BackendManagerBase
from adb_manager.rest import create_app

logger = logging.getLogger(__name__)

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# What a shell reports for a command a signal ended: 128 plus the signal's number.
SIGNAL_EXIT_BASE = 128
# How long requests in flight may take once the server is asked to stop.
GRACE_SECONDS = 10


class CannotListenError(OSError):
    """The server could not listen on the address it was given; uvicorn has logged why."""


class _Server(uvicorn.Server):
    """uvicorn's server, leaving the signals to :class:`_Stopper`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Stopper:
    """SIGINT and SIGTERM: the first stops the server once requests in flight are answered, the
    second stops it without waiting for them (the components are closed all the same), a third
    ends the process at once."""

    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.received: list[int] = []
        self.closing = False

    @property
    def exit_code(self) -> int:
        return SIGNAL_EXIT_BASE + self.received[0] if self.received else 0

    def handle(self, number: int, _frame: FrameType | None) -> None:
        self.received.append(number)
        name = signal.Signals(number).name
        if len(self.received) > 2:
            # Whatever hangs (a close() without a timeout) is given up on: the user insisted.
            logger.error("%s: stopping at once, without closing the remaining components", name)
            os._exit(self.exit_code)
        if len(self.received) == 1:
            logger.info("%s: stopping once requests in flight are answered", name)
            self.server.should_exit = True
        elif self.closing:
            logger.warning("%s: closing the components; a third signal stops at once", name)
        else:
            logger.warning("%s: stopping without waiting for requests in flight", name)
            self.server.force_exit = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread receives signals; the caller stops the server
            return
        previous: dict[signal.Signals, Callable[[int, FrameType | None], Any] | int | None] = {}
        for stopping in STOPPING_SIGNALS:
            previous[stopping] = signal.signal(stopping, self.handle)
        try:
            yield
        finally:
            for stopping, handler in previous.items():
                signal.signal(stopping, handler)


def serve_manager(manager: BackendManagerBase, *, host: str, port: int) -> int:
    """Serve ``manager``'s routes on ``host``:``port`` until SIGINT or SIGTERM, then close its
    components, in reverse build order, whatever happened.

    Returns 0 when the server stopped on its own, and 128 plus the signal's number when a signal
    stopped it (130 for SIGINT, 143 for SIGTERM). Raises :class:`CannotListenError` when the
    address cannot be listened on.
    """
    config = uvicorn.Config(
        create_app(manager, close_on_shutdown=False),
        host=host,
        port=port,
        log_config=None,  # the caller's logging
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    server = _Server(config)
    stopper = _Stopper(server)
    with stopper.installed():
        try:
            server.run()
        except SystemExit as stop:
            if stop.code:
                raise CannotListenError(f"cannot listen on {host} port {port}") from None
        finally:
            stopper.closing = True
            logger.info("closing the components of %s", manager.name)
            manager.close()
    return stopper.exit_code
