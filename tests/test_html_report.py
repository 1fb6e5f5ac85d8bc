"""The HTML report in a real headless browser: the DOM after its script ran, and a screenshot's pixels."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no chromium here (CI installs Debian's chromium and runs these)")

TF = '''resource "aws_security_group" "open" {
  description = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "orders" {
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
  tags                = { DataClassification = "restricted" }
}
'''


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "chromium is required in CI"
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=180)


def png_pixels(path: Path) -> Counter[tuple[int, int, int]]:
    """Pixel colours of an 8-bit RGB(A) PNG (what chromium writes), undoing the scanline filters."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    bpp = 4
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, _height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    out: Counter[tuple[int, int, int]] = Counter()
    for y in range(len(raw) // (stride + 1)):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.update(tuple(line[i:i + 3]) for i in range(0, stride, bpp * 4))  # every 4th pixel is plenty
        prev = line
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "main.tf").write_text(TF.replace("0.0.0.0/0", "10.0.0.0/8"))
    for text in (TF.replace("0.0.0.0/0", "10.0.0.0/8"), TF, TF):  # three saved scans: a trend
        (root / "main.tf").write_text(text)
        assert wasec("scan", ".", "-q", "--save", cwd=root).returncode in (0, 1)
        time.sleep(0.01)
    r = wasec("scan", ".", "-f", "html", "-o", "report.html", cwd=root)
    assert r.returncode == 1, r.stderr
    return root / "report.html"


def test_the_report_is_self_contained(report: Path) -> None:
    text = report.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text.split("<script", 1)[0]
    assert "<link" not in text and 'src="' not in text


def test_charts_matrix_and_table_are_rendered_by_the_browser(report: Path) -> None:
    dom = chromium("--dump-dom", f"file://{report}").stdout
    for marker in ('class="chart by-severity"', 'class="chart by-area"', 'class="chart trend"', 'class="matrix"'):
        assert marker in dom, marker
    assert dom.count('class="cell ') == 25
    assert dom.count('class="question"') == 11 and "SEC05" in dom  # the review's questions
    assert "Failing findings over 3 saved scans" in dom
    assert dom.count('class="row') >= 3
    assert "rds-not-public" in dom and "22 (SSH) open to 0.0.0.0/0" in dom


def test_the_screenshot_shows_the_matrix_and_the_bars(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    chromium("--window-size=1400,1800", f"--screenshot={shot}", f"file://{report}")
    px = png_pixels(shot)
    near = lambda rgb: sum(n for c, n in px.items() if all(abs(c[i] - rgb[i]) <= 6 for i in range(3)))  # noqa: E731
    assert near((0xF2, 0x8B, 0x82)) > 200  # high-risk cells
    assert near((0xA8, 0xDA, 0xB5)) > 200  # low-risk cells
    assert near((0xE8, 0x71, 0x0A)) > 20  # the "high" severity bar
    assert near((0x20, 0x21, 0x24)) > 500  # the header


def test_a_big_report_renders_only_the_rows_in_view(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    out = tmp_path / "big.html"
    subprocess.run([sys.executable, str(Path(__file__).parents[1] / "bench" / "report_bench.py"), "--findings", "20000",
                    "--out", str(out)], check=True, capture_output=True, timeout=300)
    assert out.stat().st_size < 20 * 1024 * 1024 * 20_000 / 100_000
    dom = chromium("--dump-dom", f"file://{out}").stdout
    assert 10 < dom.count('class="row') < 120
    assert 'id="count">(' in dom
