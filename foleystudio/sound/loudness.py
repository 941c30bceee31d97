"""BS.1770 meters that read a long signal in blocks, so measuring costs no copy of it.

pyloudnorm and `resample_poly` each want the whole signal as float64 (and the true-peak
meter its 4x oversampled copy, twice): nine float64 copies, about 7 MB per second of
stereo 48 kHz audio, 4 GB for ten minutes. These give the same numbers from one block of
`block_samples` at a time: the K-weighting filters carry their state from block to block
(pyloudnorm's own filters, gains and gating, run as one cascade: its loudness to 1e-9 LU,
the same whatever the blocks, bit for bit), and the oversampler sees each block with enough
of its neighbours that every output sample is the one the whole-signal call computes (bit
for bit). A scratch array (sound/scratch.py) is handed back to the kernel
block by block as it is read, so a long stem on disk is never all in memory either.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly, sosfilt

from foleystudio.sound.scratch import release, zeros

BLOCK_SAMPLES = 1 << 16  # 1.4 s at 48 kHz: 1 MB of stereo float64, 4 MB oversampled, at a time
_CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)  # BS.1770: L, R, C, Ls, Rs
_ABSOLUTE_GATE_LUFS = -70.0
_OVERSAMPLER_MARGIN = 64  # input samples either side of a block; resample_poly's filter spans 10 (up/1)


def true_peak(audio: np.ndarray, oversampling: int, *, block_samples: int = BLOCK_SAMPLES) -> float:
    """Largest |sample| of (n, ch) `audio` and of its `oversampling`x polyphase upsampling (linear)."""
    n = len(audio)
    peak = 0.0
    for start in range(0, n, block_samples):
        stop = min(start + block_samples, n)
        lo, hi = max(0, start - _OVERSAMPLER_MARGIN), min(n, stop + _OVERSAMPLER_MARGIN)
        a = np.asarray(audio[lo:hi], dtype=np.float64)
        up = resample_poly(a, oversampling, 1, axis=0)[(start - lo) * oversampling : (stop - lo) * oversampling]
        peak = max(peak, float(np.max(np.abs(up))), float(np.max(np.abs(a[start - lo : stop - lo]))))
        release(audio[lo:hi])
    return peak


@cache
def oversampling_gain(oversampling: int) -> float:
    """The most `true_peak`'s oversampler can raise a signal over its sample peak (linear): the largest sum of
    |taps| of any of its filter's phases (4x: 2.24, +7.0 dB; band-limited audio rises a fraction of that). A
    stretch whose samples stay this far under a level cannot reach that level between them."""
    impulse = np.zeros(4 * _OVERSAMPLER_MARGIN + 1)
    impulse[2 * _OVERSAMPLER_MARGIN] = 1.0
    taps = resample_poly(impulse, oversampling, 1)
    return float(max(np.abs(taps[phase::oversampling]).sum() for phase in range(oversampling))) * (1.0 + 1e-6)


def integrated_loudness(audio: np.ndarray, sr: int, *, block_samples: int = BLOCK_SAMPLES) -> float:
    """pyloudnorm.Meter(sr).integrated_loudness(audio), read in blocks (same gating, same result)."""
    meter = pyloudnorm.Meter(sr)
    a = audio.reshape(len(audio), -1)
    n, channels = a.shape
    if channels > len(_CHANNEL_GAINS) or n < meter.block_size * sr:
        meter.integrated_loudness(np.asarray(a[: max(n, 1)], dtype=np.float64))  # its own error message
    z = _gating_block_energies(a, sr, meter, block_samples)
    return _gated_loudness(z)


class KWeighting:
    """pyloudnorm's K-weighting (its two filters, gains and order) of (n, channels) audio fed a block at a time,
    its state carried from block to block: both stages as one cascade of biquads over every channel in one call
    (2.7x faster than a filter call per stage and channel; the same samples to about 1e-12 of full scale)."""

    def __init__(self, meter: pyloudnorm.Meter, channels: int):
        self.sos = np.array([np.concatenate([s.passband_gain * np.asarray(s.b), s.a]) for s in meter._filters.values()])
        self.state = np.zeros((len(self.sos), 2, channels))

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """(n, channels) float64: `block` weighted, following on from the blocks before it."""
        # float32 in: sosfilt's own float64 copy is the only one (the same values as converting first)
        y, self.state = sosfilt(self.sos, np.asarray(block), axis=0, zi=self.state)
        return y


def _gating_block_energies(a: np.ndarray, sr: int, meter, block_samples: int) -> np.ndarray:
    """(channels, blocks) mean square of the K-weighted signal in each 400 ms gating block."""
    n, channels = a.shape
    t_g, step = meter.block_size, 1.0 - meter.overlap
    n_blocks = int(np.round(((n / sr - t_g) / (t_g * step)))) + 1
    bounds = [(int(t_g * (j * step) * sr), int(t_g * (j * step + 1) * sr)) for j in range(n_blocks)]
    weigh = KWeighting(meter, channels)
    z = np.zeros((channels, n_blocks))
    # the squares of the K-weighted samples from `offset` on (a row per channel, each contiguous): what the open
    # blocks still need. Squared once, not once per overlapping block; np.sum of a contiguous run of them adds
    # them up as pyloudnorm's np.sum(np.square(block)) does (pairwise, in the same order)
    kept = np.zeros((channels, 0))
    offset, j = 0, 0
    for start in range(0, n, block_samples):
        squares = np.ascontiguousarray(weigh(a[start : start + block_samples]).T)
        release(a[start : start + block_samples])
        np.square(squares, out=squares)
        kept = np.concatenate([kept, squares], axis=1)
        end = start + squares.shape[1]
        while j < n_blocks and (bounds[j][1] <= end or end == n):
            lo, hi = bounds[j]
            for ch in range(channels):
                z[ch, j] = (1.0 / (t_g * sr)) * np.sum(kept[ch, lo - offset : hi - offset])
            j += 1
        drop = (bounds[j][0] if j < n_blocks else end) - offset
        kept, offset = kept[:, drop:], offset + drop
    return z


def _gated_loudness(z: np.ndarray) -> float:
    """BS.1770-4 gating over block energies, as pyloudnorm 0.2 computes it."""
    channels, n_blocks = z.shape
    g = _CHANNEL_GAINS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        blocks = [-0.691 + 10.0 * np.log10(np.sum([g[i] * z[i, j] for i in range(channels)])) for j in range(n_blocks)]
        gated = [j for j, l_j in enumerate(blocks) if l_j >= _ABSOLUTE_GATE_LUFS]
        z_avg = [np.mean([z[i, j] for j in gated]) for i in range(channels)]
        relative = -0.691 + 10.0 * np.log10(np.sum([g[i] * z_avg[i] for i in range(channels)])) - 10.0
        gated = [j for j, l_j in enumerate(blocks) if l_j > relative and l_j > _ABSOLUTE_GATE_LUFS]
        z_avg = np.nan_to_num(np.array([np.mean([z[i, j] for j in gated]) for i in range(channels)]))
    with np.errstate(divide="ignore"):
        return float(-0.691 + 10.0 * np.log10(np.sum([g[i] * z_avg[i] for i in range(channels)])))



class LoudnessUnderGain:
    """The integrated loudness of `audio` times a slowly varying gain curve, without filtering it again.

    The K-weighted power of `audio` (channel gains applied, summed over channels) is kept once; the loudness
    of `audio * curve` is then read from `curve**2 * power` with the same 400 ms blocks and gating. The
    K-weighting's filters are linear and short next to the curve's ramps (a limiter's milliseconds), so
    weighting after the curve equals weighting before it to within hundredths of a LU: a master can try
    several gains at the cost of one filtering. `on_disk`: the power (as long as the audio) is a scratch
    array, read a stretch at a time.
    """

    def __init__(self, audio: np.ndarray, sr: int, *, block_samples: int = BLOCK_SAMPLES, on_disk: bool = False):
        meter = pyloudnorm.Meter(sr)
        a = audio.reshape(len(audio), -1)
        n, channels = a.shape
        weigh = KWeighting(meter, channels)
        self.power = zeros(n, np.float32, on_disk=on_disk)
        for start in range(0, n, block_samples):  # every channel of a block, one after another
            power = self.power[start:start + block_samples]
            weighted = weigh(a[start:start + block_samples])
            for ch in range(channels):
                x = weighted[:, ch]
                power += np.float32(_CHANNEL_GAINS[ch]) * (x * x).astype(np.float32)
            release(a[start:start + block_samples])
            release(power)
        t_g, step = meter.block_size, 1.0 - meter.overlap
        n_blocks = int(np.round(((n / sr - t_g) / (t_g * step)))) + 1 if n >= t_g * sr else 0
        bounds = [(int(t_g * (j * step) * sr), int(t_g * (j * step + 1) * sr)) for j in range(n_blocks)]
        self.bounds = np.minimum(np.array(bounds, dtype=np.int64).reshape(-1, 2), n)  # the last may pass the end
        # every block is a run of segments between consecutive block edges: their sums are all a reading needs
        self.edges = np.unique(np.concatenate([self.bounds.ravel(), [0, n]]))
        self.first = np.searchsorted(self.edges, self.bounds[:, 0])
        self.last = np.searchsorted(self.edges, self.bounds[:, 1])
        self.norm = 1.0 / (t_g * sr)
        # the segments read together: runs of whole segments about block_samples long
        cuts = np.searchsorted(self.edges, np.arange(0, n, block_samples))
        self.runs = np.unique(np.concatenate([cuts, [len(self.edges) - 1]]))

    def lufs(self, curve: np.ndarray | None = None) -> float:
        """Integrated loudness (LUFS) of the audio times `curve` ((n,), None: 1); -inf for silence."""
        if not len(self.bounds):
            return float("-inf")
        segments = np.zeros(len(self.edges) - 1)
        for k0, k1 in zip(self.runs[:-1], self.runs[1:]):
            lo, hi = self.edges[k0], self.edges[k1]
            p = self.power[lo:hi]
            if curve is not None:
                c = curve[lo:hi]
                q = np.square(c, dtype=np.float32)
                q *= p
                release(c)
            else:
                q = p
            segments[k0:k1] = np.add.reduceat(q, self.edges[k0:k1] - lo, dtype=np.float64)
            release(p)
        cums = np.concatenate([[0.0], np.cumsum(segments)])
        z = (cums[self.last] - cums[self.first]) * self.norm
        with np.errstate(divide="ignore", invalid="ignore"):
            blocks = -0.691 + 10.0 * np.log10(z)
            above = blocks >= _ABSOLUTE_GATE_LUFS
            if not above.any():
                return float("-inf")
            relative = -0.691 + 10.0 * np.log10(z[above].mean()) - 10.0
            gated = (blocks > relative) & above
            return float(-0.691 + 10.0 * np.log10(z[gated].mean())) if gated.any() else float("-inf")
