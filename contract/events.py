"""The realtime contract: event names, payload shapes, rooms and the connect handshake.

Every event is published only after the transaction that caused it has committed, to
Socket.IO rooms, as ``emit(name, envelope)``. The envelope is the same for every event::

    {"seq": 118, "site_id": 1, "at": "2026-11-27T03:00:00+00:00", "name": "ticket.called",
     "data": {...}}

``seq`` counts the site's events without gaps (1, 2, 3, ...). A client remembers the last
``seq`` it saw and sends it when it (re)connects; the server replays what the client's
rooms missed, in order, or, when that is too far back, sends one ``snapshot`` event.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# ------------------------------------------------------------------ event names

TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_SERVING = "ticket.serving"
TICKET_FINISHED = "ticket.finished"
TICKET_NO_SHOW = "ticket.no_show"
TICKET_HELD = "ticket.held"
TICKET_RETURNED = "ticket.returned"
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_CANCELLED = "ticket.cancelled"
TICKET_EXPIRED = "ticket.expired"
QUEUE_CHANGED = "queue.changed"
COUNTER_CHANGED = "counter.changed"
# An administrator changed the site's set-up (services, counters, hours, ticker text, ...):
# kiosks, displays and counter clients reload what they show (CatalogChangedData).
CATALOG_CHANGED = "catalog.changed"
# A kiosk's or display's reported state changed (kiosk issue #10): dashboards follow it.
DEVICE_HEALTH = "device.health"

TICKET_EVENTS = (
    TICKET_ISSUED,
    TICKET_CALLED,
    TICKET_RECALLED,
    TICKET_SERVING,
    TICKET_FINISHED,
    TICKET_NO_SHOW,
    TICKET_HELD,
    TICKET_RETURNED,
    TICKET_TRANSFERRED,
    TICKET_CANCELLED,
    TICKET_EXPIRED,
)
# Events a hall display announces.
CALL_EVENTS = (TICKET_CALLED, TICKET_RECALLED)
ALL_EVENTS = (*TICKET_EVENTS, QUEUE_CHANGED, COUNTER_CHANGED, CATALOG_CHANGED, DEVICE_HEALTH)

# Sent by the server, not part of the numbered stream.
# A waiting ticket's place, pushed to its phone when its queue moves (debounced):
# {"site_id", "at", "name", "data": TicketStandingData}.
TICKET_STANDING = "ticket.standing"
# Today's row of one site (SiteTodayData), to the province room (province-wide dashboards),
# at most once per site per SITE_TODAY_EVERY_SECONDS, after its tickets moved:
# {"site_id", "at", "name", "data": SiteTodayData}. Not numbered (the latest is all that counts).
SITE_TODAY = "site.today"
SITE_TODAY_EVERY_SECONDS = 1.0
SNAPSHOT = "snapshot"  # the state of the client's rooms, when a replay is not possible
READY = "ready"  # after connect (and any replay): {"seq": <last seq>, "rooms": [...], "role": ...}


# ------------------------------------------------------------------ payload shapes


class CounterInfo(TypedDict):
    id: int
    number: int
    name_vi: str
    name_en: str
    zone: str | None


class TicketInfo(TypedDict):
    id: int
    number: str
    state: str
    service_id: int
    service_code: str
    service_name_vi: str
    service_name_en: str
    priority: bool
    call_count: int
    queued_at: str


class Announcement(TypedDict):
    """What a display says for a call.

    ``text_vi``/``text_en``: the written sentence (the site's template with the ticket and
    counter numbers). ``spoken_vi``: the words said ("Mời công dân có số thứ tự một nghìn
    không trăm linh năm đến quầy số mười hai"). ``audio_url``: a path on the server (join it
    to the server's address) of a WAV file: the chime, then the words (and the English
    announcement when the site has one); a plain GET, no credential, cacheable for ever
    (``Cache-Control: immutable``, an ``ETag``). ``speech``: how it sounds: ``clips`` (the
    voice pack's clips), ``espeak`` (espeak-ng says the sentence), ``none`` (the chime
    alone: show the text). ``repeat``: how many times a display plays it (site setting).
    """

    text_vi: str
    text_en: str
    audio_url: str | None
    # Added with the voice (issue #11).
    spoken_vi: str
    speech: str  # clips | espeak | none
    repeat: int


class TicketEventData(TypedDict):
    """`data` of every ticket.* event."""

    ticket: TicketInfo
    action: str
    from_state: str | None
    counter: CounterInfo | None  # where it happens (the calling counter for a call)
    note: NotRequired[str | None]
    outcome: NotRequired[str]  # ticket.finished
    announcement: NotRequired[Announcement]  # ticket.called, ticket.recalled
    to_ticket_id: NotRequired[int]  # ticket.transferred: the new waiting ticket
    to_service_id: NotRequired[int]
    to_counter_id: NotRequired[int | None]


class ServiceQueue(TypedDict):
    service_id: int
    waiting: int
    longest_wait_seconds: int
    # eta (issue #15): the wait of an ordinary visitor who would take a number now, as a
    # range (contract.waits): what a kiosk shows on a service's button, a display by a
    # service's queue. In queue.changed and the snapshot's queues.
    estimated_wait_range: NotRequired[list[int]]
    estimated_wait_text_vi: NotRequired[str]
    estimated_wait_text_en: NotRequired[str]


class QueueChangedData(TypedDict):
    """`data` of queue.changed: the services whose queue just moved, on business day `day`."""

    services: list[ServiceQueue]
    day: str


class CounterChangedData(TypedDict):
    counter: CounterInfo
    state: str  # open | paused | closed
    officer_name: str | None
    current_number: str | None
    # Added for the counter client: why a paused counter is paused (None otherwise).
    pause_reason: NotRequired[str | None]


# The kinds of object a catalog.changed names.
CATALOG_KINDS = (
    "site",
    "department",
    "series",
    "service",
    "counter",
    "priority_category",
)


class CatalogChangedData(TypedDict):
    """`data` of catalog.changed: what an administrator's committed change touched, by kind
    (one of CATALOG_KINDS) with the ids of each; a client reloads the site's services,
    counters, priority categories or the site itself (ticker text, hours) as it needs."""

    kinds: list[str]
    ids: dict[str, list[int]]


# eta (issue #15): the estimated wait as a range. TicketStandingData is ticket.standing's
# `data`; the same four wait fields (contract.waits.WaitEstimate) are in every ticket
# payload of the REST API (issue, read, track) and in Snapshot.ticket.
class TicketStandingData(TypedDict):
    """`data` of ticket.standing: where the phone's ticket stands now.

    Show ``estimated_wait_range`` (or the ready-made ``estimated_wait_text_vi`` /
    ``_en``), not the point figure: see :mod:`contract.waits`.
    """

    people_ahead: int
    estimated_wait_minutes: int  # point estimate, kept for old clients; never 0 if people ahead
    estimated_wait_range: list[int] | None  # [low, high] minutes
    estimated_wait_text_vi: str | None  # "khoảng 10–15 phút", "dưới 5 phút"
    estimated_wait_text_en: str | None  # "about 10–15 minutes", "under 5 minutes"


# Device health (kiosk issue #10). A device reports at start, on every change and every
# minute; one that has not reported for this long is shown offline.
DEVICE_OFFLINE_AFTER_SECONDS = 180
# How often a device reports when nothing changes.
DEVICE_REPORT_EVERY_SECONDS = 60
# A device that missed a heartbeat (silent for 1.5 reporting intervals) is shown stale;
# silent for DEVICE_OFFLINE_AFTER_SECONDS (3 intervals), offline.
DEVICE_STALE_AFTER_SECONDS = 90


class DeviceStatus:
    """How a dashboard shows a device (`status` of a device row of the live dashboard)."""

    ONLINE = "online"  # reported within DEVICE_STALE_AFTER_SECONDS, and says it is online
    STALE = "stale"  # silent for more than DEVICE_STALE_AFTER_SECONDS
    OFFLINE = "offline"  # silent for DEVICE_OFFLINE_AFTER_SECONDS, or said it is offline
    NEVER = "never"  # has never reported

    ALL = (ONLINE, STALE, OFFLINE, NEVER)


class PrinterState:
    """What a kiosk says of its printer (`printer_state` of device health)."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"  # unreachable, unplugged, switched off
    ERROR = "error"
    UNKNOWN = "unknown"  # the transport cannot tell (file, some USB and serial printers)
    NONE = "none"  # no printer (a display, or a kiosk showing numbers on screen only)

    ALL = (READY, PAPER_LOW, PAPER_OUT, COVER_OPEN, OFFLINE, ERROR, UNKNOWN, NONE)


