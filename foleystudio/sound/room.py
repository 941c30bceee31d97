"""Space: the room an indoor shot's sounds ring in, and the air that dulls a far sound outdoors.

- Room: a synthetic stereo impulse response per room size (`ROOMS`): a handful of early
  reflections (the nearest walls, floor and ceiling: 2-25 ms in a small room, 8-70 ms in a
  large one, each from its own side) and a late tail of decorrelated noise that decays to
  -60 dB in the room's RT60, its highs dying faster than its lows (a drier copy low-passed
  crossfades in). Only the reverberation is returned (the dry sound is the layer itself),
  at `wet_db` under it, and only inside the indoor spans: at a cut out of the room the tail
  fades over `tail_fade_s`, it does not ring into the next place.
- Air: a far source's highs are absorbed on the way (about 0.3 dB a metre at 8 kHz, by
  ISO 9613-1 at 20 C and 50 % humidity). The distance comes from the picture (a body half as
  tall is twice as far: spatial.distance_gain's law), from `near_m` for the nearest person
  seen; a first-order low-pass whose loss at 8 kHz matches that distance.

Both are convolutions and filters only: deterministic, no randomness beyond the IR's seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft, signal

from foleystudio.sound.procedural import dsp
from foleystudio.sound.mix import times_curve
from foleystudio.sound.scratch import release

BLOCK_S = 10.0  # the room is applied a block at a time: a long video's working memory does not grow


@dataclass(frozen=True)
class Room:
    rt60_s: float  # time for the tail to fall 60 dB
    early_ms: tuple[float, float]  # the early reflections arrive in this window
    reflections: int
    wet_db: float  # the reverberation's level against the dry sound (equal energy IR)
    bright_hz: float  # the tail's highs above this decay faster


ROOMS: dict[str, Room] = {
    "small": Room(rt60_s=0.45, early_ms=(2.0, 25.0), reflections=8, wet_db=-15.0, bright_hz=5000.0),
    "large": Room(rt60_s=1.5, early_ms=(8.0, 70.0), reflections=12, wet_db=-10.0, bright_hz=3500.0),
}


@dataclass(frozen=True)
class SpaceOptions:
    room: bool = True  # indoor shots ring in their room
    air: bool = True  # far sounds lose their highs
    near_m: float = 4.0  # how far the nearest person seen is taken to be
    tail_fade_s: float = 0.15  # a room's tail fades out over this after its span ends
    air_loss_db_per_m: float = 0.3  # at AIR_REFERENCE_HZ


AIR_REFERENCE_HZ = 8000.0
EARLY_SHARE = 0.3  # of a room's reverberant energy in its early reflections, the rest in the tail


def room_ir(size: str, sr: int, seed: int = 0) -> np.ndarray:
    """(n, 2) float32 reverberation of a `size` room (ROOMS), unit energy: early reflections and the tail."""
    room = ROOMS[size]
    rng = np.random.default_rng([seed, 7 if size == "small" else 11])
    n = int(1.2 * room.rt60_s * sr)
    t = np.arange(n) / sr
    ir = np.zeros((n, 2))
    lo, hi = room.early_ms
    for k in range(room.reflections):  # each wall from its side, a little duller and quieter the later it comes
        delay = rng.uniform(lo, hi) / 1000.0
        side = rng.uniform(0.0, 1.0)
        amp = rng.choice((-1.0, 1.0)) * (0.5 + 0.5 * (1.0 - delay * 1000.0 / hi))
        i = int(delay * sr)
        ir[i, 0] += amp * np.cos(side * np.pi / 2)
        ir[i, 1] += amp * np.sin(side * np.pi / 2)
    decay = np.exp(-6.91 * t / room.rt60_s)  # -60 dB at rt60
    onset = np.clip((t - lo / 1000.0) / max(hi / 1000.0 - lo / 1000.0, 1e-3), 0.0, 1.0)  # the tail builds up
    noise = rng.standard_normal((n, 2))
    dull = signal.sosfilt(dsp.band_sos(20.0, room.bright_hz, sr, order=2), noise, axis=0)
    fade = np.exp(-6.91 * t / (room.rt60_s / 1.5))[:, None]  # the highs die faster
    tail = (fade * noise + (1.0 - fade) * dull) * (decay * onset)[:, None]
    ir *= np.sqrt(EARLY_SHARE / max(np.sum(ir**2), 1e-12))  # the reflections hold EARLY_SHARE of the energy
    ir += tail * np.sqrt((1.0 - EARLY_SHARE) / max(np.sum(tail**2), 1e-12))
    ir /= np.sqrt(np.sum(ir**2) / 2.0)
    return ir.astype(np.float32)


@lru_cache(maxsize=4)
def _room_spectrum(size: str, sr: int, seed: int) -> tuple[np.ndarray, int, int, int]:
    """The room's reverberation at its level as a spectrum for overlap-add (float32: half the FFT work), the
    impulse response's length, the segment of dry sound each FFT takes (a power of two at least half the response,
    and at least a third of a second: a silent segment costs nothing) and the FFT's length. Made once per room,
    seed and rate: every layer and block of a render shares it."""
    room = ROOMS[size]
    ir = room_ir(size, sr, seed) * np.float32(10.0 ** (room.wet_db / 20.0))
    segment = max(1 << 14, 1 << int(np.ceil(np.log2(len(ir) / 2))))
    n_fft = fft.next_fast_len(segment + len(ir) - 1, real=True)
    return np.ascontiguousarray(fft.rfft(ir, n_fft, axis=0).T), len(ir), segment, n_fft  # a row per channel


def _reverberate(dry: np.ndarray, size: str, sr: int, seed: int) -> np.ndarray:
    """(len(dry) + ir - 1, 2) float32: mono `dry` convolved with the room's stereo reverberation, a segment at a
    time (overlap-add); segments of silence are skipped (footsteps are mostly silence)."""
    spectrum, m, segment, n_fft = _room_spectrum(size, sr, seed)
    wet = np.zeros((len(dry) + m - 1, 2), np.float32)
    for lo in range(0, len(dry), segment):
        piece = dry[lo:lo + segment]
        if piece.any():
            heard = fft.rfft(piece, n_fft)
            k = min(n_fft, len(wet) - lo)
            for channel, response in enumerate(spectrum):
                wet[lo:lo + k, channel] += fft.irfft(heard * response, n_fft)[:k]
    return wet


def add_room(audio: np.ndarray, spans: Sequence[tuple[int, int, str]], sr: int, *, seed: int = 0,
             options: SpaceOptions = SpaceOptions()) -> None:
    """Add the reverberation of (start, stop, size) spans of `audio` ((n, 2), in place): each span's sound
    rings in its room, faded out `tail_fade_s` after the span. Overlap-add a block at a time: the room hears each
    block of the dry sound, and a block's wet sound is added once every earlier block's tail is in it (the tail
    still to come is carried over), so working memory is a block and an impulse response, whatever the length."""
    n = len(audio)
    block = int(BLOCK_S * sr)
    for start, stop, size in spans:
        if stop <= start:
            continue
        end = min(n, stop + int(options.tail_fade_s * sr))
        fade = np.cos(np.linspace(0.0, np.pi / 2, end - stop, dtype=np.float32))
        carry = np.zeros((0, 2), np.float32)  # the wet sound from `lo` on that earlier blocks left
        for lo in range(start, end, block):
            hi = min(lo + block, end)
            wet = np.zeros((max(hi - lo, len(carry)), 2), np.float32)
            wet[:len(carry)] += carry
            if lo < stop:  # a block of the dry sound (the room hears one source)
                part = audio[lo:min(hi, stop)]
                dry = (part[:, 0] + part[:, 1]) * np.float32(0.5)  # their mean (the same values, 8x faster)
                if dry.any():
                    y = _reverberate(dry, size, sr, seed)[:end - lo]
                    if len(y) > len(wet):
                        wet = np.concatenate([wet, np.zeros((len(y) - len(wet), 2), np.float32)])
                    wet[:len(y)] += y
            done, carry = wet[:hi - lo], wet[hi - lo:]
            if hi > stop:  # the tail after the span fades out
                times_curve(done[max(stop, lo) - lo:], fade[max(stop, lo) - stop:hi - stop])
            audio[lo:hi] += done
            release(audio[lo:hi])


def air_cutoff_hz(distance_m: float, options: SpaceOptions = SpaceOptions()) -> float | None:
    """The first-order low-pass whose loss at AIR_REFERENCE_HZ is the air's over `distance_m` (None: none)."""
    loss_db = options.air_loss_db_per_m * max(distance_m, 0.0)
    if loss_db < 0.1:
        return None
    return AIR_REFERENCE_HZ / float(np.sqrt(10.0 ** (loss_db / 10.0) - 1.0))


def through_air(mono: np.ndarray, distance_ratio: float, sr: int, options: SpaceOptions = SpaceOptions()) -> np.ndarray:
    """`mono` as heard `distance_ratio` times farther than the nearest person (1: as it is)."""
    if not options.air or not np.isfinite(distance_ratio) or distance_ratio <= 1.0:
        return mono
    cutoff = air_cutoff_hz(options.near_m * (distance_ratio - 1.0), options)
    if cutoff is None or cutoff >= 0.45 * sr:
        return mono
    b, a = signal.butter(1, cutoff, "lowpass", fs=sr)
    return signal.lfilter(b, a, mono).astype(np.float32)
