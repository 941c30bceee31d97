"""The ambience layer: every kind at its level with its own signature, crossfaded without clicks, the same
whatever the block size, in bounded memory, and never a loop."""

from __future__ import annotations

import functools
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest
import scipy.fft
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from foleystudio import materials
from foleystudio.errors import InputError
from foleystudio.sound.ambience import (AMBIENCES, KIND_LUFS, AmbienceOptions, BedSpan, make_bed,
                                        render_ambience)
from foleystudio.sound.mix import integrated_lufs

SR = 48_000


def one(kind: str, seconds: float, seed: int = 0, sr: int = SR, **options) -> np.ndarray:
    n = int(seconds * sr)
    return render_ambience([BedSpan(0, n, kind)], n_samples=n, sr=sr, seed=seed,
                           options=AmbienceOptions(**options)).audio


@functools.cache
def thirty(kind: str, seed: int = 0) -> np.ndarray:
    """30 s of a kind (shared by the tests that only read it)."""
    return one(kind, 30.0, seed)


def spans(*parts: tuple[str, float], sr: int = SR) -> list[BedSpan]:
    """Spans of (kind, seconds), one after another from 0."""
    out, start = [], 0
    for kind, seconds in parts:
        out.append(BedSpan(start, start + int(seconds * sr), kind))
        start = out[-1].stop
    return out


