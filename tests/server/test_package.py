"""The server package itself: importing it loads nothing, so that ``python -m server.serve``
can let gevent patch the standard library before Flask, SQLAlchemy and the drivers load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import server
from server.extensions import db

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
import server
loaded = sorted(m for m in ("flask", "sqlalchemy", "psycopg", "socketio", "redis", "gevent", "server.app")
                if m in sys.modules)
print(",".join(loaded))
"""


def test_importing_the_package_loads_no_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == ""


def test_the_factory_makes_the_app_through_the_package(tmp_path: Path) -> None:
    app = server.create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "TESTING": True,
            "SECRET_KEY": "test",
            "ASYNC_MODE": "threading",
        },
        instance_path=str(tmp_path),
    )
    assert app.name == "server" and Path(app.root_path) == ROOT / "server"
    assert (Path(app.root_path) / (app.template_folder or "")).is_dir()
    assert db.engine is not None
    db.engine.dispose()
