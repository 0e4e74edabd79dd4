"""Draws the app icons of the web app manifest as PNG files, with no dependency.

A white house with a blue tick on the app's blue. Run ``python -m cdt_app.sync.icons`` to
draw them again into static/icons/ (they are committed; nothing is drawn at run time).
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

BLUE = (11, 92, 173)
WHITE = (255, 255, 255)
#: file name → (size in pixels, maskable: full-bleed background and a smaller drawing)
ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-180.png": (180, True),
    "icon-maskable-512.png": (512, True),
}
_SAMPLES = 3  # per axis: 9 samples a pixel for smooth edges


def _in_rounded_square(x: float, y: float, radius: float) -> bool:
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _in_house(x: float, y: float) -> bool:
    if 0.27 <= x <= 0.73 and 0.45 <= y <= 0.80:
        return True
    if 0.20 <= y <= 0.47:  # the roof: a triangle from the apex (0.5, 0.2) to y = 0.47
        half = (y - 0.20) / 0.27 * 0.32
        return abs(x - 0.5) <= half
    return False


def _near_tick(x: float, y: float) -> bool:
    points = ((0.37, 0.62), (0.47, 0.72), (0.64, 0.53))
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        if math.hypot(x - x1 - t * dx, y - y1 - t * dy) <= 0.035:
            return True
    return False


def _colour(x: float, y: float, maskable: bool) -> tuple[int, int, int, int]:
    if not maskable and not _in_rounded_square(x, y, 0.2):
        return (0, 0, 0, 0)
    scale = 0.78 if maskable else 1.0  # maskable icons keep the drawing in the safe circle
    gx, gy = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
    if _in_house(gx, gy):
        return (*BLUE, 255) if _near_tick(gx, gy) else (*WHITE, 255)
    return (*BLUE, 255)


def draw(size: int, maskable: bool) -> bytes:
    """The icon as PNG bytes (RGBA, 8 bits)."""
    rows = bytearray()
    n = _SAMPLES
    for py in range(size):
        rows.append(0)  # filter: none
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    r, g, b, a = _colour(
                        (px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, maskable
                    )
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            alpha = total[3]
            if alpha:
                rows += bytes(round(total[i] / alpha) for i in range(3))
            else:
                rows += b"\0\0\0"
            rows.append(round(alpha / (n * n)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    folder = Path(__file__).resolve().parents[2] / "static" / "icons"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (folder / name).write_bytes(draw(size, maskable))
        print(folder / name)


if __name__ == "__main__":
    main()
