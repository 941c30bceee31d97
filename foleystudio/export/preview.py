"""The annotated preview: the first thing a user watches to judge the result.

The source's frames, each person's skeleton with the feet picked out, a flash and a
label at every event (foot or kind, and surface; a specific: its kind and what it struck),
the current shot's scene estimate in a caption box, and the mix as the audio: H.264 in
MP4, at the source's frame times.
Frames are decoded, drawn and encoded one at a time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence

import cv2
import numpy as np

from foleystudio.analysis import Analysis
from foleystudio.media.encode import write_video
from foleystudio.media.frames import iter_frames
from foleystudio.timebase import SAMPLE_RATE
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.landmarks import FOOT, LEFT_HIP, LEFT_SHOULDER, NOSE, RIGHT_HIP, RIGHT_SHOULDER

Callback = Callable[[dict], None]
RGB = tuple[int, int, int]

FLASH_S = 0.25  # a flash fades out in a quarter second: seen at 24 fps, gone before a running step (~0.3 s)
LABEL_S = 0.5  # a label stays long enough to read two words
MIN_VISIBILITY = 0.3  # landmarks seen less than this are not drawn (the contact detector's own threshold)
PERSON_COLOURS: tuple[RGB, ...] = ((0, 200, 255), (255, 140, 0), (110, 230, 70), (255, 70, 200), (250, 230, 40))
FOOT_COLOUR: RGB = (255, 255, 255)
TEXT_COLOUR: RGB = (255, 255, 255)
BOX_COLOUR: RGB = (20, 20, 20)
BOX_OPACITY = 0.6
FONT = cv2.FONT_HERSHEY_SIMPLEX
REFERENCE_HEIGHT_PX = 720  # line widths and text sizes are set for this height and scale with the frame

# BlazePose's 33-point topology, the body only (face and hands would clutter a small person).
_LEFT_ELBOW, _RIGHT_ELBOW, _LEFT_WRIST, _RIGHT_WRIST = 13, 14, 15, 16
_ARMS = ((LEFT_SHOULDER, _LEFT_ELBOW), (_LEFT_ELBOW, _LEFT_WRIST), (RIGHT_SHOULDER, _RIGHT_ELBOW),
         (_RIGHT_ELBOW, _RIGHT_WRIST))
_TORSO = ((LEFT_SHOULDER, RIGHT_SHOULDER), (LEFT_SHOULDER, LEFT_HIP), (RIGHT_SHOULDER, RIGHT_HIP),
          (LEFT_HIP, RIGHT_HIP))
_LEGS = tuple((f[a], f[b]) for f in FOOT.values() for a, b in (("hip", "knee"), ("knee", "ankle")))
BONES = _TORSO + _ARMS + _LEGS
FEET = tuple((f["ankle"], f["heel"], f["toe"]) for f in FOOT.values())


def write_preview(
    analysis: Analysis,
    mix: np.ndarray,
    out_path: str | os.PathLike,
    *,
    styles: Sequence[dict],
    sr: int = SAMPLE_RATE,
    size: tuple[int, int] | None = None,
    callback: Callback | None = None,
) -> None:
    """Write the annotated preview of `analysis` with `mix` ((n, 2) float at `sr`) as its audio.

    `styles[i]` holds event i's "surface" (as `choose_styles` returns them); `size` is the
    output (width, height), rounded down to even numbers, by default the source's display
    size. Raises ExportError if the file cannot be written; nothing is left under `out_path`.
    """
    info, events = analysis.info, analysis.contacts.events
    if len(styles) != len(events):
        raise ValueError(f"styles has {len(styles)} entries for {len(events)} events; pass one per event")
    width, height = (int(v) // 2 * 2 for v in (size or info.display_size))
    painter = _Painter(analysis, styles, width, height)
    disp_w, disp_h = info.display_size
    max_side_px = math.ceil(max(disp_w, disp_h) * max(width / disp_w, height / disp_h))

    def frames() -> Iterator[tuple[float, np.ndarray]]:
        for frame in iter_frames(info, max_side_px=max_side_px):
            rgb = frame.rgb
            if rgb.shape[:2] != (height, width):
                rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
            painter.draw(rgb, frame.index, frame.t_s)
            if callback is not None:
                callback({"stage": "preview", "frame": frame.index, "total": info.n_frames})
            yield frame.t_s, rgb

    write_video(out_path, frames(), size=(width, height), fps=info.fps, audio=mix, sr=sr)


class _Painter:
    """Draws one frame's annotations in place; built once per preview."""

    def __init__(self, analysis: Analysis, styles: Sequence[dict], width: int, height: int):
        self.analysis = analysis
        poses = analysis.poses
        self.sx, self.sy = width / poses.width, height / poses.height
        self.pose_frames = np.asarray(poses.frames)
        times = np.asarray(analysis.info.frame_times_s)
        events = analysis.contacts.events
        # An event is drawn from the frame on screen when its sound starts, so a flash and its sound are seen together.
        shown = np.clip(np.searchsorted(times, [e.t_s for e in events], side="right") - 1, 0, len(times) - 1)
        starts = times[shown].astype(np.float64)
        self.order = np.argsort(starts, kind="stable")
        self.starts = starts[self.order]
        self.events, self.styles = events, styles
        self.unit = height / REFERENCE_HEIGHT_PX
        self.line_px = max(1, round(3 * self.unit))
        self.font_scale = max(0.4, 0.8 * self.unit)  # Hershey's scale 0.4 is about 9 px tall: the smallest that reads
        self.font_px = max(1, round(1.6 * self.unit))

    def draw(self, rgb: np.ndarray, index: int, t_s: float) -> None:
        row = int(np.searchsorted(self.pose_frames, index, side="right")) - 1  # a held frame: the one it holds
        if row >= 0 and index - int(self.pose_frames[row]) <= 1:
            for track in self.analysis.poses.tracks:
                k = row - track.first
                if 0 <= k < len(track):
                    self._skeleton(rgb, track.image[k, :, :2], track.visibility[k], _colour(track.person))
        lo = np.searchsorted(self.starts, t_s - LABEL_S, side="right")
        hi = np.searchsorted(self.starts, t_s + 1e-6, side="right")
        latest = {self.events[self.order[j]].person: j for j in range(lo, hi)}  # one label a person: the newest
        for j in range(lo, hi):
            event = self.events[self.order[j]]
            self._event(rgb, event, self.styles[self.order[j]], t_s - self.starts[j], label=latest[event.person] == j)
        self._caption(rgb, t_s)

    def _skeleton(self, rgb: np.ndarray, xy: np.ndarray, vis: np.ndarray, colour: RGB) -> None:
        pts = xy * (self.sx, self.sy)
        seen = np.isfinite(pts).all(axis=1) & (vis >= MIN_VISIBILITY)
        p = {i: (int(round(pts[i, 0])), int(round(pts[i, 1]))) for i in np.flatnonzero(seen)}
        for a, b in BONES:
            if a in p and b in p:
                cv2.line(rgb, p[a], p[b], (0, 0, 0), self.line_px + 2, cv2.LINE_AA)  # a dark edge reads on any ground
                cv2.line(rgb, p[a], p[b], colour, self.line_px, cv2.LINE_AA)
        if NOSE in p:
            cv2.circle(rgb, p[NOSE], 2 * self.line_px, colour, -1, cv2.LINE_AA)
        for foot in FEET:
            corners = [p[i] for i in foot if i in p]
            if len(corners) == 3:
                cv2.fillConvexPoly(rgb, np.array(corners, np.int32), colour, cv2.LINE_AA)
                cv2.polylines(rgb, [np.array(corners, np.int32)], True, FOOT_COLOUR, self.line_px, cv2.LINE_AA)
            for corner in corners:
                cv2.circle(rgb, corner, self.line_px + 1, FOOT_COLOUR, -1, cv2.LINE_AA)

    def _event(self, rgb: np.ndarray, event: ContactEvent, style: dict, age_s: float, *, label: bool) -> None:
        if not (math.isfinite(event.x) and math.isfinite(event.y)):
            return
        h, w = rgb.shape[:2]
        x, y = int(round(event.x * w)), int(round(event.y * h))
        colour = _colour(event.person)
        body_px = event.body_px if math.isfinite(event.body_px) else 0.0  # an event the user added may have none
        base_px = float(np.clip(0.12 * body_px * self.sy, 18 * self.unit, 70 * self.unit))
        if age_s < FLASH_S:
            radius = int(round(base_px * (1.0 + 0.5 * age_s / FLASH_S)))
            _disc(rgb, (x, y), radius, FOOT_COLOUR, 0.6 * (1.0 - age_s / FLASH_S))
            cv2.circle(rgb, (x, y), radius, colour, self.line_px, cv2.LINE_AA)
        if label:
            what = event.foot if event.kind == "step" and event.foot != "unknown" else event.kind
            _text_box(rgb, [f"{what} / {style.get('surface', '?')}"], (x + int(base_px), y - int(2.2 * base_px)),
                      self.font_scale, self.font_px, edge=colour, edge_px=self.line_px)

    def _caption(self, rgb: np.ndarray, t_s: float) -> None:
        shots = self.analysis.shots
        shot = shots.at_time(t_s)
        lines = [f"{t_s:6.2f} s   shot {shot.index + 1}/{len(shots)}"]
        scene = self.analysis.scene
        if scene is None:
            lines.append("no scene estimate")
        else:
            s = scene.at_time(t_s)
            setting = {True: "indoor", False: "outdoor"}.get(s.indoor, "indoor or outdoor: unsure")
            ground = "default" if s.source == "default" else f"{s.surface_probability:.0%}"
            lines += [
                f"{setting}, {s.lighting} light",
                f"ground: {s.surface} ({ground}{'' if s.surface_confident else ', unsure'})",
                f"footwear: {s.footwear}{'' if s.footwear_confident else ' (unsure)'}",
            ]
            if s.environment:
                lines.append(f"place: {s.environment} ({s.environment_probability:.0%})")
        margin = int(round(12 * self.unit))
        _text_box(rgb, lines, (margin, margin), 0.85 * self.font_scale, self.font_px)


