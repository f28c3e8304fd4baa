"""Make the installers' icons from the app icon PNGs: build/icons/coachadmin.ico and .icns.

The PNGs in coachadmin/resources/icons/app/ (16 to 512 px, drawn from the app.svg beside them)
are the source; the .ico (Windows executables, installer, Start menu) and the
.icns (the macOS .app) are generated from them and committed, so a build needs no
image library. Run this after changing the app icon:

    python build/make_icons.py            (needs Pillow: pip install pillow)
    python build/make_icons.py --check    (exit 1 if the committed icons are stale)
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "coachadmin" / "resources" / "icons" / "app"
OUT = ROOT / "build" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512)


def _png(size: int) -> Path:
    return SOURCE / f"app-{size}.png"


def render() -> dict[str, bytes]:
    """The .ico and .icns bytes, each size from its own hand-checked PNG."""
    images = {size: Image.open(_png(size)).convert("RGBA") for size in ICNS_SIZES + ICO_SIZES}
    out: dict[str, bytes] = {}
    ico = io.BytesIO()
    largest = images[max(ICO_SIZES)]
    largest.save(
        ico,
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)],
    )
    out["coachadmin.ico"] = ico.getvalue()
    icns = io.BytesIO()
    images[max(ICNS_SIZES)].save(
        icns, format="ICNS", append_images=[images[s] for s in ICNS_SIZES[:-1]]
    )
    out["coachadmin.icns"] = icns.getvalue()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed icons")
    args = parser.parse_args(argv)
    rendered = render()
    stale = [
        name
        for name, data in rendered.items()
        if not (OUT / name).is_file() or (OUT / name).read_bytes() != data
    ]
    if args.check:
        for name in stale:
            print(f"stale: build/icons/{name}: run python build/make_icons.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in rendered.items():
        (OUT / name).write_bytes(data)
        print(f"wrote build/icons/{name} ({len(data) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
