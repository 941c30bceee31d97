"""Onsets in a clip's own sound: where to look when drafting the truth of the specifics layer.

    onsets = detect_onsets(y, sr)            # y: (n,) or (n, channels) float
    onsets = clip_onsets("clip.mp4")         # its first audio track, aligned to the first video frame

Spectral flux (librosa's `onset_strength` idea): the power spectrum of short frames in dB,
each bin's rise from the frame before, positive rises only, averaged over the bins. A clap
or a knock raises every bin at once; steady noise raises half of them by as much as it
lowers the other half, so its flux is a flat floor. A frame is an onset where its flux
stands out of the floor around it (an adaptive threshold: the local median) by
`min_strength_db`, is the largest within `min_gap_s`, and no stronger onset is nearer than
that. The flux only finds the frame; the time is then read off the signal itself (the
first sample where the short-time level of its first difference rises halfway from the
floor to the burst's peak), so a click is timed to the sample, not to the hop.

A strength is that rise in dB: how far the onset stands out of the sound around it. A
drafted truth still needs a listener: speech, music and footsteps have onsets too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, median_filter, uniform_filter1d

from foleystudio.errors import InputError
from foleystudio.media.probe import VideoInfo, probe_video


@dataclass(frozen=True)
class OnsetConfig:
    sr: int = 24_000  # a clip's sound is read at this rate: transients have their energy under 12 kHz
    frame_s: float = 0.01  # analysis frame (Hann): short, so a click is not drowned by the noise in its frame
    #                        (at 20 ms a click 18 dB over white noise stood out 3 dB less)
    hop_s: float = 0.0025  # frames this far apart (at most half a frame); the time is refined to the sample
    floor_db: float = -80.0  # each bin's power is held at least this far under the loudest frame's bins:
    #                          digital silence and codec holes do not make infinite rises
    median_window_s: float = 0.5  # the flux's floor is its median over this long around the frame
    min_strength_db: float = 6.0  # an onset stands out of that floor by this much (mean dB rise per bin):
    #                               30 s of steady white noise peaked at 1.7-2.2 dB, clicks 25 dB over it at 11-15
    min_gap_s: float = 0.05  # two onsets are at least this far apart (a clap's own reflections are closer)
    level_window_s: float = 0.0005  # short-time level for the refined time (its error is half of this at most)

    def samples(self, seconds: float) -> int:
        return max(1, int(round(seconds * self.sr)))


@dataclass(frozen=True)
class Onsets:
    times_s: tuple[float, ...]  # seconds from the first sample (the first video frame, for a clip)
    strengths_db: tuple[float, ...]  # how far each stands out of the flux around it (mean dB rise per bin)

    def __len__(self) -> int:
        return len(self.times_s)


def detect_onsets(y: np.ndarray, sr: int, *, config: OnsetConfig = OnsetConfig()) -> Onsets:
    """The onsets of `y` ((n,) or (n, channels), at `sr`): times to the sample, strengths in dB."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2:
        y = y.mean(axis=1)
    if y.ndim != 1:
        raise ValueError(f"detect_onsets takes (n,) or (n, channels) audio, got shape {y.shape}")
    cfg = config if sr == config.sr else _at_rate(config, sr)
    n_fft, hop = cfg.samples(cfg.frame_s), cfg.samples(cfg.hop_s)
    if len(y) < n_fft + hop:
        return Onsets((), ())
    flux = spectral_flux(y, n_fft=n_fft, hop=hop, floor_db=cfg.floor_db)
    floor = median_filter(flux, size=2 * (cfg.samples(cfg.median_window_s) // (2 * hop)) + 1, mode="nearest")
    rise = flux - floor
    gap = max(1, int(round(cfg.min_gap_s / cfg.hop_s)))
    peaks = np.flatnonzero((rise >= cfg.min_strength_db) & (flux >= maximum_filter1d(flux, 2 * gap + 1)))
    kept: list[int] = []
    for k in sorted(peaks, key=lambda k: -rise[k]):  # strongest first: a weaker one near it is its tail
        if all(abs(k - j) > gap for j in kept):
            kept.append(int(k))
    kept.sort()
    # Flux frame k compares the frame starting at k * hop with the one before: a burst raises it most
    # when it enters the window's tail (the Hann weight grows fastest there, relative to itself), so
    # it starts in the second half of frame k's span or in the hop after it.
    times = [refine_onset(y, k * hop + n_fft // 2, (k + 1) * hop + n_fft, cfg) / sr for k in kept]
    return Onsets(tuple(float(t) for t in times), tuple(float(rise[k]) for k in kept))


def spectral_flux(y: np.ndarray, *, n_fft: int, hop: int, floor_db: float) -> np.ndarray:
    """Mean positive dB rise per bin between consecutive frames; entry k compares frame k with k - 1 (0 for k = 0)."""
    n_frames = 1 + (len(y) - n_fft) // hop
    window = np.hanning(n_fft)
    power_db = np.empty((n_frames, n_fft // 2 + 1), np.float32)
    block = 2048  # frames at once: the spectrogram is built in pieces of a few MB
    for start in range(0, n_frames, block):
        idx = np.arange(start, min(n_frames, start + block))[:, None] * hop + np.arange(n_fft)[None, :]
        spectrum = np.fft.rfft(y[idx] * window, axis=1)
        power_db[start : start + len(idx)] = 10.0 * np.log10(np.abs(spectrum) ** 2 + 1e-20)
    np.maximum(power_db, power_db.max() + floor_db, out=power_db)
    flux = np.zeros(n_frames)
    flux[1:] = np.maximum(np.diff(power_db, axis=0), 0.0).mean(axis=1)
    return flux


def refine_onset(y: np.ndarray, start: int, stop: int, config: OnsetConfig) -> int:
    """The first sample in [start, stop) where the level of y's first difference is halfway to its peak there.

    The level before the burst (the median over the span, which the burst is a small part
    of) is the floor; halfway is measured from it, so noise under the burst does not move
    the time. The level is a centred moving mean of |dy|, so a step is timed where it steps.
    """
    start, stop = max(1, start), min(len(y), stop)
    if stop - start < 2:
        return start
    level = uniform_filter1d(np.abs(np.diff(y[start - 1 : stop])), config.samples(config.level_window_s))
    peak = int(np.argmax(level))
    floor = float(np.median(level))
    half = floor + 0.5 * (level[peak] - floor)
    before = np.flatnonzero(level[: peak + 1] < half)
    return start + (int(before[-1]) + 1 if len(before) else 0)


def clip_onsets(video: str | os.PathLike, *, config: OnsetConfig = OnsetConfig(),
                info: VideoInfo | None = None) -> Onsets:
    """The onsets of a clip's first audio track (read with PyAV), its time zero at the first video frame."""
    from foleystudio.media.mux import read_audio

    info = info or probe_video(video)
    if not info.has_audio:
        raise InputError(f"{video}: has no audio track to find onsets in (the truth is drafted from the clip's sound)")
    return detect_onsets(read_audio(info, sr=config.sr), config.sr, config=config)


def _at_rate(config: OnsetConfig, sr: int) -> OnsetConfig:
    from dataclasses import replace

    if sr <= 0:
        raise ValueError(f"sr must be positive, got {sr}")
    return replace(config, sr=sr)
