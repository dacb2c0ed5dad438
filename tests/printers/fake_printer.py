"""A fake ESC/POS network printer for tests: a real TCP server on 127.0.0.1 (ephemeral
port) in a thread.

It answers DLE EOT status queries (n = 1 printer, 2 offline cause, 4 paper sensor) the
way an Epson-compatible printer does, records each job (the bytes of one connection after
its leading status queries), and can be told to be offline, out of paper, near the paper
end, with its cover open, or slow (connected but never answering). Loopback only.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

DLE_EOT = b"\x10\x04"


@dataclass
class Connection:
    queries: list[int] = field(default_factory=list)
    job: bytes = b""
    closed: bool = False


class FakePrinter:
    """Set ``online``, ``paper`` ("ok", "near_end", "out"), ``cover_open`` or ``slow``."""

    def __init__(self) -> None:
        self.online = True
        self.paper = "ok"
        self.cover_open = False
        self.slow = False
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._job_done = threading.Condition(self._lock)
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(8)
        self._server.settimeout(0.05)  # accept() wakes up to notice close()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, name="fake-printer", daemon=True)
        self._acceptor.start()

    # --- what a test reads ---------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def jobs(self) -> list[bytes]:
        with self._lock:
            return [c.job for c in self.connections if c.job]

    def wait_for_jobs(self, count: int = 1, timeout: float = 5.0) -> list[bytes]:
        """The jobs once ``count`` connections with a job have closed."""
        with self._job_done:
            self._job_done.wait_for(
                lambda: len([c for c in self.connections if c.job]) >= count, timeout
            )
        return self.jobs

    def wait_for_closed(self, count: int = 1, timeout: float = 5.0) -> list[Connection]:
        """The connections once ``count`` of them have been closed by the client."""
        with self._job_done:
            self._job_done.wait_for(
                lambda: len([c for c in self.connections if c.closed]) >= count, timeout
            )
            return list(self.connections)

    # --- status bytes as an Epson TM printer sends them ----------------------------
    def status_byte(self, n: int) -> int:
        fixed = 0x12
        paper_end = self.paper == "out"
        if n == 1:  # printer status: bit 3 offline
            offline = not self.online or self.cover_open or paper_end
            return fixed | (0x08 if offline else 0)
        if n == 2:  # offline cause: bit 2 cover open, bit 5 paper end stop, bit 6 error
            value = fixed
            if self.cover_open:
                value |= 0x04
            if paper_end:
                value |= 0x20
            if not self.online and not self.cover_open and not paper_end:
                value |= 0x40
            return value
        if n == 4:  # roll paper sensor: bits 2-3 near end, bits 5-6 paper end
            return fixed | {"ok": 0, "near_end": 0x0C, "out": 0x6C}[self.paper]
        return fixed

    # --- server ----------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._clients.append(client)
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        record = Connection()
        with self._lock:
            self.connections.append(record)
        pending = b""
        in_job = False
        data = bytearray()
        client.settimeout(0.05)
        try:
            while not self._stopping.is_set():
                try:
                    chunk = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                if in_job:
                    data += chunk
                    continue
                pending += chunk
                # Status queries are answered only before the job starts: inside image
                # data the same bytes are pixels.
                while len(pending) >= 3 and pending.startswith(DLE_EOT):
                    n = pending[2]
                    pending = pending[3:]
                    with self._lock:
                        record.queries.append(n)
                    if not self.slow:
                        client.sendall(bytes([self.status_byte(n)]))
                if pending and not DLE_EOT.startswith(pending[:2]):
                    in_job = True
                    data += pending
                    pending = b""
        finally:
            client.close()
            with self._job_done:
                record.job = bytes(data)
                record.closed = True
                self._job_done.notify_all()

    def close(self) -> None:
        self._stopping.set()
        self._acceptor.join(2)
        self._server.close()
        for client in self._clients:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> FakePrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


class SilentListener:
    """A loopback port that accepts no connection: its backlog is full, so a new
    connection attempt gets no answer at all and times out (like a printer that hangs)."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        self._fillers: list[socket.socket] = []
        # Fill the accept queue (backlog 0 still queues one or two on Linux).
        for _ in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self._fillers.append(filler)

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self.server.close()

    def __enter__(self) -> SilentListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
