"""The sound of a call, through the app: the payload's spoken words and audio_url, the WAV
behind it (valid, as long as its parts, the chime first), a site's own clip replacing the
generated one, the fallbacks (espeak-ng for the whole sentence, the chime alone), the
caching headers, another process building the same file from the URL, and the settings.

The default pack is made once per test session with the real espeak-ng (the Debian
package, installed by ``make test``) and copied into each test's instance folder.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
import unicodedata
import wave
from array import array
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from contract import events as ev
from server.errors import InvalidInput
from server.events import PUBLISHER
from server.extensions import db
from server.models import DEFAULT_TEMPLATE_VI, AuditEntry, Counter, NumberSeries
from server.services import queue
from server.services.voice import announce, audio, pack
from server.services.voice import settings as voice_settings
from server.services.voice.numbers import Dialect
from server.services.voice.words import clip_key
from tests.server.conftest import RecordingPublisher, make_app
from tests.server.factory import World, build_world, issue_ticket

MORNING = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
OFFICERS = {1: "o1", 2: "o2", 3: "o3", 4: "o2"}  # who opens each counter of the test world


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the voice does not depend on the database


@pytest.fixture(scope="session")
def espeak() -> str:
    found = pack.espeak_executable()
    if not found:
        pytest.fail(
            "espeak-ng is missing: run `make test` (Debian package espeak-ng)", pytrace=False
        )
    return found


@pytest.fixture(scope="session")
def generated_pack(tmp_path_factory: pytest.TempPathFactory, espeak: str) -> Path:
    """The default pack for the default wording, made once for the session."""
    instance = tmp_path_factory.mktemp("voice-pack")
    for dialect in Dialect:
        keys = pack.phrases_needed([DEFAULT_TEMPLATE_VI], dialect)
        pack.generate(instance, dialect, keys, espeak)
    return pack.folder(instance) / "generated"


def install_pack(app: Flask, generated: Path) -> None:
    shutil.copytree(generated, pack.folder(Path(app.instance_path)) / "generated")
    announce.state(app).packs.clear()


@pytest.fixture
def with_pack(app: Flask, generated_pack: Path) -> None:
    install_pack(app, generated_pack)


def call(session, world: World, publisher, counter: int = 1, code: str = "LLTP") -> dict:  # type: ignore[no-untyped-def]
    """Issue a ticket of `code` and call it at `counter`; the announcement of the event."""
    issue_ticket(session, world.kiosk_actor, world.services[code].id, now=MORNING)
    actor = world.actor(OFFICERS[counter])
    counter_id = world.counters[counter].id
    if session.get(Counter, counter_id).state != "open":
        queue.open_counter(session, actor, counter_id, now=MORNING)
    publisher.clear()
    assert queue.call_next(session, actor, counter_id, now=MORNING) is not None
    (called,) = [e for e in publisher.events if e.name == ev.TICKET_CALLED]
    return called.payload["announcement"]  # type: ignore[no-any-return]


def samples_of(body: bytes) -> array:
    with wave.open(io.BytesIO(body)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, audio.RATE)
        assert w.getcomptype() == "NONE"
        data = array("h")
        data.frombytes(w.readframes(w.getnframes()))
    assert len(data) * 2 + 44 == len(body)
    return data


def n(seconds: float) -> int:
    return round(seconds * audio.RATE)


def clip_samples(app: Flask, words: list[str], dialect: Dialect = Dialect.NORTH) -> list[array]:
    folder = pack.generated_folder(Path(app.instance_path), dialect)
    return [audio.read_wav(folder / f"{clip_key(w)}.wav") for w in words]


def expected_length(clips: list[array]) -> int:
    return (
        len(audio.chime())
        + n(audio.AFTER_CHIME_SECONDS)
        + sum(len(c) for c in clips)
        + n(audio.GAP_SECONDS) * (len(clips) - 1 if clips else 0)
        + n(audio.TAIL_SECONDS)
    )


def rms(samples: array) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


# --------------------------------------------------------------------------- the payload


def test_a_call_carries_its_words_and_a_wav_of_them(
    client, session, world: World, publisher, with_pack
) -> None:  # type: ignore[no-untyped-def]
    said = call(session, world, publisher, counter=3, code="CT")  # series N: 1001
    assert said["text_vi"] == "Mời công dân có số thứ tự 1001 đến quầy số 3"
    assert said["spoken_vi"] == (
        "Mời công dân có số thứ tự một nghìn không trăm linh một đến quầy số ba"
    )
    assert said["speech"] == "clips" and said["repeat"] == 1
    answer = client.get(said["audio_url"])
    assert answer.status_code == 200
    assert answer.mimetype == "audio/wav"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["X-Hangdoi-Speech"] == "clips"
    etag = answer.headers["ETag"]
    samples = samples_of(answer.data)

    # As long as its parts: the chime, a pause, the eleven clips with their gaps, a tail.
    words = ["Mời công dân có số thứ tự", "một", "nghìn", "không", "trăm", "linh", "một"]
    words += ["đến quầy số", "ba"]
    clips = clip_samples(client.application, words)
    assert len(samples) == expected_length(clips)
    assert all(len(c) > n(0.1) for c in clips)  # each clip is a word, not silence
    # The chime first, then the pause, then the first clip.
    chime = audio.chime()
    assert samples[: len(chime)] == chime
    start = len(chime) + n(audio.AFTER_CHIME_SECONDS)
    assert samples[len(chime) : start] == audio.silence(audio.AFTER_CHIME_SECONDS)
    assert samples[start : start + len(clips[0])] == clips[0]
    # The last word, "ba", just before the tail.
    end = len(samples) - n(audio.TAIL_SECONDS)
    assert samples[end - len(clips[-1]) : end] == clips[-1]
    assert 5 < audio.duration(samples) < 12  # seconds: the chime and a sentence, not more

    # Cached: the same bytes; a conditional request gets 304.
    again = client.get(said["audio_url"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get(said["audio_url"]).data == answer.data


def test_a_recall_says_it_again_with_the_same_file(
    client, session, world: World, publisher, with_pack
) -> None:  # type: ignore[no-untyped-def]
    first = call(session, world, publisher)
    publisher.clear()
    queue.recall(session, world.actor("o1"), world.counters[1].id, now=MORNING)
    (recalled,) = [e for e in publisher.events if e.name == ev.TICKET_RECALLED]
    assert recalled.payload["announcement"] == first
    assert first["spoken_vi"] == "Mời công dân có số thứ tự A một đến quầy số một"


def test_a_sites_own_clip_replaces_the_generated_one(
    client, session, world: World, publisher, with_pack, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    before = call(session, world, publisher)
    # A "recording" of "một": a 44.1 kHz stereo 16-bit tone of 0.4 s between 0.1 s silences.
    folder = pack.site_folder(Path(app.instance_path), world.site.code)
    folder.mkdir(parents=True)
    rate = 44100
    tone = (
        [0] * int(0.1 * rate)
        + [int(8000 * math.sin(2 * math.pi * 330 * i / rate)) for i in range(int(0.4 * rate))]
        + [0] * int(0.1 * rate)
    )
    frames = array("h", [s for s in tone for _ in range(2)])
    with wave.open(str(folder / "Một.wav"), "wb") as w:  # the file name's case does not matter
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    announce.state(app).packs.clear()  # a running server sees it within PACK_TTL_SECONDS

    again = _recall_announcement(session, world, publisher, counter=1)  # A001 at 1: "một" twice
    assert again["spoken_vi"] == before["spoken_vi"]
    assert again["audio_url"] != before["audio_url"]  # the pack changed: another file
    samples = samples_of(client.get(again["audio_url"]).data)
    mine = audio.prepare(audio.read_wav(folder / "Một.wav"))
    assert abs(audio.duration(mine) - 0.43) < 0.03  # trimmed to the tone (and its pads)
    assert abs(rms(mine) - audio.TARGET_RMS * audio.FULL) < 0.05 * audio.FULL
    words = ["Mời công dân có số thứ tự", "A"]
    clips = clip_samples(app, words)
    start = len(audio.chime()) + n(audio.AFTER_CHIME_SECONDS)
    start += sum(len(c) for c in clips) + 2 * n(audio.GAP_SECONDS)
    assert samples[start : start + len(mine)] == mine
    end = len(samples) - n(audio.TAIL_SECONDS)
    assert samples[end - len(mine) : end] == mine  # "quầy số một": the site's clip again
    assert len(samples) == expected_length(
        clips + [mine] + clip_samples(app, ["đến quầy số"]) + [mine]
    )
    # The old URL still plays (built with today's pack, not cached for long).
    old = client.get(before["audio_url"])
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"


def _recall_announcement(session, world: World, publisher, counter: int) -> dict:  # type: ignore[no-untyped-def]
    publisher.clear()
    queue.recall(session, world.actor(OFFICERS[counter]), world.counters[counter].id, now=MORNING)
    (recalled,) = [e for e in publisher.events if e.name == ev.TICKET_RECALLED]
    return recalled.payload["announcement"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- fallbacks


def test_a_phrase_without_a_clip_has_espeak_say_the_whole_sentence(
    client, session, world: World, publisher, with_pack
) -> None:  # type: ignore[no-untyped-def]
    voice_settings.update(
        session, world.site.id, template_vi="Xin mời số {number} tới quầy {counter}."
    )
    announce.state(client.application).packs.clear()
    voice_settings_cache_clear(client.application)
    said = call(session, world, publisher)
    assert said["spoken_vi"] == "Xin mời số A một tới quầy một"
    assert said["speech"] == "espeak"
    answer = client.get(said["audio_url"])
    assert answer.headers["X-Hangdoi-Speech"] == "espeak"
    samples = samples_of(answer.data)
    chime = audio.chime()
    assert samples[: len(chime)] == chime
    speech = samples[len(chime) + n(audio.AFTER_CHIME_SECONDS) : -n(audio.TAIL_SECONDS)]
    # One sentence by espeak-ng: as long as its words, loud, normalised like the clips.
    assert 1.2 < audio.duration(speech) < 5
    assert abs(rms(speech) - audio.TARGET_RMS * audio.FULL) < 0.05 * audio.FULL


def test_without_espeak_and_without_a_pack_the_chime_alone(
    database_url: str, tmp_path: Path, world_and_app_without_espeak
) -> None:  # type: ignore[no-untyped-def]
    app, world, publisher = world_and_app_without_espeak
    said = call(db.session, world, publisher)
    assert said["speech"] == "none"
    assert said["text_vi"] == "Mời công dân có số thứ tự A001 đến quầy số 1"  # displays show it
    answer = app.test_client().get(said["audio_url"])
    assert answer.headers["X-Hangdoi-Speech"] == "none"
    samples = samples_of(answer.data)
    assert samples[: len(audio.chime())] == audio.chime()
    assert len(samples) == expected_length([])


@pytest.fixture
def world_and_app_without_espeak(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(database_url, tmp_path, ESPEAK_NG=False)
    publisher = RecordingPublisher()
    app.extensions[PUBLISHER] = publisher
    with app.app_context():
        world = build_world(db.session)
        yield app, world, publisher
        db.scoped.remove()
    db.engine.dispose()


def voice_settings_cache_clear(app: Flask) -> None:
    app.extensions["hangdoi_voice_settings"].entries.clear()


# --------------------------------------------------------------------------- the URL


def test_a_url_not_signed_by_the_server_is_a_404(
    client, session, world: World, publisher, with_pack
) -> None:  # type: ignore[no-untyped-def]
    said = call(session, world, publisher)
    tampered = said["audio_url"].replace("quầy", "phòng").replace("qu%E1%BA%A7y", "ph%C3%B2ng")
    assert tampered != said["audio_url"]
    answer = client.get(tampered)
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "not_found"
    assert client.get(said["audio_url"].replace("d=north", "d=south")).status_code == 404
    assert (
        client.get(f"/api/v1/voice/{world.site.id}/%C2%80.wav?d=north&p=x&vi=").status_code == 404
    )


def test_another_process_builds_the_same_file_from_the_url(
    client, session, world: World, publisher, with_pack, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    said = call(session, world, publisher)
    first = client.get(said["audio_url"]).data
    # Another process of the install, on another host: the same secret key and clips, its
    # own instance folder (the clips copied there later) and an empty cache.
    mine = announce.state(client.application)
    other = announce.VoiceState(instance=tmp_path / "other", secret=mine.secret, espeak=mine.espeak)
    target = pack.folder(other.instance) / "generated"
    shutil.copytree(pack.folder(mine.instance) / "generated", target, copy_function=shutil.copy)
    url = urlsplit(said["audio_url"])
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    digest = url.path.rsplit("/", 1)[1].removesuffix(".wav")
    built = announce.audio_file(
        other, world.site.id, world.site.code, digest, query["d"], query["p"], query["vi"], ""
    )
    assert built is not None and built.immutable  # the same fingerprint: the same name
    assert built.path.read_bytes() == first
    assert built.path.parent == other.cache_folder


# --------------------------------------------------------------------------- settings


def test_southern_dialect_digits_reading_counter_name_repeat_and_english(
    client, session, world: World, publisher, with_pack, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    voice_settings.update(
        session, world.site.id, dialect="south", repeat=2, english=True,
        template_en="Number {number}, counter {counter}",
    )  # fmt: skip
    series = session.get(NumberSeries, world.services["LLTP"].series_id)
    voice_settings.set_series_reading(session, series.id, "digits")
    counter = session.get(Counter, world.counters[4].id)
    counter.spoken_name = "Một cửa"
    session.commit()
    voice_settings_cache_clear(app)
    said = call(session, world, publisher, counter=1)
    assert said["spoken_vi"] == "Mời công dân có số thứ tự A không không một đến quầy số một"
    assert said["repeat"] == 2 and said["speech"] == "clips"
    assert said["text_en"] == "Number A001, counter 1"
    samples = samples_of(client.get(said["audio_url"]).data)
    words = ["Mời công dân có số thứ tự", "A", "không", "không", "một", "đến quầy số", "một"]
    clips = clip_samples(app, words, Dialect.SOUTH)
    without_english = expected_length(clips)
    assert len(samples) > without_english + n(audio.BEFORE_ENGLISH_SECONDS) + n(1.0)
    assert samples[: len(audio.chime())] == audio.chime()

    said = call(session, world, publisher, counter=4, code="DD")  # series N: 1001
    assert said["spoken_vi"] == (
        "Mời công dân có số thứ tự một ngàn không trăm lẻ một đến quầy số Một cửa"
    )
    assert said["speech"] == "espeak"  # no clip of "cửa": espeak-ng says the sentence
    site = client.get(f"/api/v1/sites/{world.site.id}", headers=world.auth("display")).get_json()
    assert site["voice"] == {
        "template_vi": DEFAULT_TEMPLATE_VI,
        "template_en": "Number {number}, counter {counter}",
        "english": True,
        "dialect": "south",
        "repeat": 2,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template_vi": "Mời quầy {counter}"}, "template_vi"),
        ({"template_vi": "Mời {number} {room}"}, "template_vi"),
        ({"template_vi": "Mời {number!r}"}, "template_vi"),
        ({"template_en": "Number {number"}, "template_en"),
        ({"template_vi": ""}, "template_vi"),
        ({"dialect": "central"}, "dialect"),
        ({"repeat": 0}, "repeat"),
        ({"repeat": 6}, "repeat"),
    ],
)
def test_settings_are_validated(session, world: World, change: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        voice_settings.update(session, world.site.id, **change)
    assert refused.value.details["field"] == field
    assert refused.value.message and refused.value.message_en
    with pytest.raises(InvalidInput):
        voice_settings.set_series_reading(session, world.services["LLTP"].series_id, "letters")


def test_the_template_is_kept_in_nfc(session, world: World) -> None:  # type: ignore[no-untyped-def]
    decomposed = "Mời công dân số {number} đến quầy {counter}"
    saved = voice_settings.update(
        session, world.site.id, template_vi=unicodedata.normalize("NFD", decomposed)
    )
    assert saved.template_vi == unicodedata.normalize("NFC", decomposed)


def test_a_phrase_without_its_clip_is_joined_from_its_words(
    client, session, world: World, publisher, with_pack, app: Flask
) -> None:  # type: ignore[no-untyped-def]
    """A site that recorded words, not its wording's phrases: the words' clips are used."""
    folder = pack.site_folder(Path(app.instance_path), world.site.code)
    folder.mkdir(parents=True)
    generated = pack.generated_folder(Path(app.instance_path), Dialect.NORTH)
    for word in ("xin", "mời", "số", "tới", "quầy"):
        shutil.copy(generated / "một.wav", folder / f"{word}.wav")  # stand-ins, one length
    voice_settings.update(
        session, world.site.id, template_vi="Xin mời số {number} tới quầy {counter}"
    )
    voice_settings_cache_clear(app)
    announce.state(app).packs.clear()
    said = call(session, world, publisher)
    assert said["spoken_vi"] == "Xin mời số A một tới quầy một"
    assert said["speech"] == "clips"
    samples = samples_of(client.get(said["audio_url"]).data)
    one = audio.read_wav(generated / "một.wav")
    letter = audio.read_wav(generated / "a.wav")
    assert len(samples) == expected_length([one] * 3 + [letter] + [one] * 4)


def test_voice_commands(app: Flask, session, world: World, espeak: str) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    made = runner.invoke(args=["prepare-voice"])
    assert made.exit_code == 0, made.output
    north = pack.generated_folder(Path(app.instance_path), Dialect.NORTH)
    assert (north / "mời công dân có số thứ tự.wav").exists() and (north / "linh.wav").exists()
    assert not pack.generated_folder(Path(app.instance_path), Dialect.SOUTH).exists()

    changed = runner.invoke(args=["voice-settings", "--site", "T1", "--dialect", "south"])
    assert changed.exit_code == 0, changed.output
    assert "dialect: south" in changed.output
    assert (pack.generated_folder(Path(app.instance_path), Dialect.SOUTH) / "lẻ.wav").exists()
    refused = runner.invoke(args=["voice-settings", "--site", "T1", "--template-vi", "Mời"])
    assert refused.exit_code == 1
    assert "{number}" in refused.output


def test_the_voice_settings_command_is_audited_and_tells_the_servers(
    app: Flask, session, world: World, publisher: RecordingPublisher
) -> None:  # type: ignore[no-untyped-def]
    """`voice-settings` changes a site as the administration does: one audit entry by the
    command line (actor "system", as the other commands) and one catalog.changed."""
    publisher.clear()
    audited = select(func.count(AuditEntry.id))
    before = session.scalar(audited)
    runner = app.test_cli_runner()
    changed = runner.invoke(args=["voice-settings", "--site", "T1", "--repeat", "3"])
    assert changed.exit_code == 0, changed.output
    assert "repeat: 3" in changed.output
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "site", AuditEntry.action == "update")
    ).all()
    assert [(e.actor_name, e.user_id, e.object_id, e.before, e.after) for e in entries] == [
        ("system", None, world.site.id, {"voice_repeat": 1}, {"voice_repeat": 3})
    ]
    catalog = [e for e in publisher.events if e.name == ev.CATALOG_CHANGED]
    assert [(e.site_id, e.payload["kinds"]) for e in catalog] == [(world.site.id, ["site"])]
    # A refused change writes nothing and tells nobody.
    publisher.clear()
    refused = runner.invoke(args=["voice-settings", "--site", "T1", "--repeat", "9"])
    assert refused.exit_code == 1 and "repeat" in refused.output
    assert session.scalar(audited) == before + 1
    assert publisher.events == []


def test_an_administrators_new_wording_has_its_clips_made_in_the_background(
    client, session, world: World, publisher, with_pack, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The administration's edit (PATCH /api/v1/admin/sites/<id>) answers at once; the clips
    of the new wording are made after it, as `voice-settings` makes them; meanwhile
    espeak-ng says the call."""
    app = client.application
    runs: list[dict[str, int]] = []
    prepare = announce.prepare

    def counted(*args: Any, **kwargs: Any) -> dict[str, int]:
        runs.append(prepare(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(announce, "prepare", counted)

    def wait() -> None:
        preparer = announce.state(app).preparer
        if preparer is not None:
            preparer.join(30)

    answer = client.patch(
        f"/api/v1/admin/sites/{world.site.id}",
        headers=world.auth("admin"),
        json={"voice": {"template_vi": "Xin mời số {number} tới quầy {counter}."}},
    )
    assert answer.status_code == 200, answer.get_json()
    wait()
    assert runs == [{"north": 2}]  # its two phrases; the numbers' clips were there
    north = pack.generated_folder(Path(app.instance_path), Dialect.NORTH)
    assert (north / "xin mời số.wav").exists() and (north / "tới quầy.wav").exists()
    said = call(session, world, publisher)
    assert said["spoken_vi"] == "Xin mời số A một tới quầy một"
    assert said["speech"] == "clips"  # no longer espeak-ng's whole sentence
    # An edit that leaves the wording and dialect as they are makes nothing.
    answer = client.patch(
        f"/api/v1/admin/sites/{world.site.id}",
        headers=world.auth("admin"),
        json={"voice": {"repeat": 3}},
    )
    assert answer.status_code == 200
    wait()
    assert len(runs) == 1