class SiteTodayData(TypedDict):
    """`data` of site.today, and one row of GET /api/v1/reports/live/sites."""

    site_id: int
    code: str
    name_vi: str
    name_en: str
    day: str
    at: str
    issued: int  # today, transfers excluded
    waiting: int
    longest_wait_seconds: int | None
    done: int
    no_show: int
    wait_mean: float | None  # ended steps, as the sites report
    wait_p90: float | None
    service_level: float | None


class DeviceHealthData(TypedDict):
    """`data` of device.health (sent to the site's room when a device's state changes), and
    one row of GET /api/v1/sites/<id>/devices. ``online`` is false once the device has
    been silent DEVICE_OFFLINE_AFTER_SECONDS; a dashboard greys it out itself when no
    event came for that long after ``reported_at``."""

    device_id: int
    kind: str  # kiosk | display
    name: str
    app_version: str
    online: bool
    printer_state: str  # PrinterState
    paper_low: bool
    paper_out: bool
    last_error: str | None
    reported_at: str | None


class Envelope(TypedDict):
    seq: int
    site_id: int
    at: str
    name: str
    data: dict[str, Any]


class CurrentCall(TypedDict):
    counter: CounterInfo
    ticket: TicketInfo
    called_at: str


class Snapshot(TypedDict):
    """The state of a site as one client may see it (also GET /api/v1/sites/<id>/snapshot)."""

    seq: int
    site_id: int
    at: str
    calls: list[CurrentCall]  # each counter's current called/serving ticket, newest call first
    queues: list[ServiceQueue]
    counters: list[CounterChangedData]
    # the tracked ticket, for a phone: TicketInfo + people_ahead + the wait fields (contract.waits)
    ticket: NotRequired[dict[str, Any] | None]


