"""Request and response schemas: they validate input and generate the OpenAPI document."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from contract.events import PrinterState
from contract.tickets import CounterState, Outcome, TicketState


class Text(fields.String):
    """A string the databases can store: no NUL (PostgreSQL's text cannot hold it) and no
    lone surrogate (not a character, and not encodable as UTF-8)."""

    default_error_messages = {
        "nul": "Must not contain the NUL character (U+0000).",
        "surrogate": "Must not contain a lone surrogate (U+D800 to U+DFFF).",
    }

    # What the document says of it (clients and the API fuzzer generate from it).
    PATTERN = r"^[^\u0000]*$"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.metadata = {"pattern": self.PATTERN, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        if _SURROGATE.search(text):
            raise self.make_error("surrogate")
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")


class NFCString(Text):
    """A string normalised to Unicode NFC and stripped of surrounding spaces.

    Its lengths are checked before and after, so one that must not be empty must hold
    something besides white space, and the document says so."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if any(
            isinstance(v, validate.Length) and (v.min or v.equal or 0) >= 1 for v in self.validators
        ):
            # Python's \s is what str.strip() strips (str.isspace).
            self.metadata = {**self.metadata, "pattern": r"^[^\u0000]*[^\s\u0000][^\u0000]*$"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # The lengths hold for the text as sent (what the document promises) and, as
        # marshmallow checks them again after this, for the text as stored.
        for validator in self.validators:
            if isinstance(validator, validate.Length):
                validator(text)
        return unicodedata.normalize("NFC", text).strip()


class StrictBoolean(fields.Boolean):
    """JSON's true or false, nothing else: marshmallow's Boolean also takes 0, 1, "yes",
    "off" and the like, which the document (type: boolean) calls invalid."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


# Ids are 32-bit in the database: a larger number is simply not found, never a 500.
MAX_ID = 2**31 - 1


def Id(**kwargs) -> fields.Integer:  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# ---------------------------------------------------------------- requests


class LoginIn(Strict):
    username = NFCString(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, validate=validate.Length(min=1, max=256))


class TokenIn(LoginIn):
    label = NFCString(load_default="", validate=validate.Length(max=100))


class IssueIn(Strict):
    service_id = Id(required=True)
    priority_category = NFCString(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "Code of a priority category of the site (e.g. elderly)."},
    )
    dossier_code = NFCString(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "The one-stop system's dossier code (mã hồ sơ)."},
    )
    lang = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))


class NoteIn(Strict):
    note = NFCString(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CallNumberIn(Strict):
    number = NFCString(required=True, validate=validate.Length(min=1, max=24))


class FinishIn(NoteIn):
    outcome = fields.String(
        load_default=Outcome.COMPLETED.value, validate=validate.OneOf([o.value for o in Outcome])
    )
    dossier_code = NFCString(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )


class PauseIn(Strict):
    reason = NFCString(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=100),
        metadata={"description": "Why the counter pauses (a break, a meeting...)."},
    )


class ResumeIn(Strict):
    ticket_id = Id(required=True)


class TransferIn(NoteIn):
    class Meta(Strict.Meta):
        # The service refuses a transfer to nowhere (queue.transfer): the document says so.
        openapi = {
            "anyOf": [
                {"required": ["service_id"], "properties": {"service_id": {"type": "integer"}}},
                {"required": ["counter_id"], "properties": {"counter_id": {"type": "integer"}}},
            ]
        }

    service_id = Id(load_default=None, allow_none=True)
    counter_id = Id(load_default=None, allow_none=True)
    keep_position = StrictBoolean(load_default=True)


class TicketQuery(Strict):
    state = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in TicketState])
    )
    service_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    number = NFCString(load_default=None, validate=validate.Length(min=1, max=24))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class UserIn(Strict):
    class Meta(Strict.Meta):
        # An officer belongs to a site (accounts.create_user): the document says so.
        openapi = {
            "anyOf": [
                {"properties": {"role": {"enum": ["manager", "admin"]}}},
                {"required": ["site_id"], "properties": {"site_id": {"type": "integer"}}},
            ]
        }

    username = NFCString(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, validate=validate.Length(min=8, max=256))
    full_name = NFCString(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(["officer", "manager", "admin"]))
    site_id = Id(load_default=None, allow_none=True)


class PasswordChangeIn(Strict):
    old_password = Text(required=True, validate=validate.Length(min=1, max=256))
    new_password = Text(required=True, validate=validate.Length(min=8, max=256))


class PasswordResetIn(Strict):
    new_password = Text(required=True, validate=validate.Length(min=8, max=256))


class DeviceIn(Strict):
    site_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["kiosk", "display"]))
    name = NFCString(required=True, validate=validate.Length(min=1, max=200))
    zone = NFCString(load_default=None, allow_none=True, validate=validate.Length(max=64))


class DeviceHealthIn(Strict):
    """What a kiosk or display says of itself (at start, on every change, every minute)."""

    app_version = NFCString(required=True, validate=validate.Length(max=40))
    online = StrictBoolean(
        load_default=True,
        metadata={"description": "False when the device knows it cannot serve (no server)."},
    )
    printer_state = fields.String(
        load_default=PrinterState.NONE, validate=validate.OneOf(PrinterState.ALL)
    )
    paper_low = StrictBoolean(load_default=False)
    paper_out = StrictBoolean(load_default=False)
    last_error = NFCString(load_default=None, allow_none=True, validate=validate.Length(max=500))


# ---------------------------------------------------------------- responses


class HealthOut(ma.Schema):
    status = fields.String()


class ReadyOut(ma.Schema):
    status = fields.String(metadata={"description": "ready"})
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Each dependency checked (database; redis when configured): ok, or what failed."
        },
    )


class UserOut(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    site_id = fields.Integer(allow_none=True)


class MeOut(ma.Schema):
    role = fields.String()
    site_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    device_id = fields.Integer(allow_none=True)
    name = fields.String()
    zone = fields.String(allow_none=True)


class TokenOut(ma.Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)


def site_voice(site: Any, names: Any) -> dict[str, Any]:
    """A site's fields `names` with its voice columns as the ``voice`` object."""
    row = {name: getattr(site, name) for name in names if name != "voice"}
    row["voice"] = {
        "template_vi": site.voice_template_vi,
        "template_en": site.voice_template_en,
        "english": site.voice_english,
        "dialect": site.voice_dialect,
        "repeat": site.voice_repeat,
    }
    return row


class VoiceSettingsOut(ma.Schema):
    template_vi = fields.String(metadata={"description": "Wording with {number} and {counter}."})
    template_en = fields.String()
    english = fields.Boolean(metadata={"description": "An English announcement follows."})
    dialect = fields.String(metadata={"description": "north (nghìn, linh) or south (ngàn, lẻ)."})
    repeat = fields.Integer(metadata={"description": "Times a display plays each call."})


class SiteOut(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    address = fields.String()
    timezone = fields.String()
    opening_hours = fields.Dict(allow_none=True)
    max_priority_in_row = fields.Integer()
    no_show_after_calls = fields.Integer()
    closed_days = fields.List(
        fields.Dict(), allow_none=True, metadata={"description": "[{date, note}]: days closed."}
    )
    slip_header = fields.String(metadata={"description": "Lines printed above the ticket."})
    slip_footer = fields.String(metadata={"description": "Lines printed below the ticket."})
    ticker_text = fields.String(
        metadata={"description": "The running text of the hall displays (catalog.changed: reload)."}
    )
    active = fields.Boolean()
    voice = fields.Nested(
        VoiceSettingsOut,
        metadata={"description": "The hall announcement's settings (displays read repeat)."},
    )

    @ma.pre_dump
    def _voice(self, site: Any, **_: Any) -> dict[str, Any]:
        return site_voice(site, self.fields)


class DepartmentOut(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


class ServiceOut(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    department = fields.Nested(DepartmentOut)
    series_code = fields.String(attribute="series.code")
    target_wait_minutes = fields.Integer()
    expected_service_minutes = fields.Integer()
    daily_quota = fields.Integer(allow_none=True)
    asks_dossier_code = fields.Boolean(
        metadata={"description": "Whether the kiosk asks for the dossier code (mã hồ sơ)."}
    )
    active = fields.Boolean()
    counters = fields.List(
        fields.Integer(), metadata={"description": "Numbers of the counters that serve it."}
    )
    available = fields.Boolean(
        metadata={"description": "Whether an issue would be accepted now (open, quota left)."}
    )
    unavailable = fields.Nested(
        "UnavailableOut",
        allow_none=True,
        metadata={"description": "Why not (the error an issue would get), else null."},
    )
    issued_today = fields.Integer(metadata={"description": "Tickets issued today (for the quota)."})
    availability_changes_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the opening hours next change `available` (UTC)."},
    )


class UnavailableOut(ma.Schema):
    error = fields.String(metadata={"description": "site_closed, quota_reached..."})
    message = fields.String()
    message_en = fields.String()


class PriorityCategoryOut(ma.Schema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


class CounterBrief(ma.Schema):
    id = fields.Integer()
    number = fields.Integer()
    name_vi = fields.String()
    name_en = fields.String()
    zone = fields.String(allow_none=True)


class ServiceBrief(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    department_vi = fields.String(attribute="department.name_vi")
    department_en = fields.String(attribute="department.name_en")


class TicketOut(ma.Schema):
    id = fields.Integer()
    number = fields.String()
    state = fields.String(validate=validate.OneOf([s.value for s in TicketState]))
    site_id = fields.Integer()
    service = fields.Nested(ServiceBrief)
    priority_category = fields.String(allow_none=True)
    dossier_code = fields.String(allow_none=True)
    business_day = fields.Date()
    issued_at = fields.DateTime(metadata={"description": "UTC"})
    issued_at_local = fields.String(metadata={"description": "Issue time in the site's time zone."})
    queued_at = fields.DateTime()
    called_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    call_count = fields.Integer()
    outcome = fields.String(allow_none=True)
    counter = fields.Nested(CounterBrief, allow_none=True)
    target_counter = fields.Nested(CounterBrief, allow_none=True)
    transferred_from_id = fields.Integer(allow_none=True)
    people_ahead = fields.Integer()
    estimated_wait_minutes = fields.Integer(
        metadata={"description": "Point estimate (never 0 while people are ahead); show the range."}
    )
    estimated_wait_range = fields.List(
        fields.Integer(),
        allow_none=True,
        metadata={
            "description": "[low, high] minutes to show (contract/waits.py); null when not waiting."
        },
    )
    estimated_wait_text_vi = fields.String(
        allow_none=True, metadata={"description": "The range in words: «khoảng 10–15 phút»."}
    )
    estimated_wait_text_en = fields.String(
        allow_none=True, metadata={"description": "The range in words: 'about 10–15 minutes'."}
    )
    serving_counters = fields.List(fields.Integer())
    tracking_url = fields.String(
        allow_none=True, metadata={"description": "The phone page (QR code)."}
    )


class CallOut(ma.Schema):
    ticket = fields.Nested(TicketOut, allow_none=True)
    message = fields.String()
    message_en = fields.String()


class QueueServiceOut(ma.Schema):
    service_id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    waiting = fields.Integer()
    longest_wait_seconds = fields.Integer()
    estimated_wait_range = fields.List(
        fields.Integer(),
        metadata={"description": "[low, high] minutes a visitor taking a number now would wait."},
    )
    estimated_wait_text_vi = fields.String(metadata={"description": "«khoảng 10–15 phút»"})
    estimated_wait_text_en = fields.String(metadata={"description": "'about 10–15 minutes'"})


class CounterOut(CounterBrief):
    state = fields.String(validate=validate.OneOf([s.value for s in CounterState]))
    officer_id = fields.Integer(allow_none=True)
    officer_name = fields.String(allow_none=True)
    pause_reason = fields.String(allow_none=True)
    services = fields.List(
        fields.Integer(), metadata={"description": "Service ids, first choice first."}
    )
    current_ticket = fields.Nested(TicketOut, allow_none=True)
    held_tickets = fields.List(fields.Nested(TicketOut))
    waiting = fields.List(fields.Nested(QueueServiceOut))


class CounterQueueOut(ma.Schema):
    waiting = fields.List(
        fields.Nested(TicketOut),
        metadata={"description": "Waiting tickets this counter would call, in call order."},
    )
    served_today = fields.Integer(metadata={"description": "Tickets it finished today."})
    mean_service_seconds = fields.Integer(
        allow_none=True, metadata={"description": "Mean time from start to finish today."}
    )


class CounterQueueQuery(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class DeviceOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    zone = fields.String(allow_none=True)
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_seen_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "UTC; when its token was last checked (to the minute)."},
    )


class DeviceTokenOut(DeviceOut):
    token = fields.String(
        metadata={"description": "Shown once; store it in the device's settings."}
    )


class EventTicketOut(ma.Schema):
    id = fields.Integer()
    number = fields.String()
    state = fields.String()
    service_id = fields.Integer()
    service_code = fields.String()
    service_name_vi = fields.String()
    service_name_en = fields.String()
    priority = fields.Boolean()
    call_count = fields.Integer()
    queued_at = fields.String()


class CurrentCallOut(ma.Schema):
    counter = fields.Nested(CounterBrief)
    ticket = fields.Nested(EventTicketOut)
    called_at = fields.String()


class ServiceQueueOut(ma.Schema):
    service_id = fields.Integer()
    waiting = fields.Integer()
    longest_wait_seconds = fields.Integer()
    estimated_wait_range = fields.List(
        fields.Integer(),
        metadata={"description": "[low, high] minutes a visitor taking a number now would wait."},
    )
    estimated_wait_text_vi = fields.String(metadata={"description": "«khoảng 10–15 phút»"})
    estimated_wait_text_en = fields.String(metadata={"description": "'about 10–15 minutes'"})


class CounterStateOut(ma.Schema):
    counter = fields.Nested(CounterBrief)
    state = fields.String()
    officer_name = fields.String(allow_none=True)
    current_number = fields.String(allow_none=True)
    pause_reason = fields.String(allow_none=True)


class SnapshotOut(ma.Schema):
    seq = fields.Integer(
        metadata={"description": "The site's last event number this state includes."}
    )
    site_id = fields.Integer()
    at = fields.String()
    calls = fields.List(fields.Nested(CurrentCallOut))
    queues = fields.List(fields.Nested(ServiceQueueOut))
    counters = fields.List(fields.Nested(CounterStateOut))


class ErrorOut(ma.Schema):
    """Every error the API answers, its own or the framework's (see server.errors)."""

    error = fields.String(
        required=True, metadata={"description": "A stable code: not_found, invalid_input, …"}
    )
    message = fields.String(required=True, metadata={"description": "For a person, in Vietnamese."})
    message_en = fields.String(required=True, metadata={"description": "The same in English."})
    details = fields.Dict(
        metadata={
            "description": "What the error is about: the invalid fields and why, the roles allowed, …"
        }
    )


class DeviceHealthOut(ma.Schema):
    device_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    app_version = fields.String()
    online = fields.Boolean(
        metadata={"description": "Reported online and heard from in the last 3 minutes."}
    )
    printer_state = fields.String(metadata={"enum": list(PrinterState.ALL)})
    paper_low = fields.Boolean()
    paper_out = fields.Boolean()
    last_error = fields.String(allow_none=True)
    reported_at = fields.String(allow_none=True)


class SiteDeviceOut(DeviceHealthOut):
    zone = fields.String(allow_none=True)
    revoked = fields.Boolean()
