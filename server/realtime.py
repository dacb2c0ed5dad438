"""Realtime: the Socket.IO side of the server.

Committed events (see :mod:`server.events`) go out to Socket.IO rooms. Each server
process delivers every site's events to its own clients in sequence order
(:class:`OrderedDelivery`): with one process they come straight from the committing
request; with several, through Flask-SocketIO's Redis message queue, on the install's own
channel (``REDIS_CHANNEL``), and each process puts them back in order on arrival
(:class:`OrderedRedisManager`).

Redis pub/sub keeps nothing for a listener that is not there: an event published while a
process was not yet (or no longer) subscribed never reaches it, and a gap in the sequence
shows only when a later event arrives, so the last events of a burst would stay missing.
So each process subscribes when it starts (:func:`start_listening`), reads from the event
log what it has not delivered as soon as Redis confirms its subscription (and again after
every reconnection), and looks in the log once a site has been quiet for a moment.

A client connects with its credential in the Socket.IO ``auth`` (see
``contract.events.ConnectAuth``), joins the rooms that credential allows, and receives what
it missed since ``last_seq``, or a ``snapshot`` when the gap is too old or it is new. What
is said to one client (snapshot, replay, ready) goes straight to it from the process it is
connected to, never through the queue: the ordering there drops any seq already delivered,
and the replay is all such seqs.

A phone's place (``ticket.standing``) is computed and pushed by each process for the phones
connected to it, after it delivers a ``queue.changed`` of their service, and only when
such a phone is connected to it. Likewise a site's row of today (``site.today``) for the
province-wide dashboards connected to it, at most once per site per second.

A credential that ends (a revoked device, a locked-out user...) is announced to every
process (``CREDENTIAL_ENDED``, through the queue when there is one), and each closes its
own connections made with it (:meth:`SocketIOPublisher.end_connections`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import socketio as pysocketio
from flask import Flask, current_app, request, session
from flask_socketio import Namespace, SocketIO, join_room
from gevent import monkey
from socketio.exceptions import ConnectionRefusedError as SocketIORefused
from socketio.redis_manager import parse_redis_sentinel_url
from sqlalchemy import select

from contract import events as ev
from server import fastjson
from server.events import PUBLISHER, CredentialEnded, DomainEvent, replay
from server.extensions import db
from server.models import EventLog
from server.services import accounts, catalog, credentials, estimates, snapshot
from server.services.actor import Role
from server.services.estimates import standings
from server.services.reports.live import sites_today
from server.services.voice import announce
from server.services.voice import settings as voice_settings

log = logging.getLogger(__name__)

# Replay at most this many events on reconnect; further behind, a snapshot is cheaper.
REPLAY_LIMIT = 500
# How long a gap in the sequence may wait for the missing event before it is read from
# the event log, and before delivery gives up on it (a rolled-back transaction).
GAP_WAIT = 0.2
GAP_GIVE_UP = 5.0
# How long a client that has seen more than this process has delivered (it was on a
# process that heard the events first) waits for them to arrive here before they are read
# from the event log and it joins.
CATCH_UP_WAIT = 1.0
# How long a site's delivery must have been quiet before this process looks in the event
# log for events of it that never came through the queue (the last events of a burst have
# no later event to show them missing). Only with several processes.
QUIET_CHECK = 1.0
# "Up to the end of the log" for a read of it (the seq column is a 32-bit integer).
_LOG_END = 2**31 - 1

socketio = SocketIO()


Emit = Callable[[DomainEvent], None]


class OrderedDelivery:
    """Hands each site's events to their emit function in sequence order, once each; then
    to `delivered` (same order, under the same lock).

    With `quiet_check` (seconds), once a site's delivery has not moved for that long after
    it delivered or a client joined, the event log is read for events of the site that never
    came: one read per quiet spell, none while idle."""

    def __init__(
        self,
        emit: Emit,
        fetch: Callable[[int, int, int], list[DomainEvent]],
        delivered: Emit | None = None,
        quiet_check: float | None = None,
    ):
        self._emit = emit
        self._fetch = fetch
        self._delivered = delivered
        self._quiet_check = quiet_check
        self.lock = threading.RLock()
        self._next: dict[int, int] = {}
        self._waiting: dict[int, dict[int, tuple[DomainEvent, Emit]]] = defaultdict(dict)
        self._gap_since: dict[int, float] = {}
        self._timers: dict[int, threading.Timer] = {}
        self._quiet_timers: dict[int, threading.Timer] = {}

    def delivered_up_to(self, site_id: int) -> int | None:
        """The last seq of the site delivered by this process, or None if none yet."""
        with self.lock:
            nxt = self._next.get(site_id)
            return None if nxt is None else nxt - 1

    def start_after(self, site_id: int, seq: int) -> None:
        """A client was given the site up to `seq` (read from the log) before this process
        delivered anything of the site: deliver from `seq` + 1 on, so that an event it was
        given and that is still on its way through the queue does not reach it twice."""
        with self.lock:
            self._next.setdefault(site_id, seq + 1)

    def catch_up(self, site_id: int, upto: int | None = None) -> None:
        """Deliver from the event log what this process has not delivered of the site, up
        to `upto` (to the end of the log when None): events that will not come through
        the queue, published while this process did not listen (it was starting, or cut off
        from Redis) or never published (their process was killed after its commit)."""
        with self.lock:
            nxt = self._next.get(site_id)
            if nxt is None or (upto is not None and upto < nxt):
                return  # nothing delivered here yet: a client that joins starts from the log
            self._from_log(site_id, nxt - 1, _LOG_END if upto is None else upto)

    def catch_up_all(self) -> None:
        """:meth:`catch_up` every site this process delivers."""
        with self.lock:
            for site_id in list(self._next):
                self.catch_up(site_id)

    def watch(self, site_id: int) -> None:
        """Look in the log for events of the site that never came, once its delivery has
        been quiet for `quiet_check` (a client joined, counting on the delivery for what
        follows what it was given)."""
        if self._quiet_check is None:
            return
        with self.lock:
            if site_id in self._quiet_timers:
                return
            timer = threading.Timer(
                self._quiet_check, self._on_quiet, args=(site_id, self._next.get(site_id))
            )
            timer.daemon = True
            self._quiet_timers[site_id] = timer
            timer.start()

    def _on_quiet(self, site_id: int, seen_next: int | None) -> None:
        with self.lock:
            self._quiet_timers.pop(site_id, None)
            if self._next.get(site_id) != seen_next:
                self.watch(site_id)  # still moving: a later event shows a gap; look when it stops
                return
            self.catch_up(site_id)

    def deliver(self, events: list[DomainEvent], emit: Emit | None = None) -> None:
        with self.lock:
            sites = set()
            for item in events:
                nxt = self._next.setdefault(item.site_id, item.seq)
                if item.seq < nxt:
                    continue  # already delivered (a replay from the log crossed it)
                self._waiting[item.site_id][item.seq] = (item, emit or self._emit)
                sites.add(item.site_id)
            for site_id in sites:
                self._drain(site_id)

    def _drain(self, site_id: int) -> None:
        waiting = self._waiting[site_id]
        nxt = first = self._next[site_id]
        while nxt in waiting:
            item, emit = waiting.pop(nxt)
            try:
                emit(item)
                if self._delivered is not None:
                    self._delivered(item)
            except Exception:  # a broken client must not stop the others' events
                log.exception("emitting %s #%s failed", item.name, item.seq)
            nxt += 1
        self._next[site_id] = nxt
        if nxt != first and self._quiet_check is not None and site_id not in self._quiet_timers:
            self.watch(site_id)
        if waiting:
            self._gap_since.setdefault(site_id, time.monotonic())
            if site_id not in self._timers:
                timer = threading.Timer(GAP_WAIT, self._fill_gap, args=(site_id,))
                timer.daemon = True
                self._timers[site_id] = timer
                timer.start()
        else:
            self._gap_since.pop(site_id, None)

    def _fill_gap(self, site_id: int) -> None:
        with self.lock:
            self._timers.pop(site_id, None)
            waiting = self._waiting[site_id]
            if not waiting:
                return
            nxt = self._next[site_id]
            self._from_log(site_id, nxt - 1, min(waiting) - 1)
            since = self._gap_since.get(site_id)
            if (
                waiting
                and nxt == self._next[site_id]
                and since
                and time.monotonic() - since > GAP_GIVE_UP
            ):
                self._drop_foreign(site_id, waiting)
                if waiting:
                    log.warning(
                        "site %s: events %s..%s never arrived; skipping",
                        site_id,
                        nxt,
                        min(waiting) - 1,
                    )
                    self._next[site_id] = min(waiting)
                self._gap_since.pop(site_id, None)
                self._drain(site_id)

    def _from_log(self, site_id: int, after: int, upto: int) -> None:
        """Deliver the logged events of the site after `after` up to `upto` (lock held)."""
        try:
            found = self._fetch(site_id, after, upto)
        except Exception:
            log.exception("reading the event log of site %s after %s failed", site_id, after)
            found = []
        waiting = self._waiting[site_id]
        for item in found:
            waiting.setdefault(item.seq, (item, self._emit))
        self._drain(site_id)

    def _drop_foreign(self, site_id: int, waiting: dict[int, tuple[DomainEvent, Emit]]) -> None:
        """Before skipping ahead to the waiting events, drop those this database never
        logged: every event is published after its commit, so they came from elsewhere
        (another install on the same Redis channel), and skipping to their seq would drop
        every real event until the site's sequence reached it."""
        try:
            logged = {item.seq for item in self._fetch(site_id, min(waiting) - 1, max(waiting))}
        except Exception:
            log.exception("reading the event log to check waiting events failed")
            return
        foreign = [seq for seq in waiting if seq not in logged]
        if foreign:
            log.warning(
                "site %s: events %s are not in this database's log; dropped", site_id, foreign
            )
            for seq in foreign:
                del waiting[seq]


