"""Placing a mono step in the stereo field: pan from x, level from apparent distance.

Gain laws (both are pure functions, property-tested):

- Pan: constant power (sine/cosine law). x = 0 is hard left, 1 hard right;
  theta = x * pi/2, left = cos(theta), right = sin(theta), so left^2 + right^2 = 1 at
  every position and a centred source (x = 0.5) gets -3.01 dB in each channel.
  `pan_width` < 1 narrows the field toward the centre (0.8: a camera's field of view
  is narrower than a listener's).
- Distance: the apparent body height in pixels is inversely proportional to the
  distance from the camera (pinhole model), and sound pressure falls as 1/distance
  (free field), so gain = body_px / reference_px, i.e. 20*log10(size ratio) dB. The
  largest body seen in the clip is the reference (0 dB); gains are clamped to
  [min_gain_db, 0] so a far or mis-sized person is never inaudible or louder than 0 dB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpatialConfig:
    pan_width: float = 0.8  # share of the stereo field the picture spans (1 = hard left to hard right)
    min_gain_db: float = -24.0  # floor for the distance law: a 16x smaller body is still heard
    reference_percentile: float = 95.0  # "largest seen" body size, robust to one mis-sized frame


def pan_gains(x: float, width: float = 1.0) -> tuple[float, float]:
    """Constant-power (left, right) gains for a normalised horizontal position x in [0, 1]."""
    x = float(np.clip(x, 0.0, 1.0))
    x = 0.5 + (x - 0.5) * float(np.clip(width, 0.0, 1.0))
    # right = cos((1 - x) * pi/2) equals sin(x * pi/2) but is exactly mirror-symmetric in floats
    return float(np.cos(x * np.pi / 2)), float(np.cos((1.0 - x) * np.pi / 2))


def distance_gain(body_px: float, reference_px: float, min_gain_db: float = -24.0) -> float:
    """Linear gain for a body `body_px` tall when the nearest body seen is `reference_px`."""
    if not (np.isfinite(body_px) and body_px > 0 and np.isfinite(reference_px) and reference_px > 0):
        return 1.0
    gain_db = 20.0 * np.log10(body_px / reference_px)
    return float(10.0 ** (np.clip(gain_db, min_gain_db, 0.0) / 20.0))


def reference_size(body_px: np.ndarray, percentile: float = 95.0) -> float:
    """The 'largest seen' body size of a clip (NaN-safe); 0 when none is known."""
    finite = np.asarray(body_px, dtype=float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    return float(np.percentile(finite, percentile)) if finite.size else 0.0
