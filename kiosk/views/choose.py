"""The visitor's choices: the department, the service, the priority category."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.model import Department, PriorityCategory, Service
from kiosk.views.common import Header, Metrics, Tile, WrapButton, _, label, scroll_area


class _TileScreen(QWidget):
    """A header, an optional note, and tiles in a scrolling grid."""

    back = pyqtSignal()
    language = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = Header()
        self.header.back.connect(self.back)
        self.header.language.connect(self.language)
        self.note = label(role="warning")
        self.note.hide()
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(24)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.setSpacing(24)
        layout.addWidget(self.header)
        layout.addWidget(self.note)
        layout.addWidget(scroll_area(self.grid_host), 1)
        self.columns = 1
        self.lang = "vi"

    def set_metrics(self, metrics: Metrics) -> None:
        self.columns = metrics.columns

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _place(self, widgets: list[QWidget]) -> None:
        self._clear()
        for index, widget in enumerate(widgets):
            self.grid.addWidget(widget, index // self.columns, index % self.columns)


class DepartmentsView(_TileScreen):
    """Signals:
    chosen(int): a department's id.
    back(), language(): see :class:`kiosk.views.common.Header`.
    """

    chosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.departments: list[tuple[Department, int, int]] = []
        self.tiles: list[Tile] = []
        self.retranslate()

    def show_departments(self, departments: list[tuple[Department, int, int]], lang: str) -> None:
        """(department, services available, services) for each department. The same
        departments again are updated in place (a tile is never swapped under a finger)."""
        same = [d.id for d, _a, _t in departments] == [d.id for d, _a, _t in self.departments]
        self.departments, self.lang = departments, lang
        if not same or len(self.tiles) != len(departments):
            self.tiles = []
            for department, _available, _total in departments:
                tile = Tile()
                tile.clicked.connect(lambda d=department.id: self.chosen.emit(d))
                self.tiles.append(tile)
            self._place(list(self.tiles))
        for tile, (department, available, total) in zip(self.tiles, departments, strict=True):
            tile.title.setText(department.name(lang))
            tile.detail.setText(
                _("{available} of {total} services taking numbers").format(
                    available=available, total=total
                )
            )
            tile.set_available(available > 0, _("Not taking numbers now") if not available else "")

    def retranslate(self) -> None:
        self.header.retranslate()
        self.header.title.setText(_("Choose a department"))
        if self.departments:
            self.show_departments(self.departments, self.lang)


class ServicesView(_TileScreen):
    """Signals:
    chosen(int): an available service's id.
    back(), language(): see :class:`kiosk.views.common.Header`.
    """

    chosen = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services: list[Service] = []
        self.heading = ""
        self.tiles: dict[int, Tile] = {}
        self.retranslate()

    def show_services(self, services: list[Service], heading: str, lang: str) -> None:
        """The same services again are updated in place (never swapped under a finger)."""
        same = [s.id for s in services] == list(self.tiles)
        self.services, self.heading, self.lang = list(services), heading, lang
        if not same:
            self.tiles = {}
            for service in services:
                tile = Tile()
                tile.clicked.connect(lambda s=service.id: self.chosen.emit(s))
                self.tiles[service.id] = tile
            self._place(list(self.tiles.values()))
        for service in services:
            self._fill(self.tiles[service.id], service)
        self.header.title.setText(heading or _("Choose a service"))

    def update_service(self, service: Service) -> None:
        """A new waiting count or availability, without rebuilding the list."""
        tile = self.tiles.get(service.id)
        if tile is not None:
            self.services = [service if s.id == service.id else s for s in self.services]
            self._fill(tile, service)

    def _fill(self, tile: Tile, service: Service) -> None:
        tile.title.setText(service.name(self.lang))
        if service.waiting and service.wait_text(self.lang):
            detail = _("{waiting} waiting · {wait}").format(
                waiting=service.waiting, wait=service.wait_text(self.lang)
            )
        elif service.waiting:
            detail = _("{waiting} waiting").format(waiting=service.waiting)
        else:
            detail = _("Nobody waiting")
        if service.counters:
            detail += " · " + _("Counters {counters}").format(
                counters=", ".join(str(c) for c in service.counters)
            )
        tile.detail.setText(detail)
        tile.set_available(service.available, service.reason(self.lang))

    def retranslate(self) -> None:
        self.header.retranslate()
        if self.services:
            self.show_services(self.services, self.heading, self.lang)
        else:
            self.header.title.setText(_("Choose a service"))


class PriorityView(_TileScreen):
    """Signals:
    chosen(str): a priority category's code, or "" for none.
    back(), language(): see :class:`kiosk.views.common.Header`.
    """

    chosen = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories: list[PriorityCategory] = []
        self.buttons: list[WrapButton] = []
        self.retranslate()

    def show_categories(self, categories: list[PriorityCategory], lang: str) -> None:
        self.categories, self.lang = list(categories), lang
        self.buttons = []
        for category in categories:
            widget = WrapButton(category.name(lang))  # a long name wraps
            widget.clicked.connect(lambda _checked=False, c=category.code: self.chosen.emit(c))
            self.buttons.append(widget)
        none = WrapButton(_("Not a priority case"), role="primary")
        none.clicked.connect(lambda: self.chosen.emit(""))
        self.buttons.append(none)
        self._place(list(self.buttons))

    def set_enabled(self, enabled: bool) -> None:
        """Off while a ticket is being issued: a second touch issues nothing."""
        for widget in self.buttons:
            widget.setEnabled(enabled)
        self.header.back_button.setEnabled(enabled)

    def retranslate(self) -> None:
        self.header.retranslate()
        self.header.title.setText(_("Are you a priority case?"))
        self.set_note(_("Priority cases are served first. Choose yours, or the last button."))
        if self.categories or self.buttons:
            self.show_categories(self.categories, self.lang)
