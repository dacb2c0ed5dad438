"""Voice packs: one WAV clip per word or phrase, looked up by :func:`~.words.clip_key`.

Folders of the instance folder, the first that has a clip wins:

- ``voice/sites/<SITE CODE>/``: a site's own recordings;
- ``voice/custom/``: recordings for every site of the install;
- ``voice/generated/<dialect>/``: made by espeak-ng (:func:`generate`, run by
  ``hangdoi-server prepare-voice``, by ``prepare-demo``, and by ``serve`` when it starts),
  trimmed and normalised.

A recorded clip may be any PCM WAV (mono or stereo, any rate, 8-32 bit) named after its
word or phrase (``mười.wav``, ``mời công dân có số thứ tự.wav``); it is trimmed,
normalised and converted when first used. :data:`NUMBER_WORDS` and the template's phrases
(:func:`phrases_needed`) are what a complete pack holds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from server.services.voice import audio
from server.services.voice.numbers import (
    BILLION,
    DIGITS,
    FILLER,
    FIVE_AFTER_TEN,
    FOUR_AFTER_TENS,
    HUNDRED,
    LETTER_NAMES,
    MILLION,
    ONE_AFTER_TENS,
    TEN,
    TENS,
    THOUSAND,
    Dialect,
    letter_name,
)
from server.services.voice.words import clip_key, spoken

log = logging.getLogger(__name__)

ESPEAK_VOICES = {Dialect.NORTH: "vi", Dialect.SOUTH: "vi-vn-x-south"}
ESPEAK_ENGLISH = "en"
GENERATE_WORKERS = 2

NUMBER_WORDS: dict[Dialect, tuple[str, ...]] = {
    dialect: (
        *DIGITS,
        TEN,
        TENS,
        ONE_AFTER_TENS,
        FIVE_AFTER_TEN,
        FOUR_AFTER_TENS[dialect],
        FILLER[dialect],
        HUNDRED,
        THOUSAND[dialect],
        MILLION,
        BILLION,
    )
    for dialect in Dialect
}
LETTERS = tuple(LETTER_NAMES)


def folder(instance: Path) -> Path:
    return Path(instance) / "voice"


def generated_folder(instance: Path, dialect: Dialect) -> Path:
    return folder(instance) / "generated" / dialect.value


def site_folder(instance: Path, site_code: str) -> Path:
    return folder(instance) / "sites" / site_code


def custom_folder(instance: Path) -> Path:
    return folder(instance) / "custom"


def phrases_needed(templates: Iterable[str], dialect: Dialect) -> list[str]:
    """The clip keys a complete pack has for these templates: the number words of the
    dialect, the letters, and each template's fixed phrases."""
    keys = [clip_key(w) for w in NUMBER_WORDS[dialect]] + [clip_key(x) for x in LETTERS]
    for template in templates:
        keys += [
            clip_key(p) for p in spoken(template, "", 0, dialect=dialect).phrases if p not in DIGITS
        ]
    return list(dict.fromkeys(keys))


def speakable(phrase: str) -> str:
    """What espeak-ng is given for a phrase: a ticket letter by its Vietnamese name."""
    return letter_name(phrase.upper() if len(phrase) == 1 else phrase) or phrase


@dataclass(frozen=True)
class Pack:
    """The clips one site hears, by key, and a fingerprint that changes with any of them."""

    clips: dict[str, Path]
    fingerprint: str

    def has(self, key: str) -> bool:
        return key in self.clips


def scan(folders: Iterable[Path], digests: dict[tuple[str, int, int], str] | None = None) -> Pack:
    """The clips of `folders`, the first folder's winning. The fingerprint covers each
    clip's key, folder (by rank) and content, so that the processes of several hosts with
    the same clips agree on it; `digests` keeps the content hashes between scans, by path,
    size and modification time, so that a scan reads only the files that changed."""
    clips: dict[str, Path] = {}
    fingerprint = hashlib.sha256()
    for rank, directory in enumerate(folders):
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if not entry.name.lower().endswith(".wav") or entry.name.startswith("."):
                continue
            key = clip_key(unicodedata.normalize("NFC", entry.name[:-4]))
            if key in clips:
                continue
            try:
                stat = entry.stat()
                memo = (entry.path, stat.st_size, stat.st_mtime_ns)
                content = digests.get(memo) if digests is not None else None
                if content is None:
                    content = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                    if digests is not None:
                        digests[memo] = content
            except OSError:
                continue
            clips[key] = Path(entry.path)
            fingerprint.update(f"{key}\0{rank}\0{content}\n".encode())
    return Pack(clips, fingerprint.hexdigest()[:16])


def site_folders(instance: Path, site_code: str, dialect: Dialect) -> list[Path]:
    return [
        site_folder(instance, site_code),
        custom_folder(instance),
        generated_folder(instance, dialect),
    ]


def espeak_executable() -> str | None:
    return shutil.which("espeak-ng")


def generate(
    instance: Path, dialect: Dialect, keys: Iterable[str], executable: str, *, force: bool = False
) -> int:
    """Make the missing clips of `keys` with espeak-ng into the generated pack of `dialect`
    (trimmed, normalised, mono :data:`~.audio.RATE`); returns how many were made."""
    target = generated_folder(instance, dialect)
    target.mkdir(parents=True, exist_ok=True)
    missing = [key for key in keys if force or not (target / f"{key}.wav").exists()]

    def make(key: str) -> None:
        samples = audio.espeak(executable, ESPEAK_VOICES[dialect], speakable(key))
        audio.write_atomically(target / f"{key}.wav", audio.wav_bytes(samples))

    # espeak-ng processes side by side: about twice as fast on two cores.
    with ThreadPoolExecutor(max_workers=GENERATE_WORKERS) as workers:
        list(workers.map(make, missing))
    made = len(missing)
    if made:
        log.info("voice: %d clips made with espeak-ng in %s", made, target)
    return made