# How long the readiness check waits for Redis.
PING_TIMEOUT = 2.0


class OrderedRedisManager(pysocketio.RedisManager):
    """Flask-SocketIO's Redis message queue, with our events put back in order on arrival."""

    delivery: OrderedDelivery | None = None
    _ping_client: Any = None

    def ping(self) -> None:
        """Ask Redis for an answer, within PING_TIMEOUT (raises otherwise). A client of its
        own: the queue's connections block on purpose (the listener waits for messages)."""
        if self._ping_client is None:
            module = self._get_redis_module()
            timeouts = {"socket_timeout": PING_TIMEOUT, "socket_connect_timeout": PING_TIMEOUT}
            if urlsplit(self.redis_url).scheme.endswith("+sentinel"):
                sentinels, service, options = parse_redis_sentinel_url(self.redis_url)
                sentinel = module.sentinel.Sentinel(
                    sentinels, sentinel_kwargs=timeouts, **{**options, **timeouts}
                )
                self._ping_client = sentinel.master_for(service or self.channel)
            else:
                self._ping_client = module.Redis.from_url(self.redis_url, **timeouts)
        self._ping_client.ping()

    def _redis_connect(self) -> None:
        super()._redis_connect()
        # The listener must see Redis confirm its SUBSCRIBE (_redis_listen_with_retries);
        # _listen passes on only published messages all the same.
        self.pubsub.ignore_subscribe_messages = False

    def _redis_listen_with_retries(self) -> Iterator[dict[str, Any]]:
        for message in super()._redis_listen_with_retries():
            if message.get("type") == "subscribe" and self.delivery is not None:
                # Redis has taken our SUBSCRIBE (first, or again after a lost connection):
                # every event published from now on comes here. Those published before did
                # not and never will, and they are committed, so in the log by now.
                self.delivery.catch_up_all()
            yield message

    # What this process does when a CREDENTIAL_ENDED message arrives (the publisher's).
    on_credential_ended: Callable[[CredentialEnded], None] | None = None

    def _handle_emit(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        if message.get("event") == CREDENTIAL_ENDED:
            # A message between the processes, emitted to a room no client is in: acted
            # on here, never passed to clients.
            if self.on_credential_ended is not None and isinstance(data, list) and data:
                self.on_credential_ended(CredentialEnded.from_dict(data[0]))
            return
        if (
            self.delivery is None
            or message.get("event") not in ev.ALL_EVENTS
            or not isinstance(data, list)
        ):
            return super()._handle_emit(message)
        envelope = data[0]
        item = DomainEvent(
            envelope["name"],
            envelope["site_id"],
            envelope["data"],
            tuple(message.get("room") or ()),
            envelope["seq"],
            envelope["at"],
        )
        self.delivery.deliver(
            [item], emit=lambda _item: super(OrderedRedisManager, self)._handle_emit(message)
        )


# The message (not an event of the contract) by which one process tells the others that
# a credential ended, and the room it is emitted to: no client ever joins it.
CREDENTIAL_ENDED = "hangdoi.credential_ended"
INTERNAL_ROOM = "hangdoi:internal"

# A burst of queue moves (a kiosk rush) tells each phone its place once.
STANDING_DEBOUNCE = 0.3
STANDING_BATCH = 20
# A site's first move after a quiet spell waits this long for the moves of the same burst.
TODAY_DEBOUNCE = 0.2


class SocketIOPublisher:
    """The app's publisher: committed events to Socket.IO rooms, in order; and, after a
    queue moves, each waiting phone of that service connected to this process its new
    place (``ticket.standing``)."""

    def __init__(
        self,
        server: SocketIO,
        fetch: Callable[[int, int, int], list[DomainEvent]],
        *,
        via_queue: bool,
        app: Flask | None = None,
    ):
        self.server = server
        self.via_queue = via_queue
        self.app = app
        # Through the queue, an event can miss this process (see the module's docstring).
        self.delivery = OrderedDelivery(
            self._emit_local,
            fetch,
            delivered=self._queue_moved,
            quiet_check=QUIET_CHECK if via_queue else None,
        )
        self._standing_due: dict[tuple[int, str], None] = {}
        self._standing_lock = threading.Lock()
        # site.today: the sites due an update, and when each was last computed.
        self._today_due: set[int] = set()
        self._today_last: dict[int, float] = {}
        self._today_lock = threading.Lock()
        # The Socket.IO connections of this process and whose credential each was made
        # with (sid -> holder): who to cut off when a credential ends.
        self.holders: dict[str, CredentialEnded] = {}

    def _queue_moved(self, item: DomainEvent) -> None:
        """Called by the delivery for every event this process delivers (its own and, with
        several processes, the others'): a queue move schedules the standings of its
        services that some phone connected here follows; an administrator's change empties
        this process's catalogue and voice-settings caches (the committing process has done
        so already) and, for a site's, has the clips of its wording made on this host."""
        if item.name == ev.CATALOG_CHANGED:
            if self.app is not None:
                catalog.invalidate(self.app)
                voice_settings.invalidate(self.app)
                if "site" in item.payload.get("kinds", ()):
                    # A new wording or dialect: this host's clips of it (nothing to make,
                    # a few file checks, when it is another setting or made already).
                    announce.prepare_soon(self.app)
            return
        if self.app is not None and (
            item.name == ev.COUNTER_CHANGED
            or (item.name in ev.TICKET_EVENTS and item.name != ev.TICKET_ISSUED)
        ):
            # A counter called, released or changed state, maybe in another process: this
            # one's cached paces of the site are out of date (in the committing process
            # they were dropped at the commit already; once more costs nothing).
            estimates.site_moved(self.app, item.site_id)
        if item.name in ev.TICKET_EVENTS or item.name == ev.QUEUE_CHANGED:
            self._site_moved(item.site_id)
        if item.name != ev.QUEUE_CHANGED:
            return
        due = []
        with self._standing_lock:
            for row in item.payload.get("services", []):
                if self._nobody_follows(row["service_id"]):
                    continue  # a kiosk rush that no phone here follows costs nothing here
                key = (row["service_id"], item.payload.get("day") or "")
                if key not in self._standing_due:
                    self._standing_due[key] = None
                    due.append((item.site_id, key))
        for site_id, key in due:
            self.server.start_background_task(self._tell_standings, site_id, key)

    def _local_rooms(self) -> dict[str, Any]:
        # The manager's own rooms are this process's clients, with or without Redis.
        return self.server.server.manager.rooms.get("/", {})

    def _nobody_follows(self, service_id: int) -> bool:
        """True when no phone of this service is connected to this process (each process
        tells its own phones)."""
        return not self._local_rooms().get(ev.service_room(service_id))

    def _tell_standings(self, site_id: int, key: tuple[int, str]) -> None:
        self.server.sleep(STANDING_DEBOUNCE)
        with self._standing_lock:
            self._standing_due.pop(key, None)
        if self.app is None or self.app.extensions.get(PUBLISHER) is not self:
            return  # an app that has been replaced (tests make one per test)
        service_id, day = key
        if self._nobody_follows(service_id):
            return  # the phones left meanwhile
        now = dt.datetime.now(dt.UTC)
        try:
            with self.app.app_context():
                try:
                    rows = standings(db.session, service_id, dt.date.fromisoformat(day), now)
                finally:
                    db.scoped.remove()  # never leave a transaction open in a background task
        except Exception:
            log.exception("computing the standings of service %s failed", service_id)
            return
        at = now.isoformat()
        manager = self.server.server.manager
        sent = 0
        rooms = self._local_rooms()
        for token, ahead, wait in rows:
            room = ev.ticket_room(token)
            if not rooms.get(room):
                continue  # no phone of this ticket here: a dict lookup, no packet
            if sent and sent % STANDING_BATCH == 0:
                self.server.sleep(0)  # let calls (which matter more) go out in between
                rooms = self._local_rooms()  # phones may have come or gone meanwhile
                if not rooms.get(room):
                    continue
            sent += 1
            # Straight to the phone's room here: the other processes tell their own phones.
            pysocketio.Manager.emit(
                manager,
                ev.TICKET_STANDING,
                {
                    "site_id": site_id,
                    "at": at,
                    "name": ev.TICKET_STANDING,
                    "data": {"people_ahead": ahead, **wait.fields()},
                },
                namespace="/",
                room=room,
            )

    def _site_moved(self, site_id: int) -> None:
        """A site's tickets moved: its ``site.today`` row goes to the province dashboards
        connected here, at most once per SITE_TODAY_EVERY_SECONDS, the last move included
        (a province of a hundred busy sites sends each browser a hundred small rows a
        second at most, whatever the number of tickets)."""
        if not self._local_rooms().get(ev.PROVINCE_ROOM):
            return  # nobody here follows the province: no query
        with self._today_lock:
            if site_id in self._today_due:
                return  # one is on its way, and reads the site when it goes
            self._today_due.add(site_id)
            last = self._today_last.get(site_id)
        wait = TODAY_DEBOUNCE
        if last is not None:
            wait = max(wait, last + ev.SITE_TODAY_EVERY_SECONDS - time.monotonic())
        self.server.start_background_task(self._tell_today, site_id, wait)

    def _tell_today(self, site_id: int, wait: float) -> None:
        self.server.sleep(wait)
        with self._today_lock:
            self._today_due.discard(site_id)
            # Counted from before the read: a move from now on is sent a second later,
            # with what the read below may not have seen.
            self._today_last[site_id] = time.monotonic()
        if self.app is None or self.app.extensions.get(PUBLISHER) is not self:
            return  # an app that has been replaced (tests make one per test)
        if not self._local_rooms().get(ev.PROVINCE_ROOM):
            return
        try:
            with self.app.app_context():
                try:
                    rows = sites_today(db.session, [site_id])
                finally:
                    db.scoped.remove()  # never leave a transaction open in a background task
        except Exception:
            log.exception("computing today's row of site %s failed", site_id)
            return
        if not rows:
            return
        row = rows[0]
        # Straight to this process's province room: each process tells its own dashboards.
        pysocketio.Manager.emit(
            self.server.server.manager,
            ev.SITE_TODAY,
            {"site_id": site_id, "at": row["at"], "name": ev.SITE_TODAY, "data": row},
            namespace="/",
            room=ev.PROVINCE_ROOM,
        )

    def credential_ended(self, ended: CredentialEnded) -> None:
        """Tell every process that `ended` no longer works (through Redis when there are
        several; this process hears it from there too)."""
        if self.via_queue:
            self.server.emit(CREDENTIAL_ENDED, ended.as_dict(), to=INTERNAL_ROOM, namespace="/")
        else:
            self.end_connections(ended)

    def end_connections(self, ended: CredentialEnded) -> None:
        """Forget `ended` and close this process's connections made with it: a revoked
        display or kiosk, a locked-out or re-passworded user is cut off now (its client
        connects again and is refused, or admitted with what it now may see)."""
        if self.app is not None:
            found = self.app.extensions.get(credentials.EXTENSION)
            if found is not None:
                found.forget(
                    token_hash=ended.token_hash, device_id=ended.device_id, user_id=ended.user_id
                )
        cut = [
            sid
            for sid, holder in list(self.holders.items())
            if (ended.device_id is not None and holder.device_id == ended.device_id)
            or (ended.user_id is not None and holder.user_id == ended.user_id)
            or (ended.token_hash is not None and holder.token_hash == ended.token_hash)
        ]
        for sid in cut:
            self.holders.pop(sid, None)
            try:
                self.server.server.disconnect(sid, namespace="/", ignore_queue=True)
            except Exception:  # gone meanwhile
                log.exception("closing connection %s failed", sid)
        if cut:
            log.info("closed %d connection(s) of an ended credential", len(cut))

    def _emit_local(self, item: DomainEvent) -> None:
        # The manager's own local emit (a Redis manager's emit would go round the queue).
        pysocketio.Manager.emit(
            self.server.server.manager,
            item.name,
            item.envelope(),
            namespace="/",
            room=list(item.rooms),
        )

    def publish(self, events: list[DomainEvent]) -> None:
        if self.via_queue:
            # Through Redis to every process (this one included), which orders them on arrival.
            for item in events:
                self.server.emit(item.name, item.envelope(), to=list(item.rooms), namespace="/")
        else:
            self.delivery.deliver(events)


def _fetcher(app: Flask) -> Callable[[int, int, int], list[DomainEvent]]:
    def fetch(site_id: int, after: int, upto: int) -> list[DomainEvent]:
        with app.app_context():
            rows = db.session.scalars(
                select(EventLog)
                .where(EventLog.site_id == site_id, EventLog.seq > after, EventLog.seq <= upto)
                .order_by(EventLog.seq)
            ).all()
            db.scoped.remove()
            return [
                DomainEvent(r.name, r.site_id, r.data, tuple(r.rooms), r.seq, r.at.isoformat())
                for r in rows
            ]

    return fetch


# ------------------------------------------------------------------ connecting


class Refused(SocketIORefused):
    """A refused connection. The client's ``connect_error`` gets
    ``{"message": message_en, "data": {"error", "message", "message_en", "details"?}}``:
    the API's error body under ``data`` (python-socketio sends ``error_args``; the built-in
    ConnectionRefusedError would reach the client as a bare "Connection refused by server")."""

    def __init__(self, code: str, message: str, message_en: str, **details: Any) -> None:
        body: dict[str, Any] = {"error": code, "message": message, "message_en": message_en}
        if details:
            body["details"] = details
        super().__init__(message_en, body)
        self.body = body


class Admission(NamedTuple):
    """What a connect `auth` gives: the site (None: the province room), the rooms, the
    role, what ``ready`` adds, and whose credential it is (a phone's: nobody's)."""

    site_id: int | None
    rooms: list[str]
    role: str
    extra: dict[str, Any]
    holder: CredentialEnded | None = None


def rooms_for(auth: dict[str, Any]) -> Admission:
    """What a connect `auth` gives, or raise Refused.

    A device or user token and the browser session are resolved by the app's one resolver
    (:mod:`server.services.credentials`), as for the REST API; any other token is a phone's
    tracking token.
    """
    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None and not isinstance(token, str):
        raise Refused(
            "invalid_token", "Mã truy cập không hợp lệ.", "The access token is not valid."
        )
    resolver = credentials.resolver()
    if token and token.startswith((credentials.DEVICE_TOKEN_PREFIX, credentials.USER_TOKEN_PREFIX)):
        verdict = resolver.token(db.session, token)
        if isinstance(verdict, credentials.Refusal):
            raise _refused("invalid_token", verdict)
    elif token:
        ticket = credentials.ticket_for_tracking_token(db.session, token)
        if isinstance(ticket, credentials.Refusal):
            raise Refused("not_found", "Không tìm thấy số này.", "This ticket was not found.")
        return Admission(
            ticket.site_id,
            [ev.ticket_room(token), ev.service_room(ticket.service_id)],
            "visitor",
            {"ticket_id": ticket.id},
        )
    else:
        user_id = session.get("user_id")
        if user_id is None:
            raise Refused(
                "unauthorized",
                "Bạn cần đăng nhập hoặc dùng mã thiết bị hợp lệ.",
                "Log in or present a valid device token.",
            )
        verdict = resolver.session_user(db.session, user_id, session.get("sv"))
        if isinstance(verdict, credentials.Refusal):
            raise _refused("unauthorized", verdict)
    actor = verdict
    holder = CredentialEnded(
        actor.device_id, actor.user_id, credentials.hash_token(token) if token else None
    )
    if actor.device_id is not None and resolver.seen_due(actor.device_id):
        accounts.record_device_seen(db.session, actor.device_id)
    if actor.role == Role.KIOSK:
        assert actor.site_id is not None  # a device belongs to one site
        return Admission(
            actor.site_id,
            [ev.queue_room(actor.site_id)],
            "kiosk",
            {"device_id": actor.device_id},
            holder,
        )
    if actor.role == Role.DISPLAY:
        assert actor.site_id is not None  # a device belongs to one site
        if actor.zone:
            rooms = [ev.zone_room(actor.site_id, actor.zone), ev.queue_room(actor.site_id)]
        else:
            rooms = [ev.site_room(actor.site_id), ev.queue_room(actor.site_id)]
        extra = {"zone": actor.zone, "device_id": actor.device_id}
        return Admission(actor.site_id, rooms, "display", extra, holder)
    if isinstance(auth, dict) and auth.get("province") is True:
        if actor.site_id is not None or actor.role not in (Role.MANAGER, Role.ADMIN):
            raise Refused(
                "province_only",
                "Chỉ lãnh đạo và quản trị cấp tỉnh mới theo dõi được mọi điểm phục vụ.",
                "Only province-wide managers and admins follow every site.",
            )
        return Admission(None, [ev.PROVINCE_ROOM], actor.role.value, {"province": True}, holder)
    site_id = actor.site_id
    if site_id is None:
        wanted = auth.get("site_id") if isinstance(auth, dict) else None
        if not isinstance(wanted, int):
            raise Refused(
                "site_required",
                "Hãy chọn điểm phục vụ cần theo dõi (site_id).",
                "Choose the site to follow (site_id).",
            )
        site_id = wanted
    rooms = [ev.site_room(site_id), ev.queue_room(site_id)]
    return Admission(site_id, rooms, actor.role.value, {}, holder)


def _refused(code: str, refusal: credentials.Refusal) -> Refused:
    return Refused(code, refusal.message, refusal.message_en, reason=refusal.reason.value)


class LiveNamespace(Namespace):
    """The one namespace: connect with a credential, then only listen."""

    def __init__(self, namespace: str, publisher: SocketIOPublisher) -> None:
        super().__init__(namespace)
        self.publisher = publisher

    def on_disconnect(self, *args: Any) -> None:
        self.publisher.holders.pop(request.sid, None)  # type: ignore[attr-defined]

    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        auth = auth if isinstance(auth, dict) else {}
        site_id, rooms, role, extra, holder = rooms_for(auth)
        last_seq = auth.get("last_seq")
        sid = request.sid  # type: ignore[attr-defined]
        if holder is not None:
            self.publisher.holders[sid] = holder
        if site_id is None:
            # The province room: no site stream to replay; site.today rows from now on
            # (the page reads the table at `ready`).
            join_room(ev.PROVINCE_ROOM)
            self._to_client(
                sid, ev.READY, {"seq": None, "site_id": None, "rooms": rooms, "role": role, **extra}
            )
            db.scoped.remove()
            return
        delivery = self.publisher.delivery
        upto = delivery.delivered_up_to(site_id)
        if isinstance(last_seq, int) and upto is not None and upto < last_seq:
            # Events up to last_seq still on their way here would reach it again once it
            # is in their rooms: let them arrive first (they are committed, so they come,
            # or the gap is filled from the log, within moments). Without holding a
            # database connection meanwhile.
            db.scoped.remove()
            deadline = time.monotonic() + CATCH_UP_WAIT
            while upto is not None and upto < last_seq and time.monotonic() < deadline:
                socketio.sleep(0.02)
                upto = delivery.delivered_up_to(site_id)
            if upto is not None and upto < last_seq:
                # Not on their way (published before this process listened): from the log.
                delivery.catch_up(site_id, last_seq)
        # Under the delivery lock no live event of this process goes out: the client
        # joins its rooms and gets what it missed, and then the live events, in order.
        with delivery.lock:
            for room in rooms:
                join_room(room)
            missed = None
            if isinstance(last_seq, int) and last_seq >= 0:
                missed = replay(db.session, site_id, last_seq, set(rooms), REPLAY_LIMIT)
            upto = delivery.delivered_up_to(site_id)
            if missed is None:
                state = snapshot.site_snapshot(
                    db.session, site_id, rooms=rooms, ticket_id=extra.get("ticket_id")
                )
                if upto is not None:
                    state["seq"] = min(state["seq"], upto)
                self._to_client(sid, ev.SNAPSHOT, state)
                seq = state["seq"]
            else:
                seq = last_seq  # replay checked it against the log
                for item in missed:
                    if upto is not None and item.seq > upto:
                        break  # the delivery sends it live, in order
                    self._to_client(sid, item.name, item.envelope())
                    seq = item.seq
            if upto is None:
                delivery.start_after(site_id, seq)
            # What follows `seq` is the delivery's to send: should the last of it never come
            # through the queue, it is read from the log once the site is quiet.
            delivery.watch(site_id)
            self._to_client(
                sid,
                ev.READY,
                {"seq": seq, "site_id": site_id, "rooms": rooms, "role": role, **extra},
            )
        db.scoped.remove()

    def _to_client(self, sid: str, name: str, data: dict[str, Any]) -> None:
        # This process holds the client: straight to it, not round the message queue
        # (whose ordering would drop a replayed seq as already delivered).
        socketio.emit(name, data, to=sid, namespace=self.namespace, ignore_queue=True)


class OriginCheck:
    """engine.io's test of a connection's ``Origin``: the configured origins (PUBLIC_URL's
    and ALLOWED_ORIGINS), or the request's own (``scheme://Host``). A page of another site
    is refused; the desktop apps' client (websocket-client) sends as Origin the address it
    connects to, which is the request's own, whatever address a centre gives the server."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = frozenset(origin.lower() for origin in allowed)

    def __call__(self, origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        if not origin:
            return False  # asked for CORS headers only: none without an Origin
        origin = origin.lower()
        if origin in self.allowed:
            return True
        host = (environ or {}).get("HTTP_HOST")
        return bool(host) and origin == f"{environ.get('wsgi.url_scheme', 'http')}://{host.lower()}"  # type: ignore[union-attr]


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    async_mode = app.config.get("ASYNC_MODE") or _detect_async_mode()
    manager = (
        OrderedRedisManager(redis_url, channel=app.config["REDIS_CHANNEL"]) if redis_url else None
    )
    socketio.init_app(
        app,
        async_mode=async_mode,
        client_manager=manager,
        # A browser's websocket is not bound by CORS: engine.io checks the Origin header
        # (a request without one is let through). An empty list would switch it off.
        cors_allowed_origins=OriginCheck(app.config["ALLOWED_ORIGINS"]),
        ping_interval=20,
        ping_timeout=20,
        max_http_buffer_size=64 * 1024,
        json=fastjson,
    )
    publisher = SocketIOPublisher(socketio, _fetcher(app), via_queue=manager is not None, app=app)
    if manager is not None:
        manager.delivery = publisher.delivery
        manager.on_credential_ended = publisher.end_connections
        app.extensions[QUEUE_PING] = manager.ping
    namespace = LiveNamespace("/", publisher)
    socketio.on_namespace(namespace)
    app.extensions[PUBLISHER] = publisher
    app.extensions[LIVE_NAMESPACE] = namespace


LIVE_NAMESPACE = "hangdoi_live_namespace"


QUEUE_PING = "hangdoi_queue_ping"


def start_listening() -> None:
    """Subscribe this process to the message queue now. python-socketio subscribes at the
    first Socket.IO connection; until then a process started into a running install (a
    restart) hears none of the other processes' events while it delivers those of its own
    requests, and a display that then connects to it is given the log only up to its own.
    The production server calls this before it serves."""
    server = socketio.server
    if server is not None and not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()


def queue_ping() -> Callable[[], None] | None:
    """The current app's check of its Redis message queue (raises when Redis does not
    answer), or None when it runs without one."""
    return current_app.extensions.get(QUEUE_PING)


def _detect_async_mode() -> str:
    return "gevent" if monkey.is_module_patched("socket") else "threading"
