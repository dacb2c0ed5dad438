"""nginx with the shipped configuration (deploy/nginx/), run in a folder of its own.

The deployment test and bench/deploy.py start nginx in front of several server processes
exactly as deploy/nginx/nginx.conf and deploy/nginx/hangdoi.conf say, with only the ports,
paths and certificate rewritten: nginx runs in the foreground as the current user, with
its pid file, logs and temporary files under the given folder, a self-signed certificate
made with openssl, and the upstream's servers replaced by the given ports. Every rewrite
must find its text in the shipped files, so a change there that the harness would
silently miss fails loudly instead.

Standard library only (the benchmark imports it too).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX_CONF = DEPLOY / "nginx" / "nginx.conf"
SITE_CONF = DEPLOY / "nginx" / "hangdoi.conf"

# An upstream server line of the shipped site: "server 127.0.0.1:5001 max_fails=1 ...;"
UPSTREAM_SERVER = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", re.MULTILINE)
# One access-log line of the shipped "hangdoi" format.
ACCESS_LINE = re.compile(
    r'^(?P<addr>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<uri>\S+) (?P<protocol>[^"]+)" (?P<status>\d+) '
    r'(?P<bytes>\d+) (?P<request_time>\S+) upstream="(?P<upstream>[^"]*)" upstream_status="(?P<upstream_status>[^"]*)" '
    r'upstream_time="(?P<upstream_time>[^"]*)" route=(?P<route>\S+) "(?P<agent>[^"]*)"$'
)


def nginx_binary() -> str | None:
    """The nginx program (Debian's is in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace(text: str, old: str, new: str, what: str) -> str:
    if old not in text:
        raise RuntimeError(
            f"the shipped {what} no longer contains {old!r}: update tests/server/nginx.py"
        )
    return text.replace(old, new)


class Nginx:
    """The shipped nginx configuration in front of `upstream_ports`, under `folder`."""

    def __init__(self, folder: Path, upstream_ports: list[int]) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        self.binary = binary
        self.folder = Path(folder)
        self.upstream_ports = list(upstream_ports)
        self.http_port = _free_port()
        self.https_port = _free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.certificate = self.folder / "fullchain.pem"
        self.key = self.folder / "privkey.pem"
        self.logs = self.folder / "logs"
        self.access_log = self.logs / "hangdoi.access.log"
        self.process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ the files

    def render(self) -> Path:
        """Write the certificate and the rewritten configuration; return nginx.conf's path."""
        for sub in ("logs", "tmp", "modules-enabled", "conf.d", "sites-enabled"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        if not self.certificate.exists():
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout",
                    str(self.key),
                    "-out",
                    str(self.certificate),
                ],
                check=True,
                capture_output=True,
            )
        main = NGINX_CONF.read_text()
        # Workers of a root master switch to `user`; as anyone else nginx ignores the line.
        main = _replace(
            main, "user www-data;", "user root;" if os.geteuid() == 0 else "", "nginx.conf"
        )
        for old, new in (
            ("/run/nginx.pid", f"{self.folder}/nginx.pid"),
            ("/var/log/nginx/", f"{self.logs}/"),
            ("/var/lib/nginx/", f"{self.folder}/tmp/"),
            ("/etc/nginx/modules-enabled/", f"{self.folder}/modules-enabled/"),
            ("/etc/nginx/conf.d/", f"{self.folder}/conf.d/"),
            ("/etc/nginx/sites-enabled/", f"{self.folder}/sites-enabled/"),
        ):
            main = _replace(main, old, new, "nginx.conf")
        site = SITE_CONF.read_text()
        for old, new in (
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl;", f"listen 127.0.0.1:{self.https_port} ssl;"),
            ("listen [::]:443 ssl;", ""),
            ("/etc/ssl/hangdoi/fullchain.pem", str(self.certificate)),
            ("/etc/ssl/hangdoi/privkey.pem", str(self.key)),
            ("/var/log/nginx/", f"{self.logs}/"),
        ):
            site = _replace(site, old, new, "hangdoi.conf")
        servers = list(UPSTREAM_SERVER.finditer(site))
        if not servers:
            raise RuntimeError(
                "the shipped hangdoi.conf has no 'server 127.0.0.1:PORT ...;' upstream lines"
            )
        indent, options = servers[0].group(1), servers[0].group(2) or ""
        ours = "".join(
            f"{indent}server 127.0.0.1:{port}{options};\n" for port in self.upstream_ports
        )
        site = (
            site[: servers[0].start()] + ours + UPSTREAM_SERVER.sub("", site[servers[0].start() :])
        )
        (self.folder / "sites-enabled" / "hangdoi").write_text(site)
        conf = self.folder / "nginx.conf"
        conf.write_text(main)
        return conf

    # ------------------------------------------------------------------ running

    def start(self, timeout: float = 15) -> None:
        conf = self.render()
        test = subprocess.run(
            [
                self.binary,
                "-t",
                "-p",
                str(self.folder),
                "-e",
                str(self.logs / "error.log"),
                "-c",
                str(conf),
            ],
            capture_output=True,
            text=True,
        )
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t refuses the configuration:\n{test.stderr}")
        self._stderr = open(self.logs / "stderr.log", "ab")  # noqa: SIM115 - closed in stop
        self.process = subprocess.Popen(
            [
                self.binary,
                "-p",
                str(self.folder),
                "-e",
                str(self.logs / "error.log"),
                "-c",
                str(conf),
                "-g",
                "daemon off;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"nginx exited with {self.process.returncode}:\n{self.error_tail()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"nginx did not listen on {self.https_port} within {timeout} s:\n{self.error_tail()}"
        )

    def stop(self) -> None:
        """Fast shutdown (SIGTERM: open websockets are closed, not waited for)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()
            self._stderr = None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this nginx's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    # ------------------------------------------------------------------ logs

    def access_entries(self) -> list[dict[str, str]]:
        """The access log's lines, parsed (a line that does not parse is an error)."""
        entries = []
        if not self.access_log.exists():
            return entries
        for line in self.access_log.read_text(errors="replace").splitlines():
            match = ACCESS_LINE.match(line)
            if match is None:
                raise RuntimeError(f"an access-log line not in the hangdoi format: {line!r}")
            entries.append(match.groupdict())
        return entries

    def error_tail(self, lines: int = 40) -> str:
        text = ""
        for name in ("error.log", "hangdoi.error.log", "stderr.log"):
            path = self.logs / name
            if path.exists():
                text += (
                    f"--- {name} ---\n"
                    + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
                    + "\n"
                )
        return text
