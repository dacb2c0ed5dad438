"""Loading the demo centre of :mod:`server.demo_data` into a database, and describing it."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from server import demo_data as data
from server.db import write_transaction
from server.models import (
    Counter,
    CounterService,
    Department,
    Device,
    NumberSeries,
    PriorityCategory,
    Service,
    Site,
    User,
)
from server.services.accounts import DEVICE_TOKEN_PREFIX, hash_token

DEVICE_TOKENS_FILE = "demo-devices.json"


def load(session: Session, *, real_hours: bool = False, instance_path: str | None = None) -> bool:
    """Create the demo centre unless its site exists. Returns whether it was created.

    The devices' tokens are written to the instance folder (readable by its owner only),
    so that ``make run`` can print them every time.
    """
    tokens: list[dict[str, object]] = []
    with write_transaction(session):
        if session.scalar(select(Site.id).where(Site.code == data.SITE["code"])) is not None:
            return False
        site = Site(**data.SITE, opening_hours=data.OPENING_HOURS if real_hours else None)
        session.add(site)
        session.flush()
        series = {}
        for row in data.SERIES:
            series[row["code"]] = NumberSeries(site_id=site.id, **row)
            session.add(series[row["code"]])
        for position, row in enumerate(data.PRIORITY_CATEGORIES):
            session.add(PriorityCategory(site_id=site.id, position=position, **row))
        session.flush()
        services: dict[str, Service] = {}
        position = 0
        for dept_position, dept in enumerate(data.DEPARTMENTS):
            department = Department(
                site_id=site.id,
                code=dept["code"],
                name_vi=dept["name_vi"],
                name_en=dept["name_en"],
                position=dept_position,
            )
            session.add(department)
            session.flush()
            for row in dept["services"]:
                fields = {k: v for k, v in row.items() if k != "series"}
                service = Service(
                    site_id=site.id,
                    department_id=department.id,
                    series_id=series[row["series"]].id,
                    position=position,
                    **fields,
                )
                position += 1
                services[row["code"]] = service
                session.add(service)
        session.flush()
        for row in data.COUNTERS:
            counter = Counter(
                site_id=site.id,
                number=row["number"],
                name_vi=row["name_vi"],
                name_en=row["name_en"],
                zone=row["zone"],
            )
            counter.services = [
                CounterService(service_id=services[code].id, rank=rank)
                for rank, code in enumerate(row["services"])
            ]
            session.add(counter)
        for row in data.USERS:
            session.add(
                User(
                    username=row["username"],
                    full_name=row["full_name"],
                    role=row["role"],
                    password_hash=generate_password_hash(row["password"]),
                    site_id=site.id,
                )
            )
        for row in data.DEVICES:
            token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
            device = Device(
                site_id=site.id,
                kind=row["kind"],
                name=row["name"],
                zone=row["zone"],
                token_hash=hash_token(token),
            )
            session.add(device)
            session.flush()
            tokens.append(
                {
                    "id": device.id,
                    "kind": device.kind,
                    "name": device.name,
                    "zone": device.zone,
                    "token": token,
                }
            )
    if instance_path:
        path = Path(instance_path) / DEVICE_TOKENS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(tokens, ensure_ascii=False, indent=2))
        os.chmod(path, 0o600)
    return True


def demo_device_tokens(instance_path: str) -> list[dict[str, Any]]:
    path = Path(instance_path) / DEVICE_TOKENS_FILE
    return json.loads(path.read_text()) if path.exists() else []


def describe(session: Session, instance_path: str, public_url: str) -> str:
    """What `make run` prints: the addresses, the demo logins and the device tokens."""
    site = session.scalar(select(Site).where(Site.code == data.SITE["code"]))
    base = public_url.rstrip("/")
    lines = [
        "",
        f"hangdoi — {site.name_vi if site else 'demo'}",
        "",
        "Addresses:",
        f"  API                    {base}/api/v1",
        f"  OpenAPI document       {base}/api/v1/openapi.json",
        f"  Health                 {base}/api/v1/health",
        f"  Phone tracking page    {base}/t/<tracking token: the tracking_url of an issued ticket>",
        f"  Web hall display       {base}/display (pair with a display token below)",
        "",
        "Demo logins (username / password):",
    ]
    for row in data.USERS:
        lines.append(
            f"  {row['role']:<8} {row['username']:<10} / {row['password']:<12} {row['full_name']}"
        )
    tokens = demo_device_tokens(instance_path)
    if tokens:
        lines += ["", "Device tokens (Authorization: Bearer …):"]
        for row in tokens:
            lines.append(f"  {row['kind']:<8} {row['name']}: {row['token']}")
        displays = [row for row in tokens if row["kind"] == "display"]
        if displays:
            lines += ["", "Hall displays:"]
            for row in displays:
                lines.append(f"  {row['name']}: {base}/display?token={row['token']}")
    kiosks = [row for row in tokens if row["kind"] == "kiosk"]
    if kiosks:
        # The kiosk app (kiosk/, PyQt6) is started beside the server, on this machine or
        # another one of the centre's network.
        lines += [
            "",
            "Touchscreen kiosk (in another terminal; --preview saves each slip as a PNG in the",
            "kiosk's config folder; --printer file:/tmp/slips.bin writes the ESC/POS bytes):",
            f"  .venv/bin/python -m kiosk --server {base} --token {kiosks[0]['token']} \\",
            "       --preview --windowed 1366x768 --show-cursor",
            "  (settings: five taps in the top-left corner, PIN 0000)",
        ]
    lines += [
        "",
        "Counter client (the officer's bar; in another terminal, on this or another PC):",
        f"  .venv/bin/python -m counter_client --server {base}",
        "  then log in as an officer above (e.g. canbo01 / canbo123) and open a counter.",
    ]
    lines += [
        "",
        "Try it:",
        f"  curl -s -X POST {base}/api/v1/tickets -H 'Authorization: Bearer <kiosk token>' \\",
        "       -H 'Content-Type: application/json' -d '{\"service_id\": 1}'",
        "",
    ]
    return "\n".join(lines)
