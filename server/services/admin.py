"""Administration of a centre's set-up: sites, departments, number series, services,
counters and priority categories (users and devices: :mod:`server.services.accounts`).

Every change here is one write transaction that also writes its audit entry
(:mod:`server.services.audit`) and queues one ``catalog.changed`` per site it touched; after
the commit this process's catalogue cache is emptied (the other processes empty theirs
when the event reaches them, see :mod:`server.services.catalog`).

Safe edits: nothing is ever deleted here, it is deactivated (a deactivated service keeps
its waiting tickets callable; a deactivated counter keeps its history). A change that
would break the day is refused with a 409 that says what to do instead:

- a number series' format or start, once it has issued a number today (the site's day):
  the day's numbers would change form half-way; change it after midnight, or make a new
  series and move the services to it (a service's new tickets take the new series, its
  issued ones keep theirs);
- a site's time zone, once it has issued a ticket today: the business day would move;
- deactivating or renumbering a counter that is open, deactivating a site with an open
  counter, a department or series that active services still use.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contract import events as ev
from contract.tickets import CounterState
from server.db import write_transaction
from server.errors import DomainError, Forbidden, InvalidInput, NotFound, not_found
from server.events import publish, summary
from server.models import (
    Counter,
    CounterService,
    DailyNumber,
    Department,
    NumberSeries,
    PriorityCategory,
    Service,
    Site,
    Ticket,
    utcnow,
)
from server.services import audit, catalog
from server.services.actor import Actor
from server.services.clock import business_day
from server.services.voice import announce
from server.services.voice import settings as voice_settings

M = TypeVar("M")

# Longest number a series may print (Ticket.number holds 24 characters).
MAX_NUMBER_LENGTH = 24
# A day's numbers are checked up to this one when a format is given.
LARGEST_DAILY_NUMBER = 99_999


# --------------------------------------------------------------------------- shared


def invalid(field: str, vi: str, en: str) -> InvalidInput:
    """A 422 naming the field, in the form of the schemas' own (details.json.<field>)."""
    return InvalidInput("invalid_input", f"{field}: {vi}", f"{field}: {en}", json={field: [en]})


def require_site(actor: Actor, site_id: int | None) -> None:
    """A site's administrator acts on their own site only."""
    if actor.site_id is not None and site_id != actor.site_id:
        raise Forbidden(
            "other_site",
            "Bạn chỉ quản trị được điểm phục vụ của mình.",
            "You may administer your own site only.",
        )


def require_province(actor: Actor) -> None:
    if actor.site_id is not None:
        raise Forbidden(
            "province_admin_only",
            "Chỉ quản trị viên cấp tỉnh mới tạo được điểm phục vụ.",
            "Only a province-wide administrator creates sites.",
        )


_IN_CHANGE = "hangdoi_admin_change"
_NEW_WORDING = "hangdoi_admin_new_wording"


@contextmanager
def change(session: Session) -> Iterator[Session]:
    """One administrative write transaction; this process's catalogue and voice-settings
    caches are emptied after it commits (and the clips of a new wording or dialect made in
    the background). Inside another (an import), it is part of that one."""
    if session.info.get(_IN_CHANGE):
        yield session
        return
    session.info[_IN_CHANGE] = True
    try:
        with write_transaction(session):
            yield session
    finally:
        session.info.pop(_IN_CHANGE, None)
        new_wording = session.info.pop(_NEW_WORDING, False)
    if has_app_context():
        catalog.invalidate()
        voice_settings.invalidate()
        if new_wording:
            announce.prepare_soon(current_app._get_current_object())  # type: ignore[attr-defined]


