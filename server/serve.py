"""The production server process: gevent's WSGI server, one process.

Run through ``hangdoi-server serve``; gevent patches the standard library first thing,
before Flask, SQLAlchemy or the database drivers are imported.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402

from gevent.pywsgi import WSGIServer  # noqa: E402

from server import create_app  # noqa: E402
from server.http_handler import FastHeadersHandler  # noqa: E402
from server.realtime import start_listening  # noqa: E402
from server.services.queue import issue_totals  # noqa: E402
from server.services.voice.announce import prepare_in_background  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="hangdoi production server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--instance", default=None)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    app = create_app(instance_path=args.instance or os.environ.get("HANGDOI_INSTANCE") or None)
    # Thousands of connected clients make a heap of long-lived objects that every full
    # garbage collection walks, stopping all greenlets for hundreds of milliseconds
    # (measured with bench/call_latency.py). Freeze what start-up made, and collect the
    # older generations far less often. The youngest generation is collected every 10,000
    # allocations: every request leaves a reference cycle behind (Werkzeug's router makes
    # a recursive closure per match), and at 50,000 each collection stopped the server for
    # 5-19 ms (bench/issue.py p99); gen2 still comes every 250 million allocations.
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 500)
    server = WSGIServer(
        (args.host, args.port),
        app,
        log=None,
        error_log=logging.getLogger("hangdoi.http"),
        handler_class=FastHeadersHandler,
    )
    server.init_socket()
    # pywsgi writes headers and body in two sends: without TCP_NODELAY every keep-alive
    # request after the first waits ~40 ms for the client's delayed ACK (Nagle).
    # Accepted sockets inherit the option on Linux.
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(timeout=5))
    if app.config.get("REDIS_URL"):
        # Every process of an install must share the channel: the log shows it to compare.
        logging.getLogger("hangdoi").info(
            "Redis message queue on channel %s", app.config["REDIS_CHANNEL"]
        )
        # Hear the other processes' events from the start, not from the first Socket.IO
        # connection on (a restarted process serves requests before a display comes back).
        start_listening()
    # The default voice pack (espeak-ng, once: the clips stay in the instance folder).
    prepare_in_background(app)
    logging.getLogger("hangdoi").info(
        "serving on http://%s:%d (pid %d)", args.host, args.port, os.getpid()
    )
    server.serve_forever()
    transactions, requests = issue_totals(app)
    if transactions:
        logging.getLogger("hangdoi").info(
            "stopped: %d issue requests in %d write transactions (%.1f per transaction)",
            requests,
            transactions,
            requests / transactions,
        )


if __name__ == "__main__":
    main()
