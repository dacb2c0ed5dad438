"""A decoder of the ESC/POS subset that printers/ emits, for tests.

It turns a job back into what a printer would do with it: text (decoded with the code
page selected by ``ESC t`` in the profile's numbering), raster (``GS v 0``) and graphics
(``GS ( L``) images as Pillow "1" images with 0 = black like the previews, native QR
codes (``GS ( k``, their payload), cuts (``GS V``), feeds, and DLE EOT status queries.
Anything outside the subset raises, so a test notices bytes nobody meant to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.capabilities import get_profile
from escpos.codepages import CodePages
from PIL import Image

ESC, GS, DLE = 0x1B, 0x1D, 0x10
_INVERT = bytes(255 - b for b in range(256))

# Commands followed by a fixed number of argument bytes.
_ESC_ARGS = {
    ord("@"): 0,
    ord("a"): 1,
    ord("E"): 1,
    ord("!"): 1,
    ord("-"): 1,
    ord("M"): 1,
    ord("t"): 1,
    ord("d"): 1,
    ord("J"): 1,
    ord("2"): 0,
    ord("3"): 1,
    ord("{"): 1,
    ord("G"): 1,
    ord("V"): 1,
    ord("c"): 2,
}
_GS_ARGS = {ord("!"): 1, ord("B"): 1, ord("b"): 1}


@dataclass
class Text:
    text: str
    codepage: str | None


@dataclass
class RasterImage:
    image: Image.Image  # mode "1", 0 = black dot
    command: str  # "GS v 0" or "GS ( L"


@dataclass
class NativeQR:
    payload: str
    module_size: int | None
    error_correction: int | None


@dataclass
class Cut:
    partial: bool


@dataclass
class StatusQuery:
    n: int


@dataclass
class Decoded:
    elements: list = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def of(self, kind: type) -> list:
        return [e for e in self.elements if isinstance(e, kind)]

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.of(Text))

    @property
    def images(self) -> list[RasterImage]:
        return self.of(RasterImage)

    @property
    def qr_codes(self) -> list[NativeQR]:
        return self.of(NativeQR)

    @property
    def cuts(self) -> list[Cut]:
        return self.of(Cut)

    def image_runs(self) -> list[Image.Image]:
        """Images sent back to back (python-escpos splits tall ones) joined into one each."""
        runs: list[list[Image.Image]] = []
        previous = None
        for element in self.elements:
            if isinstance(element, RasterImage):
                if isinstance(previous, RasterImage):
                    runs[-1].append(element.image)
                else:
                    runs.append([element.image])
            previous = element
        return [_stack(run) for run in runs]


def _stack(images: list[Image.Image]) -> Image.Image:
    width = max(i.width for i in images)
    out = Image.new("1", (width, sum(i.height for i in images)), 1)
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height
    return out


def _bitmap(width: int, height: int, data: bytes) -> Image.Image:
    row_bytes = (width + 7) // 8
    if len(data) != row_bytes * height:
        raise ValueError(f"image data is {len(data)} bytes, expected {row_bytes * height}")
    image = Image.frombytes("1", (row_bytes * 8, height), data.translate(_INVERT))
    return image.crop((0, 0, width, height)) if row_bytes * 8 != width else image


def _codepage_table(name: str) -> dict[int, str]:
    encoding = CodePages.get_encoding(name)
    if "data" in encoding:
        chars = "".join(encoding["data"])
        return {128 + i: c for i, c in enumerate(chars)}
    table = {}
    for byte in range(128, 256):
        try:
            table[byte] = bytes([byte]).decode(encoding["python_encode"])
        except (UnicodeDecodeError, KeyError):
            table[byte] = "\ufffd"
    return table


def decode(job: bytes, profile: str | None = None) -> Decoded:
    """Decode ``job``; ``profile`` (python-escpos name) numbers the code pages."""
    pages = {int(k): v for k, v in get_profile(profile).codePages.items()}
    out = Decoded()
    codepage: str | None = pages.get(0)
    table = _codepage_table(codepage) if codepage and codepage != "Unknown" else {}
    text: list[str] = []
    qr_size = qr_ec = None
    graphics: Image.Image | None = None
    i = 0

    def flush() -> None:
        if text:
            out.elements.append(Text("".join(text), codepage))
            text.clear()

    while i < len(job):
        byte = job[i]
        if byte == ESC:
            flush()
            cmd = job[i + 1]
            if cmd == ord("*"):
                raise ValueError("ESC * column images are not part of the subset")
            if cmd not in _ESC_ARGS:
                raise ValueError(f"unknown command ESC {cmd:#04x} at {i}")
            args = job[i + 2 : i + 2 + _ESC_ARGS[cmd]]
            out.commands.append(f"ESC {chr(cmd)}")
            if cmd == ord("t"):
                codepage = pages.get(args[0], f"page {args[0]}")
                table = _codepage_table(codepage)
            elif cmd == ord("d"):
                out.elements.append(Text("\n" * args[0], codepage))
            i += 2 + _ESC_ARGS[cmd]
        elif byte == GS:
            flush()
            cmd = job[i + 1]
            if cmd == ord("v") and job[i + 2] == ord("0"):
                xl, xh, yl, yh = job[i + 4 : i + 8]
                row_bytes, height = xl + 256 * xh, yl + 256 * yh
                data = job[i + 8 : i + 8 + row_bytes * height]
                out.elements.append(RasterImage(_bitmap(row_bytes * 8, height, data), "GS v 0"))
                out.commands.append("GS v 0")
                i += 8 + row_bytes * height
            elif cmd == ord("(") and job[i + 2] in (ord("L"), ord("k")):
                size = job[i + 3] + 256 * job[i + 4]
                body = job[i + 5 : i + 5 + size]
                if job[i + 2] == ord("L"):
                    fn = body[1]
                    if fn == ord("p"):
                        # m fn a bx by c xL xH yL yH data
                        width = body[6] + 256 * body[7]
                        height = body[8] + 256 * body[9]
                        graphics = _bitmap(width, height, bytes(body[10:]))
                    elif fn == ord("2"):
                        if graphics is None:
                            raise ValueError("GS ( L print without stored graphics")
                        out.elements.append(RasterImage(graphics, "GS ( L"))
                        graphics = None
                    out.commands.append(f"GS ( L {chr(fn)}")
                else:
                    cn, fn = body[0], body[1]
                    if cn != ord("1"):
                        raise ValueError(f"2D code type {cn} is not QR")
                    if fn == ord("C"):
                        qr_size = body[2]
                    elif fn == ord("E"):
                        qr_ec = body[2] - ord("0")
                    elif fn == ord("P"):
                        payload = bytes(body[3:]).decode("utf-8")
                        out.elements.append(NativeQR(payload, qr_size, qr_ec))
                    out.commands.append(f"GS ( k {chr(fn)}")
                i += 5 + size
            elif cmd == ord("V"):
                mode = job[i + 2]
                if mode in (65, 66):
                    out.elements.append(Cut(partial=mode == 66))
                    i += 4
                else:
                    out.elements.append(Cut(partial=mode in (1, 49)))
                    i += 3
                out.commands.append("GS V")
            elif cmd in _GS_ARGS:
                out.commands.append(f"GS {chr(cmd)}")
                i += 2 + _GS_ARGS[cmd]
            else:
                raise ValueError(f"unknown command GS {cmd:#04x} at {i}")
        elif byte == DLE:
            flush()
            if job[i + 1] != 0x04:
                raise ValueError(f"unknown command DLE {job[i + 1]:#04x} at {i}")
            out.elements.append(StatusQuery(job[i + 2]))
            i += 3
        elif byte in (0x0A, 0x0D) or byte >= 0x20:
            text.append(chr(byte) if byte < 128 else table.get(byte, "\ufffd"))
            i += 1
        else:
            raise ValueError(f"unexpected control byte {byte:#04x} at {i}")
    flush()
    return out
