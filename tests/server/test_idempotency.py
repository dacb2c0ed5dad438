"""Idempotency-Key on POST /api/v1/tickets: a retried request gets the ticket of the first
try, never a second one; on SQLite and PostgreSQL, one request at a time, within one
batch of the group commit, and from concurrent transactions."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import DomainError
from server.extensions import db
from server.models import IdempotencyKey, Ticket
from server.services import queue
from server.services.queue import idempotency
from tests.server.factory import World

UTC = dt.UTC
MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def tickets(session: Session) -> int:
    session.commit()
    return session.scalar(select(func.count(Ticket.id))) or 0


def post(client, world: World, key: str | None, who: str = "kiosk", **body):  # type: ignore[no-untyped-def]
    headers = dict(world.auth(who))
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"service_id": world.services["LLTP"].id, **body},
    )


def test_a_retry_with_the_same_key_answers_the_first_ticket(client, session, world: World) -> None:
    first = post(client, world, "k-1", priority_category="elderly")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = post(client, world, "k-1", priority_category="elderly")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert tickets(session) == 1
    # Another key, or no key, is another ticket; so is the same key from another credential.
    assert post(client, world, "k-2").get_json()["number"] == "A002"
    assert post(client, world, None).get_json()["number"] == "A003"
    assert post(client, world, None).get_json()["number"] == "A004"
    assert post(client, world, "k-1", who="o1").get_json()["number"] == "A005"
    assert tickets(session) == 5
    # The same key with another request is refused, and issues nothing.
    reused = post(client, world, "k-1", priority_category="pregnant")
    assert reused.status_code == 409
    assert reused.get_json()["error"] == "idempotency_key_reused"
    assert tickets(session) == 5


def test_a_key_that_cannot_be_one_is_a_422(client, session, world: World) -> None:
    for key in ("", "x" * 256, "tiếng-việt", "tab\there"):
        answer = post(client, world, key)
        assert answer.status_code == 422, key
        body = answer.get_json()
        assert body["error"] == "invalid_idempotency_key" and body["message"] and body["message_en"]
    assert tickets(session) == 0


def test_a_refused_request_records_no_key(client, session, world: World) -> None:
    # A key is kept only with its ticket: after a refusal, the retry is tried again.
    service = world.services["LLTP"]
    service.active = False
    session.commit()
    assert post(client, world, "k").status_code == 409
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    service.active = True
    session.commit()
    retried = post(client, world, "k")
    assert retried.status_code == 201 and retried.get_json()["number"] == "A001"


def test_a_key_is_kept_for_a_few_minutes(session, world: World) -> None:
    service_id = world.services["LLTP"].id

    def issue(now: dt.datetime) -> str:
        return queue.issue(
            session, world.kiosk_actor, service_id, now=now, idempotency_key="k"
        ).ticket.number

    assert issue(MORNING) == "A001"
    assert issue(MORNING + idempotency.KEPT - dt.timedelta(seconds=1)) == "A001"
    assert issue(MORNING + idempotency.KEPT + dt.timedelta(seconds=1)) == "A002"
    # The expired key was deleted, the new one kept.
    keys = session.scalars(select(IdempotencyKey)).all()
    assert [k.response["ticket"]["number"] for k in keys] == ["A002"]


def test_repeats_within_one_batch_share_the_first_ticket(session, world: World) -> None:
    service_id, other = world.services["LLTP"].id, world.services["HT"].id

    def request(key: str | None, service: int = service_id) -> queue.IssueRequest:
        return queue.IssueRequest(world.kiosk_actor, service, None, None, "vi", MORNING, key)

    outcomes = queue.issue_batch(
        session,
        [
            request("a"),
            request("a"),
            request(None),
            request("b"),
            request("a", other),
            request("a"),
        ],
    )
    numbers = [o.ticket.number if isinstance(o, queue.Issued) else o.code for o in outcomes]  # type: ignore[union-attr]
    assert numbers == ["A001", "A001", "A002", "A003", "idempotency_key_reused", "A001"]
    assert [o.replayed for o in outcomes if isinstance(o, queue.Issued)] == [
        False,
        True,
        False,
        False,
        True,
    ]
    assert tickets(session) == 3


def test_concurrent_transactions_with_one_key_make_one_ticket(
    app: Flask, session: Session, world: World
) -> None:
    # As kiosks behind two server processes would: each request in its own transaction on
    # its own connection, all at once, past the group commit. The first to commit wins;
    # the others wait on its key (or its lock) and then read its answer.
    service_id, actor = world.services["LLTP"].id, world.kiosk_actor
    session.commit()
    assert db.engine is not None
    start = threading.Barrier(6, timeout=30)

    def one(_: int) -> queue.Issued | Exception:
        with app.app_context(), Session(db.engine) as own:
            request = queue.IssueRequest(
                actor, service_id, None, None, "vi", dt.datetime.now(UTC), "same"
            )
            start.wait()
            return queue.issue_batch(own, [request])[0]

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(one, range(6)))
    assert all(isinstance(o, queue.Issued) for o in outcomes), outcomes
    assert {o.ticket.id for o in outcomes} == {outcomes[0].ticket.id}  # type: ignore[union-attr]
    assert sum(not o.replayed for o in outcomes) == 1  # type: ignore[union-attr]
    assert tickets(session) == 1


def test_concurrent_requests_through_the_group_commit_make_one_ticket(
    app: Flask, session: Session, world: World
) -> None:
    service_id, actor = world.services["LLTP"].id, world.kiosk_actor
    session.commit()
    start = threading.Barrier(8, timeout=30)

    def one(index: int) -> str:
        with app.app_context():
            start.wait()
            try:
                issued = queue.issue(
                    db.scoped,
                    actor,
                    service_id,
                    idempotency_key="twice" if index % 2 else "once",
                )
                return issued.ticket.number
            except DomainError as refused:
                return refused.code
            finally:
                db.scoped.remove()

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(one, range(8)))
    assert len(set(numbers[0::2])) == 1 and len(set(numbers[1::2])) == 1
    assert set(numbers) <= {"A001", "A002"} and len(set(numbers)) == 2
    assert tickets(session) == 2
