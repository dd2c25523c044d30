"""Helpers for tests that run a real `celery -A portal worker` subprocess on the pytest test
database (tests/dossiers/tasks/: test_notification_worker.py, test_reliability.py), and a private
`redis-server` the fault tests may stop and restart (never the machine's shared one)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def database_url() -> str | None:
    """A URL of the test database for another process, or None when it cannot share it."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user, password = db.get("USER") or "", db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def keys_in(path: Path) -> Counter:
    """Idempotency keys written by the file backends (tests/dossiers/notification_backends.py)."""
    if not path.exists():
        return Counter()
    return Counter(line.split("\t", 1)[0] for line in path.read_text("utf-8").splitlines())


def attempts_in(path: Path) -> Counter:
    """How many times each key was handed to a test backend (tests/dossiers/notification_backends.py
    writes `<path>.attempts`), duplicates included."""
    return keys_in(Path(f"{path}.attempts"))


def wait_until(condition, *, timeout: float, message: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """`celery -A portal worker` on one queue, in its own process group (kill -9 takes the pool)."""

    def __init__(self, tmp_path: Path, queue: str, env: dict[str, str], name: str):
        self.log = tmp_path / f"{name}.log"
        self.queue = queue
        self.env = env
        self.name = name
        self.process = None

    def start(self, concurrency: int = 1) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "-Q",
                self.queue,
                "-c",
                str(concurrency),
                "-n",
                f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            time.sleep(0.2)
        raise AssertionError("worker did not start:\n" + self.log.read_text(errors="replace"))

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """kill -9 the worker and its pool processes."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class PrivateRedis:
    """A throw-away `redis-server` on a free port, without persistence, that a test may stop
    and start again on the same port."""

    def __init__(self, tmp_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.dir = tmp_path
        self.log = tmp_path / f"redis-{self.port}.log"
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert REDIS_SERVER, "redis-server is not installed"
        handle = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        wait_until(
            lambda: self._answers() or self.process.poll() is not None,
            timeout=15,
            message=f"redis-server on port {self.port} did not start",
            interval=0.05,
        )
        assert self.process.poll() is None, self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the server (SIGKILL: an outage, not a clean shutdown) and wait for the port."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None
        wait_until(
            lambda: not self._answers(),
            timeout=10,
            message="redis still answers",
            interval=0.05,
        )
