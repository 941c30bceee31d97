"""docs/timeline.png: an exported .otio timeline of a real clip, drawn by OTIO's SVG adapter.

    .venv/bin/python scripts/timeline_screenshot.py [--shared ../shared] [--clip sports2d_demo]

Needs, beyond the project's own packages (docs only: not in pyproject.toml or constraints.txt):
    .venv/bin/pip install otio-svg-adapter          # OTIO's "svg" adapter (1.0.0)
    apt-get install -y chromium                     # headless Chromium draws the SVG (preferred)
      or apt-get install -y librsvg2-bin            # rsvg-convert, used when Chromium is missing

The clip must have ground truth in ../shared/gt (clips without it are kept for evaluation, not
pictures). The timeline is made as a user gets it (`foley CLIP --export otio --stems-per-person`,
through the public API) and read back from the written .otio file.

What is whose: every box, label, arrow and range in the picture is the SVG adapter's own drawing of
the timeline (Timeline -> Stack -> the tracks -> each track's clip -> its media reference, with the
file's target_url), at the adapter's own layout; its fill colours are its own (seeded random) and
mean nothing. The adapter draws no markers. So this script adds one overlay, labelled in the
picture: each marker of the video clip, at its frame on the adapter's frame ticks, in its OTIO
colour (one per person; the RGB is the project's, export.delivery.RGB), and a legend saying so.
Nothing else is added or moved; the picture is then cropped to the drawing (the white margin).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import opentimelineio as otio
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.api import ExportOptions, RenderOptions, analyse, export, render  # noqa: E402
from foleystudio.export.delivery import RGB  # noqa: E402

SVG = "http://www.w3.org/2000/svg"
LEGEND_H = 84  # px above the adapter's drawing for the overlay's legend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--clip", default="sports2d_demo", help="a clip in shared/media with a file in shared/gt")
    # the adapter's text is 15 px whatever the size: 1560 px of height give its rows room for its range labels
    # (less and they overlap), 960 px of width keep it about 1:1 at a README's width (~900 px)
    parser.add_argument("--size", default="960x1560", help="the SVG adapter's canvas, WIDTHxHEIGHT")
    parser.add_argument("--out", default=str(ROOT / "docs" / "timeline.png"))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "gt" / f"{args.clip}.json").exists():
        parser.error(f"{args.clip} has no ground truth in {shared / 'gt'}; pictures come only from clips that do")
    width, height = (int(v) for v in args.size.lower().split("x"))

    analysis = analyse(shared / "media" / f"{args.clip}.mp4")
    rendered = render(analysis, RenderOptions(stems_per_person=True))
    with tempfile.TemporaryDirectory(prefix="foleystudio-") as tmp:
        outputs = export(analysis, rendered, Path(tmp) / f"{args.clip}_foley.mp4",
                         exports=ExportOptions(formats=("otio",)))
        timeline = otio.adapters.read_from_file(outputs.files[0])
        picture = draw(timeline, width, height, Path(tmp))
    save(picture, args.out)
    markers = [m for track in timeline.video_tracks() for clip in track.find_clips() for m in clip.markers]
    print(f"{args.out}: {picture.width}x{picture.height}, {Path(args.out).stat().st_size // 1024} KB; "
          f"tracks {[t.name for t in timeline.tracks]}; markers by colour {dict(Counter(m.color for m in markers))}")


def draw(timeline: otio.schema.Timeline, width: int, height: int, tmp: Path) -> Image.Image:
    """The adapter's SVG of `timeline` with the marker overlay, drawn to pixels and cropped."""
    svg = otio.adapters.write_to_string(timeline, adapter_name="svg", width=float(width), height=float(height))
    svg_path = tmp / "timeline.svg"
    svg_path.write_text(with_markers(svg, timeline), encoding="utf-8")
    png = tmp / "timeline.png"
    rasterize(svg_path, png, width, height + LEGEND_H)
    with Image.open(png) as image:
        return crop(image.convert("RGB"))


