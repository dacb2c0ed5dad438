"""Profile issuing (and calling) in one process, deterministically: what each request costs
in SQL statements and, under callgrind, in instructions.

    python bench/profile_issue.py --tickets 600 --concurrency 32
    python bench/profile_issue.py --tickets 600 --sql          # statements per request, by text
    python bench/profile_issue.py --tickets 600 --cprofile 30  # the top functions (cumulative)
    python bench/profile_issue.py --calls 200 --sql            # call-next + no-show per counter
    valgrind --tool=callgrind --instr-atstart=no --zero-before=getppid --dump-before=getpgrp \\
        python bench/profile_issue.py --tickets 600 --instrument

Works on any version of the server that PYTHONPATH points at (the code before the
renovation too): prepares a demo instance on SQLite with ``hangdoi-server prepare-demo``,
makes the app with ``create_app`` under gevent (as ``hangdoi-server serve`` does) and sends
POST /api/v1/tickets (kiosk token, services in turn, as bench/issue.py does) straight to
the WSGI app from `--concurrency` greenlets, so that the group commit batches as in the
benchmark. With ``--calls``, the counters of the demo then call next and mark a no-show,
as bench/call_latency.py does (without its Socket.IO clients).

The measured phase starts with ``os.getppid()`` and ends with ``os.getpgrp()``: callgrind's
``--zero-before=getppid --dump-before=getpgrp`` keeps exactly that phase in one dump (the
warm-up and start-up excluded). Prints statements and requests; asserts nothing.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

SERVER_COMMAND = str(Path(sys.executable).parent / "hangdoi-server")


def wsgi_request(
    app, method: str, path: str, body: object, token: str, extra: dict | None = None
) -> tuple[int, bytes]:
    """One request through the WSGI app, with an environ shaped as gevent's pywsgi makes it."""
    payload = b"" if body is None else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_LENGTH": str(len(payload)),
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.url_scheme": "http",
        **(extra or {}),
    }
    status: list[str] = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    return int(status[0][:3]), data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--calls", type=int, default=0, help="call-next + no-show per counter")
    parser.add_argument(
        "--standings",
        type=int,
        default=0,
        help="with this many waiting in one service, work out their places 20 times (a phone push)",
    )
    parser.add_argument("--sql", action="store_true", help="print statements by text")
    parser.add_argument("--cprofile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--pstats", help="write the profile (with --cprofile) to this file")
    parser.add_argument(
        "--instrument",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no: turn instrumentation on just "
        "before the measured phase (start-up then runs several times faster)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="hangdoi-profile-"))
    env = dict(os.environ, HANGDOI_DATABASE_URL=f"sqlite:///{instance / 'hangdoi.sqlite3'}")
    env.setdefault("HANGDOI_SQLITE_SYNCHRONOUS", "FULL")
    env.setdefault("HANGDOI_RATELIMIT_ISSUE_PER_DEVICE", "1000000/minute")
    os.environ.update(env)
    subprocess.run(
        [SERVER_COMMAND, "--instance", str(instance), "prepare-demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    devices = json.loads((instance / "demo-devices.json").read_text())
    kiosk = next(d["token"] for d in devices if d["kind"] == "kiosk")

    from server import create_app  # after gevent's patching, as in server/serve.py
    from server.services import group_commit

    # The same batches on every run, however slow (callgrind is ~50x): the leader lets the
    # other greenlets run until every request in flight waits for a batch (they have no
    # I/O to wait for here), instead of until the event loop is idle for at most 5 ms.
    def let_others_run() -> None:
        for _ in range(1000):
            gevent.sleep(0)
            if sum(len(c._pending) for c in committers) >= in_flight[0]:
                return

    submit = group_commit.GroupCommit.submit
    committers: set = set()

    def tracked_submit(self, item, run):
        committers.add(self)
        return submit(self, item, run)

    group_commit.GroupCommit.submit = tracked_submit
    group_commit._let_others_run = let_others_run

    long_caches()
    app = create_app(instance_path=str(instance))
    with app.app_context():
        from server.extensions import db

        engine = db.engine
        with engine.connect() as connection:
            services = list(
                connection.scalars(
                    text("SELECT id FROM service WHERE active AND daily_quota IS NULL ORDER BY id")
                )
            )
    statements: Counter[str] = Counter()
    in_flight = [0]

    def count(conn, cursor, statement, parameters, context, executemany):
        statements[re.sub(r"\s+", " ", statement)[:160]] += 1

    def issue_all(n: int, into: list[int] | None = None) -> int:
        errors = 0
        into = into or services
        in_flight[0] = min(n, args.concurrency)

        def worker(w: int) -> None:
            nonlocal errors
            if w >= n:
                return
            for i in range(w, n, args.concurrency):
                status, body = wsgi_request(
                    app,
                    "POST",
                    "/api/v1/tickets",
                    {"service_id": into[(w * 7919 + i) % len(into)]},
                    kiosk,
                )
                if status != 201:
                    errors += 1
                    if errors < 3:
                        print("issue:", status, body[:200], file=sys.stderr)
            in_flight[0] -= 1  # done: the leaders no longer wait for this worker

        gevent.joinall([gevent.spawn(worker, w) for w in range(args.concurrency)])
        return errors

    issue_all(64)  # warm-up: imports, caches, the connection pool
    counters = []
    if args.calls:
        counters = officer_tokens(app, instance)
        with app.app_context():
            with engine.connect() as connection:
                first_choices = list(
                    connection.scalars(
                        text(
                            "SELECT service_id FROM counter_service WHERE rank = 0"
                            " AND counter_id <= 8 ORDER BY counter_id"
                        )
                    )
                )
        # Enough waiting in every counter's first choice (issued before the measured phase).
        issue_all(len(first_choices) * (args.calls // len(counters) + 4), first_choices)
        call_all(app, counters, len(counters))
    if args.standings:
        issue_all(args.standings, services[:1])
    event.listen(engine, "before_cursor_execute", count)
    profiler = cProfile.Profile() if args.cprofile else None
    if args.instrument:
        subprocess.run(
            ["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True
        )
    os.getppid()  # callgrind: --zero-before=getppid
    if profiler:
        profiler.enable()
    errors = issue_all(args.tickets) if args.tickets else 0
    calls = call_all(app, counters, args.calls) if args.calls else 0
    pushed = tell_standings(app, services[0], 20) if args.standings else 0
    if profiler:
        profiler.disable()
    os.getpgrp()  # callgrind: --dump-before=getpgrp
    event.remove(engine, "before_cursor_execute", count)
    requests = args.tickets + 2 * calls + pushed
    print(
        f"{args.tickets} issues at concurrency {args.concurrency}, {calls} calls (+ no-shows),"
        f" {pushed} places pushed,"
        f" {errors} errors; {sum(statements.values())} SQL statements"
        f" = {sum(statements.values()) / max(1, requests):.2f} per request"
    )
    if args.sql:
        for statement, n in statements.most_common():
            print(f"{n / max(1, requests):8.3f}  {statement}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.cprofile)
        print(out.getvalue())
        if args.pstats:
            profiler.dump_stats(args.pstats)
    if not args.keep:
        shutil.rmtree(instance, ignore_errors=True)
    return 0


def tell_standings(app, service_id: int, times: int) -> int:
    """What a queue move costs the server per waiting phone of a service: the places and
    waits of all its waiting tickets (server.services.estimates.standings) and each phone's
    ``ticket.standing`` data, `times` times; the number of phone payloads made."""
    from server.extensions import db  # the server on the path, after gevent's patching
    from server.services.clock import business_day
    from server.services.estimates import standings

    made = 0
    with app.app_context():
        now = dt.datetime.now(dt.UTC)
        day = business_day(now, "Asia/Ho_Chi_Minh")
        for _ in range(times):
            rows = standings(db.session, service_id, day, now)
            db.session.remove()
            for _token, ahead, wait in rows:
                fields = (
                    {"estimated_wait_minutes": wait} if isinstance(wait, int) else wait.fields()
                )
                data = {"people_ahead": ahead, **fields}
                made += data is not None
    return made


def long_caches() -> None:
    """Keep what the server caches for a few seconds (credentials, the catalogue, the
    services' paces, when a device was last seen) for an hour: under callgrind the run is
    ~50x slower, and would otherwise read them again ~50x as often as at full speed."""
    hour = 3600.0
    os.environ["HANGDOI_CREDENTIALS_CACHE_SECONDS"] = str(hour)
    import importlib  # the modules of whichever version of the server is on the path

    for name, attribute, value in (
        ("server.services.catalog", "TTL_SECONDS", hour),
        ("server.services.estimates", "RATE_TTL_SECONDS", hour),
        ("server.services.estimates", "PACE_TTL", dt.timedelta(hours=1)),
        ("server.services.credentials", "DEVICE_SEEN_EVERY", hour),
    ):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, attribute):
            setattr(module, attribute, value)
    try:
        credentials = importlib.import_module("server.services.credentials")
        credentials.Credentials.seen_due.__defaults__ = (hour,)
    except (ImportError, AttributeError):
        pass
    try:
        accounts = importlib.import_module("server.services.accounts")
        for value in vars(accounts).values():
            if type(value).__name__ == "_ActorCache":
                value.seconds = hour
    except ImportError:
        pass


def officer_tokens(app, instance: Path) -> list[tuple[int, str]]:
    """(counter id, bearer token) of each demo counter an officer can open."""
    result = []
    client = app.test_client()
    for i in range(1, 9):
        answer = client.post(
            "/api/v1/auth/token", json={"username": f"canbo{i:02d}", "password": "canbo123"}
        )
        if answer.status_code not in (200, 201):
            print("token:", answer.status_code, answer.get_data()[:200], file=sys.stderr)
            continue
        token = answer.get_json()["token"]
        opened = client.post(
            f"/api/v1/counters/{i}/open", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        if opened.status_code != 200:
            print("open:", opened.status_code, opened.get_data()[:200], file=sys.stderr)
            continue
        result.append((i, token))
    return result


def call_all(app, counters: list[tuple[int, str]], n: int) -> int:
    """Each counter calls next and marks a no-show, `n` times in all (spread over them)."""
    done = 0

    def worker(k: int) -> None:
        nonlocal done
        counter_id, token = counters[k]
        for _ in range(k, n, len(counters)):
            status, body = wsgi_request(
                app, "POST", f"/api/v1/counters/{counter_id}/call-next", {}, token
            )
            if status != 200:
                print("call:", status, body[:200], file=sys.stderr)
                continue
            if json.loads(body).get("ticket") is None:
                print("call: nobody waits at counter", counter_id, file=sys.stderr)
                continue
            status, body = wsgi_request(
                app, "POST", f"/api/v1/counters/{counter_id}/no-show", {}, token
            )
            if status != 200:
                print("no-show:", status, body[:200], file=sys.stderr)
            done += 1

    gevent.joinall([gevent.spawn(worker, k) for k in range(len(counters))])
    return done


if __name__ == "__main__":
    sys.exit(main())
