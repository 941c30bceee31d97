"""What a pixel of landmark jitter does to a contact: doubt for a person too small, and decisions that hold under it.

MediaPipe's landmarks move by about a pixel of the picture it was given from one encoding of a video to another
(a re-encode, a rescale, a grey or mirrored picture: two builds of one variant differ by half a grey level and
moved a clip's F1 by up to 0.06). A decision that sits near one of the detector's thresholds, a swing a little
faster than `swing_speed`, a sole a little higher than `scuff_clearance`, flips with that noise, so a detector
that takes the one track it is given at its word scores by luck. Two answers, both by construction (nothing here
is fitted to a clip):

- `resolved`: where a pixel of jitter reads as a speed near the foot's stance threshold (a person small in the
  picture), the event's confidence is scaled by their ratio.
- `steady_contacts`: the detector runs again on `draws` copies of each track with N(0, pixel_jitter) pixels of
  the analysed picture added to every seen image landmark, and an event is kept where a foot of that person
  comes down within half the shortest step interval in at least `share` of them (a majority: the decision the
  noise does not change), its confidence scaled by the share that found it. Either foot: which foot is which
  is the least steady thing about an event (MediaPipe swaps them), and it is the sound that is kept or not.
  The draws are seeded by the person's number: the same video gives the same events every run. World
  landmarks (the gait cycle's) are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import numpy as np

from foleystudio.media.frames import DEFAULT_MAX_SIDE_PX
from foleystudio.vision.pose import PoseTrack

ContactEvent = TypeVar("ContactEvent")  # vision.contacts.ContactEvent (which imports this module): t_s, confidence

SEED = 18  # the draws' seed (with the person's number)


def display_jitter(width: int, height: int, pixel_jitter: float) -> float:
    """`pixel_jitter` pixels of the analysed picture (at most DEFAULT_MAX_SIDE_PX on a side) in display pixels."""
    return pixel_jitter * max(1.0, max(width, height) / DEFAULT_MAX_SIDE_PX)


def resolved(event: ContactEvent, jitter: float, stance: float, margin: float) -> ContactEvent:
    """`event`, its confidence scaled down where a pixel of jitter reads as a speed (`jitter`, `feet.jitter_speed`)
    near the foot's stance threshold: a person too small in the picture is said with doubt, not with a
    confidence it has not earned. A person as big as the dev clips' (legs of 95 px and more) is untouched."""
    term = float(np.clip(stance / (margin * jitter), 0.0, 1.0)) if jitter > 0 else 1.0
    return event if term >= 1.0 else replace(event, confidence=round(event.confidence * term, 3))


def jittered(track: PoseTrack, jitter_px: float, rng: np.random.Generator) -> PoseTrack:
    """`track` with N(0, jitter_px) display pixels added to every seen image landmark's x and y (NaN stays NaN)."""
    image = track.image.copy()
    image[:, :, :2] += rng.normal(0.0, jitter_px, image[:, :, :2].shape).astype(image.dtype)
    return replace(track, image=image)


def steady_contacts(track: PoseTrack, detect: Callable[[PoseTrack], list[ContactEvent]], *, jitter_px: float,
                    draws: int, share: float, window_s: float) -> list[ContactEvent]:
    """The events `detect` finds in `track` that it finds again (either foot within `window_s`, any kind) in at
    least `share` of `draws` copies of the track with `jitter_px` of landmark noise, their confidence times the
    share that did. `draws` 0: `detect(track)` as it is."""
    found = detect(track)
    if not found or draws <= 0 or jitter_px <= 0:
        return found
    rng = np.random.default_rng([SEED, track.person])
    again = np.zeros(len(found))
    for _ in range(draws):
        noisy = detect(jittered(track, jitter_px, rng))
        times = np.array([e.t_s for e in noisy])
        again += [bool(np.any(np.abs(times - e.t_s) <= window_s)) for e in found]
    kept = []
    for event, count in zip(found, again):
        if count >= share * draws:
            kept.append(replace(event, confidence=round(event.confidence * count / draws, 3)))
    return kept
