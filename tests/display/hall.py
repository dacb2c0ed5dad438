"""The server side of the display tests: a demo centre on a live server, its display tokens,
and an officer who issues and calls tickets over the REST API."""

from __future__ import annotations

from typing import Any

import requests

from tests.server.live import DEMO_OFFICER_PASSWORD, LiveServer


class Officer:
    """canbo0N at a counter of the demo centre, issuing through the kiosk's token."""

    def __init__(self, server: LiveServer, username: str, counter_number: int) -> None:
        self.server = server
        self.api = server.url + "/api/v1"
        self.session = server.session(server.login(username, DEMO_OFFICER_PASSWORD))
        self.kiosk = server.session(server.kiosk_token)
        counters = self.session.get(f"{self.api}/sites/1/counters", timeout=30).json()
        self.counter = next(c for c in counters if c["number"] == counter_number)
        self.counter_id = int(self.counter["id"])
        services = self.kiosk.get(f"{self.api}/sites/1/services", timeout=30).json()
        self.service_id = next(int(s["id"]) for s in services if counter_number in s["counters"])

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        answer = self.session.post(f"{self.api}{path}", json=body or {}, timeout=30)
        assert answer.status_code < 300, f"{path}: {answer.status_code} {answer.text}"
        return answer

    def open(self) -> None:
        self.post(f"/counters/{self.counter_id}/open")

    def issue(self, count: int = 1) -> list[str]:
        numbers = []
        for _ in range(count):
            answer = self.kiosk.post(
                f"{self.api}/tickets", json={"service_id": self.service_id}, timeout=30
            )
            assert answer.status_code == 201, answer.text
            numbers.append(answer.json()["number"])
        return numbers

    def finish_current(self) -> None:
        counter = self.session.get(f"{self.api}/counters/{self.counter_id}", timeout=30).json()
        if counter.get("current_ticket"):
            state = counter["current_ticket"]["state"]
            if state == "called":
                self.post(f"/counters/{self.counter_id}/start")
            self.post(f"/counters/{self.counter_id}/finish", {"outcome": "completed"})

    def call_next(self) -> dict[str, Any]:
        """Finish the current ticket if any, then call the next one: the called ticket."""
        self.finish_current()
        return dict(self.post(f"/counters/{self.counter_id}/call-next").json())

    def recall(self) -> None:
        self.post(f"/counters/{self.counter_id}/recall")

    def pause(self) -> None:
        self.post(f"/counters/{self.counter_id}/pause")

    def close(self) -> None:
        self.post(f"/counters/{self.counter_id}/close")


def display_token(server: LiveServer, zone: str = "tang-1") -> str:
    return str(
        next(d["token"] for d in server.devices if d["kind"] == "display" and d["zone"] == zone)
    )


def display_device_id(server: LiveServer, zone: str = "tang-1") -> int:
    return int(
        next(d["id"] for d in server.devices if d["kind"] == "display" and d["zone"] == zone)
    )
