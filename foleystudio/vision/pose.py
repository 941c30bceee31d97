"""Pose per person per frame with MediaPipe's legacy BlazePose (model_complexity=1).

`estimate_poses` finds people with BlazePose's own person detector, then follows each
one with the pose landmark model on a crop that moves with that person (the legacy
solution's tracking, once per person), and keeps each person's id across short losses
(`vision.tracking`). It returns one `PoseTrack` per person: landmarks in display
pixels, world landmarks in metres (hip-centred), and per-landmark visibility, over the
frames from the one before the person is first seen to the one after the last, where
the video has them (`PoseTrack.first` is the `Poses` row it starts at), so memory grows
with the people's time on screen, not with the video's length times the people. Frames
where the person is not seen are kept, as NaN landmarks and zero visibility.

The two models are the wheel's own graphs (PoseDetectionCpu, PoseLandmarkByRoiCpu),
wired so that the detector reports every candidate and the landmark model takes a crop
per person; the smoothing that the legacy graph does is done in `tracking.PoseSmoother`
on the real frame times.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from foleystudio.errors import ModelError
from foleystudio.media.frames import Frame
from foleystudio.native_log import muted_native_stderr
from foleystudio.vision import tracking as tk
from foleystudio.vision.camera import CameraTracker
from foleystudio.vision.landmarks import N_LANDMARKS
from foleystudio.vision.mediapipe_import import import_mediapipe

Callback = Callable[[dict], None]


@dataclass(frozen=True)
class PoseConfig:
    min_detection_confidence: float = 0.5  # MediaPipe's default, for the person detector
    min_tracking_confidence: float = 0.5  # MediaPipe's default, pose presence to keep a track
    model_complexity: int = 1  # the only model the 0.10.21 wheel ships
    smooth_landmarks: bool = True  # MediaPipe's landmark filter (on real frame times)
    min_new_person_confidence: float = 0.7  # detector score x pose presence to follow someone new
    # (found on the dev clips: people 0.79-1.0; poles, bags and trees taken for people 0.37-0.65)
    max_people: int = 4  # people followed at once; each costs one landmark run per frame
    discovery_interval_s: float = 0.25  # one detector window per tick (~12 ms each)
    coast_s: float = 0.2  # after a miss, retry the person's last crop this long
    reid_window_s: float = 2.0  # a person lost this long ago can come back with the same id
    min_body_px: float = 40.0  # body circle diameter below which nobody is followed (image px)
    min_track_s: float = 0.5  # tracks with feet seen for less than this are dropped


@dataclass(frozen=True, eq=False)
class PoseTrack:
    person: int
    frames: np.ndarray  # (n,) int, frame indices of the video
    t_s: np.ndarray  # (n,) float, presentation time of each frame
    image: np.ndarray  # (n, 33, 3) float32: x, y in display pixels; z in pixels (MediaPipe's scale)
    world: np.ndarray  # (n, 33, 3) float32: metres, origin between the hips, y down
    visibility: np.ndarray  # (n, 33) float32 in [0, 1]; 0 where not seen
    first: int = 0  # the row of Poses.frames that this track's row 0 is

    @property
    def present(self) -> np.ndarray:
        """(n,) bool: the person was found in that frame."""
        return ~np.isnan(self.image[:, 0, 0])

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True, eq=False)
class Poses:
    width: int  # display size the pixel coordinates refer to
    height: int
    frames: np.ndarray  # (n,) int, frames that were analysed
    t_s: np.ndarray  # (n,) float
    tracks: tuple[PoseTrack, ...]
    camera: np.ndarray | None = None  # (n, 2, 3): display px of each frame -> its shot's first frame (vision.camera)

    def camera_of(self, track: PoseTrack) -> np.ndarray | None:
        """(len(track), 2, 3): the camera path over `track`'s frames (None without a path)."""
        path = None if self.camera is None else self.camera[track.first : track.first + len(track)]
        return path if path is not None and len(path) == len(track) else None