def _colour(person: int) -> RGB:
    return PERSON_COLOURS[person % len(PERSON_COLOURS)]


def _disc(rgb: np.ndarray, centre: tuple[int, int], radius: int, colour: RGB, opacity: float) -> None:
    """A filled circle at `opacity`, blended over its bounding square only."""
    x0, y0 = max(centre[0] - radius, 0), max(centre[1] - radius, 0)
    x1, y1 = min(centre[0] + radius + 1, rgb.shape[1]), min(centre[1] + radius + 1, rgb.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    roi = rgb[y0:y1, x0:x1]
    layer = roi.copy()
    cv2.circle(layer, (centre[0] - x0, centre[1] - y0), radius, colour, -1, cv2.LINE_AA)
    cv2.addWeighted(layer, opacity, roi, 1.0 - opacity, 0.0, dst=roi)


def _text_box(rgb: np.ndarray, lines: list[str], corner: tuple[int, int], scale: float, thickness: int, *,
              edge: RGB | None = None, edge_px: int = 1) -> None:
    """White `lines` on a translucent dark box (framed in `edge`) whose top-left is `corner`, inside the frame."""
    sizes = [cv2.getTextSize(line, FONT, scale, thickness) for line in lines]
    line_h = max(th + base for (_, th), base in sizes) + 4 * thickness
    pad = 3 * thickness + (edge_px if edge is not None else 0)
    box_w = max(tw for (tw, _), _ in sizes) + 2 * pad
    box_h = line_h * len(lines) + 2 * pad
    h, w = rgb.shape[:2]
    x0 = int(np.clip(corner[0], 0, max(w - box_w, 0)))
    y0 = int(np.clip(corner[1], 0, max(h - box_h, 0)))
    roi = rgb[y0 : y0 + box_h, x0 : x0 + box_w]
    roi[:] = (roi * (1.0 - BOX_OPACITY) + np.array(BOX_COLOUR) * BOX_OPACITY).astype(np.uint8)
    if edge is not None:
        cv2.rectangle(rgb, (x0, y0), (x0 + box_w - 1, y0 + box_h - 1), edge, edge_px, cv2.LINE_AA)
    for i, line in enumerate(lines):
        baseline = y0 + pad + line_h * (i + 1) - sizes[i][1] - 2 * thickness
        cv2.putText(rgb, line, (x0 + pad, baseline), FONT, scale, TEXT_COLOUR, thickness, cv2.LINE_AA)
