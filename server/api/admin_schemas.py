"""Request and response schemas of the administration API (/api/v1/admin).

Each kind has an ``...In`` schema for creating (required fields required) and a
``...Patch`` subclass, loaded with ``partial=True``, for editing: a field left out is left
as it is. Rules across fields and rows (a code already used, a series in use today) are
the service's (:mod:`server.services.admin`), answered in the same form.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import marshmallow as ma
from marshmallow import fields, validate

from contract.events import CATALOG_KINDS
from server.api.schemas import (
    Id,
    NFCString,
    Strict,
    StrictBoolean,
    Text,
    UserOut,
    VoiceSettingsOut,
    site_voice,
)
from server.services.voice import settings as voice_settings
from server.services.voice.numbers import Dialect, Reading
from server.services.voice.words import MAX_TEMPLATE

# Patterns as the document gives them (ECMA); checked here with \Z, not $, which in
# Python also matches before a final newline.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
CODE = validate.Regexp(
    CODE_PATTERN[:-1] + r"\Z",
    error="Chỉ gồm chữ, số, «_», «.», «-», bắt đầu bằng chữ hoặc số. / Letters, digits, '_', "
    "'.' and '-' only, starting with a letter or digit.",
)


def Code(max_length: int) -> Text:  # noqa: N802
    """A code: ASCII letters and digits with _ . - (a site's, a service's ...)."""
    return Text(
        required=True,
        validate=[validate.Length(min=1, max=max_length), CODE],
        metadata={"pattern": CODE_PATTERN},
    )


_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
_HHMM_CHECK = _HHMM[:-1] + r"\Z"
# Every time zone of the tzdata the server has (the document lists them).
TIME_ZONES = sorted(available_timezones())
# A number series' format (server.services.admin.series_format_problem says why another
# is refused): one {n}, a width up to 9, at most 6 characters on each side, so that the
# number printed stays within Ticket.number's 24 characters.
SERIES_FORMAT = r"^[^{}\u0000]{0,6}\{n(:0?[1-9]?d)?\}[^{}\u0000]{0,6}$"
# Lines of the slip's header or footer, and of the ticker.
MAX_TEXT = 1000
MAX_SLIP_LINES = 6


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


class _Span(fields.List):
    """[HH:MM, HH:MM]: a span of opening time."""

    def __init__(self) -> None:
        super().__init__(
            fields.String(validate=validate.Regexp(_HHMM_CHECK), metadata={"pattern": _HHMM}),
            validate=validate.Length(equal=2),
        )


class WeekHours(Strict):
    """Per weekday, the spans the centre is open, in order (two spans: a lunch break
    between them). A day left out is closed."""

    mon = fields.List(_Span(), validate=validate.Length(max=4))
    tue = fields.List(_Span(), validate=validate.Length(max=4))
    wed = fields.List(_Span(), validate=validate.Length(max=4))
    thu = fields.List(_Span(), validate=validate.Length(max=4))
    fri = fields.List(_Span(), validate=validate.Length(max=4))
    sat = fields.List(_Span(), validate=validate.Length(max=4))
    sun = fields.List(_Span(), validate=validate.Length(max=4))

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        for day, spans in data.items():
            end_before = -1
            for start, end in spans:
                if _minutes(start) >= _minutes(end):
                    raise ma.ValidationError(
                        f"{start}–{end} kết thúc trước khi bắt đầu. / {start}–{end} ends "
                        "before it starts.",
                        day,
                    )
                if _minutes(start) < end_before:
                    raise ma.ValidationError(
                        "Các khoảng giờ chồng nhau hoặc sai thứ tự. / The spans overlap or "
                        "are out of order.",
                        day,
                    )
                end_before = _minutes(end)


def OpeningHours(**kwargs: Any) -> fields.Nested:  # noqa: N802
    return fields.Nested(
        WeekHours,
        metadata={
            "description": "Per weekday (mon…sun) up to 4 spans [HH:MM, HH:MM] in order; "
            "two spans make a lunch break. A day left out is closed; null: always open."
        },
        **kwargs,
    )


class ClosedDayIn(Strict):
    date = fields.Date(required=True)
    note = NFCString(load_default="", validate=validate.Length(max=100))


class SlipLines(NFCString):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text.splitlines()) > MAX_SLIP_LINES:
            raise ma.ValidationError(
                f"Tối đa {MAX_SLIP_LINES} dòng. / At most {MAX_SLIP_LINES} lines."
            )
        return text


def _closed_days(value: list[dict[str, Any]]) -> list[dict[str, str]]:
    """In date order, one entry a date (a date given twice keeps its last note)."""
    days = {d["date"].isoformat(): d.get("note", "") for d in value}
    return [{"date": date, "note": note} for date, note in sorted(days.items())]


class VoiceSettingsIn(Strict):
    """A site's announcement (GET /api/v1/sites/<id>: ``voice``). Checked by the voice's
    own rules (server.services.voice.settings.validated): a 422 names the field."""

    template_vi = Text(
        metadata={
            "description": "The wording: {number} (required) and {counter}, nothing else; "
            f"at most {MAX_TEMPLATE} characters."
        }
    )
    template_en = Text(metadata={"description": "The English wording, the same fields."})
    english = StrictBoolean(metadata={"description": "An English announcement follows."})
    dialect = fields.String(
        metadata={
            "enum": [d.value for d in Dialect],
            "description": "north (nghìn, linh) or south (ngàn, lẻ).",
        }
    )
    repeat = fields.Integer(
        strict=True,
        metadata={
            "minimum": 1,
            "maximum": voice_settings.MAX_REPEAT,
            "description": "Times a display plays each call.",
        },
    )


class SiteIn(Strict):
    code = Code(32)
    name_vi = NFCString(required=True, validate=validate.Length(min=1, max=200))
    name_en = NFCString(validate=validate.Length(max=200))
    address = NFCString(validate=validate.Length(max=300))
    timezone = fields.String(
        validate=validate.OneOf(
            TIME_ZONES,
            error="Không phải múi giờ (ví dụ Asia/Ho_Chi_Minh). / Not a time zone "
            "(e.g. Asia/Ho_Chi_Minh).",
        ),
        metadata={"description": "An IANA time zone, e.g. Asia/Ho_Chi_Minh."},
    )
    opening_hours = OpeningHours(allow_none=True)
    closed_days = fields.List(
        fields.Nested(ClosedDayIn),
        validate=validate.Length(max=366),
        metadata={"description": "Holidays and other days closed: [{date, note}]."},
    )
    max_priority_in_row = fields.Integer(strict=True, validate=validate.Range(min=0, max=20))
    no_show_after_calls = fields.Integer(strict=True, validate=validate.Range(min=1, max=20))
    slip_header = SlipLines(validate=validate.Length(max=MAX_TEXT))
    slip_footer = SlipLines(validate=validate.Length(max=MAX_TEXT))
    ticker_text = NFCString(
        validate=validate.Length(max=MAX_TEXT),
        metadata={"description": "The running text at the bottom of the hall displays."},
    )
    voice = fields.Nested(
        VoiceSettingsIn,
        metadata={
            "description": "The hall announcement; a new wording or dialect has its clips "
            "made in the background (spoken by espeak-ng meanwhile)."
        },
    )
    active = StrictBoolean()

    @ma.post_load
    def _days(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "closed_days" in data:
            # A PATCH loads partially, nested schemas too: the date is checked here.
            if any("date" not in day for day in data["closed_days"]):
                raise ma.ValidationError(
                    {
                        "closed_days": [
                            "Mỗi ngày nghỉ cần có ngày. / Each closed day needs its date."
                        ]
                    }
                )
            data["closed_days"] = _closed_days(data["closed_days"])
        return data


class SitePatch(SiteIn):
    pass


class DepartmentIn(Strict):
    code = Code(32)
    name_vi = NFCString(required=True, validate=validate.Length(min=1, max=200))
    name_en = NFCString(validate=validate.Length(max=200))
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    active = StrictBoolean()


class DepartmentPatch(DepartmentIn):
    pass


class SeriesIn(Strict):
    code = Code(16)
    name_vi = NFCString(validate=validate.Length(max=200))
    name_en = NFCString(validate=validate.Length(max=200))
    format = Text(
        validate=[
            validate.Length(min=1, max=40),
            validate.Regexp(
                SERIES_FORMAT[:-1] + r"\Z",
                # Formatted by marshmallow (input, regex): braces doubled.
                error="Đúng một {{n}} (hoặc {{n:03d}}: độ rộng đến 9), mỗi bên tối đa 6 ký tự "
                "khác, không có ngoặc nhọn: A{{n:03d}}, {{n:04d}}. / One {{n}} (or {{n:03d}}: "
                "a width up to 9) between at most 6 other characters on each side, without "
                "braces: A{{n:03d}}, {{n:04d}}.",
            ),
        ],
        metadata={
            "description": "One {n} with an optional width: A{n:03d} gives A001.",
            "pattern": SERIES_FORMAT,
        },
    )
    start = fields.Integer(strict=True, validate=validate.Range(min=0, max=99_999))
    voice_reading = fields.String(
        metadata={
            "enum": [r.value for r in Reading],
            "description": "How the announcement reads its numbers: number (A012: A mười "
            "hai) or digits (A không một hai).",
        }
    )
    active = StrictBoolean()


class SeriesPatch(SeriesIn):
    pass


class ServiceIn(Strict):
    code = Code(32)
    name_vi = NFCString(required=True, validate=validate.Length(min=1, max=300))
    name_en = NFCString(validate=validate.Length(max=300))
    department_id = Id(required=True)
    series_id = Id(required=True)
    target_wait_minutes = fields.Integer(strict=True, validate=validate.Range(min=1, max=1440))
    expected_service_minutes = fields.Integer(strict=True, validate=validate.Range(min=1, max=480))
    daily_quota = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000)
    )
    asks_dossier_code = StrictBoolean()
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    active = StrictBoolean()


class ServicePatch(ServiceIn):
    pass


class CounterIn(Strict):
    number = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=9999))
    name_vi = NFCString(required=True, validate=validate.Length(min=1, max=100))
    name_en = NFCString(validate=validate.Length(max=100))
    zone = NFCString(allow_none=True, validate=validate.Length(max=64))
    service_ids = fields.List(
        Id(),
        validate=validate.Length(max=200),
        metadata={"description": "The services it serves, first choice first."},
    )
    spoken_name = Text(
        allow_none=True,
        metadata={
            "description": "What the announcement says for {counter} instead of its number "
            f"(at most {voice_settings.MAX_SPOKEN_NAME} characters); null or empty: the number."
        },
    )
    active = StrictBoolean()


class CounterPatch(CounterIn):
    pass


class PriorityCategoryIn(Strict):
    code = Code(32)
    name_vi = NFCString(required=True, validate=validate.Length(min=1, max=200))
    name_en = NFCString(validate=validate.Length(max=200))
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    active = StrictBoolean()


class PriorityCategoryPatch(PriorityCategoryIn):
    pass


class AdminUserIn(Strict):
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
    counter_ids = fields.List(
        Id(),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "The counters an officer may open; none: any of their site."},
    )


class UserPatch(Strict):
    full_name = NFCString(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(["officer", "manager", "admin"]))
    site_id = Id(allow_none=True)
    active = StrictBoolean()
    counter_ids = fields.List(Id(), validate=validate.Length(max=200))


class AuditQuery(Strict):
    object_type = fields.String(
        load_default=None, validate=validate.OneOf([*CATALOG_KINDS, "user", "device"])
    )
    object_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    user_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    site_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    before_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Entries older than this one (the next page)."},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ImportIn(Strict):
    filename = Text(
        required=True,
        validate=[
            validate.Length(min=1, max=200),
            validate.Regexp(r"^[^\u0000]*\.([xX][lL][sS][xX]|[cC][sS][vV])\Z"),
        ],
        metadata={
            "description": "Ends in .xlsx or .csv: it says how to read the file.",
            "pattern": r"^[^\u0000]*\.([xX][lL][sS][xX]|[cC][sS][vV])$",
        },
    )
    content_base64 = Text(
        required=True,
        # Within the request size limit (MAX_CONTENT_LENGTH, 1 MB) however the JSON is
        # escaped (6 bytes a character at most).
        validate=validate.Length(min=1, max=160_000),
        metadata={
            "description": "The file, base64-encoded (at most 160,000 characters: a file of about 120 kB)."
        },
    )
    apply = StrictBoolean(
        load_default=False,
        metadata={
            "description": "false: a preview, nothing written; true: write it all or nothing."
        },
    )


class TemplateQuery(Strict):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


# ---------------------------------------------------------------- responses


class ClosedDayOut(ma.Schema):
    date = fields.String()
    note = fields.String()


class AdminSiteOut(ma.Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    address = fields.String()
    timezone = fields.String()
    opening_hours = fields.Dict(allow_none=True)
    closed_days = fields.List(fields.Nested(ClosedDayOut), allow_none=True)
    max_priority_in_row = fields.Integer()
    no_show_after_calls = fields.Integer()
    slip_header = fields.String()
    slip_footer = fields.String()
    ticker_text = fields.String()
    voice = fields.Nested(VoiceSettingsOut)
    active = fields.Boolean()

    @ma.pre_dump
    def _voice(self, site: Any, **_: Any) -> dict[str, Any]:
        return site_voice(site, self.fields)


class AdminDepartmentOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    position = fields.Integer()
    active = fields.Boolean()


class SeriesOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    format = fields.String()
    start = fields.Integer()
    voice_reading = fields.String()
    active = fields.Boolean()
    example = fields.Method("_example", metadata={"description": "The first number it prints."})

    def _example(self, series: Any) -> str:
        return str(series.format.format(n=series.start))


class AdminServiceOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    department_id = fields.Integer()
    series_id = fields.Integer()
    target_wait_minutes = fields.Integer()
    expected_service_minutes = fields.Integer()
    daily_quota = fields.Integer(allow_none=True)
    asks_dossier_code = fields.Boolean()
    position = fields.Integer()
    active = fields.Boolean()


class AdminCounterOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    number = fields.Integer()
    name_vi = fields.String()
    name_en = fields.String()
    zone = fields.String(allow_none=True)
    spoken_name = fields.String(allow_none=True)
    service_ids = fields.Method("_service_ids", metadata={"description": "First choice first."})
    state = fields.String()
    active = fields.Boolean()

    def _service_ids(self, counter: Any) -> list[int]:
        return [link.service_id for link in counter.services]


class AdminPriorityCategoryOut(ma.Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    position = fields.Integer()
    active = fields.Boolean()


class AdminUserOut(UserOut):
    active = fields.Boolean()
    counter_ids = fields.List(
        fields.Integer(), metadata={"description": "The counters an officer may open; []: any."}
    )
    created_at = fields.DateTime()


class AuditOut(ma.Schema):
    id = fields.Integer()
    at = fields.DateTime(metadata={"description": "UTC"})
    user_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    site_id = fields.Integer(allow_none=True)
    object_type = fields.String()
    object_id = fields.Integer(allow_none=True)
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class ImportRowOut(ma.Schema):
    sheet = fields.String(metadata={"description": "services or counters"})
    row = fields.Integer(metadata={"description": "The row's number in the file (1: the header)."})
    code = fields.String(allow_none=True)
    action = fields.String(allow_none=True, metadata={"description": "create or update"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per field, what is wrong (Vietnamese, then English)."},
    )


class ImportOut(ma.Schema):
    valid = fields.Boolean()
    applied = fields.Boolean()
    rows = fields.List(fields.Nested(ImportRowOut))
    created = fields.Dict(keys=fields.String(), values=fields.Integer())
    updated = fields.Dict(keys=fields.String(), values=fields.Integer())
