"""The footstep layer: one rendered step per contact, placed to the sample, panned.

`render_footsteps` asks a backend for each step, then puts the step's attack (its
`onset` sample) exactly on the contact's sample, pans it from the foot's x and sets
its level from the body's apparent size. The result is one stereo stem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from foleystudio.sound.room import SpaceOptions, through_air
from foleystudio.sound.spatial import SpatialConfig, distance_gain, pan_gains, reference_size
from foleystudio.sound.types import FootstepBackend, StepRequest
from foleystudio.timebase import SAMPLE_RATE, seconds_to_sample
from foleystudio.vision.contacts import ContactEvent

RUN_INTERVAL_S = 0.42  # median interval between one person's steps below this: running (walk ~0.5-0.6 s)


@dataclass(frozen=True, eq=False)
class Stem:
    name: str  # "footsteps", later "moves", "ambience", ...
    audio: np.ndarray  # (n_samples, 2) float32
    sr: int


@dataclass(frozen=True)
class StepStyle:
    surface: str
    footwear: str


def render_footsteps(
    events: tuple[ContactEvent, ...] | list[ContactEvent],
    backend: FootstepBackend,
    *,
    n_samples: int,
    styles: Sequence[StepStyle],
    seed: int = 0,
    sr: int = SAMPLE_RATE,
    spatial: SpatialConfig = SpatialConfig(),
) -> Stem:
    """Render `events` into a stereo stem `n_samples` long.

    `styles[i]` says which surface and footwear event i gets (user, cue sheet or
    scene estimate); each event's randomness comes from (seed, its index), so a change
    to one event never changes the others.
    """
    out = np.zeros((n_samples, 2), dtype=np.float32)
    render_footsteps_by_person(events, backend, n_samples=n_samples, styles=styles, seed=seed, sr=sr,
                               spatial=spatial, out=out)
    return Stem(name="footsteps", audio=out, sr=sr)


def render_footsteps_by_person(
    events: tuple[ContactEvent, ...] | list[ContactEvent],
    backend: FootstepBackend,
    *,
    n_samples: int,
    styles: Sequence[StepStyle],
    seed: int = 0,
    sr: int = SAMPLE_RATE,
    spatial: SpatialConfig = SpatialConfig(),
    context: Sequence[ContactEvent] | None = None,
    air: SpaceOptions | None = None,
    out: np.ndarray | None = None,
    new_stem: Callable[[], np.ndarray] | None = None,
) -> dict[int, Stem]:
    """The same steps as `render_footsteps`, one stem per person (they add up to its stem).

    `context` (default: `events`) is what each person's gait and the clip's nearest body
    are judged from: the analysis's events when `events` is a user's edit of them, so
    that deleting or moving one step changes no other step's sound. With `air`, a step farther than the
    nearest body loses its highs on the way (sound/room.py). With `out` ((n_samples, 2) float32), every person's
    steps are added into that one buffer instead, and no stem is returned: a long video's many people then cost
    one stem of memory. `new_stem()` makes each person's silent (n_samples, 2) float32 buffer (default: in memory;
    a render's are scratch arrays on disk).
    """
    events = list(events)
    if len(styles) != len(events):
        raise ValueError(f"{len(styles)} styles for {len(events)} events")
    context = list(context) if context is not None else events
    gaits = infer_gaits(context)
    ref_px = reference_size(np.array([e.body_px for e in context]), spatial.reference_percentile)
    new_stem = new_stem or (lambda: np.zeros((n_samples, 2), dtype=np.float32))
    people = {} if out is not None else {p: new_stem() for p in sorted({e.person for e in events})}
    for i, (event, st) in enumerate(zip(events, styles)):
        request = StepRequest(
            surface=st.surface, footwear=st.footwear, gait=gaits.get(event.person, "walk"),
            kind=event.kind, strength=event.strength,
        )
        step = backend.render_step(request, np.random.default_rng([seed, i]))
        left, right = pan_gains(event.x, spatial.pan_width)
        gain = distance_gain(event.body_px, ref_px, spatial.min_gain_db)
        start = seconds_to_sample(event.t_s, sr) - step.onset
        audio = through_air(step.audio, ref_px / event.body_px, sr, air) if air and event.body_px > 0 else step.audio
        place(out if out is not None else people[event.person], audio, start, (gain * left, gain * right))
    return {p: Stem(name=f"footsteps.person{p}", audio=audio, sr=sr) for p, audio in people.items()}


def place(out: np.ndarray, mono: np.ndarray, start: int, gains: tuple[float, float]) -> None:
    """Add `mono` into stereo `out` from sample `start`, cropping at both ends."""
    lo = max(start, 0)
    hi = min(start + len(mono), len(out))
    if hi <= lo:
        return
    seg = mono[lo - start : hi - start]
    out[lo:hi, 0] += seg * gains[0]
    out[lo:hi, 1] += seg * gains[1]


def infer_gaits(events: list[ContactEvent]) -> dict[int, str]:
    """'run' or 'walk' per person from the median interval between their steps."""
    gaits: dict[int, str] = {}
    for person in {e.person for e in events}:
        times = np.sort([e.t_s for e in events if e.person == person and e.kind == "step"])
        intervals = np.diff(times)
        intervals = intervals[intervals > 0.05]
        gaits[person] = "run" if intervals.size >= 2 and np.median(intervals) < RUN_INTERVAL_S else "walk"
    return gaits
