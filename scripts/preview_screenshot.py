"""docs/preview.png: one frame of the annotated preview of a real clip, at an event.

    .venv/bin/python scripts/preview_screenshot.py [--shared ../shared] [--clip sports2d_demo] [--frame 60]

The clip must have ground truth in ../shared/gt (clips without it are kept for evaluation, not
pictures). The preview is written as a user gets it (analysis, rendered mix, H.264), and the frame
is decoded back from that file, so the picture shows what the encoder kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.api import analyse, render  # noqa: E402
from foleystudio.export.preview import write_preview  # noqa: E402
from foleystudio.media.frames import iter_frames  # noqa: E402
from foleystudio.media.probe import probe_video  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--clip", default="sports2d_demo", help="a clip in shared/media with a file in shared/gt")
    parser.add_argument("--frame", type=int, default=60, help="frame to show (an event's frame)")
    parser.add_argument("--size", default="960x540", help="preview size, WIDTHxHEIGHT (keeps the PNG small)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "preview.png"))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "gt" / f"{args.clip}.json").exists():
        parser.error(f"{args.clip} has no ground truth in {shared / 'gt'}; pictures come only from clips that do")
    size = tuple(int(v) for v in args.size.lower().split("x"))

    analysis = analyse(shared / "media" / f"{args.clip}.mp4")
    rendered = render(analysis)
    with tempfile.TemporaryDirectory() as tmp:
        preview = Path(tmp) / "preview.mp4"
        write_preview(analysis, rendered.mix, preview, styles=rendered.styles, sr=rendered.sr, size=size)
        frame = next(f for f in iter_frames(probe_video(preview), max_side_px=max(size)) if f.index == args.frame)
    # 256 colours, dithered: a third of a true-colour PNG's size (~250 KB), and the text stays crisp.
    picture = Image.fromarray(frame.rgb).quantize(256, method=Image.Quantize.MEDIANCUT,
                                                  dither=Image.Dither.FLOYDSTEINBERG)
    picture.save(args.out, optimize=True)
    near = [(e.person, e.foot, e.kind) for e in analysis.contacts.events if abs(e.frame - args.frame) <= 1]
    print(f"{args.out}: frame {args.frame} of {args.clip}, events near it (person, foot, kind): {near}")


if __name__ == "__main__":
    main()
