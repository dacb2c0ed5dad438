"""One business day built by hand with known timestamps (Monday 16 November 2026, Asia/
Ho_Chi_Minh, UTC+7), through the queue's own service functions, so that every figure of
every report can be worked out on paper. The figures are in tests/server/test_reports.py.

    T1 LLTP 08:00  called 08:05 at counter 1 (o1), served 08:06-08:16, completed, dossier HS-1
    T2 LLTP 08:01  priority; called 08:16, recalled 08:17, serving 08:18, held 08:20,
                   resumed 08:25, serving 08:26-08:30, incomplete
    T3 LLTP 08:02  called 08:30, no-show 08:32
    T4 HT   08:03  cancelled 08:10
    T5 CT   08:04  called 08:04:30 at counter 3 (o2), serving 08:05, transferred to DD 08:15
    T5' DD  08:15  (the transfer) called 08:20 at counter 4 (o3), serving 08:21-08:41, information
    T6 CT   08:40  never called: expired by the close-out at 23:00
    T8 HT   08:40  called 08:45, held 08:46, returned 08:50, called 09:00, serving 09:01-09:05
    T7 HT   09:05  priority; called 09:10, serving 09:10-09:20, completed, dossier HS-7

Counters: 1 open 08:00-10:00 (o1), 3 and 4 open 08:00-09:00 (o2, o3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from contract.tickets import Outcome
from server.models import Ticket
from server.services import queue
from tests.server.factory import World, issue_ticket

DAY = dt.date(2026, 11, 16)
LOCAL = dt.timezone(dt.timedelta(hours=7))


def at(hhmm: str, seconds: int = 0) -> dt.datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return dt.datetime(2026, 11, 16, hours, minutes, seconds, tzinfo=LOCAL).astimezone(dt.UTC)


@dataclass
class Day:
    tickets: dict[str, Ticket]


def build_morning(session: Session, world: World) -> Day:
    """Everything up to 10:00 (the close-out is :func:`close_day`)."""
    o1, o2, o3 = world.actor("o1"), world.actor("o2"), world.actor("o3")
    c1, c3, c4 = world.counters[1].id, world.counters[3].id, world.counters[4].id
    svc = world.services
    kiosk = world.kiosk_actor
    queue.open_counter(session, o1, c1, now=at("08:00"))
    queue.open_counter(session, o2, c3, now=at("08:00"))
    queue.open_counter(session, o3, c4, now=at("08:00"))
    t: dict[str, Ticket] = {}
    t["T1"] = issue_ticket(session, kiosk, svc["LLTP"].id, now=at("08:00"))
    t["T2"] = issue_ticket(session, kiosk, svc["LLTP"].id, priority_code="elderly", now=at("08:01"))
    t["T3"] = issue_ticket(session, kiosk, svc["LLTP"].id, now=at("08:02"))
    t["T4"] = issue_ticket(session, kiosk, svc["HT"].id, now=at("08:03"))
    t["T5"] = issue_ticket(session, kiosk, svc["CT"].id, now=at("08:04"))
    queue.call_number(session, o2, c3, t["T5"].number, now=at("08:04", 30))
    queue.call_number(session, o1, c1, t["T1"].number, now=at("08:05"))
    queue.start_serving(session, o2, c3, now=at("08:05"))
    queue.start_serving(session, o1, c1, now=at("08:06"))
    queue.cancel(session, o1, t["T4"].id, now=at("08:10"))
    t["T5b"] = queue.transfer(
        session, o2, counter_id=c3, to_service_id=svc["DD"].id, now=at("08:15")
    )
    queue.finish(session, o1, c1, dossier_code="HS-1", now=at("08:16"))
    queue.call_number(session, o1, c1, t["T2"].number, now=at("08:16"))
    queue.recall(session, o1, c1, now=at("08:17"))
    queue.start_serving(session, o1, c1, now=at("08:18"))
    queue.hold(session, o1, c1, now=at("08:20"))
    queue.call_number(session, o3, c4, t["T5b"].number, now=at("08:20"))
    queue.start_serving(session, o3, c4, now=at("08:21"))
    queue.resume_held(session, o1, c1, t["T2"].id, now=at("08:25"))
    queue.start_serving(session, o1, c1, now=at("08:26"))
    queue.finish(session, o1, c1, outcome=Outcome.INCOMPLETE, now=at("08:30"))
    queue.call_number(session, o1, c1, t["T3"].number, now=at("08:30"))
    queue.mark_no_show(session, o1, c1, now=at("08:32"))
    t["T6"] = issue_ticket(session, kiosk, svc["CT"].id, now=at("08:40"))
    t["T8"] = issue_ticket(session, kiosk, svc["HT"].id, now=at("08:40"))
    queue.finish(session, o3, c4, outcome=Outcome.INFORMATION, now=at("08:41"))
    queue.call_number(session, o1, c1, t["T8"].number, now=at("08:45"))
    queue.hold(session, o1, c1, now=at("08:46"))
    queue.return_to_queue(session, o1, t["T8"].id, now=at("08:50"))
    queue.close_counter(session, o2, c3, now=at("09:00"))
    queue.close_counter(session, o3, c4, now=at("09:00"))
    queue.call_number(session, o1, c1, t["T8"].number, now=at("09:00"))
    queue.start_serving(session, o1, c1, now=at("09:01"))
    queue.finish(session, o1, c1, now=at("09:05"))
    t["T7"] = issue_ticket(session, kiosk, svc["HT"].id, priority_code="elderly", now=at("09:05"))
    queue.call_number(session, o1, c1, t["T7"].number, now=at("09:10"))
    queue.start_serving(session, o1, c1, now=at("09:10"))
    queue.finish(session, o1, c1, dossier_code="HS-7", now=at("09:20"))
    queue.close_counter(session, o1, c1, now=at("10:00"))
    return Day(t)


def close_day(session: Session, world: World) -> None:
    queue.close_out(session, site_id=world.site.id, day=DAY, now=at("23:00"))
