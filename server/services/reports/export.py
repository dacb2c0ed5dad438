"""Reports as files: XLSX (XlsxWriter: a heading with the centre and the period, one sheet
per table, numbers as numbers, a native chart where it helps), CSV (UTF-8 with a BOM, so
that Excel reads Vietnamese), and the monthly PDF for the provincial office (fpdf2 with
the system's DejaVu font, charts drawn as PNG images by Pillow).

Durations are in seconds in the JSON reports and in minutes (two decimals) in the files;
shares are 0..1 in the JSON and percentages (one decimal) in the files: :func:`cell`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from PIL import Image, ImageDraw, ImageFont

from server.services.reports.queries import Column, Report, Sheet

DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("C:/Windows/Fonts"),
)

NATIONAL_HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def cell(column: Column, value: Any) -> Any:
    """A JSON report value as the files show it."""
    if value is None:
        return None
    if column.unit == "s":
        return round(value / 60, 2)
    if column.unit == "pct":
        return round(value * 100, 1)
    if isinstance(value, bool):
        return "có" if value else "không"
    return value


def header(column: Column) -> str:
    if column.unit == "s":
        return f"{column.vi} (phút)"
    if column.unit == "pct":
        return f"{column.vi} (%)"
    return column.vi


def period_text(report: Report) -> str:
    start, end = report.filters.start, report.filters.end
    if start == end:
        return f"Ngày {start:%d/%m/%Y}"
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def centre_text(report: Report) -> str:
    if len(report.sites) == 1:
        return report.sites[0]["name_vi"]
    return f"{len(report.sites)} điểm phục vụ"


# ------------------------------------------------------------------ XLSX


def to_xlsx(report: Report) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4"}
    )
    for sheet in report.sheets:
        ws = book.add_worksheet(sheet.title_vi[:31])
        ws.write(0, 0, report.title_vi, title)
        ws.write(1, 0, centre_text(report), bold)
        ws.write(2, 0, period_text(report))
        ws.write(3, 0, sheet.title_vi)
        if report.notes.get("approximate"):
            ws.write(4, 0, report.notes["approximation_vi"])
        first = 5
        for c, column in enumerate(sheet.columns):
            ws.write(first, c, header(column), head)
            ws.set_column(c, c, max(10, min(30, len(header(column)) + 2)))
        for r, row in enumerate(sheet.rows, start=first + 1):
            for c, column in enumerate(sheet.columns):
                value = cell(column, row.get(column.key))
                if value is None:
                    ws.write_blank(r, c, None)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(first + 1, 0)
        _chart(book, ws, sheet, first)
    book.close()
    return out.getvalue()


# Which column a sheet's chart shows, against which label column.
_CHARTS = {
    "trend": ("wait_p90", "column"),
    "slots": ("arrived", "column"),
    "services": ("done", "bar"),
    "sites": ("done", "bar"),
}


def _chart(book: Any, ws: Any, sheet: Sheet, first: int) -> None:
    spec = _CHARTS.get(sheet.name)
    if spec is None or not sheet.rows:
        return
    keys = [c.key for c in sheet.columns]
    key, kind = spec
    if key not in keys:
        return
    label = 0
    for candidate in ("service_vi", "site_vi", "slot"):
        if candidate in keys:
            label = keys.index(candidate)
            break
    value = keys.index(key)
    last = first + len(sheet.rows)
    chart = book.add_chart({"type": kind})
    chart.add_series(
        {
            "name": header(sheet.columns[value]),
            "categories": [ws.name, first + 1, label, last, label],
            "values": [ws.name, first + 1, value, last, value],
        }
    )
    chart.set_title({"name": header(sheet.columns[value])})
    chart.set_legend({"none": True})
    ws.insert_chart(last + 2, 1, chart, {"x_scale": 1.5, "y_scale": 1.2})


# ------------------------------------------------------------------ CSV


def csv_rows(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    """The lines of a CSV file, the first with the BOM (UTF-8 with BOM, read as text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header(c) for c in columns])
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if (v := cell(c, row.get(c.key))) is None else v for c in columns])
        yield buffer.getvalue()


def to_csv(report: Report, sheet_name: str | None = None) -> bytes:
    sheet = next((s for s in report.sheets if s.name == sheet_name), report.sheets[-1])
    return "".join(csv_rows(sheet.columns, sheet.rows)).encode("utf-8")


# ------------------------------------------------------------------ PDF


def find_font(name: str = "DejaVuSans.ttf") -> Path:
    for folder in DEJAVU_DIRS:
        path = folder / name
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{name} not found (install the Debian package fonts-dejavu-core); looked in "
        + ", ".join(str(d) for d in DEJAVU_DIRS)
    )


