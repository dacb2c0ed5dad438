"""The scenario days of issue #15, measured by bench/eta.py and offered on the what-if page:
a quiet commune centre; a provincial centre with a morning peak, a lunch break and
counters that pause; the same centre on a day when two counters are missing."""

from __future__ import annotations

from dataclasses import replace

from server.services.simulation.model import CounterSpec, DayProfile, ServiceSpec

FULL_DAY = (("07:30", "11:30"), ("13:30", "17:00"))


def _peak(base: float, peak: float) -> dict[int, float]:
    """Arrivals per hour with a morning peak (8-10h), a calmer afternoon."""
    return {
        7: base,
        8: peak,
        9: peak,
        10: base * 1.2,
        11: base * 0.6,
        13: base,
        14: base,
        15: base * 0.8,
        16: base * 0.5,
    }


def commune() -> DayProfile:
    services = (
        ServiceSpec(
            "HT",
            "Hộ tịch",
            "Civil status",
            {7: 5, 8: 7, 9: 6, 10: 4, 11: 2, 13: 4, 14: 5, 15: 3, 16: 2},
            minutes=9,
            cv=0.5,
            nominal_minutes=10,
            priority_share=0.06,
            no_show_share=0.05,
            transfer_share=0.03,
            transfer_to="CT",
            target_wait_minutes=15,
        ),
        ServiceSpec(
            "CT",
            "Chứng thực",
            "Certification",
            {7: 6, 8: 9, 9: 8, 10: 5, 11: 2, 13: 5, 14: 6, 15: 4, 16: 2},
            minutes=6,
            cv=0.6,
            nominal_minutes=5,
            priority_share=0.06,
            no_show_share=0.04,
            target_wait_minutes=15,
        ),
        ServiceSpec(
            "DD",
            "Đất đai",
            "Land",
            {7: 1, 8: 2, 9: 2, 10: 1, 13: 1, 14: 2, 15: 1},
            minutes=15,
            cv=0.5,
            nominal_minutes=15,
            priority_share=0.03,
            no_show_share=0.05,
            target_wait_minutes=30,
        ),
    )
    counters = (
        CounterSpec(1, ("HT", "CT"), FULL_DAY),
        CounterSpec(2, ("CT", "HT"), FULL_DAY),
        CounterSpec(3, ("DD", "CT"), (("07:30", "11:30"), ("13:30", "16:00"))),
    )
    return DayProfile(
        "commune",
        "Trung tâm cấp xã, ngày vắng",
        "Quiet commune centre",
        services,
        counters,
        hours=FULL_DAY,
        last_entry_minutes=15,
    )


def provincial() -> DayProfile:
    services = (
        ServiceSpec(
            "TP",
            "Tư pháp – Hộ tịch",
            "Justice and civil status",
            _peak(5.5, 9),
            minutes=10,
            cv=0.5,
            nominal_minutes=10,
            priority_share=0.08,
            no_show_share=0.06,
            transfer_share=0.03,
            transfer_to="CT",
            target_wait_minutes=20,
        ),
        ServiceSpec(
            "DN",
            "Doanh nghiệp",
            "Business",
            _peak(4, 6.5),
            minutes=14,
            cv=0.6,
            nominal_minutes=15,
            priority_share=0.03,
            no_show_share=0.05,
            transfer_share=0.03,
            transfer_to="TX",
            target_wait_minutes=25,
        ),
        ServiceSpec(
            "TX",
            "Thuế",
            "Tax",
            _peak(3, 5),
            minutes=9,
            cv=0.5,
            nominal_minutes=10,
            priority_share=0.04,
            no_show_share=0.04,
            target_wait_minutes=20,
        ),
        ServiceSpec(
            "DD",
            "Đất đai",
            "Land",
            _peak(4, 6.5),
            minutes=18,
            cv=0.5,
            nominal_minutes=20,
            priority_share=0.06,
            no_show_share=0.06,
            target_wait_minutes=30,
        ),
        ServiceSpec(
            "CT",
            "Chứng thực",
            "Certification",
            _peak(10, 16),
            minutes=5,
            cv=0.6,
            nominal_minutes=5,
            priority_share=0.08,
            no_show_share=0.05,
            target_wait_minutes=15,
        ),
    )
    morning, afternoon = ("07:30", "11:30"), ("13:30", "17:00")
    counters = (
        CounterSpec(1, ("TP",), (("07:30", "09:40"), ("09:55", "11:30"), afternoon)),
        CounterSpec(2, ("TP", "CT"), (morning, ("13:30", "15:00"), ("15:15", "17:00"))),
        CounterSpec(3, ("DN",), (("07:30", "10:15"), ("10:30", "11:30"), afternoon)),
        CounterSpec(4, ("DN", "TX"), (morning, afternoon)),
        CounterSpec(5, ("TX", "DN"), (morning, ("13:30", "16:30"))),
        CounterSpec(6, ("DD",), (("07:30", "09:00"), ("09:15", "11:30"), afternoon)),
        CounterSpec(7, ("DD",), (morning, afternoon)),
        CounterSpec(8, ("CT", "TP"), (morning, ("13:30", "14:45"), ("15:00", "17:00"))),
        CounterSpec(9, ("CT",), (("08:00", "11:30"), afternoon)),
        CounterSpec(10, ("DD", "DN"), (("08:00", "11:30"),)),
    )
    return DayProfile(
        "provincial",
        "Trung tâm cấp tỉnh: cao điểm buổi sáng, nghỉ trưa, quầy tạm dừng",
        "Provincial centre: morning peak, lunch break, counters that pause",
        services,
        counters,
        hours=FULL_DAY,
        last_entry_minutes=30,
    )


def two_missing() -> DayProfile:
    """The provincial day with counters 2 (justice, then certification) and 7 (land)
    unstaffed all day (two officers away): every service keeps a counter of its own."""
    day = provincial()
    counters = tuple(c for c in day.counters if c.number not in (2, 7))
    return replace(
        day,
        name="two_missing",
        title_vi="Trung tâm cấp tỉnh, thiếu hai quầy",
        title_en="Provincial centre, two counters missing",
        counters=counters,
    )


SCENARIOS = {"commune": commune, "provincial": provincial, "two_missing": two_missing}