def _voice_checked(field: str, check: Any, *args: Any, **kwargs: Any) -> Any:
    """The voice module's check of a setting (server.services.voice.settings: its rules),
    its 422 answered as the administration's: naming `field` (the API's name for it)."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        name = str(error.details.get("field", ""))
        path = field.format(name=name)
        message = f"{error.message} / {error.message_en}"
        json: dict[str, Any] = {path: [message]}
        if "." in path:
            outer, inner = path.split(".", 1)
            json = {outer: {inner: [message]}}
        raise InvalidInput(
            "invalid_input", f"{path}: {error.message}", f"{path}: {error.message_en}", json=json
        ) from error


def _site_voice(changes: dict[str, Any]) -> dict[str, Any]:
    """A site's changes with its ``voice`` object as the site's columns, checked."""
    changes = dict(changes)
    voice = changes.pop("voice", None)
    if voice:
        changes.update(_voice_checked("voice.{name}", voice_settings.validated, **voice))
    return changes


def catalog_changed(
    session: Session, site_id: int, kind: str, object_id: int, now: dt.datetime
) -> None:
    """Note that `kind` `object_id` of the site changed: one catalog.changed per site goes
    out with the transaction's commit, naming every object it changed."""

    def make() -> dict[int, dict[str, list[int]]]:
        return {}

    def run(session: Session, changed: dict[int, dict[str, list[int]]]) -> None:
        for changed_site, ids in sorted(changed.items()):
            payload: ev.CatalogChangedData = {"kinds": sorted(ids), "ids": ids}
            publish(
                session,
                ev.CATALOG_CHANGED,
                changed_site,
                dict(payload),
                ev.queue_room(changed_site),
                now=now,
            )

    changed = summary(session, "catalog.changed", make, run)
    ids = changed.setdefault(site_id, {}).setdefault(kind, [])
    if object_id not in ids:
        ids.append(object_id)


def _get(
    session: Session, model: type[M], object_id: int, actor: Actor, what: tuple[str, str]
) -> M:
    obj = session.get(model, object_id)
    site_id = getattr(obj, "site_id", None) if obj is not None else None
    if model is Site and obj is not None:
        site_id = object_id
    if obj is None or (site_id is not None and not actor.may_see_site(site_id)):
        raise not_found(what[0], what[1], object_id)
    return obj