def bar_chart_png(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    *,
    width: int = 1400,
    height: int = 520,
) -> bytes:
    """A bar chart as PNG (Pillow, the DejaVu font), for the PDF."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(find_font()), 22)
    small = ImageFont.truetype(str(find_font()), 18)
    draw.text((20, 10), title, fill="black", font=font)
    left, top, bottom = 80, 60, height - 70
    right = width - 20
    draw.line((left, top, left, bottom), fill="black", width=2)
    draw.line((left, bottom, right, bottom), fill="black", width=2)
    peak = max([v for v in values if v is not None] or [0]) or 1
    count = max(len(values), 1)
    step = (right - left) / count
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * step + step * 0.15
        x1 = left + (i + 1) * step - step * 0.15
        y = bottom - (value or 0) / peak * (bottom - top)
        draw.rectangle((x0, y, x1, bottom), fill="#2f6fad")
        if count <= 24 or i % 2 == 0:
            draw.text((x0, bottom + 8), str(label)[:10], fill="black", font=small)
    for fraction in (0.5, 1.0):
        y = bottom - fraction * (bottom - top)
        draw.text((5, y - 10), f"{peak * fraction:.0f}", fill="black", font=small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value / 60:.1f} phút"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def monthly_pdf(
    summary: Report, services: Report, hours: Report, *, today: dt.date | None = None
) -> bytes:
    """The monthly report for the provincial office: A4, the national heading, the centre,
    the period, the key figures, per-service table, two charts, the signature block."""
    # Imported here, not at the top: fpdf brings fontTools, cryptography and unittest.mock
    # (30 MB in every server process and 0.3 s at its start) for a PDF a manager asks for
    # now and then.
    from fpdf import FPDF

    today = today or dt.date.today()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(find_font("DejaVuSans.ttf")))
    pdf.add_font("DejaVu", "B", str(find_font("DejaVuSans-Bold.ttf")))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    half = width / 2
    pdf.set_font("DejaVu", "B", 10)
    top = pdf.get_y()
    pdf.multi_cell(half - 5, 5, centre_text(summary).upper(), align="C")
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(half, 5, NATIONAL_HEADING[0], align="C")
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(half, 5, NATIONAL_HEADING[1], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(
        half,
        5,
        f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(
        width,
        8,
        "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ PHỤC VỤ CÔNG DÂN",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(width, 6, period_text(summary), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    rows = summary.sheets[0].rows
    total = next((r for r in rows if r.get("part") == "all"), None) or {}
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 7, "I. Các chỉ số chính", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    key_figures = [
        ("Số cấp mới", str(total.get("issued", 0))),
        ("Đã phục vụ", str(total.get("done", 0))),
        ("Tỷ lệ phục vụ", _percent(total.get("served_pct"))),
        ("Vắng mặt", str(total.get("no_show", 0))),
        ("Đã huỷ", str(total.get("cancelled", 0))),
        ("Hết hiệu lực", str(total.get("expired", 0))),
        ("Chuyển đi", str(total.get("transferred", 0))),
        ("Thời gian chờ trung bình", _minutes(total.get("wait_mean"))),
        ("Thời gian chờ trung vị (p50)", _minutes(total.get("wait_p50"))),
        ("Thời gian chờ p90", _minutes(total.get("wait_p90"))),
        ("Thời gian chờ lâu nhất", _minutes(total.get("wait_max"))),
        ("Thời gian phục vụ trung bình", _minutes(total.get("service_mean"))),
        ("Tỷ lệ được gọi trong thời gian mục tiêu", _percent(total.get("service_level"))),
    ]
    with pdf.table(
        col_widths=(3, 1), text_align=("LEFT", "RIGHT"), first_row_as_headings=False
    ) as table:
        for label, value in key_figures:
            table.row((label, value))
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 7, "II. Theo dịch vụ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    service_sheet = next(s for s in services.sheets if s.name == "services")
    with pdf.table(
        col_widths=(4, 1, 1, 1, 1, 1, 1),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    ) as table:
        table.row(("Dịch vụ", "Cấp số", "Phục vụ", "Vắng", "Chờ TB", "Chờ p90", "Đạt mục tiêu"))
        for row in service_sheet.rows:
            table.row(
                (
                    row["service_vi"],
                    str(row["issued"] + row["transferred_in"]),
                    str(row["done"]),
                    str(row["no_show"]),
                    _minutes(row["wait_mean"]),
                    _minutes(row["wait_p90"]),
                    _percent(row["service_level"]),
                )
            )
    pdf.ln(4)
    slots = hours.sheets[0].rows
    if slots:
        chart = bar_chart_png(
            [r["slot"][:5] for r in slots],
            [r["arrived"] for r in slots],
            "Số công dân đến theo khung 30 phút",
        )
        pdf.image(io.BytesIO(chart), w=width)
    if service_sheet.rows:
        chart = bar_chart_png(
            [r["service_code"] for r in service_sheet.rows],
            [(r["wait_p90"] or 0) / 60 for r in service_sheet.rows],
            "Thời gian chờ p90 theo dịch vụ (phút)",
        )
        pdf.image(io.BytesIO(chart), w=width)
    pdf.ln(8)
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(half, 5, "GIÁM ĐỐC", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_x(pdf.l_margin + half)
    pdf.cell(half, 5, "(Ký, ghi rõ họ tên và đóng dấu)", align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
