"""A small Language Server Protocol client over a server's standard input and output.

Just what the editor tests need: JSON-RPC messages framed by ``Content-Length`` headers,
requests answered by id, notifications kept in arrival order, and requests from the server
(``workspace/configuration``, ``client/registerCapability``...) answered with null, as a client
without those capabilities does.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any


class LspError(Exception):
    """The server answered with an error, went away, or did not answer in time."""


class LspClient:
    """A running server process and the messages it sent."""

    def __init__(self, command: Sequence[str], *, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while (message := _read_message(self.process.stdout)) is not None:
            self._messages.put(message)
        self._messages.put(None)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        """Send a request and return its result, keeping what arrives meanwhile."""
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        answer = self._wait(lambda m: m.get("id") == request_id and "method" not in m)
        if "error" in answer:
            raise LspError(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def wait_notification(
        self, method: str, accept: Callable[[dict[str, Any]], bool] = lambda _params: True
    ) -> dict[str, Any]:
        """The params of the first notification ``method`` that ``accept`` takes, received
        already or arriving before the timeout."""
        for seen in self.notifications:
            if seen["method"] == method and accept(seen["params"]):
                return dict(seen["params"])
        found = self._wait(lambda m: m.get("method") == method and accept(m.get("params", {})))
        return dict(found["params"])

    def _wait(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LspError(f"no answer within {self.timeout} s")
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise LspError(f"the server exited with {self.process.wait()}")
            if "method" in message and "id" in message:
                self._send({"id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.append(message)
            if wanted(message):
                return message

    def close(self) -> None:
        """Shut the server down politely, and end it if it does not go."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None)
                self.notify("exit", None)
                self.process.wait(timeout=5)
        except (LspError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


def _read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    """One framed message, or None at the end of the stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        return None
    body = stream.read(length)
    if len(body) < length:
        return None
    message: dict[str, Any] = json.loads(body)
    return message
