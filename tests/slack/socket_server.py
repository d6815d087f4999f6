"""A local websocket server that speaks Slack's Socket Mode protocol.

It greets a connecting client with ``hello``, sends the envelopes a test queues and records
the acknowledgements (``{"envelope_id": …}``) the client sends back.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketModeServer:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._outgoing: queue.Queue[str] = queue.Queue()
        self._change = threading.Condition()
        self._server: Server | None = None

    def start(self) -> SocketModeServer:
        self._server = serve(self._session, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def send_envelope(self, envelope_id: str, kind: str, payload: dict[str, Any]) -> None:
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        self._outgoing.put(json.dumps(envelope))

    def wait_connected(self, timeout: float = 180.0) -> bool:
        with self._change:
            return self._change.wait_for(lambda: self.connections > 0, timeout)

    def wait_ack(self, envelope_id: str, timeout: float = 180.0) -> bool:
        with self._change:
            return self._change.wait_for(
                lambda: any(ack.get("envelope_id") == envelope_id for ack in self.acks), timeout
            )

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        with self._change:
            self.connections += 1
            self._change.notify_all()
        try:
            while True:
                while not self._outgoing.empty():
                    connection.send(self._outgoing.get_nowait())
                try:
                    raw = connection.recv(timeout=0.05)
                except TimeoutError:
                    continue
                with self._change:
                    self.acks.append(json.loads(raw))
                    self._change.notify_all()
        except ConnectionClosed:
            return
