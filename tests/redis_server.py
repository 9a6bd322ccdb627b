"""A throwaway ``redis-server`` for tests and benchmarks.

:class:`RedisServer` starts ``redis-server`` in a temporary directory listening
only on a unix socket (``--port 0`` disables TCP), so there is no port race and
nothing else on the machine can reach it; its :attr:`~RedisServer.url` is a
``unix://`` URL that redis-py (and so ``NEWSARCHIVE_REDIS_URL``) accepts.
Nothing is persisted (no RDB, no AOF).

``NEWSARCHIVE_TEST_REDIS_URL`` points the tests at an existing server instead
(it is flushed: give them a database of their own).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

ENV_URL = "NEWSARCHIVE_TEST_REDIS_URL"


def redis_server_binary() -> str | None:
    """Path of ``redis-server``, or ``None`` when it is not installed."""
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/local/bin/redis-server") if os.access(p, os.X_OK)), None
    )


def redis_available() -> bool:
    return bool(os.environ.get(ENV_URL) or redis_server_binary())


class RedisServer:
    """``with RedisServer() as redis: redis.url`` -- a private server for the block."""

    def __init__(self, start_timeout: float = 10.0) -> None:
        self.start_timeout = start_timeout
        self.url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> RedisServer:
        external = os.environ.get(ENV_URL)
        if external:
            self.url = external
            self.client().flushdb()
            return self
        import redis  # an optional dependency

        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self._tmp = tempfile.TemporaryDirectory(prefix="newsarchive-redis-")
        directory = Path(self._tmp.name)
        sock = directory / "redis.sock"
        cmd = [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
               "--dir", str(directory), "--save", "", "--appendonly", "no", "--daemonize", "no",
               "--loglevel", "warning", "--logfile", str(directory / "redis.log")]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"unix://{sock}"
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.__exit__(None, None, None)
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {err.strip()}")
            if sock.exists():
                try:
                    if self.client().ping():
                        return self
                except (OSError, redis.exceptions.ConnectionError):
                    pass  # the socket file exists before the server accepts on it
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("redis-server did not start in time")
            time.sleep(0.02)

    def client(self):  # -> redis.Redis (redis is an optional dependency)
        import redis

        return redis.Redis.from_url(self.url)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