def _site(session: Session, actor: Actor, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None or not actor.may_see_site(site_id):
        raise not_found("điểm phục vụ", "site", site_id)
    return site


def _apply(obj: Any, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(obj, key, value)


def _unique(
    session: Session, model: Any, site_id: int, field: str, value: Any, own_id: int | None
) -> None:
    column = getattr(model, field)
    found = session.scalar(select(model.id).where(model.site_id == site_id, column == value))
    if found is not None and found != own_id:
        raise DomainError(
            f"{field}_taken",
            f"{field}: giá trị «{value}» đã có ở điểm phục vụ này.",
            f"{field}: '{value}' is already used at this site.",
            json={field: [f"'{value}' is already used at this site."]},
        )


def _same_site(
    session: Session, model: Any, object_id: int, site_id: int, field: str, what: tuple[str, str]
) -> Any:
    """The object an id of the request names, of the same site (404 naming the field)."""
    obj = session.get(model, object_id)
    if obj is None or obj.site_id != site_id:
        raise NotFound(
            "not_found",
            f"{field}: không có {what[0]} {object_id} ở điểm phục vụ này.",
            f"{field}: there is no {what[1]} {object_id} at this site.",
            json={field: [f"there is no {what[1]} {object_id} at this site"]},
        )
    return obj


def _audit_create(
    session: Session,
    actor: Actor,
    kind: str,
    obj: Any,
    site_id: int | None,
    now: dt.datetime,
    **extra: Any,
) -> None:
    session.flush()
    audit.record(
        session,
        actor,
        object_type=kind,
        object_id=obj.id,
        site_id=site_id,
        action="create",
        after=audit.snapshot(obj, **extra),
        now=now,
    )
    if site_id is not None:
        catalog_changed(session, site_id, kind, obj.id, now)


def _audit_update(
    session: Session,
    actor: Actor,
    kind: str,
    obj: Any,
    site_id: int | None,
    before: dict[str, Any],
    now: dt.datetime,
    **extra: Any,
) -> None:
    session.flush()
    old, new = audit.difference(before, audit.snapshot(obj, **extra))
    if not new:
        return  # nothing changed: no entry, no event
    action = "update"
    if set(new) == {"active"}:
        action = "activate" if new["active"] else "deactivate"
    audit.record(
        session,
        actor,
        object_type=kind,
        object_id=obj.id,
        site_id=site_id,
        action=action,
        before=old,
        after=new,
        now=now,
    )
    if site_id is not None:
        catalog_changed(session, site_id, kind, obj.id, now)


def _today(session: Session, site: Site, now: dt.datetime) -> dt.date:
    return business_day(now, site.timezone)


# --------------------------------------------------------------------------- checks


def series_format_problem(fmt: str) -> tuple[str, str] | None:
    """Why a number format cannot be used, or None: it must hold exactly one field {n}
    (with an optional width, e.g. {n:03d}) and print a short number."""
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError:
        return ("định dạng không hợp lệ.", "the format is not valid.")
    fields = [(name, spec, conv) for _, name, spec, conv in parts if name is not None]
    if len(fields) != 1 or fields[0][0] != "n" or fields[0][2] is not None:
        return (
            "định dạng phải có đúng một chỗ {n} cho số, ví dụ A{n:03d} hoặc {n:04d}.",
            "the format must hold exactly one {n} for the number, e.g. A{n:03d} or {n:04d}.",
        )
    spec = fields[0][1] or ""
    if spec and not (spec.endswith("d") and spec[:-1].isdigit() and len(spec) <= 3):
        return (
            "sau {n: chỉ được ghi độ rộng, ví dụ {n:03d}.",
            "after {n: only a width is allowed, e.g. {n:03d}.",
        )
    if len(fmt.format(n=LARGEST_DAILY_NUMBER)) > MAX_NUMBER_LENGTH:
        return (
            f"số in ra dài quá {MAX_NUMBER_LENGTH} ký tự.",
            f"the printed number is longer than {MAX_NUMBER_LENGTH} characters.",
        )
    return None


def timezone_problem(name: str) -> tuple[str, str] | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Asia"), a long name
        return (
            f"múi giờ «{name}» không tồn tại (ví dụ Asia/Ho_Chi_Minh).",
            f"there is no time zone '{name}' (e.g. Asia/Ho_Chi_Minh).",
        )
    return None


def _check_series_format(fmt: str) -> None:
    problem = series_format_problem(fmt)
    if problem:
        raise invalid("format", *problem)


def _issued_today(
    session: Session, series: NumberSeries, site: Site, now: dt.datetime
) -> int | None:
    return session.scalar(
        select(DailyNumber.last).where(
            DailyNumber.series_id == series.id,
            DailyNumber.business_day == _today(session, site, now),
        )
    )


def _open_counter_number(session: Session, *where: Any) -> int | None:
    return session.scalar(
        select(Counter.number)
        .where(Counter.state != CounterState.CLOSED, *where)
        .order_by(Counter.number)
        .limit(1)
    )


# --------------------------------------------------------------------------- sites


SITE_LIST_FIELDS = ("closed_days",)


def create_site(
    session: Session, actor: Actor, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Site:
    require_province(actor)
    now = now or utcnow()
    if "timezone" in data and (problem := timezone_problem(data["timezone"])):
        raise invalid("timezone", *problem)
    data = _site_voice(data)
    with change(session):
        if session.scalar(select(Site.id).where(Site.code == data["code"])) is not None:
            raise DomainError(
                "code_taken",
                f"code: mã «{data['code']}» đã có điểm phục vụ khác dùng.",
                f"code: the code '{data['code']}' is taken by another site.",
                json={"code": ["taken by another site"]},
            )
        site = Site(**data)
        session.add(site)
        session.flush()
        _audit_create(session, actor, "site", site, site.id, now)
        if "voice_template_vi" in data or "voice_dialect" in data:
            session.info[_NEW_WORDING] = True
    return site


def update_site(
    session: Session,
    actor: Actor,
    site_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Site:
    now = now or utcnow()
    if "timezone" in changes and (problem := timezone_problem(changes["timezone"])):
        raise invalid("timezone", *problem)
    changes = _site_voice(changes)
    with change(session):
        site = _site(session, actor, site_id)
        if "code" in changes and changes["code"] != site.code:
            require_province(actor)
            if session.scalar(select(Site.id).where(Site.code == changes["code"])) is not None:
                raise DomainError(
                    "code_taken",
                    f"code: mã «{changes['code']}» đã có điểm phục vụ khác dùng.",
                    f"code: the code '{changes['code']}' is taken by another site.",
                    json={"code": ["taken by another site"]},
                )
        if "timezone" in changes and changes["timezone"] != site.timezone:
            today = _today(session, site, now)
            issued = session.scalar(
                select(func.count(Ticket.id)).where(
                    Ticket.site_id == site.id, Ticket.business_day >= today - dt.timedelta(days=1)
                )
            )
            if issued:
                raise DomainError(
                    "timezone_in_use",
                    "Điểm phục vụ đã cấp số trong ngày; đổi múi giờ lúc này sẽ làm lệch ngày làm việc. "
                    "Hãy đổi vào ngày chưa cấp số nào.",
                    "The site has issued tickets today; changing its time zone now would move the "
                    "business day. Change it on a day before any ticket is issued.",
                )
        if changes.get("active") is False and site.active:
            if actor.site_id == site.id:
                raise DomainError(
                    "own_site",
                    "Bạn không thể ngừng hoạt động điểm phục vụ của chính mình.",
                    "You cannot deactivate your own site.",
                )
            number = _open_counter_number(session, Counter.site_id == site.id)
            if number is not None:
                raise DomainError(
                    "counter_open",
                    f"Quầy số {number} của điểm phục vụ đang mở; hãy đóng mọi quầy trước.",
                    f"Counter {number} of the site is open; close every counter first.",
                )
        before = audit.snapshot(site)
        _apply(site, changes)
        _audit_update(session, actor, "site", site, site.id, before, now)
        if any(before[k] != getattr(site, k) for k in ("voice_template_vi", "voice_dialect")):
            session.info[_NEW_WORDING] = True  # its clips: made after the commit
    return site


# --------------------------------------------------------------------------- departments


def create_department(
    session: Session,
    actor: Actor,
    site_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Department:
    return _create_coded(session, actor, site_id, Department, "department", data, now)


def _create_coded(
    session: Session,
    actor: Actor,
    site_id: int,
    model: type[Any],
    kind: str,
    data: dict[str, Any],
    now: dt.datetime | None,
) -> Any:
    """A new row of `model` at the site, whose ``code`` is unique there, with its audit entry."""
    require_site(actor, site_id)
    now = now or utcnow()
    with change(session):
        _site(session, actor, site_id)
        _unique(session, model, site_id, "code", data["code"], None)
        row = model(site_id=site_id, **data)
        session.add(row)
        _audit_create(session, actor, kind, row, site_id, now)
    return row


def update_department(
    session: Session,
    actor: Actor,
    department_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Department:
    now = now or utcnow()
    with change(session):
        department = _get(session, Department, department_id, actor, ("khối", "department"))
        if "code" in changes:
            _unique(session, Department, department.site_id, "code", changes["code"], department.id)
        if changes.get("active") is False and department.active:
            using = session.scalar(
                select(Service.code)
                .where(Service.department_id == department.id, Service.active.is_(True))
                .limit(1)
            )
            if using is not None:
                raise DomainError(
                    "department_in_use",
                    f"Dịch vụ «{using}» đang hoạt động thuộc khối này; hãy ngừng hoặc chuyển các dịch vụ trước.",
                    f"The active service '{using}' belongs to this department; deactivate or move its services first.",
                )
        before = audit.snapshot(department)
        _apply(department, changes)
        _audit_update(session, actor, "department", department, department.site_id, before, now)
    return department


# --------------------------------------------------------------------------- number series


def create_series(
    session: Session,
    actor: Actor,
    site_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> NumberSeries:
    require_site(actor, site_id)
    now = now or utcnow()
    _check_series_format(data.get("format", "{n:04d}"))
    if "voice_reading" in data:
        _voice_checked("voice_reading", voice_settings.validated_reading, data["voice_reading"])
    with change(session):
        _site(session, actor, site_id)
        _unique(session, NumberSeries, site_id, "code", data["code"], None)
        series = NumberSeries(site_id=site_id, **data)
        session.add(series)
        _audit_create(session, actor, "series", series, site_id, now)
    return series


def update_series(
    session: Session,
    actor: Actor,
    series_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> NumberSeries:
    now = now or utcnow()
    if "format" in changes:
        _check_series_format(changes["format"])
    if "voice_reading" in changes:
        _voice_checked("voice_reading", voice_settings.validated_reading, changes["voice_reading"])
    with change(session):
        series = _get(session, NumberSeries, series_id, actor, ("dãy số", "number series"))
        site = session.get(Site, series.site_id)
        assert site is not None
        if "code" in changes:
            _unique(session, NumberSeries, series.site_id, "code", changes["code"], series.id)
        renumbers = any(
            key in changes and changes[key] != getattr(series, key) for key in ("format", "start")
        )
        if renumbers:
            last = _issued_today(session, series, site, now)
            if last is not None:
                raise DomainError(
                    "series_in_use_today",
                    f"Dãy số «{series.code}» đã cấp số hôm nay (đến {series.format.format(n=last)}); "
                    "đổi định dạng hoặc số bắt đầu lúc này sẽ làm lẫn số trong ngày. Hãy đổi sau 0 giờ, "
                    "hoặc tạo dãy số mới rồi chuyển các dịch vụ sang dãy đó.",
                    f"The series '{series.code}' has issued numbers today (up to "
                    f"{series.format.format(n=last)}); changing its format or start now would mix "
                    "the day's numbers. Change it after midnight, or make a new series and move the "
                    "services to it.",
                    series=series.code,
                )
        if changes.get("active") is False and series.active:
            using = session.scalar(
                select(Service.code)
                .where(Service.series_id == series.id, Service.active.is_(True))
                .limit(1)
            )
            if using is not None:
                raise DomainError(
                    "series_in_use",
                    f"Dịch vụ «{using}» đang hoạt động dùng dãy số này; hãy chuyển các dịch vụ sang dãy khác trước.",
                    f"The active service '{using}' uses this series; move its services to another first.",
                )
        before = audit.snapshot(series)
        _apply(series, changes)
        _audit_update(session, actor, "series", series, series.site_id, before, now)
    return series


# --------------------------------------------------------------------------- services


def _inactive(field: str, vi: str, en: str) -> DomainError:
    return DomainError("inactive", f"{field}: {vi}", f"{field}: {en}", json={field: [en]})


def _service_refs(session: Session, site_id: int, data: dict[str, Any]) -> None:
    if "department_id" in data:
        department = _same_site(
            session,
            Department,
            data["department_id"],
            site_id,
            "department_id",
            ("khối", "department"),
        )
        if not department.active:
            raise invalid(
                "department_id", "khối này đã ngừng hoạt động.", "this department is deactivated."
            )
    if "series_id" in data:
        series = _same_site(
            session,
            NumberSeries,
            data["series_id"],
            site_id,
            "series_id",
            ("dãy số", "number series"),
        )
        if not series.active:
            raise invalid(
                "series_id", "dãy số này đã ngừng dùng.", "this number series is deactivated."
            )


def create_service(
    session: Session,
    actor: Actor,
    site_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Service:
    require_site(actor, site_id)
    now = now or utcnow()
    with change(session):
        _site(session, actor, site_id)
        _unique(session, Service, site_id, "code", data["code"], None)
        _service_refs(session, site_id, data)
        service = Service(site_id=site_id, **data)
        session.add(service)
        _audit_create(session, actor, "service", service, site_id, now)
    return service


def update_service(
    session: Session,
    actor: Actor,
    service_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Service:
    now = now or utcnow()
    with change(session):
        service = _get(session, Service, service_id, actor, ("dịch vụ", "service"))
        if "code" in changes:
            _unique(session, Service, service.site_id, "code", changes["code"], service.id)
        _service_refs(
            session,
            service.site_id,
            {
                k: v
                for k, v in changes.items()
                if k in ("department_id", "series_id") and v != getattr(service, k)
            },
        )
        before = audit.snapshot(service)
        _apply(service, changes)
        _audit_update(session, actor, "service", service, service.site_id, before, now)
    return service


# --------------------------------------------------------------------------- counters


def _counter_services(session: Session, counter: Counter, service_ids: Sequence[int]) -> None:
    if len(set(service_ids)) != len(service_ids):
        raise invalid("service_ids", "một dịch vụ được ghi hai lần.", "a service is listed twice.")
    for service_id in service_ids:
        _same_site(
            session, Service, service_id, counter.site_id, "service_ids", ("dịch vụ", "service")
        )
    counter.services = [
        CounterService(service_id=service_id, rank=rank)
        for rank, service_id in enumerate(service_ids)
    ]


def counter_snapshot(counter: Counter) -> dict[str, Any]:
    return audit.snapshot(counter, service_ids=[link.service_id for link in counter.services])


def create_counter(
    session: Session,
    actor: Actor,
    site_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Counter:
    require_site(actor, site_id)
    now = now or utcnow()
    data = dict(data)
    service_ids = data.pop("service_ids", [])
    if "spoken_name" in data:
        data["spoken_name"] = _voice_checked(
            "spoken_name", voice_settings.validated_spoken_name, data["spoken_name"]
        )
    with change(session):
        _site(session, actor, site_id)
        _unique(session, Counter, site_id, "number", data["number"], None)
        counter = Counter(site_id=site_id, **data)
        _counter_services(session, counter, service_ids)
        session.add(counter)
        session.flush()
        _audit_create(
            session, actor, "counter", counter, site_id, now, service_ids=list(service_ids)
        )
    return counter


def update_counter(
    session: Session,
    actor: Actor,
    counter_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> Counter:
    now = now or utcnow()
    changes = dict(changes)
    service_ids = changes.pop("service_ids", None)
    if "spoken_name" in changes:
        changes["spoken_name"] = _voice_checked(
            "spoken_name", voice_settings.validated_spoken_name, changes["spoken_name"]
        )
    with change(session):
        counter = _get(session, Counter, counter_id, actor, ("quầy", "counter"))
        before = counter_snapshot(counter)
        is_open = counter.state != CounterState.CLOSED
        if "number" in changes and changes["number"] != counter.number:
            _unique(session, Counter, counter.site_id, "number", changes["number"], counter.id)
            if is_open:
                raise DomainError(
                    "counter_open",
                    f"Quầy số {counter.number} đang mở; hãy đóng quầy trước khi đổi số quầy.",
                    f"Counter {counter.number} is open; close it before renumbering it.",
                )
        if changes.get("active") is False and counter.active and is_open:
            raise DomainError(
                "counter_open",
                f"Quầy số {counter.number} đang mở; cán bộ cần đóng quầy trước khi ngừng dùng quầy.",
                f"Counter {counter.number} is open; its officer must close it before it is deactivated.",
            )
        _apply(counter, changes)
        if service_ids is not None:
            _counter_services(session, counter, service_ids)
        session.flush()
        _audit_update(
            session,
            actor,
            "counter",
            counter,
            counter.site_id,
            before,
            now,
            service_ids=[link.service_id for link in counter.services],
        )
    return counter


# --------------------------------------------------------------------------- priority categories


def create_priority_category(
    session: Session,
    actor: Actor,
    site_id: int,
    data: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> PriorityCategory:
    return _create_coded(session, actor, site_id, PriorityCategory, "priority_category", data, now)


def update_priority_category(
    session: Session,
    actor: Actor,
    category_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime | None = None,
) -> PriorityCategory:
    now = now or utcnow()
    with change(session):
        category = _get(
            session,
            PriorityCategory,
            category_id,
            actor,
            ("đối tượng ưu tiên", "priority category"),
        )
        if "code" in changes:
            _unique(
                session, PriorityCategory, category.site_id, "code", changes["code"], category.id
            )
        before = audit.snapshot(category)
        _apply(category, changes)
        _audit_update(session, actor, "priority_category", category, category.site_id, before, now)
    return category


# --------------------------------------------------------------------------- reading


def listing(session: Session, actor: Actor, model: type[M], site_id: int, *order: Any) -> list[M]:
    """Every object of a kind of a site, deactivated ones included."""
    _site(session, actor, site_id)
    return list(session.scalars(select(model).where(model.site_id == site_id).order_by(*order)))  # type: ignore[attr-defined]


def sites(session: Session, actor: Actor) -> list[Site]:
    query = select(Site).order_by(Site.id)
    if actor.site_id is not None:
        query = query.where(Site.id == actor.site_id)
    return list(session.scalars(query))


def sites_one(session: Session, actor: Actor, site_id: int) -> Site:
    """One site this administrator manages."""
    return _site(session, actor, site_id)
