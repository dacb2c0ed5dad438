"""Bulk set-up: services and counters of a site from an XLSX or CSV file.

The XLSX file has two sheets, ``services`` and ``counters``; the CSV file is one table
whose ``kind`` column says which each row is (``service`` or ``counter``). The first row
names the columns (:data:`SERVICE_COLUMNS`, :data:`COUNTER_COLUMNS`; :func:`template`
makes an example of either form). A row whose code (a counter: its number) exists at the
site updates it, any other creates one.

Every row is checked first, each field against the rules of the administration API and
the references (department and series codes of the site, service codes of the site or of
the file); if any row is wrong, nothing is written and each wrong row and field is named.
Otherwise the whole file is written in one transaction, with one audit entry per object
and one ``catalog.changed``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import openpyxl  # type: ignore[import-untyped]  # no stubs shipped
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import DomainError
from server.models import Counter, Department, NumberSeries, Service, utcnow
from server.services import admin
from server.services.actor import Actor

SERVICE_COLUMNS = (
    "code",
    "name_vi",
    "name_en",
    "department",
    "series",
    "target_wait_minutes",
    "expected_service_minutes",
    "daily_quota",
    "asks_dossier_code",
    "position",
    "active",
)
COUNTER_COLUMNS = ("number", "name_vi", "name_en", "zone", "services", "active")
REQUIRED = {
    "service": ("code", "name_vi", "department", "series"),
    "counter": ("number", "name_vi"),
}
SHEETS = {"service": "services", "counter": "counters"}
MAX_ROWS = 2000

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TRUE = {"1", "true", "yes", "y", "x", "có", "co", "c"}
_FALSE = {"0", "false", "no", "n", "không", "khong", "k", ""}


class ImportFileError(DomainError):
    """The file itself cannot be read (not XLSX or CSV, no header, too many rows)."""

    status = 422


@dataclass
class Row:
    kind: str  # service | counter
    number: int  # the row's number in its sheet (1 is the header)
    values: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str | None = None

    def error(self, column: str, vi: str, en: str) -> None:
        self.errors.setdefault(column, []).append(f"{vi} / {en}")

    @property
    def key(self) -> str | None:
        return self.values.get("code" if self.kind == "service" else "number") or None

    def report(self) -> dict[str, Any]:
        return {
            "sheet": SHEETS[self.kind],
            "row": self.number,
            "code": self.key,
            "action": self.action,
            "errors": self.errors,
        }


@dataclass
class Outcome:
    rows: list[Row]
    applied: bool = False

    @property
    def valid(self) -> bool:
        return all(not row.errors for row in self.rows)

    def counts(self, action: str) -> dict[str, int]:
        counted = {"services": 0, "counters": 0}
        for row in self.rows:
            if row.action == action:
                counted[SHEETS[row.kind]] += 1
        return counted

    def report(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "applied": self.applied,
            "rows": [row.report() for row in self.rows],
            "created": self.counts("create"),
            "updated": self.counts("update"),
        }


# --------------------------------------------------------------------------- reading


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _header(cells: list[Any]) -> list[str]:
    return [_cell(c).lower() for c in cells]


def _unreadable(en_reason: str, vi_reason: str) -> ImportFileError:
    return ImportFileError(
        "unreadable_file",
        f"Không đọc được tệp: {vi_reason}",
        f"The file cannot be read: {en_reason}",
    )


def read_rows(filename: str, content: bytes) -> list[Row]:
    """The rows of an XLSX or CSV file (by its name's ending)."""
    if filename.lower().endswith(".csv"):
        return _csv_rows(content)
    return _xlsx_rows(content)


def _csv_rows(content: bytes) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _unreadable("a CSV file must be UTF-8.", "tệp CSV phải mã hoá UTF-8.") from None
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = list(csv.reader(io.StringIO(text), dialect))
    if not table:
        raise _unreadable("the file is empty.", "tệp trống.")
    header = _header(table[0])
    if "kind" not in header:
        raise _unreadable(
            "the first row must name the columns, one of them 'kind' (service or counter).",
            "dòng đầu phải ghi tên các cột, trong đó có cột «kind» (service hoặc counter).",
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {name: _cell(c) for name, c in zip(header, cells, strict=False) if name}
        if not any(values.values()):
            continue
        kind = values.pop("kind", "").lower()
        row = Row(kind if kind in SHEETS else "service", number, values)
        if kind not in SHEETS:
            row.error("kind", "phải là service hoặc counter", "must be service or counter")
        rows.append(row)
    return _bounded(rows)


def _xlsx_rows(content: bytes) -> list[Row]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise _unreadable(
            f"not an XLSX workbook ({type(error).__name__}).", "không phải tệp XLSX."
        ) from None
    try:
        names = {name.strip().lower(): name for name in book.sheetnames}
        if not any(sheet in names for sheet in SHEETS.values()):
            raise _unreadable(
                "the workbook needs a sheet named 'services' or 'counters'.",
                "tệp cần có trang tính tên «services» hoặc «counters».",
            )
        rows = []
        for kind, sheet in SHEETS.items():
            if sheet not in names:
                continue
            table = book[names[sheet]].iter_rows(values_only=True)
            header = _header(list(next(table, [])))
            for number, cells in enumerate(table, start=2):
                values = {name: _cell(c) for name, c in zip(header, cells, strict=False) if name}
                if any(values.values()):
                    rows.append(Row(kind, number, values))
                if len(rows) > MAX_ROWS:
                    break
        return _bounded(rows)
    finally:
        book.close()


def _bounded(rows: list[Row]) -> list[Row]:
    if len(rows) > MAX_ROWS:
        raise _unreadable(f"more than {MAX_ROWS} rows.", f"nhiều hơn {MAX_ROWS} dòng.")
    return rows


# --------------------------------------------------------------------------- checking


def _text(row: Row, column: str, max_length: int, *, required: bool = False) -> str | None:
    value = row.values.get(column, "")
    if not value:
        if required:
            row.error(column, "bắt buộc", "required")
        return None
    if len(value) > max_length:
        row.error(column, f"dài quá {max_length} ký tự", f"longer than {max_length} characters")
    elif "\x00" in value:
        row.error(column, "có ký tự NUL", "contains the NUL character")
    return value


def _integer(row: Row, column: str, low: int, high: int, *, required: bool = False) -> int | None:
    value = row.values.get(column, "")
    if not value:
        if required:
            row.error(column, "bắt buộc", "required")
        return None
    try:
        number = int(value)
    except ValueError:
        row.error(column, "phải là số nguyên", "must be a whole number")
        return None
    if not low <= number <= high:
        row.error(column, f"phải từ {low} đến {high}", f"must be from {low} to {high}")
        return None
    return number


def _boolean(row: Row, column: str) -> bool | None:
    value = row.values.get(column, "").lower()
    if column not in row.values or value == "":
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    row.error(column, "phải là có hoặc không (1/0)", "must be yes or no (1/0)")
    return None


def _check_service(
    row: Row, departments: dict[str, Department], series: dict[str, NumberSeries]
) -> None:
    data: dict[str, Any] = {}
    code = _text(row, "code", 32, required=True)
    if code and not _CODE.match(code):
        row.error(
            "code",
            "chỉ gồm chữ, số, «_», «.», «-»",
            "letters, digits, '_', '.' and '-' only",
        )
    data["code"] = code
    data["name_vi"] = _text(row, "name_vi", 300, required=True)
    data["name_en"] = _text(row, "name_en", 300)
    department_code = _text(row, "department", 32, required=True)
    if department_code:
        department = departments.get(department_code)
        if department is None or not department.active:
            row.error(
                "department",
                f"không có khối «{department_code}» đang hoạt động ở điểm phục vụ",
                f"there is no active department '{department_code}' at the site",
            )
        else:
            data["department_id"] = department.id
    series_code = _text(row, "series", 16, required=True)
    if series_code:
        found = series.get(series_code)
        if found is None or not found.active:
            row.error(
                "series",
                f"không có dãy số «{series_code}» đang dùng ở điểm phục vụ",
                f"there is no active number series '{series_code}' at the site",
            )
        else:
            data["series_id"] = found.id
    data["target_wait_minutes"] = _integer(row, "target_wait_minutes", 1, 1440)
    data["expected_service_minutes"] = _integer(row, "expected_service_minutes", 1, 480)
    quota = row.values.get("daily_quota", "")
    data["daily_quota"] = _integer(row, "daily_quota", 1, 100_000) if quota else None
    data["asks_dossier_code"] = _boolean(row, "asks_dossier_code")
    data["position"] = _integer(row, "position", 0, 10_000)
    data["active"] = _boolean(row, "active")
    row.data = {
        k: v
        for k, v in data.items()
        if v is not None or (k == "daily_quota" and "daily_quota" in row.values)
    }


def _check_counter(row: Row, service_codes: set[str]) -> None:
    data: dict[str, Any] = {}
    data["number"] = _integer(row, "number", 1, 9999, required=True)
    data["name_vi"] = _text(row, "name_vi", 100, required=True)
    data["name_en"] = _text(row, "name_en", 100)
    data["zone"] = _text(row, "zone", 64)
    data["active"] = _boolean(row, "active")
    codes = [c.strip() for c in re.split(r"[,;]", row.values.get("services", "")) if c.strip()]
    unknown = [c for c in codes if c not in service_codes]
    if unknown:
        row.error(
            "services",
            "không có dịch vụ " + ", ".join(f"«{c}»" for c in unknown),
            "no service " + ", ".join(f"'{c}'" for c in unknown),
        )
    if len(set(codes)) != len(codes):
        row.error("services", "một dịch vụ được ghi hai lần", "a service is listed twice")
    data["service_codes"] = codes
    row.data = {k: v for k, v in data.items() if v is not None}


def check(session: Session, actor: Actor, site_id: int, rows: list[Row]) -> Outcome:
    """Check every row (nothing is written)."""
    admin.require_site(actor, site_id)
    admin.listing(session, actor, Service, site_id)  # the site exists and is the actor's
    departments = {d.code: d for d in admin.listing(session, actor, Department, site_id)}
    series = {s.code: s for s in admin.listing(session, actor, NumberSeries, site_id)}
    existing_services = {s.code: s for s in admin.listing(session, actor, Service, site_id)}
    existing_counters = {c.number: c for c in admin.listing(session, actor, Counter, site_id)}
    file_services = {r.values.get("code", "") for r in rows if r.kind == "service"} - {""}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.errors:
            continue  # its kind is unknown
        if row.kind == "service":
            _check_service(row, departments, series)
            row.action = "update" if row.data.get("code") in existing_services else "create"
        else:
            _check_counter(row, file_services | set(existing_services))
            row.action = "update" if row.data.get("number") in existing_counters else "create"
        key = row.key
        if key:
            first = seen.setdefault((row.kind, key), row.number)
            if first != row.number:
                column = "code" if row.kind == "service" else "number"
                row.error(column, f"trùng với dòng {first}", f"the same as row {first}")
    return Outcome(rows)


def run(
    session: Session,
    actor: Actor,
    site_id: int,
    filename: str,
    content: bytes,
    *,
    apply: bool,
    now: dt.datetime | None = None,
) -> Outcome:
    """Check the file, and when `apply` and every row is right, write it all in one
    transaction (services first, then the counters that may name them)."""
    now = now or utcnow()
    admin.require_site(actor, site_id)
    admin.sites_one(session, actor, site_id)
    outcome = check(session, actor, site_id, read_rows(filename, content))
    if not apply or not outcome.valid:
        return outcome
    with admin.change(session):
        for row in outcome.rows:
            if row.kind != "service":
                continue
            current = session.scalar(
                select(Service).where(Service.site_id == site_id, Service.code == row.data["code"])
            )
            if current is None:
                admin.create_service(session, actor, site_id, row.data, now=now)
            else:
                admin.update_service(session, actor, current.id, row.data, now=now)
        session.flush()
        ids = {
            code: service_id
            for code, service_id in session.execute(
                select(Service.code, Service.id).where(Service.site_id == site_id)
            )
        }
        for row in outcome.rows:
            if row.kind != "counter":
                continue
            data = dict(row.data)
            data["service_ids"] = [ids[code] for code in data.pop("service_codes")]
            current_counter = session.scalar(
                select(Counter).where(Counter.site_id == site_id, Counter.number == data["number"])
            )
            if current_counter is None:
                admin.create_counter(session, actor, site_id, data, now=now)
            else:
                admin.update_counter(session, actor, current_counter.id, data, now=now)
    outcome.applied = True
    return outcome


# --------------------------------------------------------------------------- the template


_EXAMPLE_SERVICES = [
    ["HT-KS", "Đăng ký khai sinh", "Birth registration", "TP", "A", 20, 10, "", "không", 1, "có"],
    ["CT-BS", "Chứng thực bản sao", "Certified copies", "TP", "A", 15, 5, 200, "không", 2, "có"],
]
_EXAMPLE_COUNTERS = [
    [1, "Quầy số 1", "Counter 1", "tang-1", "HT-KS, CT-BS", "có"],
    [2, "Quầy số 2", "Counter 2", "tang-1", "CT-BS", "có"],
]


def template(kind: str) -> bytes:
    """An example file to fill in: 'xlsx' (two sheets) or 'csv' (one table with `kind`)."""
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        columns = [
            "kind",
            *SERVICE_COLUMNS,
            *[c for c in COUNTER_COLUMNS if c not in SERVICE_COLUMNS],
        ]
        writer.writerow(columns)
        for values in _EXAMPLE_SERVICES:
            row = dict(zip(SERVICE_COLUMNS, values, strict=True))
            writer.writerow(["service", *[row.get(c, "") for c in columns[1:]]])
        for values in _EXAMPLE_COUNTERS:
            row = dict(zip(COUNTER_COLUMNS, values, strict=True))
            writer.writerow(["counter", *[row.get(c, "") for c in columns[1:]]])
        # With a byte order mark, so that Excel reads the Vietnamese as UTF-8.
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "services"
    sheet.append(list(SERVICE_COLUMNS))
    for values in _EXAMPLE_SERVICES:
        sheet.append(values)
    counters = book.create_sheet("counters")
    counters.append(list(COUNTER_COLUMNS))
    for values in _EXAMPLE_COUNTERS:
        counters.append(values)
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()