# ------------------------------------------------------------------ rooms


def site_room(site_id: int) -> str:
    return f"site:{site_id}"


def zone_room(site_id: int, zone: str) -> str:
    return f"zone:{site_id}:{zone}"


def queue_room(site_id: int) -> str:
    """queue.changed and counter.changed of a site: kiosks and displays follow it."""
    return f"queue:{site_id}"


def counter_room(counter_id: int) -> str:
    return f"counter:{counter_id}"


def service_room(service_id: int) -> str:
    return f"service:{service_id}"


def ticket_room(tracking_token: str) -> str:
    return f"ticket:{tracking_token}"


# Province-wide managers' and admins' dashboards (auth {"province": true}): site.today.
PROVINCE_ROOM = "province"


# ------------------------------------------------------------------ the connect handshake


class ConnectAuth(TypedDict):
    """What a client passes as Socket.IO `auth` when it connects.

    ``token``: a display or kiosk device token (``hdd_...``), an officer's, manager's or
    admin's bearer token (``hdu_...``), or a ticket's tracking token (the phone page).
    Browsers logged in by cookie may omit it. ``last_seq``: the last ``seq`` seen, if any.
    ``site_id``: the site to follow, for a province-wide manager or admin.
    ``province``: true for every site's ``site.today`` instead (province-wide users only;
    ``ready`` then has ``"province": true`` and no ``seq``).
    """

    token: NotRequired[str]
    last_seq: NotRequired[int]
    site_id: NotRequired[int]
    province: NotRequired[bool]
