"""The kiosk's window without a server: locked down, the hidden gesture, the sizes."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from kiosk.views.common import MIN_TOUCH, Metrics, WrapButton, stylesheet
from kiosk.views.window import GESTURE_TAPS, KioskWindow
from tests.desktop.legibility import unreadable
from tests.kiosk.conftest import LANDSCAPE, PORTRAIT, SMALL


def test_locked_down_the_window_cannot_be_closed_nor_left_by_keyboard(qtbot) -> None:
    window = KioskWindow()
    qtbot.addWidget(window)
    window.lock_down(hide_cursor=False)
    assert window.isFullScreen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    window.close()
    assert window.isVisible()
    window.allow_close = True  # the PIN's "exit"
    window.close()
    assert not window.isVisible()


def test_the_hidden_gesture_is_five_taps_in_the_corner(qtbot) -> None:
    window = KioskWindow()
    qtbot.addWidget(window)
    window.resize(*PORTRAIT)
    window.show()
    seen: list[bool] = []
    window.secret_gesture.connect(lambda: seen.append(True))
    touched: list[bool] = []
    window.attract.touched.connect(lambda: touched.append(True))
    corner = QPoint(5, 5)
    for _ in range(GESTURE_TAPS - 1):
        qtbot.mouseClick(window.attract, Qt.MouseButton.LeftButton, pos=corner)
    assert seen == [] and touched == []  # corner taps are the gesture's only
    qtbot.mouseClick(window.attract, Qt.MouseButton.LeftButton, pos=QPoint(500, 500))
    for _ in range(GESTURE_TAPS - 1):
        qtbot.mouseClick(window.attract, Qt.MouseButton.LeftButton, pos=corner)
    assert seen == [] and touched == [True]  # a tap elsewhere starts the count again
    qtbot.mouseClick(window.attract, Qt.MouseButton.LeftButton, pos=corner)
    assert seen == [True]


@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE, SMALL])
def test_the_sizes_follow_the_window(size: tuple[int, int]) -> None:
    metrics = Metrics(*size)
    assert metrics.touch >= MIN_TOUCH
    assert metrics.columns == (1 if size == PORTRAIT else 2)
    assert f"min-height: {metrics.touch - 4}px" in stylesheet(metrics)


def test_a_wrap_button_wraps_its_text_and_is_touched_like_a_button(qtbot) -> None:
    """A long text in a narrow WrapButton goes onto more lines (the button grows to hold
    them); a word wider than the button is seen by the legibility check; a touch anywhere,
    the text included, clicks it."""
    host = QWidget()
    host.setStyleSheet(stylesheet(Metrics(*SMALL)))
    layout = QVBoxLayout(host)
    text = "People accompanying children under 36 months"
    wrapped = WrapButton(text)
    long_word = WrapButton("Tiếpnhậnhồsơđăngkýdoanhnghiệp")  # one word
    layout.addWidget(wrapped)
    layout.addWidget(long_word)
    qtbot.addWidget(host)
    host.setFixedWidth(360)
    host.show()
    qtbot.waitExposed(host)
    assert wrapped.text() == "" and wrapped.caption() == text and wrapped.accessibleName() == text
    assert wrapped.label.height() > 2 * wrapped.label.fontMetrics().height()  # three lines
    assert wrapped.height() >= wrapped.heightForWidth(wrapped.width()) >= MIN_TOUCH
    problems = unreadable(host)
    assert len(problems) == 1 and "Tiếpnhận" in problems[0], problems
    with qtbot.waitSignal(wrapped.clicked, timeout=2000):
        qtbot.mouseClick(wrapped.label, Qt.MouseButton.LeftButton)
