"""A private PostgreSQL cluster for tests, started with the machine's initdb and postgres.

PostgreSQL refuses to run as root, so when the tests run as root the server
runs as the ``postgres`` system user (or ``nobody`` when there is none) and
its data folder is handed to that user.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name: str) -> str:
    path = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )
    if path is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL 15 server binaries (initdb, postgres)")
    return path


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


class PostgresCluster:
    """One throwaway cluster listening on 127.0.0.1 only, with trust authentication."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.socket_dir = base_dir / "socket"
        self.port = free_port()
        self.user = _server_user()
        self.process: subprocess.Popen | None = None

    def _run_kwargs(self) -> dict:
        return {"user": self.user} if self.user else {}

    def start(self) -> None:
        """Initialise the cluster and start the server, waiting until it accepts connections."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            account = pwd.getpwnam(self.user)
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        initdb = subprocess.run(
            [_binary("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            capture_output=True,
            text=True,
            **self._run_kwargs(),
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed with status {initdb.returncode}: {initdb.stderr.strip()}")
        log = open(self.base_dir / "server.log", "wb")
        self.process = subprocess.Popen(
            [
                _binary("postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.socket_dir}",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self._run_kwargs(),
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    logger.info("PostgreSQL test cluster ready on port %d", self.port)
                    return
            except psycopg.OperationalError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start; see {self.base_dir / 'server.log'}")

    def stop(self) -> None:
        """Stop the server and remove its files."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def dsn(self, database: str) -> str:
        """Return a libpq connection string for ``database``."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def url(self, database: str) -> str:
        """Return an SQLAlchemy URL for ``database``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create ``name``, optionally as a copy of ``template``."""
        clause = f" TEMPLATE {template}" if template else ""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{clause}')

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting anyone still using it."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
