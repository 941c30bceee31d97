"""Reading the tempo: known answers from click tracks, the beat rather than its subdivisions, no onsets from a
steady tone."""

from __future__ import annotations

import numpy as np
import pytest

from foleystudio.sound.tempo import measure_tempo, onset_strength

SR = 48_000


def clicks(tempo_bpm: float, length_s: float = 12.0, subdivision_gain: float = 0.0) -> np.ndarray:
    """A click (a 2 ms decaying 2 kHz burst) on each beat, and a softer one half-way when `subdivision_gain`."""
    x = np.zeros(int(length_s * SR), np.float32)
    t = np.arange(int(0.002 * SR)) / SR
    click = (np.sin(2 * np.pi * 2000 * t) * np.exp(-t / 0.0005)).astype(np.float32)
    beat_s = 60.0 / tempo_bpm
    for k in range(int(length_s / beat_s * 2)):
        start = round(k * beat_s / 2 * SR)
        gain = 1.0 if k % 2 == 0 else subdivision_gain
        if gain and start + click.size < x.size:
            x[start:start + click.size] += gain * click
    return x


@pytest.mark.parametrize("tempo_bpm", [55.0, 72.0, 90.0, 108.0, 128.0, 150.0, 170.0])
def test_measure_tempo_reads_a_click_track(tempo_bpm):
    assert measure_tempo(clicks(tempo_bpm), SR) == pytest.approx(tempo_bpm, rel=0.01)


@pytest.mark.parametrize("tempo_bpm", [60.0, 80.0])
def test_measure_tempo_hears_the_beat_not_its_softer_eighths(tempo_bpm):
    """Eighths 20 dB under the beats: the beat, even where the eighths' rate is nearer 120 bpm."""
    assert measure_tempo(clicks(tempo_bpm, subdivision_gain=0.1), SR) == pytest.approx(tempo_bpm, rel=0.01)


def test_measure_tempo_is_finer_than_its_frames():
    """97.3 bpm is a beat of 123.3 frames of 5 ms: the peaks at its multiples resolve the fraction."""
    assert measure_tempo(clicks(97.3, 20.0), SR) == pytest.approx(97.3, rel=0.002)


def test_measure_tempo_at_another_sample_rate():
    """At 44.1 kHz a 5 ms hop is 220.5 samples: the frame rate is the hop actually used."""
    sr = 44_100
    x = np.zeros(12 * sr, np.float32)
    for k in range(int(12 / 0.5)):
        x[round(k * 0.5 * sr)] = 1.0
    assert measure_tempo(x, sr) == pytest.approx(120.0, rel=0.005)


def test_measure_tempo_of_silence_is_nan():
    assert np.isnan(measure_tempo(np.zeros((5 * SR, 2), np.float32), SR))


def test_onset_strength_ignores_a_steady_tone():
    """A steady low sawtooth (its harmonics beating in the analysis bands) is no onset; a click is."""
    t = np.arange(8 * SR) / SR
    saw = sum(np.sin(2 * np.pi * k * 65.4 * t) / k for k in range(1, 30)).astype(np.float32)
    steady = onset_strength(0.3 * saw, SR)
    clicked = onset_strength(0.3 * saw + clicks(100.0, 8.0), SR)
    assert steady[100:-100].max() < 0.05 * clicked[100:-100].max()
