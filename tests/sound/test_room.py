"""Space: a room's reverberation with known decay, only where the room is, and the air's loss with distance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from foleystudio.sound.room import (AIR_REFERENCE_HZ, ROOMS, SpaceOptions, add_room, air_cutoff_hz, room_ir,
                                    through_air)

SR = 48_000


def rt60(ir: np.ndarray, sr: int) -> float:
    """The decay time by Schroeder's backward integral, from its -5 to -25 dB slope (T20, doubled to 60 dB)."""
    energy = np.cumsum((ir**2).sum(axis=1)[::-1])[::-1]
    db = 10 * np.log10(energy / energy[0] + 1e-30)
    t5, t25 = np.argmax(db <= -5), np.argmax(db <= -25)
    return 3.0 * (t25 - t5) / sr


@pytest.mark.parametrize("size", list(ROOMS))
def test_a_room_decays_in_its_time_and_sounds_from_both_sides(size):
    ir = room_ir(size, SR)
    assert ir.shape[1] == 2 and ir.dtype == np.float32
    assert (ir**2).sum() / 2 == pytest.approx(1.0, rel=1e-3)  # unit energy: wet_db is the reverb's level
    assert rt60(ir, SR) == pytest.approx(ROOMS[size].rt60_s, rel=0.25)
    late = ir[int(0.1 * SR):]
    assert abs(np.corrcoef(late[:, 0], late[:, 1])[0, 1]) < 0.3  # a diffuse tail, not a mono echo
    assert np.array_equal(ir, room_ir(size, SR))  # the same room every time


def test_a_large_room_rings_longer_and_louder_than_a_small_one():
    assert rt60(room_ir("large", SR), SR) > 2 * rt60(room_ir("small", SR), SR)
    assert ROOMS["large"].wet_db > ROOMS["small"].wet_db


def test_the_room_rings_only_in_its_span_and_fades_at_its_end():
    audio = np.zeros((3 * SR, 2), np.float32)
    audio[int(0.5 * SR)] = 1.0  # a click inside the room, one outside it
    audio[int(2.2 * SR)] = 1.0
    dry = audio.copy()
    options = SpaceOptions()
    add_room(audio, [(0, SR, "large")], SR, options=options)
    wet = audio - dry
    assert np.abs(wet[: int(0.5 * SR)]).max() < 1e-6  # nothing before the sound (FFT rounding only)
    assert np.abs(wet[int(0.6 * SR):SR]).max() > 1e-3  # the tail rings on ...
    end = SR + int(options.tail_fade_s * SR)
    assert not wet[end:].any()  # ... fades out after the span, and the click outside gets no room
    assert np.abs(np.diff(wet[SR - 10:end + 10], axis=0)).max() < 0.01  # no click where it fades


def test_the_room_is_one_convolution_whatever_the_blocks(monkeypatch):
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal((4 * SR, 2)) * 0.1).astype(np.float32)
    whole, blocks = audio.copy(), audio.copy()
    add_room(whole, [(0, 4 * SR, "small")], SR)
    monkeypatch.setattr("foleystudio.sound.room.BLOCK_S", 0.7)
    add_room(blocks, [(0, 4 * SR, "small")], SR)
    np.testing.assert_allclose(blocks, whole, atol=2e-5)


@settings(max_examples=20, deadline=None)
@given(metres=st.floats(1.0, 200.0))
def test_the_air_loses_what_iso_9613_says_at_8_khz(metres):
    options = SpaceOptions()
    cutoff = air_cutoff_hz(metres, options)
    loss = options.air_loss_db_per_m * metres
    if cutoff is None:
        assert loss < 0.1
        return
    b, a = signal.butter(1, cutoff, "lowpass", fs=SR * 4)  # an analogue-like check far from Nyquist
    _, h = signal.freqz(b, a, worN=[AIR_REFERENCE_HZ], fs=SR * 4)
    assert -20 * np.log10(abs(h[0])) == pytest.approx(loss, abs=0.3)


def test_a_far_sound_is_duller_and_the_nearest_is_untouched():
    rng = np.random.default_rng(1)
    noise = rng.standard_normal(SR).astype(np.float32)
    assert through_air(noise, 1.0, SR) is noise
    assert through_air(noise, 8.0, SR, SpaceOptions(air=False)) is noise

    def highs(x):
        f, p = signal.welch(x, SR, nperseg=2048)
        return p[f > 6000].sum() / p[f < 1000].sum()

    near, far = highs(through_air(noise, 2.0, SR)), highs(through_air(noise, 10.0, SR))
    assert highs(noise) > near > far


def test_the_room_carried_across_blocks_is_the_whole_convolution(monkeypatch):
    """Clicks just before, on and across a block's edge, in a span that ends inside a block: each block's tail is
    carried into the next, and the whole is one convolution, faded after the span."""
    from foleystudio.sound.scratch import zeros

    monkeypatch.setattr("foleystudio.sound.room.BLOCK_S", 0.25)  # 12000 samples
    monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 0)
    n, start, stop = 3 * SR, 1000, 2 * SR + 123
    dry = np.zeros((n, 2), np.float32)
    for at in (12999, 13000, 24990):  # 1000 + 12000 is an edge; the last click's sound crosses the next one
        dry[at:at + 40] += np.hanning(40)[:, None].astype(np.float32)
    audio = zeros((n, 2))
    audio[:] = dry
    options = SpaceOptions()
    add_room(audio, [(start, stop, "large")], SR, options=options)
    ir = room_ir("large", SR) * np.float32(10 ** (ROOMS["large"].wet_db / 20))
    mono = dry[start:stop].mean(axis=1).astype(np.float64)
    end = stop + int(options.tail_fade_s * SR)
    wet = np.stack([np.convolve(mono, ir[:, c].astype(np.float64)) for c in range(2)], axis=1)[:end - start]
    wet[stop - start:] *= np.cos(np.linspace(0.0, np.pi / 2, end - stop))[:, None]
    want = dry.astype(np.float64)
    want[start:end] += wet
    np.testing.assert_allclose(audio, want, atol=2e-6)
