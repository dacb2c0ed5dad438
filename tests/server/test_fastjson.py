"""server.fastjson against the standard library's JSON as Flask uses it: the same text for
answers, Socket.IO packets and JSON columns, the same values read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from typing import Any

import pytest
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from server import fastjson


@dataclasses.dataclass
class _Slip:
    number: str
    counter: int


VALUES: list[Any] = [
    None,
    True,
    0,
    -17,
    2**40,
    0.1,
    2.5,
    "",
    "Mời công dân có số A012 đến quầy số 8",
    'dấu: ầ ẩ ẫ ấ ậ đ Đ ư ơ — “ngoặc” \\ " \n \t \u0000 \u2028 😀',
    [1, "hai", [3.5, None]],
    {"z": 1, "a": 2, "số": "thứ tự"},  # keys in their order, not sorted
    {1: "một", 2: "hai"},  # integer keys become strings
    {"at": dt.datetime(2026, 11, 27, 8, 30, 5, tzinfo=dt.UTC), "day": dt.date(2026, 11, 27)},
    {"naive": dt.datetime(2026, 11, 27, 8, 30, 5)},
    {"amount": decimal.Decimal("12.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"slip": _Slip("A012", 8)},
]


@pytest.fixture
def flask_app() -> Flask:
    return Flask(__name__)  # a provider holds its app weakly


@pytest.fixture
def providers(flask_app: Flask) -> tuple[fastjson.OrjsonProvider, DefaultJSONProvider]:
    flasks = DefaultJSONProvider(flask_app)
    flasks.ensure_ascii = False  # as the app had it before orjson
    flasks.sort_keys = False
    return fastjson.OrjsonProvider(flask_app), flasks


@pytest.mark.parametrize("value", VALUES)
def test_answers_are_flasks(
    value: Any, providers: tuple[fastjson.OrjsonProvider, DefaultJSONProvider]
) -> None:
    ours, flasks = providers
    assert ours.dumps(value) == flasks.dumps(value, separators=(",", ":"))
    assert ours.response(value).get_data() == flasks.response(value).get_data()
    assert ours.response(value).mimetype == flasks.response(value).mimetype == "application/json"
    assert ours.loads(ours.dumps(value)) == flasks.loads(flasks.dumps(value))


@pytest.mark.parametrize("value", VALUES)
def test_socketio_and_column_text_is_json_dumps(value: Any) -> None:
    expected = json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), default=DefaultJSONProvider.default
    )
    assert fastjson.dumps(value) == expected
    assert fastjson.loads(expected) == json.loads(expected)
    assert fastjson.loads(expected.encode()) == json.loads(expected)


def test_debug_answers_are_indented_like_flasks(
    flask_app: Flask,
    providers: tuple[fastjson.OrjsonProvider, DefaultJSONProvider],
) -> None:
    ours, flasks = providers
    flask_app.debug = True
    value = {"ticket": {"number": "A012", "counters": [1, 8]}}
    mine, theirs = (
        ours.response(value).get_data(as_text=True),
        flasks.response(value).get_data(as_text=True),
    )
    assert mine == theirs
    assert mine.splitlines()[1] == '  "ticket": {'


def _read_body(app: Flask, body: bytes) -> Any:
    with app.test_request_context("/", method="POST", data=body, content_type="application/json"):
        return request.get_json()


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b'{"a": 1} x', b'{"a": 1,}', b""])
def test_bad_json_is_a_bad_request_as_with_flasks(
    body: bytes,
    flask_app: Flask,
    providers: tuple[fastjson.OrjsonProvider, DefaultJSONProvider],
) -> None:
    for provider in providers:
        flask_app.json = provider
        with pytest.raises(BadRequest):
            _read_body(flask_app, body)


def test_nan_is_refused_where_the_standard_library_reads_it(
    flask_app: Flask,
    providers: tuple[fastjson.OrjsonProvider, DefaultJSONProvider],
) -> None:
    ours, flasks = providers
    flask_app.json = flasks
    assert _read_body(flask_app, b"[NaN]")[0] != _read_body(flask_app, b"[NaN]")[0]  # nan
    flask_app.json = ours
    with pytest.raises(BadRequest):  # not JSON (RFC 8259): a 400, not a NaN in a schema
        _read_body(flask_app, b"[NaN]")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((7,), {}), ((1, "hai"), {}), ((), {"số": 1, "a": [2]}), ((None,), {})],
)
def test_answers_take_jsonifys_arguments_like_flasks(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flask_app: Flask,
    providers: tuple[fastjson.OrjsonProvider, DefaultJSONProvider],
) -> None:
    ours, flasks = providers
    with flask_app.app_context():
        assert (
            ours.response(*args, **kwargs).get_data() == flasks.response(*args, **kwargs).get_data()
        )
    with pytest.raises(TypeError):
        ours.response(1, a=2)


def _datetimes() -> list[dt.datetime]:
    """Aware (UTC, Vietnam, zones with odd and historical offsets) and naive times, with and
    without microseconds, around the year's edges and the epoch."""
    import random
    from zoneinfo import ZoneInfo

    zones: list[dt.tzinfo | None] = [
        None,
        dt.UTC,
        dt.timezone(dt.timedelta(hours=7)),
        dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
        ZoneInfo("Asia/Ho_Chi_Minh"),
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("America/St_Johns"),
    ]
    rng = random.Random(8)
    values = []
    for zone in zones:
        for base in (dt.datetime(1970, 1, 1), dt.datetime(2026, 12, 31, 23, 59, 59)):
            values.append(base.replace(tzinfo=zone))
        for _ in range(150):
            moment = dt.datetime(1950, 1, 1) + dt.timedelta(
                seconds=rng.randrange(0, 130 * 365 * 86400), microseconds=rng.randrange(1_000_000)
            )
            values.append(moment.replace(tzinfo=zone))
            values.append(moment.replace(microsecond=0, tzinfo=zone))
    return values


def test_isoformat_is_the_standard_librarys() -> None:
    for value in _datetimes():
        assert fastjson.isoformat(value) == value.isoformat(), repr(value)
        assert fastjson.isoformat_seconds(value) == value.isoformat(timespec="seconds"), repr(value)
