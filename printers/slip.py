"""The ticket slip as plain data: what the kiosk knows about a ticket, and how an
administrator wants slips to look.

No server types here: the kiosk fills a :class:`Slip` from the issue-ticket answer and
keeps a :class:`SlipLayout` from its configuration.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

#: Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975), so a fixed offset
#: is exact and needs no tz database on the kiosk.
VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

LANGUAGES = ("vi", "en", "vi+en")


def nfc(text: str) -> str:
    """Text in Unicode NFC: one code point per Vietnamese letter, as fonts and TCVN-3 want."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Slip:
    """One ticket, as printed.

    ``issued_at`` may be naive (taken as Vietnam time) or aware (converted to it).
    ``counters`` are counter labels as shown in the hall ("3", "5" or "Quầy 3").
    ``logo`` and ``footer`` override the layout's when given.
    """

    centre_name: str
    ticket_number: str
    service_name: str
    issued_at: datetime
    centre_address: str = ""
    department_name: str = ""
    service_name_en: str = ""
    department_name_en: str = ""
    counters: Sequence[str] = ()
    people_ahead: int | None = None
    estimated_wait_minutes: int | None = None
    # [low, high] minutes, the payload's "estimated_wait_range" (contract.waits): printed
    # as a range ("khoảng 10–15 phút") in place of the single figure when given.
    estimated_wait_range: tuple[int, int] | None = None
    priority_category: str = ""
    priority_category_en: str = ""
    tracking_url: str = ""
    footer: str = ""
    logo: str | Path | None = None

    def local_issued_at(self) -> datetime:
        """Issue time in Asia/Ho_Chi_Minh."""
        if self.issued_at.tzinfo is None:
            return self.issued_at.replace(tzinfo=VIETNAM_TZ)
        return self.issued_at.astimezone(VIETNAM_TZ)


@dataclass(frozen=True)
class SlipLayout:
    """What an administrator can set about every slip of a kiosk.

    Sizes are font sizes in printer dots; ``None`` scales a default to the paper width.
    ``language`` is "vi", "en" or "vi+en" (labels and, where given, names in both).
    """

    header_lines: tuple[str, ...] = ()
    footer: str = "Xin vui lòng chờ đến lượt. Xin cảm ơn!"
    logo: str | Path | None = None
    show_qr: bool = True
    language: str = "vi"
    text_size: int | None = None
    title_size: int | None = None
    number_size: int | None = None
    font_path: str | Path | None = None
    bold_font_path: str | Path | None = None
    qr_caption: str = ""

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")


def sample_slip(now: datetime | None = None) -> Slip:
    """A realistic slip for test prints and previews (long service name, priority)."""
    return Slip(
        centre_name="Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
        centre_address="Số 11 đường Lý Thái Tổ, phường Suối Hoa",
        ticket_number="A012",
        department_name="Sở Tư pháp",
        department_name_en="Department of Justice",
        service_name="Cấp phiếu lý lịch tư pháp, chứng thực bản sao từ bản chính, đăng ký kết hôn có yếu tố nước ngoài",
        service_name_en="Criminal record certificates, certified copies, marriage registration",
        counters=("3", "5"),
        people_ahead=12,
        estimated_wait_minutes=25,
        estimated_wait_range=(20, 35),
        priority_category="Người cao tuổi",
        priority_category_en="Elderly",
        tracking_url="https://hcc.bacninh.gov.vn/t/7Qx2Lm9vKp",
        issued_at=now or datetime(2025, 3, 14, 8, 15, tzinfo=VIETNAM_TZ),
    )