def with_markers(svg: str, timeline: otio.schema.Timeline) -> str:
    """The adapter's SVG, moved down LEGEND_H px, with the video clips' markers drawn on them and a legend."""
    ET.register_namespace("", SVG)
    drawing = ET.fromstring(svg)
    width, height = float(drawing.get("width")), float(drawing.get("height"))
    boxes = _labelled_boxes(drawing)
    overlay = ET.Element(f"{{{SVG}}}g", {"id": "foleystudio-marker-overlay"})
    colours = {}
    for track in timeline.video_tracks():
        for clip in track.find_clips():
            if clip.name not in boxes or not clip.markers:
                continue
            x0, y0, w, h, group = boxes[clip.name]
            trimmed = clip.trimmed_range()
            scale = w / trimmed.duration.value  # px a frame: the adapter's ticks are at x0 + frame * scale
            under_label = ET.Element(f"{{{SVG}}}g")
            for marker in clip.markers:
                frame = (marker.marked_range.start_time - trimmed.start_time).rescaled_to(trimmed.duration).value
                x = x0 + frame * scale
                rgb = "rgb({},{},{})".format(*RGB.get(marker.color, (0, 0, 0)))
                colours.setdefault(marker.color, []).append(marker)
                # a line through the clip, under the adapter's label so that stays readable...
                ET.SubElement(under_label, f"{{{SVG}}}line", {
                    "x1": f"{x - x0:.2f}", "y1": "0", "x2": f"{x - x0:.2f}", "y2": f"{h:.2f}",
                    "style": f"stroke:{rgb};stroke-width:2.5"})
                # ...and a flag on top of it, as editors draw markers
                ET.SubElement(overlay, f"{{{SVG}}}path", {
                    "d": f"M{x:.2f},{y0 + 9:.2f} l-5,-10 h10 z", "style": f"fill:{rgb};stroke:black;stroke-width:0.6"})
            group.insert(1, under_label)  # after the box's rect, before its label
    _legend(overlay, colours)
    root = ET.Element(f"{{{SVG}}}svg", {"width": f"{width:.0f}", "height": f"{height + LEGEND_H:.0f}",
                                         "version": "1.1"})
    ET.SubElement(root, f"{{{SVG}}}rect", {"width": "100%", "height": "100%", "fill": "white"})
    moved = ET.SubElement(root, f"{{{SVG}}}g", {"transform": f"translate(0,{LEGEND_H})"})
    moved.append(drawing)
    moved.append(overlay)
    return ET.tostring(root, encoding="unicode")


def _labelled_boxes(drawing: ET.Element) -> dict:
    """{label: (x, y, width, height, group)} of the adapter's labelled boxes (a <g> holding a rect and a label)."""
    boxes = {}
    for group in drawing.iter(f"{{{SVG}}}g"):
        rect, text = group.find(f"{{{SVG}}}rect"), group.find(f".//{{{SVG}}}text")
        transform = group.get("transform", "")
        if rect is None or text is None or not transform.startswith("translate("):
            continue
        x, y = (float(v) for v in transform[len("translate("):-1].split(","))
        boxes.setdefault(text.text.strip(), (x, y, float(rect.get("width")), float(rect.get("height")), group))
    return boxes


def _legend(overlay: ET.Element, colours: dict) -> None:
    def text(x, y, body, size=15, weight="normal"):
        element = ET.SubElement(overlay, f"{{{SVG}}}text", {
            "x": f"{x}", "y": f"{y}", "font-size": f"{size}", "font-family": "sans-serif", "font-weight": weight})
        element.text = body

    y = -LEGEND_H + 22
    text(20, y, "Markers: an overlay added by scripts/timeline_screenshot.py (the SVG adapter draws none)", 15, "bold")
    x, y = 20, y + 24
    for colour, markers in colours.items():
        people = sorted({str(m.metadata.get("foleystudio", {}).get("person", "?")) for m in markers})
        rgb = "rgb({},{},{})".format(*RGB.get(colour, (0, 0, 0)))
        ET.SubElement(overlay, f"{{{SVG}}}path", {
            "d": f"M{x + 6},{y} l-6,-12 h12 z", "style": f"fill:{rgb};stroke:black;stroke-width:0.6"})
        label = f"{colour}: person {', '.join(people)} ({len(markers)} events)"
        text(x + 18, y, label)
        x += 18 + 8 * len(label) + 24
    text(x, y, "each at its frame on the video clip.")
    text(20, y + 22, "Everything else is the adapter's drawing of the .otio; its fill colours are its own.")


def rasterize(svg: Path, png: Path, width: int, height: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                            f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={width},{height}",
                            svg.as_uri()], check=True, capture_output=True, timeout=120)
    elif shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", "--width", str(width), "--height", str(height), "--background-color", "white",
                        "--output", str(png), str(svg)], check=True, timeout=120)
    else:
        sys.exit("needs chromium (apt-get install -y chromium) or rsvg-convert (apt-get install -y librsvg2-bin)")


def crop(image: Image.Image) -> Image.Image:
    """Trim the white border, keeping a few px of it."""
    box = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    if box is None:
        return image
    pad = 8
    return image.crop((max(box[0] - pad, 0), max(box[1] - pad, 0),
                       min(box[2] + pad, image.width), min(box[3] + pad, image.height)))


def save(picture: Image.Image, out: str) -> None:
    # boxes, lines and text in 256 colours, undithered: a third of a true-colour PNG's size (~200 KB), and
    # the few marker pixels keep their exact colour (with 64 or 128 they merge into the adapter's fills)
    picture.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, optimize=True)


if __name__ == "__main__":
    main()
