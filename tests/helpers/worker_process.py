"""The worker as a real process, and the real servers it talks to, for the crash and outage tests.

``WorkerProcess`` runs ``manage.py <command>`` (the e-mail and webhook worker) against the
database pytest-django created (``transaction=True`` tests commit, so the child sees their rows),
with the SMTP backend pointed at ``SmtpServer`` — aiosmtpd on 127.0.0.1, a real mail server that
records each message it accepted — and its log in a file. ``TcpProxy`` stands between a worker
and PostgreSQL so a test can cut the database off (every connection reset, new ones refused) and
bring it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import logging
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.helpers.live_gunicorn import HOST, INHERITED_ENV, ROOT, database_url, free_port

WORKER_ARGS = ["--queue-name", "*", "--no-startup-delay", "--interval", "0.2"]


class SmtpServer:
    """aiosmtpd on a free 127.0.0.1 port; ``subjects`` lists every message it accepted, in order,
    ``answered`` counts the 250s it sent.

    Each message is held ``delay`` seconds (a range, drawn per message) before the 250: a slow
    mail server, so a worker is often killed mid-send.
    """

    def __init__(self, delay: tuple[float, float] = (0.0, 0.0), seed: int = 0):
        self.delay = delay
        self.rng = random.Random(seed)
        self.subjects: list[str] = []
        self.answered = 0
        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.subjects.append(email.message_from_bytes(envelope.content)["Subject"])
        if self.delay[1]:
            await asyncio.sleep(self.rng.uniform(*self.delay))
        self.answered += 1
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def worker_env(*, settings_dict: dict, smtp_port: int, **extra: str) -> dict[str, str]:
    """The environment of a production worker on this machine: PostgreSQL (the test database),
    SMTP to ``smtp_port``, local webhook receivers allowed; ``extra`` overrides."""
    env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="lmp.settings",
        DATABASE_URL=database_url(settings_dict),
        DEBUG="0",
        SECRET_KEY="worker-test-key-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=HOST,
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="5",
        WEBHOOKS_ALLOW_PRIVATE_URLS="1",
        WEBHOOKS_TIMEOUT="5",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    """``manage.py <command>`` as a child process, its output appended to ``log_path``."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path, args=WORKER_ARGS):
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", command, *args],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: the process dies where it stands, no handler runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as a process manager stops it; SIGKILL if it does not exit in 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def new_log(prefix: str) -> Path:
    """A log file for worker processes (kept for the failure message; in the temp directory)."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".log")
    os.close(handle)
    return Path(name)


def log_tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:]


class TcpProxy:
    """A TCP proxy on a free 127.0.0.1 port to ``target`` (host, port), in threads.

    ``cut()`` resets every open connection and refuses new ones (the listening socket closes: a
    client sees "connection refused", as when the server is down); ``restore()`` listens again on
    the same port.
    """

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.accepted = 0

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *exc) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            doomed, self.sockets = self.sockets, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in doomed:  # a reset, not a polite close: as when the server goes away
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # shutdown wakes the thread blocked reading it (close alone would not, and the
                # connection would stay open); close then resets it.
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self.sockets |= {client, upstream}
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:  # one side ended: end the other, so the peer sees it too
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds have passed; whether it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def other_sessions() -> int:
    """Sessions on this test database other than ours (a stopped worker's may take a moment to
    end; pytest-django cannot drop the database while one is open)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
