"""Pose per person per frame with MediaPipe's legacy BlazePose (model_complexity=1).

`estimate_poses` finds people with BlazePose's own person detector, then follows each
one with the pose landmark model on a crop that moves with that person (the legacy
solution's tracking, once per person), and keeps each person's id across short losses
(`vision.tracking`). It returns one `PoseTrack` per person: landmarks in display
pixels, world landmarks in metres (hip-centred), and per-landmark visibility. Frames
where a person is not seen are kept, as NaN landmarks and zero visibility, so every
track is indexed like the video.

The two models are the wheel's own graphs (PoseDetectionCpu, PoseLandmarkByRoiCpu),
wired so that the detector reports every candidate and the landmark model takes a crop
per person; the smoothing that the legacy graph does is done in `tracking.PoseSmoother`
on the real frame times.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from foleystudio.errors import ModelError
from foleystudio.media.frames import Frame
from foleystudio.vision import tracking as tk
from foleystudio.vision.landmarks import N_LANDMARKS

Callback = Callable[[dict], None]


@dataclass(frozen=True)
class PoseConfig:
    min_detection_confidence: float = 0.5  # MediaPipe's default, for the person detector
    min_tracking_confidence: float = 0.5  # MediaPipe's default, pose presence to keep a track
    model_complexity: int = 1  # the only model the 0.10.21 wheel ships
    smooth_landmarks: bool = True  # MediaPipe's landmark filter (on real frame times)
    max_people: int = 4  # people followed at once; each costs one landmark run per frame
    discovery_interval_s: float = 0.1  # one detector window per tick, round robin (~12 ms each)
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


def estimate_poses(
    frames: Iterable[Frame],
    *,
    width: int,
    height: int,
    config: PoseConfig = PoseConfig(),
    callback: Callback | None = None,
) -> Poses:
    """Run BlazePose over `frames` (display size `width` x `height`), every person."""
    with _Models(config) as models:
        people = _People(models, config)
        for frame in frames:
            people.step(frame)
            if callback is not None:
                callback({"stage": "pose", "frame": frame.index})
    return people.result(width, height)


@dataclass
class _Obs:
    """One landmark-model result, in analysed-image pixels."""

    image: np.ndarray  # (33, 3)
    world: np.ndarray  # (33, 3)
    vis: np.ndarray  # (33,)
    aux: np.ndarray  # (2, 3): hip centre and scale point, for the next crop
    presence: float

    @property
    def center(self) -> np.ndarray:
        return self.aux[0, :2]

    @property
    def scale(self) -> float:
        return tk.body_scale(self.aux)


@dataclass
class _Track:
    who: tk.Identity
    roi: tk.Roi
    smoother: tk.PoseSmoother
    rows: list = field(default_factory=list)  # (frame position, image, world, vis) in display px


class _People:
    """Frame-by-frame bookkeeping: follow, retry, dedupe, discover, record."""

    def __init__(self, models: _Models, config: PoseConfig):
        self.m, self.cfg = models, config
        self.indices: list[int] = []
        self.times: list[float] = []
        self.active: dict[int, _Track] = {}
        self.lost: dict[int, _Track] = {}
        self.views: list[tk.View] = []
        self.next_view = 0
        self.next_discovery_s = -np.inf
        self.next_id = 0

    def step(self, frame: Frame) -> None:
        rgb, t = frame.rgb, frame.t_s
        h, w = rgb.shape[:2]
        pos = len(self.indices)
        self.indices.append(frame.index)
        self.times.append(t)
        image = _Lazy(lambda: _image_packet(rgb))
        if not self.views:
            self.views = tk.discovery_views(w, h)
            sweep = list(self.views)  # first frame: look everywhere
        else:
            sweep = []
        for track in list(self.active.values()):
            obs = self.m.landmarks(image(), track.roi, w, h)
            if obs is None or not self._plausible(obs, w, h):
                self._lose(track, t)
            else:
                self._accept(track, obs, frame, pos)
        for track in list(self.lost.values()):
            if len(self.active) >= self.cfg.max_people or t - track.who.lost_t_s > self.cfg.coast_s:
                continue
            d = track.who.predict(t) - track.who.center
            obs = self.m.landmarks(image(), track.roi.moved(*d), w, h)
            if obs is not None and self._plausible(obs, w, h) and not self._overlaps(obs):
                del self.lost[track.who.person]
                self.active[track.who.person] = track
                self._accept(track, obs, frame, pos)
        self._dedupe(rgb, t)
        if t >= self.next_discovery_s or sweep:
            if not sweep:
                sweep = [self.views[self.next_view % len(self.views)]]
                self.next_view += 1
                sweep += [self._window_around(tr.who, t, w, h) for tr in self._missing(t)]
            self.next_discovery_s = t + self.cfg.discovery_interval_s
            self._discover(image, sweep, frame, pos)

    def _missing(self, t: float) -> list[_Track]:
        return [tr for tr in self.lost.values() if t - tr.who.lost_t_s <= self.cfg.reid_window_s]

    def _plausible(self, obs: _Obs, w: int, h: int) -> bool:
        scale = obs.scale
        if not self.cfg.min_body_px <= scale <= 4 * max(w, h):
            return False
        cx, cy = obs.center
        margin = 0.5 * scale
        if not (-margin <= cx <= w + margin and -margin <= cy <= h + margin):
            return False
        return float(obs.vis[[11, 12, 23, 24]].max()) >= 0.5

    def _overlaps(self, obs: _Obs) -> bool:
        return any(tk.pose_distance(obs.image, tr.who.image, min(obs.scale, tr.who.scale)) <= 0.15 for tr in self.active.values())

    def _accept(self, track: _Track, obs: _Obs, frame: Frame, pos: int) -> None:
        who = track.who
        look = tk.appearance(frame.rgb, obs.image) if frame.t_s - who.t_s >= 0.2 or who.look is None else None
        image, world, vis, aux = track.smoother(frame.t_s, obs.image, obs.world, obs.vis, obs.aux)
        who.update(frame.t_s, obs.center.copy(), obs.scale, obs.image, look)
        track.roi = tk.roi_from_points(aux[0, :2], aux[1, :2])
        track.rows.append((pos, image / frame.scale, world, vis))

    def _lose(self, track: _Track, t: float) -> None:
        del self.active[track.who.person]
        track.who.lost_t_s = t
        self.lost[track.who.person] = track
        self.next_discovery_s = t  # look again on the next frame

    def _dedupe(self, rgb: np.ndarray, t: float) -> None:
        people = [tr.who for tr in self.active.values()]
        if len(people) < 2:
            return
        looks = {p.person: tk.appearance(rgb, p.image) for p in people}
        for person in tk.duplicates(people, looks):
            self._lose(self.active[person], t)

    def _window_around(self, who: tk.Identity, t: float, w: int, h: int) -> tk.View:
        side = int(min(max(2.5 * who.scale, 96), w, h))
        cx, cy = who.predict(t)
        x0 = int(np.clip(cx - side / 2, 0, w - side))
        y0 = int(np.clip(cy - side / 2, 0, h - side))
        return tk.View(x0, y0, side, side)

    def _discover(self, image: _Lazy, views: list[tk.View], frame: Frame, pos: int) -> None:
        rgb, t = frame.rgb, frame.t_s
        h, w = rgb.shape[:2]
        cands: list[tuple[float, tk.Roi]] = []
        for view in views:
            cands += self.m.detect(rgb, view, image)
        cands.sort(key=lambda c: -c[0])
        tried: list[tk.Roi] = []
        for _, roi in cands:
            if len(self.active) >= self.cfg.max_people:
                break
            if roi.size < self.cfg.min_body_px or _near(roi, tried) or _near(roi, [tr.roi for tr in self.active.values()]):
                continue
            tried.append(roi)
            obs = self.m.landmarks(image(), roi, w, h)
            if obs is None or not self._plausible(obs, w, h) or self._overlaps(obs):
                continue
            if float(obs.vis[tk.BODY].mean()) < 0.5:
                continue  # a new person must show most of a body
            look = tk.appearance(rgb, obs.image)
            missing = [tr.who for tr in self._missing(t)]
            (person,) = tk.reidentify([(obs.center, obs.scale, look)], missing, t, window_s=self.cfg.reid_window_s)
            if person is not None:
                track = self.lost.pop(person)
                track.smoother = tk.PoseSmoother(self.cfg.smooth_landmarks)
            else:
                person, self.next_id = self.next_id, self.next_id + 1
                who = tk.Identity(person, t, obs.center.copy(), obs.scale, obs.image, look=look)
                track = _Track(who, roi, tk.PoseSmoother(self.cfg.smooth_landmarks))
            self.active[person] = track
            self._accept(track, obs, frame, pos)

    def result(self, width: int, height: int) -> Poses:
        n = len(self.indices)
        frames = np.array(self.indices, dtype=np.int64)
        t_s = np.array(self.times, dtype=np.float64)
        tracks = []
        for track in [*self.active.values(), *self.lost.values()]:
            image = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
            world = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
            vis = np.zeros((n, N_LANDMARKS), dtype=np.float32)
            for pos, img, wld, v in track.rows:
                image[pos], world[pos], vis[pos] = img, wld, v
            present = ~np.isnan(image[:, 0, 0])
            if tk.keep_track(vis, present, t_s, min_s=self.cfg.min_track_s):
                tracks.append((int(np.argmax(present)), image, world, vis))
        tracks.sort(key=lambda tr: tr[0])
        out = tuple(
            PoseTrack(person=i, frames=frames, t_s=t_s, image=img, world=wld, visibility=v)
            for i, (_, img, wld, v) in enumerate(tracks)
        )
        return Poses(width=width, height=height, frames=frames, t_s=t_s, tracks=out)


def _near(roi: tk.Roi, others: list[tk.Roi]) -> bool:
    """The same person as one of `others`: centres within a third of a crop, similar size."""
    for o in others:
        ratio = max(roi.size, o.size) / max(min(roi.size, o.size), 1.0)
        if ratio < 2.0 and np.hypot(roi.cx - o.cx, roi.cy - o.cy) < o.size / 3:
            return True
    return False


class _Lazy:
    """A value computed on first use (the frame's image packet, often not needed)."""

    def __init__(self, make: Callable):
        self._make, self._value = make, None

    def __call__(self):
        if self._value is None:
            self._value = self._make()
        return self._value


# -- MediaPipe ---------------------------------------------------------------------------

_DETECTOR_GRAPH = """
input_stream: "image"
output_stream: "detections"
node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" output_stream: "DETECTIONS:detections" }
"""
_LANDMARK_GRAPH = """
input_stream: "image"
input_stream: "roi"
input_side_packet: "model_complexity"
input_side_packet: "enable_segmentation"
output_stream: "landmarks"
output_stream: "aux"
output_stream: "world"
node {
  calculator: "PoseLandmarkByRoiCpu"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  output_stream: "AUXILIARY_LANDMARKS:aux"
  output_stream: "WORLD_LANDMARKS:world"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity"
  input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
}
"""


class _Models:
    """The pose detector and the landmark model as two stateless graphs, run in turn."""

    def __init__(self, config: PoseConfig):
        self.config = config

    def __enter__(self) -> _Models:
        os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging to stderr
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        try:
            with _quiet_stderr():
                from mediapipe.python import packet_creator, packet_getter

                self._pc, self._pg = packet_creator, packet_getter
                self._detector = _Graph(_detector_config(self.config.min_detection_confidence))
                self._landmarker = _Graph(
                    _landmark_config(self.config.min_tracking_confidence),
                    {"model_complexity": self.config.model_complexity, "enable_segmentation": False},
                )
        except (ImportError, RuntimeError, FileNotFoundError, ValueError) as exc:
            raise ModelError(f"MediaPipe pose could not be loaded: {exc}") from None
        return self

    def __exit__(self, *exc) -> None:
        self._detector.close()
        self._landmarker.close()

    def detect(self, rgb: np.ndarray, view: tk.View, image: _Lazy) -> list[tuple[float, tk.Roi]]:
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

    def landmarks(self, image, roi: tk.Roi, w: int, h: int) -> _Obs | None:
        """The landmark model on one crop of the frame; None when it sees no pose there."""
        from mediapipe.framework.formats import rect_pb2

        rect = rect_pb2.NormalizedRect(
            x_center=roi.cx / w, y_center=roi.cy / h, width=roi.size / w, height=roi.size / h, rotation=roi.angle
        )
        out = self._landmarker.run(image=image, roi=self._pc.create_proto(rect))
        if out["landmarks"] is None or out["world"] is None:
            return None
        lm = self._pg.get_proto(out["landmarks"]).landmark
        aux = self._pg.get_proto(out["aux"]).landmark
        wl = self._pg.get_proto(out["world"]).landmark
        scale = np.array([w, h, w], dtype=np.float32)
        return _Obs(
            image=np.array([(p.x, p.y, p.z) for p in lm], dtype=np.float32) * scale,
            world=np.array([(p.x, p.y, p.z) for p in wl], dtype=np.float32),
            vis=np.array([p.visibility for p in lm], dtype=np.float32),
            aux=np.array([(p.x, p.y, p.z) for p in aux], dtype=np.float32) * scale,
            presence=1.0,
        )


class _Graph:
    """One calculator graph run synchronously: a packet per input in, outputs back."""

    def __init__(self, config, side_packets: dict | None = None):
        from mediapipe.python import packet_creator
        from mediapipe.python._framework_bindings import calculator_graph

        self._graph = calculator_graph.CalculatorGraph(graph_config=config)
        self._names = [s.split(":")[-1] for s in config.output_stream]
        self._out: dict = {}
        for name in self._names:
            self._graph.observe_output_stream(name, self._store, True)
        make = {bool: packet_creator.create_bool, int: packet_creator.create_int}
        self._graph.start_run({k: make[type(v)](v) for k, v in (side_packets or {}).items()})
        self._ts = 0
        self._started = False

    def _store(self, name, packet) -> None:
        self._out[name] = None if packet.is_empty() else packet

    def run(self, **packets) -> dict:
        self._ts += 1  # the graphs hold no state across frames, so any increasing time will do
        self._out = dict.fromkeys(self._names)
        for name, packet in packets.items():
            self._graph.add_packet_to_input_stream(stream=name, packet=packet.at(self._ts))
        if self._started:
            self._graph.wait_until_idle()
        else:
            with _quiet_stderr():  # the first run starts the interpreter, which logs to fd 2
                self._graph.wait_until_idle()
            self._started = True
        return self._out

    def close(self) -> None:
        self._graph.close()


def _expanded(text: str):
    """The graph with the wheel's subgraphs expanded, so inner options can be set."""
    import mediapipe
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import resource_util, validated_graph_config

    resource_util.set_resource_dir(os.path.dirname(os.path.dirname(mediapipe.__file__)))
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(graph_config=text_format.Parse(text, calculator_pb2.CalculatorGraphConfig()))
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(validated.binary_config)
    return config


def _detector_config(min_score: float):
    from mediapipe.calculators.tensor import tensors_to_detections_calculator_pb2 as opts

    config = _expanded(_DETECTOR_GRAPH)
    for node in config.node:
        if node.calculator == "TensorsToDetectionsCalculator":
            node.options.Extensions[opts.TensorsToDetectionsCalculatorOptions.ext].min_score_thresh = min_score
    return config


def _landmark_config(min_presence: float):
    from mediapipe.calculators.util import thresholding_calculator_pb2 as opts

    config = _expanded(_LANDMARK_GRAPH)
    for node in config.node:
        if node.calculator == "ThresholdingCalculator":
            node.options.Extensions[opts.ThresholdingCalculatorOptions.ext].threshold = min_presence
    return config


def _image_packet(rgb: np.ndarray):
    from mediapipe.python import packet_creator
    from mediapipe.python._framework_bindings import image_frame

    return packet_creator.create_image_frame(rgb, image_format=image_frame.ImageFormat.SRGB)


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ library's start-up chatter on fd 2 (Python errors still raise)."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)
