"""Who is acting: an officer, manager or admin (a user), or a registered device."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"
    KIOSK = "kiosk"
    DISPLAY = "display"


USER_ROLES = frozenset({Role.OFFICER, Role.MANAGER, Role.ADMIN})
DEVICE_ROLES = frozenset({Role.KIOSK, Role.DISPLAY})


@dataclass(frozen=True)
class Actor:
    role: Role
    # NULL site: a province-wide manager or admin, who may act on every site.
    site_id: int | None
    user_id: int | None = None
    device_id: int | None = None
    name: str = ""
    zone: str | None = None

    @property
    def is_user(self) -> bool:
        return self.role in USER_ROLES

    def may_see_site(self, site_id: int) -> bool:
        return self.site_id is None or self.site_id == site_id


# The actor recorded for the nightly close-out and other command-line work.
SYSTEM = Actor(role=Role.ADMIN, site_id=None, name="system")
