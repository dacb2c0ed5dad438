"""The kiosk's catalogue as plain data: built from the API's answers, kept current by
queue.changed, with the server's pace for the waits."""

from __future__ import annotations

from contract import events as ev
from kiosk.model import catalogue_from_api, queue_rows

SITE = {"id": 1, "name_vi": "Trung tâm", "name_en": "Centre", "address": "Số 1"}


def service(id_: int, code: str, department: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": id_,
        "code": code,
        "name_vi": f"Dịch vụ {code}",
        "name_en": f"Service {code}",
        "department": {"id": department, "name_vi": f"Sở {department}", "name_en": ""},
        "counters": [1, 2],
        "expected_service_minutes": 10,
        "daily_quota": None,
        "available": True,
        "unavailable": None,
        **extra,
    }


def test_the_catalogue_from_the_api_and_live_counts() -> None:
    catalogue = catalogue_from_api(
        SITE,
        [
            service(5, "B", 2),
            service(
                3,
                "A",
                1,
                available=False,
                unavailable={
                    "error": "quota_reached",
                    "message": "Hết số.",
                    "message_en": "No more.",
                },
            ),
            service(4, "C", 2, availability_changes_at="2026-12-06T10:30:00+00:00"),
        ],
        [{"code": "elderly", "name_vi": "Người cao tuổi", "name_en": "Elderly"}],
        [
            {
                "service_id": 5,
                "waiting": 3,
                "longest_wait_seconds": 60,
                "estimated_wait_range": [10, 15],
                "estimated_wait_text_vi": "khoảng 10–15 phút",
                "estimated_wait_text_en": "about 10–15 minutes",
            }
        ],
        frozenset({"C"}),
    )
    assert [d.id for d in catalogue.departments] == [2, 1]  # in the services' order
    assert [s.code for s in catalogue.services_of(2)] == ["B", "C"]
    b, a, c = catalogue.services
    assert b.waiting == 3 and b.wait_range == (10, 15)
    assert b.wait_text("vi") == "khoảng 10–15 phút" and b.wait_text("en") == "about 10–15 minutes"
    assert c.wait_range is None and c.wait_text("vi") == ""
    assert not a.available and a.reason("en") == "No more." and a.reason("vi") == "Hết số."
    assert c.wants_dossier and not b.wants_dossier
    assert catalogue.changes_at is not None and catalogue.changes_at.hour == 10
    assert catalogue.category("elderly").name("en") == "Elderly"  # type: ignore[union-attr]
    # A department without English is shown in Vietnamese.
    assert b.department.name("en") == "Sở 2"
    changed = catalogue.apply_queues(
        queue_rows(
            ev.QUEUE_CHANGED,
            {
                "data": {
                    "services": [{"service_id": 4, "waiting": 2}, {"service_id": 5, "waiting": 3}]
                }
            },
        )
    )
    assert changed == {4} and catalogue.service(4).waiting == 2  # type: ignore[union-attr]
    assert queue_rows(ev.TICKET_CALLED, {"data": {}}) == []
    catalogue.mark_unavailable(5, "site_closed", "Đóng cửa.", "Closed.")
    assert not catalogue.service(5).available  # type: ignore[union-attr]
