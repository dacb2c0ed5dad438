"""How tickets, times and contract labels read on the counter client's widgets."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from desktop.i18n import Catalog, language

_ = Catalog("counter_client").gettext

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def contract_label(pair: tuple[str, str]) -> str:
    """A (Vietnamese, English) label of ``contract`` (states, actions) in the current language."""
    vi, en = pair
    return en if language() == "en" else vi


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO time of the API (UTC) as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def local_time(value: Any) -> str:
    """A UTC time of the API shown as the centre's clock (Asia/Ho_Chi_Minh), HH:MM."""
    parsed = parse_time(value)
    return parsed.astimezone(LOCAL).strftime("%H:%M") if parsed else ""


def duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` past an hour."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def service_name(ticket: dict[str, Any]) -> str:
    service = ticket.get("service") or {}
    return str(
        service.get("name_en" if language() == "en" else "name_vi") or service.get("code") or ""
    )


def priority_name(code: str, names: dict[str, tuple[str, str]] | None = None) -> str:
    """A priority category's name (from the site's list) in the current language."""
    return contract_label(names[code]) if names and code in names else code


def ticket_line(ticket: dict[str, Any], names: dict[str, tuple[str, str]] | None = None) -> str:
    """Service, then priority and dossier code when there are: two short lines."""
    first = service_name(ticket)
    extra = []
    if ticket.get("priority_category"):
        category = priority_name(ticket["priority_category"], names)
        extra.append(_("Priority: {category}").format(category=category))
    if ticket.get("dossier_code"):
        extra.append(_("Dossier {code}").format(code=ticket["dossier_code"]))
    if ticket.get("call_count", 0) > 1:
        extra.append(_("called {count}×").format(count=ticket["call_count"]))
    return first + ("\n" + " · ".join(extra) if extra else "")


def waiting_line(ticket: dict[str, Any], now: dt.datetime | None = None) -> str:
    """A waiting ticket in the panel's list: number, priority mark, service, time waited."""
    now = now or dt.datetime.now(dt.UTC)
    queued = parse_time(ticket.get("queued_at"))
    waited = duration((now - queued).total_seconds()) if queued else ""
    mark = "★ " if ticket.get("priority_category") else ""
    return f"{mark}{ticket.get('number')} · {service_name(ticket)} · {waited}"