def psd(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return signal.welch(audio.mean(axis=1), SR, nperseg=8192)


def power_envelope(audio: np.ndarray, window_s: float, band_hz: tuple[float, float] | None = None) -> np.ndarray:
    """Mean square of the mid signal (optionally band-passed) in consecutive windows."""
    x = audio.mean(axis=1).astype(np.float64)
    if band_hz:
        x = signal.sosfilt(signal.butter(4, band_hz, "bandpass", fs=SR, output="sos"), x)
    w = int(window_s * SR)
    return np.mean(x[: len(x) // w * w].reshape(-1, w) ** 2, axis=1)


def onsets(loud: np.ndarray) -> int:
    return int(np.sum(loud[1:] & ~loud[:-1]))


# ---- every kind ---------------------------------------------------------------------------------------------


def test_the_kinds_are_materials_ambiences():
    assert AMBIENCES == materials.AMBIENCES
    assert list(KIND_LUFS) == list(AMBIENCES)
    assert min(KIND_LUFS, key=KIND_LUFS.get) == "room_small"  # room tone is the quietest bed


@pytest.mark.parametrize("kind", AMBIENCES)
def test_every_kind_is_a_finite_stereo_bed_at_its_level(kind):
    for seed in (0, 1):
        audio = thirty(kind, seed)
        assert audio.shape == (30 * SR, 2) and audio.dtype == np.float32
        assert np.isfinite(audio).all()
        assert integrated_lufs(audio, SR) == pytest.approx(KIND_LUFS[kind], abs=1.5)
        assert 20 * np.log10(np.abs(audio).max()) < -12.0  # well under full scale


@pytest.mark.parametrize("kind", AMBIENCES)
def test_stereo_is_decorrelated_but_not_two_unrelated_noises(kind):
    audio = thirty(kind)
    assert abs(np.corrcoef(audio.T)[0, 1]) < 0.8
    rumble = signal.sosfilt(signal.butter(4, 150, fs=SR, output="sos"), audio, axis=0)
    assert np.corrcoef(rumble.T)[0, 1] > 0.25  # the lows reach both ears alike


@pytest.mark.parametrize("kind", AMBIENCES)
def test_deterministic_for_a_seed(kind):
    a, b = one(kind, 3.0, seed=5), one(kind, 3.0, seed=5)
    assert np.array_equal(a, b)
    assert not np.allclose(a, one(kind, 3.0, seed=6))


def test_level_db_scales_every_kind():
    quiet, loud = one("park", 2.0), one("park", 2.0, level_db=6.0)
    np.testing.assert_allclose(loud, quiet * 10 ** (6 / 20), rtol=1e-5, atol=1e-9)


# ---- what each kind sounds like -----------------------------------------------------------------------------


def test_room_tone_is_low():
    f, p = psd(thirty("room_small"))
    assert p[f < 500].sum() > 0.8 * p.sum()


def test_night_peaks_where_crickets_sing():
    f, p = psd(thirty("night"))
    assert 3000 <= f[np.argmax(p)] <= 7000
    assert p[(f >= 3000) & (f <= 7000)].sum() > 0.5 * p.sum()


def test_rain_is_brighter_than_a_room_and_the_wind():
    def centroid(kind):
        f, p = psd(thirty(kind))
        return float((f * p).sum() / p.sum())
    assert centroid("rain") > 2 * centroid("room_small")
    assert centroid("rain") > 2 * centroid("wind")


def test_wind_gusts_and_open_air_does_not():
    def wander_db(kind):
        return float(np.std(10 * np.log10(power_envelope(thirty(kind), 0.5))))
    assert wander_db("wind") > 2.0 > wander_db("outdoor_air")


def test_waves_come_every_5_to_14_seconds():
    for seed in (0, 1):
        envelope = power_envelope(one("shore", 120.0, seed=seed), 0.1)
        spectrum = np.abs(np.fft.rfft(envelope - envelope.mean())) ** 2
        freqs = np.fft.rfftfreq(len(envelope), 0.1)
        heard = (freqs > 1 / 40) & (freqs < 2.0)
        assert 5.0 <= 1.0 / freqs[heard][np.argmax(spectrum[heard])] <= 14.0


def test_a_crowd_talks_in_syllables():
    """The voice band's envelope moves at 3-6 Hz, the syllable rate; open air's does not."""
    def syllables(kind):
        envelope = np.sqrt(power_envelope(thirty(kind), 0.01, (300.0, 3000.0)))
        f, p = signal.welch(envelope / envelope.mean() - 1.0, 100.0, nperseg=512)
        return p[(f >= 3) & (f <= 6)].mean() / p[(f >= 10) & (f <= 20)].mean()
    assert syllables("crowd") > 2.5
    assert syllables("crowd") > 2.0 * syllables("outdoor_air")


def test_birds_sing_in_the_park():
    """Discrete events 10 dB over the 2-8 kHz band's median: a few per 10 s in the park, none in a room."""
    def events(kind):
        band = power_envelope(thirty(kind), 0.01, (2000.0, 8000.0))
        return onsets(band > 10.0 * np.median(band))
    assert events("park") >= 5
    assert events("room_small") == 0 and events("rain") == 0


def test_cars_pass_in_the_city():
    band = 10 * np.log10(power_envelope(one("city", 60.0), 0.25, (300.0, 3000.0)))
    assert onsets(band > np.median(band) + 4.0) >= 3  # swells 4 dB over the traffic's median
    room = 10 * np.log10(power_envelope(thirty("room_large"), 0.25, (300.0, 3000.0)))
    assert onsets(room > np.median(room) + 4.0) == 0


# ---- spans and crossfades -----------------------------------------------------------------------------------


def test_a_span_is_its_own_bed_and_the_crossfade_is_equal_power_centred_on_the_cut():
    cut, fade = int(2.0 * SR) + 7, int(0.5 * SR)
    layout = [BedSpan(0, cut, "wind"), BedSpan(cut, 4 * SR, "rain")]
    audio = render_ambience(layout, n_samples=4 * SR, seed=3).audio
    lo, hi = cut - fade // 2, cut - fade // 2 + fade
    first = make_bed("wind", seed=3, index=0).next(hi)
    second = make_bed("rain", seed=3, index=1).next(4 * SR - lo)
    assert np.array_equal(audio[:lo], first[:lo])
    assert np.array_equal(audio[hi:], second[hi - lo:])
    u = 0.5 * np.pi * (np.arange(fade) + 0.5) / fade
    expected = first[lo:hi] * np.cos(u)[:, None] + second[: hi - lo] * np.sin(u)[:, None]
    np.testing.assert_allclose(audio[lo:hi], expected, atol=1e-7)


def test_a_cut_to_the_same_kind_is_a_fresh_instance():
    whole = one("room_small", 4.0)
    cut = render_ambience(spans(("room_small", 2.0), ("room_small", 2.0)), n_samples=4 * SR).audio
    assert np.array_equal(cut[: SR], whole[: SR])
    assert not np.allclose(cut[3 * SR:], whole[3 * SR:])


HIGH = signal.butter(8, 10_000, "highpass", fs=SR, output="sos")


def click_ratio(x: np.ndarray, at: int) -> float:
    """Energy above 10 kHz in 1 ms windows: the most within 3 ms of `at` over the median within 0.5 s. The room
    beds have almost nothing up there, so a step (a click) stands out."""
    high = signal.sosfilt(HIGH, x.astype(np.float64))
    w = SR // 1000
    energy = np.convolve(high * high, np.ones(w) / w, mode="same")
    return float(energy[at - 3 * w: at + 3 * w].max() / np.median(energy[at - SR // 2: at + SR // 2]))


def spike_ratio(x: np.ndarray, at: int) -> float:
    """The largest sample-to-sample step within 5 ms of `at` over the largest elsewhere within 0.5 s."""
    d = np.abs(np.diff(x.astype(np.float64)))
    w = SR // 200
    return float(d[at - w: at + w].max() / np.r_[d[at - SR // 2: at - w], d[at + w: at + SR // 2]].max())


ROOMS = spans(("room_small", 1.5), ("room_small", 1.2), ("room_large", 1.3), ("room_large", 1.0),
              ("room_small", 1.5))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_crossfade_has_no_click_and_a_hard_splice_would(seed):
    n = ROOMS[-1].stop
    smooth = render_ambience(ROOMS, n_samples=n, seed=seed).audio
    spliced = render_ambience(ROOMS, n_samples=n, seed=seed, options=AmbienceOptions(crossfade_s=0.0)).audio
    for span in ROOMS[1:]:
        assert max(click_ratio(smooth[:, ch], span.start) for ch in (0, 1)) < 5.0
        assert max(click_ratio(spliced[:, ch], span.start) for ch in (0, 1)) > 5.0  # the measure can fail


@pytest.mark.parametrize("kind", AMBIENCES)
def test_no_step_at_a_change_of_kind(kind):
    """Into and out of every kind: no sample-to-sample step near the cuts larger than the beds make anyway."""
    layout = spans(("room_large", 1.0), (kind, 1.5), ("city", 1.0))
    audio = render_ambience(layout, n_samples=layout[-1].stop, seed=2).audio
    for at in (layout[1].start, layout[2].start):
        assert max(spike_ratio(audio[:, ch], at) for ch in (0, 1)) < 1.5


def test_short_spans_shorten_their_crossfades():
    """A crossfade is no longer than either span it joins: the 1 s shore fades out over the 0.05 s that the
    night span after it lasts, so before that it is the shore alone."""
    layout = spans(("shore", 1.0), ("night", 0.05), ("crowd", 0.01), ("park", 1.0))
    audio = render_ambience(layout, n_samples=layout[-1].stop, options=AmbienceOptions(crossfade_s=1.0)).audio
    assert np.isfinite(audio).all()
    alone = layout[0].stop - int(0.05 * SR) // 2
    assert np.array_equal(audio[:alone], make_bed("shore").next(alone))
    assert not np.array_equal(audio[alone: alone + 10], make_bed("shore").next(alone + 10)[alone:])
    for span in layout[1:]:
        assert max(spike_ratio(audio[:, ch], span.start) for ch in (0, 1)) < 1.5


# ---- streaming: any block size, bounded memory, never a loop ------------------------------------------------


def test_the_block_size_does_not_change_the_bed():
    layout = spans(("city", 3.3), ("park", 2.0), ("crowd", 2.1), ("night", 1.7), ("shore", 2.2), ("rain", 1.0))
    n = layout[-1].stop
    reference = render_ambience(layout, n_samples=n, seed=4, options=AmbienceOptions(block_s=5.0)).audio
    for block_s in (1.3, 0.0371, 60.0):
        other = render_ambience(layout, n_samples=n, seed=4, options=AmbienceOptions(block_s=block_s)).audio
        assert np.array_equal(other, reference), block_s


@settings(max_examples=12, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(AMBIENCES), st.integers(1, 12_000)), min_size=1, max_size=4),
       block_s=st.floats(0.005, 2.0), crossfade_s=st.floats(0.0, 0.8), seed=st.integers(0, 2**16),
       sr=st.sampled_from([8000, 16_000, 44_100]))
def test_any_spans_any_blocks_same_bed(parts, block_s, crossfade_s, seed, sr):
    layout, start = [], 0
    for kind, length in parts:
        layout.append(BedSpan(start, start + length, kind))
        start += length
    options = AmbienceOptions(crossfade_s=crossfade_s)
    reference = render_ambience(layout, n_samples=start, sr=sr, seed=seed, options=options).audio
    other = render_ambience(layout, n_samples=start, sr=sr, seed=seed, options=replace(options, block_s=block_s))
    assert other.audio.shape == (start, 2) and np.isfinite(reference).all()
    assert np.array_equal(other.audio, reference)


def test_the_bed_is_written_into_a_given_buffer():
    out = np.zeros((SR, 2), np.float32)
    stem = render_ambience([BedSpan(0, SR, "rain")], n_samples=SR, out=out)
    assert stem.audio is out and stem.name == "ambience" and stem.sr == SR
    assert np.array_equal(out, one("rain", 1.0))


def test_no_spans_is_silence():
    assert not render_ambience([], n_samples=1000).audio.any()


LOOP_RATE = 1000  # Hz: the loop measure reads the lows (< 100 Hz) at 1 kHz
LOW = signal.butter(8, 100, fs=SR, output="sos")


def lows(audio: np.ndarray) -> np.ndarray:
    """The mid signal under 100 Hz at LOOP_RATE, a block at a time (no float64 copy of a long bed)."""
    state, step, out = np.zeros((LOW.shape[0], 2)), SR // LOOP_RATE, []
    for start in range(0, len(audio), 10 * SR):
        y, state = signal.sosfilt(LOW, audio[start: start + 10 * SR].mean(axis=1, dtype=np.float64), zi=state)
        out.append(y[::step])  # every block starts on the step
    return np.concatenate(out)


def most_alike(x: np.ndarray, segment_s: float = 2.0) -> float:
    """The highest normalised cross-correlation of any `segment_s` segment (on a grid) with any other stretch of
    `x` at any lag (the stretches overlapping the segment itself left out)."""
    m = int(segment_s * LOOP_RATE)
    n = scipy.fft.next_fast_len(len(x) + m, real=True)
    spectrum = scipy.fft.rfft(x, n)
    energy = np.r_[0.0, np.cumsum(x.astype(np.float64) ** 2)]
    norms = np.sqrt(np.maximum(energy[m:] - energy[:-m], 1e-30))  # of each stretch x[lag:lag + m]
    lags = np.arange(len(norms))
    best = 0.0
    for i in range(len(x) // m):
        segment = x[i * m: (i + 1) * m]
        corr = scipy.fft.irfft(spectrum * np.conj(scipy.fft.rfft(segment, n)), n)[: len(norms)]
        corr = np.abs(corr) / (norms * np.linalg.norm(segment))
        best = max(best, float(corr[np.abs(lags - i * m) >= m].max()))
    return best


@functools.cache
def ten_minutes(kind: str) -> tuple[float, float, np.ndarray]:
    """Traced peak memory of a 10 min render into a given buffer, of a 1 min one, and the 10 min bed's lows."""
    peaks = []
    for minutes in (1, 10):
        out = np.zeros((minutes * 60 * SR, 2), np.float32)
        tracemalloc.start()
        render_ambience([BedSpan(0, len(out), kind)], n_samples=len(out), seed=7, out=out)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return peaks[1], peaks[0], lows(out)


@pytest.mark.parametrize("kind", ["room_small", "park"])
def test_ten_minutes_in_bounded_memory(kind):
    peak_10, peak_1, _ = ten_minutes(kind)
    assert peak_10 < 64e6
    assert peak_10 < 1.2 * peak_1 + 1e6  # flat in length: the buffer is the caller's


@pytest.mark.parametrize("kind", ["room_small", "park"])
def test_ten_minutes_never_repeat(kind):
    x = ten_minutes(kind)[2]
    assert most_alike(x) < 0.9
    looped = x[: 120 * LOOP_RATE].copy()  # the measure can fail: a 2 s segment copied later, off the grid
    looped[101_377: 101_377 + 2 * LOOP_RATE] = x[10 * LOOP_RATE: 12 * LOOP_RATE]
    assert most_alike(looped) > 0.99


def test_a_copy_at_full_rate_is_found_in_the_lows():
    """The copy made before the lows are read (the way a looping bed would repeat) is found too, at any offset."""
    audio = one("room_small", 60.0)
    looped = audio.copy()
    looped[40 * SR + 12_345: 42 * SR + 12_345] = audio[10 * SR: 12 * SR]
    assert most_alike(lows(looped)) > 0.9 > most_alike(lows(audio))


# ---- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout, n, match", [
    ([BedSpan(0, 100, "forest")], 100, "unknown kind 'forest'.*room_small"),
    ([BedSpan(0, 100, "rain"), BedSpan(120, 200, "city")], 200, "span 1 .*gap"),
    ([BedSpan(0, 100, "rain"), BedSpan(80, 200, "city")], 200, "span 1 .*overlaps"),
    ([BedSpan(10, 100, "rain")], 100, "span 0 .*gap"),
    ([BedSpan(0, 100, "rain")], 150, "end at sample 100, not .* 150"),
    ([BedSpan(0, 0, "rain")], 0, "empty"),
])
def test_bad_spans_are_refused(layout, n, match):
    with pytest.raises(InputError, match=match):
        render_ambience(layout, n_samples=n)


def test_bad_buffers_and_rates_are_refused():
    with pytest.raises(ValueError, match="float32"):
        render_ambience([BedSpan(0, 10, "rain")], n_samples=10, out=np.zeros((10, 2)))
    with pytest.raises(InputError, match="8000"):
        render_ambience([BedSpan(0, 10, "rain")], n_samples=10, sr=4000)
    with pytest.raises(InputError, match="block_s"):
        render_ambience([BedSpan(0, 10, "rain")], n_samples=10, options=AmbienceOptions(block_s=0.0))
    with pytest.raises(InputError, match="unknown ambience 'forest'"):
        make_bed("forest")
