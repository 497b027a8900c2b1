"""A local webhook receiver for the tests: a real HTTP server on 127.0.0.1 in a thread.

It records every request (path, headers, body) and answers 200, or 500 for the next ``fail``
requests (``fail = -1``: always), with ``answer`` as the 200's body, or stays silent for
``delay`` seconds first (a timeout); ``answered`` counts the answers sent.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: str


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    fail: int = 0  # answer 500 to this many requests (-1: to all)
    delay: float = 0.0  # seconds of silence before answering
    answered: int = 0  # answers sent, after the delay
    answer: bytes = b"thanks"  # the body of a 200

    def bodies(self) -> list[str]:
        return [r.body for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self):  # noqa: N802 - http.server's name
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        receiver.requests.append(
            Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if receiver.delay:
            time.sleep(receiver.delay)
        if receiver.fail:
            receiver.fail -= 1 if receiver.fail > 0 else 0
            status, answer = 500, b"receiver is down for maintenance"
        else:
            status, answer = 200, receiver.answer
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            receiver.answered += 1
        except OSError:
            pass  # the caller gave up waiting (the timeout test)

    def log_message(self, *args):
        pass


class ReceiverServer:
    """Start with ``with ReceiverServer() as receiver:``; ``receiver.url`` takes the posts."""

    def __enter__(self) -> Receiver:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address
        self.server.receiver = Receiver(url=f"http://{host}:{port}/hooks/lmp")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.server.receiver

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