@dataclass(frozen=True, eq=False)
class Span:
    """One person's landmarks over rows [first, first + n) of a run of frames: NaN, and visibility 0, where the
    person is not seen."""

    first: int
    image: np.ndarray  # (n, 33, 3) float32
    world: np.ndarray  # (n, 33, 3) float32
    visibility: np.ndarray  # (n, 33) float32

    @property
    def end(self) -> int:
        return self.first + len(self.image)

    def within(self, a: int, b: int) -> Span | None:
        """The rows in [a, b) from the first to the last seen, numbered from `a`; None where nobody is seen."""
        lo, hi = max(a, self.first), min(b, self.end)
        seen = np.flatnonzero(~np.isnan(self.image[lo - self.first : hi - self.first, 0, 0])) if lo < hi else []
        if not len(seen):
            return None
        rows = slice(lo - self.first + seen[0], lo - self.first + seen[-1] + 1)
        return Span(lo + int(seen[0]) - a, self.image[rows], self.world[rows], self.visibility[rows])

    def over(self, a: int, b: int) -> Span:
        """The span over rows [a, b): NaN, and visibility 0, outside it."""
        image = np.full((b - a, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        world, vis = image.copy(), np.zeros((b - a, N_LANDMARKS), dtype=np.float32)
        lo, hi = max(a, self.first), min(b, self.end)
        if lo < hi:
            mine, out = slice(lo - self.first, hi - self.first), slice(lo - a, hi - a)
            image[out], world[out], vis[out] = self.image[mine], self.world[mine], self.visibility[mine]
        return Span(a, image, world, vis)

    @staticmethod
    def of_rows(rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]) -> Span:
        """A span from (row, image, world, visibility) rows in order, the rows between them not seen."""
        first = rows[0][0]
        n = rows[-1][0] + len(rows[-1][1]) - first
        image = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        vis = np.zeros((n, N_LANDMARKS), dtype=np.float32)
        for at, img, wld, v in rows:
            k = at - first
            image[k : k + len(img)], world[k : k + len(img)], vis[k : k + len(img)] = img, wld, v
        return Span(first, image, world, vis)


@dataclass(frozen=True, eq=False)
class Followed:
    """Everyone followed over a run of frames, before short tracks are dropped: a whole video's, or a chunk's
    (`chunking` joins chunks' into one)."""

    frames: np.ndarray  # (n,) int, frame indices
    t_s: np.ndarray  # (n,) float
    tracks: tuple[Span, ...]  # per person, over the rows they were followed in
    camera: np.ndarray  # (n, 2, 3) display px of each frame -> the frame its camera path starts at
    camera_starts: np.ndarray  # (n,) bool: the camera path starts over here (a cut, or a step it could not fit)
    held: np.ndarray | None = None  # (n,) bool: the frame repeats the picture before it (media.frames.mark_held);
    #                                 None given: none does

    def __post_init__(self):
        if self.held is None:
            object.__setattr__(self, "held", np.zeros(len(self.frames), dtype=bool))

    def rows(self, keep: np.ndarray) -> Followed:
        """Only the rows where `keep` (n,) is true: each span renumbered and cut to them, the camera path's
        restart moved to the next kept row when its own row goes."""
        new_row = np.cumsum(keep) - 1  # the row each kept row becomes
        tracks = []
        for span in self.tracks:
            mine = keep[span.first : span.end]
            if mine.any():
                first = int(new_row[span.first + int(np.argmax(mine))])
                tracks.append(Span(first, span.image[mine], span.world[mine], span.visibility[mine]))
        count = np.concatenate([[0], np.cumsum(self.camera_starts)])  # restarts before each row
        at = np.flatnonzero(keep)
        starts = count[at + 1] > count[np.concatenate([[0], at[:-1] + 1])]  # one since the last kept row, or here
        return Followed(frames=self.frames[keep], t_s=self.t_s[keep], tracks=tuple(tracks), camera=self.camera[keep],
                        camera_starts=starts, held=self.held[keep])


def estimate_poses(
    frames: Iterable[Frame],
    *,
    width: int,
    height: int,
    config: PoseConfig = PoseConfig(),
    callback: Callback | None = None,
) -> Poses:
    """Run BlazePose over `frames` (display size `width` x `height`), every person."""
    return finish_poses(follow(frames, config=config, callback=callback), width, height, config)


def follow(frames: Iterable[Frame], *, config: PoseConfig = PoseConfig(), callback: Callback | None = None) -> Followed:
    """Follow everyone through `frames` (and the camera under them)."""
    camera = CameraTracker()
    with _Models(config) as models:
        people = _People(models, config)
        for frame in frames:
            cut = people.step(frame)
            camera.add(frame, people.boxes(), cut=cut)  # the ground moves under the people, not with them
            if callback is not None:
                callback({"stage": "pose", "frame": frame.index})
    return people.followed(camera)


def finish_poses(followed: Followed, width: int, height: int, config: PoseConfig = PoseConfig()) -> Poses:
    """The tracks worth keeping (feet seen long enough), numbered in order of first appearance, over the frames
    that are not held (a held frame repeats the picture before it: the people were followed through it, and
    their speeds are measured on the real time between pictures)."""
    if followed.held.any():
        followed = followed.rows(~followed.held)
    n, kept = len(followed.frames), []
    for span in followed.tracks:
        span = span.within(0, n)
        if span is not None and tk.keep_track(span.visibility, ~np.isnan(span.image[:, 0, 0]),
                                              followed.t_s[span.first : span.end], min_s=config.min_track_s):
            kept.append(span)
    kept.sort(key=lambda span: span.first)  # ids in order of first appearance
    tracks = []
    for i, span in enumerate(kept):
        # with the unseen frame on either side where the video has one: the detectors see a person come and go
        # as they see a gap in a track
        a, b = max(0, span.first - 1), min(n, span.end + 1)
        padded = span.over(a, b)
        tracks.append(PoseTrack(person=i, frames=followed.frames[a:b], t_s=followed.t_s[a:b], image=padded.image,
                                world=padded.world, visibility=padded.visibility, first=a))
    return Poses(width=width, height=height, frames=followed.frames, t_s=followed.t_s, tracks=tuple(tracks),
                 camera=followed.camera)


@dataclass
class _Track:
    who: tk.Identity
    roi: tk.Roi  # where to look in the next frame
    smoother: tk.PoseSmoother
    rows: list = field(default_factory=list)  # (frame position, image px, world, visibility), one row each


class _People:
    """Per frame: follow everyone, retry the just-lost, drop duplicates, look for more."""

    def __init__(self, models: _Models, config: PoseConfig):
        self.m, self.cfg = models, config
        self.indices: list[int] = []
        self.times: list[float] = []
        self.held: list[bool] = []
        self.active: dict[int, _Track] = {}
        self.lost: dict[int, _Track] = {}
        self.done: list[_Track] = []  # ended by a shot change
        self.scout = tk.Scout()
        self.next_tick_s = -np.inf
        self.next_id = 0

    def step(self, frame: Frame) -> bool:
        """Follow everyone into `frame`; True when it starts a new shot."""
        t = frame.t_s
        self.indices.append(frame.index)
        self.times.append(t)
        self.held.append(frame.held)
        image = functools.cache(lambda: _image_packet(frame.rgb))  # made on first use
        cut = self.scout.cut(frame.rgb)
        if cut:  # a new shot: nobody carries over, look everywhere
            self.done += [*self.active.values(), *self.lost.values()]
            self.active, self.lost, self.scout.views, self.next_tick_s = {}, {}, [], t
        for track in list(self.active.values()):
            obs = self._look(image, frame, track.roi)
            if obs is None:
                self._lose(track, t)
            else:
                self._accept(track, obs, frame)
        for track in list(self.lost.values()):
            if len(self.active) < self.cfg.max_people and t - track.who.lost_t_s <= self.cfg.coast_s:
                dx, dy = track.who.predict(t) - track.who.center
                obs = self._look(image, frame, replace(track.roi, cx=track.roi.cx + dx, cy=track.roi.cy + dy))
                if obs is not None and not self._taken(obs):
                    self.active[track.who.person] = self.lost.pop(track.who.person)
                    self._accept(track, obs, frame)
        drop = tk.duplicates([tr.who for tr in self.active.values()], lambda who: tk.appearance(frame.rgb, who.image))
        for person in drop:
            self._lose(self.active[person], t)
        if len(self.active) < self.cfg.max_people and t >= self.next_tick_s:
            self.next_tick_s = t + self.cfg.discovery_interval_s
            expected = [(tr.who.predict(t), tr.who.scale) for tr in self._missing(t)]
            h, w = frame.rgb.shape[:2]
            self._discover(image, frame, self.scout.windows([tr.roi for tr in self.active.values()], expected, w, h))
        return cut

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """Display-pixel boxes (x0, y0, x1, y1) around the landmarks of everyone seen in the last frame."""
        last = len(self.indices) - 1
        out = []
        for track in self.active.values():
            if track.rows and track.rows[-1][0] == last:
                xy = track.rows[-1][1][:, :2]
                xy = xy[np.isfinite(xy).all(axis=1)]
                if len(xy):
                    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
                    out.append((float(x0), float(y0), float(x1), float(y1)))
        return out

    def _missing(self, t: float) -> list[_Track]:
        return [tr for tr in self.lost.values() if t - tr.who.lost_t_s <= self.cfg.reid_window_s]

    def _look(self, image: Callable, frame: Frame, roi: tk.Roi) -> tk.Observation | None:
        h, w = frame.rgb.shape[:2]
        obs = self.m.landmarks(image(), roi, w, h)
        if obs is None or not tk.plausible(obs, w, h, min_scale=self.cfg.min_body_px):
            return None
        return obs

    def _taken(self, obs: tk.Observation) -> bool:
        return any(tk.same_body(obs.image, obs.scale, tr.who.image, tr.who.scale) for tr in self.active.values())

    def _accept(self, track: _Track, obs: tk.Observation, frame: Frame) -> None:
        who = track.who
        look = tk.appearance(frame.rgb, obs.image) if frame.t_s - who.look_t_s >= 0.2 else None  # 5 a second
        image, world, vis, aux = track.smoother(frame.t_s, obs.image, obs.world, obs.vis, obs.aux)
        who.update(frame.t_s, obs.center, obs.scale, obs.image, look)
        track.roi = tk.roi_from_points(aux[0, :2], aux[1, :2])
        track.rows.append((len(self.indices) - 1, (image / frame.scale).astype(np.float32), world, vis))

    def _lose(self, track: _Track, t: float) -> None:
        del self.active[track.who.person]
        track.who.lost_t_s = t
        self.lost[track.who.person] = track
        self.next_tick_s = t  # look for them on the next frame

    def _discover(self, image: Callable, frame: Frame, views: list[tk.View]) -> None:
        cands = [c for view in views for c in self.m.detect(frame.rgb, view, image)]
        cands.sort(key=lambda c: -c[0])
        tried: list[tk.Roi] = []
        for score, roi in cands:
            if len(self.active) >= self.cfg.max_people:
                break
            if roi.size < self.cfg.min_body_px or tk.near(roi, tried + [tr.roi for tr in self.active.values()]):
                continue
            tried.append(roi)
            obs = self._look(image, frame, roi)
            if obs is None or self._taken(obs) or float(obs.vis[tk.BODY].mean()) < 0.6:
                continue  # nobody, someone already followed, or too little of a body
            self._admit(obs, score, roi, frame)

    def _admit(self, obs: tk.Observation, score: float, roi: tk.Roi, frame: Frame) -> None:
        """Someone found: a lost person back under their id, or a new person."""
        t = frame.t_s
        look = tk.appearance(frame.rgb, obs.image)
        missing = [tr.who for tr in self._missing(t)]
        (person,) = tk.reidentify([(obs.center, obs.scale, look)], missing, t, window_s=self.cfg.reid_window_s)
        if person is not None:
            track = self.lost.pop(person)
            track.smoother = tk.PoseSmoother(self.cfg.smooth_landmarks)
        elif score * obs.presence >= self.cfg.min_new_person_confidence:
            person, self.next_id = self.next_id, self.next_id + 1
            who = tk.Identity(person, t, obs.center, obs.scale, obs.image, look=look)
            track = _Track(who, roi, tk.PoseSmoother(self.cfg.smooth_landmarks))
        else:
            return  # someone never seen needs both models to agree, not just one
        self.active[person] = track
        self._accept(track, obs, frame)

    def followed(self, camera: CameraTracker) -> Followed:
        everyone = [*self.done, *self.active.values(), *self.lost.values()]
        tracks = tuple(Span.of_rows([(pos, img[None], wld[None], v[None]) for pos, img, wld, v in track.rows])
                       for track in everyone if track.rows)
        return Followed(frames=np.array(self.indices, dtype=np.int64), t_s=np.array(self.times, dtype=np.float64),
                        tracks=tracks, camera=camera.path(), camera_starts=camera.starts(),
                        held=np.array(self.held, dtype=bool))


# -- MediaPipe ---------------------------------------------------------------------------

_DETECTOR_GRAPH = """
input_stream: "image"
output_stream: "detections"
node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" output_stream: "DETECTIONS:detections" }
"""
_LANDMARK_GRAPH = """
input_stream: "image" input_stream: "roi" output_stream: "landmarks" output_stream: "aux" output_stream: "world"
input_side_packet: "model_complexity" input_side_packet: "enable_segmentation"
node { calculator: "PoseLandmarkByRoiCpu" input_stream: "IMAGE:image" input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks" output_stream: "AUXILIARY_LANDMARKS:aux" output_stream: "WORLD_LANDMARKS:world"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity" input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation" }
"""


class _Models:
    """The pose detector and the landmark model as two stateless graphs, run in turn."""

    def __init__(self, config: PoseConfig):
        self.config = config

    def __enter__(self) -> _Models:
        os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging to stderr
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        try:
            with muted_native_stderr():
                import_mediapipe()  # without matplotlib
                from mediapipe.calculators.tensor import tensors_to_detections_calculator_pb2 as detections_pb2
                from mediapipe.calculators.util import thresholding_calculator_pb2 as thresholding_pb2
                from mediapipe.framework.formats import rect_pb2
                from mediapipe.python import packet_creator, packet_getter

                self._pc, self._pg, self._rect = packet_creator, packet_getter, rect_pb2.NormalizedRect
                detector = _configured(
                    _DETECTOR_GRAPH,
                    "TensorsToDetectionsCalculator",
                    detections_pb2.TensorsToDetectionsCalculatorOptions,
                    min_score_thresh=self.config.min_detection_confidence,
                )
                landmarker = _configured(
                    _LANDMARK_GRAPH,
                    "ThresholdingCalculator",
                    thresholding_pb2.ThresholdingCalculatorOptions,
                    threshold=self.config.min_tracking_confidence,
                )
                nodes = {n.calculator: n for n in landmarker.node}
                self._presence = nodes["ThresholdingCalculator"].input_stream[0].split(":")[-1]
                landmarker.output_stream.append(self._presence)  # read the score, not just the verdict
                self._detector = _Graph(detector)
                side = {"model_complexity": self.config.model_complexity, "enable_segmentation": False}
                self._landmarker = _Graph(landmarker, side)
        except (ImportError, RuntimeError, FileNotFoundError, ValueError) as exc:
            raise ModelError(f"MediaPipe pose could not be loaded: {exc}") from None
        return self

    def __exit__(self, *exc) -> None:
        self._detector.close()
        self._landmarker.close()

    def detect(self, rgb: np.ndarray, view: tk.View, image: Callable) -> list[tuple[float, tk.Roi]]:
        """People the detector sees through `view`: (score, crop for the landmark model)."""
        h, w = rgb.shape[:2]
        if (view.x0, view.y0, view.side_x, view.side_y) == (0, 0, w, h):
            packet = image()
        else:
            crop = rgb[view.y0 : view.y0 + view.side_y, view.x0 : view.x0 + view.side_x]
            packet = _image_packet(np.ascontiguousarray(crop))
        out = self._detector.run(image=packet)["detections"]
        found = []
        for det in self._pg.get_proto_list(out) if out is not None else []:
            kp = det.location_data.relative_keypoints
            pts = np.array([(view.x0 + k.x * view.side_x, view.y0 + k.y * view.side_y) for k in kp[:2]])
            found.append((float(det.score[0]), tk.roi_from_points(pts[0], pts[1])))
        return found

    def landmarks(self, image, roi: tk.Roi, w: int, h: int) -> tk.Observation | None:
        """The landmark model on one crop of the frame; None when it sees no pose there."""
        rect = self._rect(x_center=roi.cx / w, y_center=roi.cy / h, width=roi.size / w, height=roi.size / h)
        rect.rotation = roi.angle
        out = self._landmarker.run(image=image, roi=self._pc.create_proto(rect))
        if out["landmarks"] is None or out["world"] is None:
            return None
        presence = self._pg.get_float(out[self._presence])
        lm = self._pg.get_proto(out["landmarks"]).landmark
        aux = self._pg.get_proto(out["aux"]).landmark
        wl = self._pg.get_proto(out["world"]).landmark
        scale = np.array([w, h, w], dtype=np.float32)
        return tk.Observation(
            image=np.array([(p.x, p.y, p.z) for p in lm], dtype=np.float32) * scale,
            world=np.array([(p.x, p.y, p.z) for p in wl], dtype=np.float32),
            vis=np.array([p.visibility for p in lm], dtype=np.float32),
            aux=np.array([(p.x, p.y, p.z) for p in aux], dtype=np.float32) * scale,
            presence=presence,
        )


class _Graph:
    """One calculator graph run synchronously: a packet per input in, outputs back."""

    def __init__(self, config, side_packets: dict | None = None):
        from mediapipe.python import packet_creator
        from mediapipe.python._framework_bindings import calculator_graph

        self._graph = calculator_graph.CalculatorGraph(graph_config=config)
        self.names = [s.split(":")[-1] for s in config.output_stream]
        self._out: dict = {}
        for name in self.names:
            self._graph.observe_output_stream(name, self._store, True)
        make = {bool: packet_creator.create_bool, int: packet_creator.create_int}
        self._graph.start_run({k: make[type(v)](v) for k, v in (side_packets or {}).items()})
        self._graph.wait_until_idle()  # calculators open (and log) on the graph's threads
        self._ts = 0

    def _store(self, name, packet) -> None:
        self._out[name] = None if packet.is_empty() else packet

    def run(self, **packets) -> dict:
        self._ts += 1  # the graphs hold no state across frames, so any increasing time will do
        self._out = dict.fromkeys(self.names)
        for name, packet in packets.items():
            self._graph.add_packet_to_input_stream(stream=name, packet=packet.at(self._ts))
        if self._ts > 1:
            self._graph.wait_until_idle()
        else:
            with muted_native_stderr():  # the first run starts the interpreter, which logs to fd 2
                self._graph.wait_until_idle()
        return self._out

    def close(self) -> None:
        self._graph.close()


def _configured(text: str, calculator: str, options, **values):
    """`text` with the wheel's subgraphs expanded and `calculator`'s options set."""
    import mediapipe
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import resource_util, validated_graph_config

    resource_util.set_resource_dir(os.path.dirname(os.path.dirname(mediapipe.__file__)))
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(graph_config=text_format.Parse(text, calculator_pb2.CalculatorGraphConfig()))
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(validated.binary_config)
    for node in config.node:
        if node.calculator == calculator:
            ext = node.options.Extensions[options.ext]
            for name, value in values.items():
                setattr(ext, name, value)
    return config


def _image_packet(rgb: np.ndarray):
    from mediapipe.python import packet_creator
    from mediapipe.python._framework_bindings import image_frame

    return packet_creator.create_image_frame(rgb, image_format=image_frame.ImageFormat.SRGB)
