"""hangdoi-print-test: print or preview a sample slip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

from printers.cli import main

from .escpos_decoder import decode
from .fake_printer import closed_port

ROOT = Path(__file__).resolve().parents[2]


def test_prints_a_sample_slip_on_a_network_printer(fake_printer, capsys):
    code = main(
        ["--printer", f"network:{fake_printer.address}", "--profile", "TM-T20II", "--timeout", "2"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Đã in phiếu" in out and "Slip printed" in out
    decoded = decode(fake_printer.wait_for_jobs(1)[0], "TM-T20II")
    assert decoded.images and decoded.qr_codes and decoded.cuts


def test_preview_only(output_dir, capsys):
    path = output_dir / "cli-preview-384.png"
    assert main(["--profile", "ZJ-5870", "--preview", str(path)]) == 0
    assert Image.open(path).size[0] == 384
    assert "384" in capsys.readouterr().out


def test_save_job(tmp_path):
    job = tmp_path / "job.bin"
    assert main(["--profile", "TM-T88V", "--mode", "text", "--save-job", str(job)]) == 0
    assert "SỐ THỨ TỰ" in decode(job.read_bytes(), "TM-T88V").text


def test_failure_is_explained_in_both_languages(capsys):
    code = main(["--printer", f"network:127.0.0.1:{closed_port()}", "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Không in được [unreachable]" in err and "Cannot connect to the printer" in err


def test_usage_errors(capsys, tmp_path):
    assert main([]) == 2
    assert main(["--printer", "network:h", "--profile", "NO-SUCH"]) == 2
    assert "There is no printer profile named NO-SUCH" in capsys.readouterr().err
    assert main(["--preview", str(tmp_path / "p.png"), "--font", "/nonexistent.ttf"]) == 2


def test_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "printers.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "--printer" in out and "--preview" in out
