"""The music layer: a score whose tempo reads back as planned, in its key and mode, brighter when asked, that starts
from silence, ends on exactly zero, accents the cuts, at the stem loudness."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from foleystudio.errors import InputError
from foleystudio.sound.mix import integrated_lufs, true_peak_db
from foleystudio.sound.music import STYLES, MusicPlan, measure_tempo, plan_music, render_music
from foleystudio.sound.tempo import onset_strength
from tests.sound.helpers import energy_onset

SR = 48_000
LENGTH_S = 16.0


def plan(style: str = "pulse", tempo_bpm: float = 110.0, key: int = 0, mode: str = "major", brightness: float = 0.5,
         energy: float = 0.5, accents_s: tuple[float, ...] = ()) -> MusicPlan:
    return MusicPlan(tempo_bpm, key, mode, brightness, energy, style, accents_s)


@functools.cache
def music(p: MusicPlan, length_s: float = LENGTH_S, seed: int = 0) -> np.ndarray:
    audio = render_music(p, n_samples=int(round(length_s * SR)), sr=SR, seed=seed).audio
    audio.setflags(write=False)
    return audio


def _rms(x) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


# --------------------------------------------------------------------------------------------------- the tempo


@pytest.mark.parametrize("style", STYLES)
def test_each_style_plays_at_its_tempo(style):
    """No octave errors: every style puts its strongest onsets on the beat."""
    for tempo_bpm in (72.0, 96.0, 120.0, 144.0):
        measured = measure_tempo(music(plan(style, tempo_bpm)), SR)
        assert measured == pytest.approx(tempo_bpm, rel=0.04), f"{style} at {tempo_bpm} bpm read {measured:.1f}"


@pytest.mark.parametrize("style", ["ambient", "drive"])
@pytest.mark.parametrize("seed", [1, 2])
def test_tempo_reads_back_whatever_the_seed_energy_and_mode(style, seed):
    for tempo_bpm, mode, energy in ((58.0, "minor", 0.9), (165.0, "major", 0.1)):
        p = plan(style, tempo_bpm, key=seed * 5, mode=mode, energy=energy)
        assert measure_tempo(music(p, seed=seed), SR) == pytest.approx(tempo_bpm, rel=0.04)


def test_faster_pace_gives_a_faster_score():
    """More cuts and more motion: a faster plan, and the music reads back faster."""
    still = plan_music(duration_s=LENGTH_S, style="pulse")
    cutting = plan_music(duration_s=LENGTH_S, cut_times_s=np.arange(1.0, LENGTH_S, 3.0), style="pulse")
    running = plan_music(duration_s=LENGTH_S, cut_times_s=np.arange(1.0, LENGTH_S, 2.0), motion_energy=0.9,
                         style="pulse", accents=False)
    assert still.tempo_bpm < cutting.tempo_bpm < running.tempo_bpm
    measured = [measure_tempo(music(p), SR) for p in (still, cutting, running)]
    assert measured[0] < measured[1] < measured[2]
    for p, m in zip((still, cutting, running), measured):
        assert m == pytest.approx(p.tempo_bpm, rel=0.04)


# ------------------------------------------------------------------------------------------------ planning


def test_pace_to_tempo_is_the_documented_mapping():
    assert plan_music(duration_s=30.0).tempo_bpm == pytest.approx(70.0)
    assert plan_music(duration_s=30.0, cut_times_s=np.arange(1.0, 30.0, 2.0), motion_energy=1.0).tempo_bpm == \
        pytest.approx(150.0)
    assert plan_music(duration_s=60.0, cut_times_s=np.arange(1.0, 60.0, 4.0)).tempo_bpm == pytest.approx(92.5)
    assert plan_music(duration_s=60.0, motion_energy=0.5).tempo_bpm == pytest.approx(87.5)


def test_one_cut_in_a_short_clip_is_not_fast_cutting():
    assert plan_music(duration_s=3.0, cut_times_s=[1.5]).tempo_bpm < 80.0


def test_picture_to_key_mode_and_brightness():
    dark, bright = plan_music(duration_s=20, luma=0.2), plan_music(duration_s=20, luma=0.8)
    assert dark.mode == "minor" and bright.mode == "major"
    assert dark.brightness < bright.brightness
    assert plan_music(duration_s=20, saturation=0.1).brightness < plan_music(duration_s=20, saturation=0.9).brightness
    assert plan_music(duration_s=20, saturation=0.1).energy < plan_music(duration_s=20, saturation=0.9).energy
    keys = [plan_music(duration_s=20, warmth=w).key for w in (-1.0, -0.67, -0.33, 0.0, 0.33, 0.67, 1.0)]
    assert keys == [3, 10, 5, 0, 7, 2, 9]  # Eb Bb F C G D A: round the circle of fifths, cold to warm


def test_accents_are_the_cuts_when_asked():
    cuts = [2.0, 5.5, 9.25]
    assert plan_music(duration_s=12, cut_times_s=cuts + [0.0, 12.0, 15.0]).accents_s == tuple(cuts)
    assert plan_music(duration_s=12, cut_times_s=cuts, accents=False).accents_s == ()


@pytest.mark.parametrize("make, message", [
    (lambda: plan(style="polka"), "style"),
    (lambda: plan(mode="dorian"), "mode"),
    (lambda: plan(tempo_bpm=200.0), "tempo"),
    (lambda: plan(tempo_bpm=float("nan")), "tempo"),
    (lambda: plan(key=12), "key"),
    (lambda: plan(brightness=1.5), "brightness"),
    (lambda: plan_music(duration_s=10, style="polka"), "style"),
    (lambda: plan_music(duration_s=0.0), "duration"),
    (lambda: plan_music(duration_s=10, luma=2.0), "luma"),
    (lambda: plan_music(duration_s=10, warmth=-3.0), "warmth"),
])
def test_bad_options_say_what_is_allowed(make, message):
    with pytest.raises(InputError, match=message):
        make()


# ---------------------------------------------------------------------------------------------- key and timbre


def chroma(audio: np.ndarray) -> np.ndarray:
    """(12,) spectral power per pitch class (0 = C) between 180 Hz and 2.5 kHz, where bins are finer than a
    semitone."""
    f, _, z = signal.stft(audio.mean(axis=1), SR, nperseg=16384)
    power = (np.abs(z) ** 2).mean(axis=1)
    keep = (f > 180) & (f < 2500)
    pitch_class = (np.round(12 * np.log2(f[keep] / 440.0)).astype(int) + 9) % 12
    return np.bincount(pitch_class, weights=power[keep], minlength=12)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("key, mode", [(0, "major"), (9, "minor"), (7, "minor"), (3, "major")])
def test_notes_are_in_the_key_and_mode(style, key, mode):
    c = np.roll(chroma(music(plan(style, 100.0, key, mode))), -key)  # relative to the tonic
    strongest = list(np.argsort(-c))
    assert 0 in strongest[:3] and 7 in strongest[:3], f"tonic/fifth ranks: {strongest}"
    third, other = (4, 3) if mode == "major" else (3, 4)
    assert c[third] > 2.0 * c[other]


def centroid_hz(audio: np.ndarray) -> float:
    f, p = signal.welch(audio.mean(axis=1), SR, nperseg=4096)
    return float((f * p).sum() / p.sum())


@pytest.mark.parametrize("style", STYLES)
def test_brightness_raises_the_spectral_centroid(style):
    dull, mid, bright = (centroid_hz(music(plan(style, brightness=b))) for b in (0.1, 0.5, 0.9))
    assert dull < mid < bright
    assert bright > 1.3 * dull


@pytest.mark.parametrize("style", STYLES)
def test_parts_are_spread_in_stereo(style):
    left, right = music(plan(style)).T
    assert 0.3 < np.corrcoef(left, right)[0, 1] < 0.995


# -------------------------------------------------------------------------------------- shape and loudness


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("length_s", [LENGTH_S, 7.3])
def test_swells_in_from_silence_and_ends_on_exactly_zero(style, length_s):
    audio = music(plan(style, 133.0, accents_s=(3.0,)), length_s)
    n = int(round(length_s * SR))
    assert audio.shape == (n, 2) and audio.dtype == np.float32 and np.isfinite(audio).all()
    level = _rms(audio)
    edge = int(0.005 * SR)
    assert np.abs(audio[:edge]).max() < 0.01 * level
    assert np.abs(audio[-edge:]).max() < 0.01 * level
    assert np.all(audio[-1] == 0.0)
    assert _rms(audio[-int(0.3 * SR):]) < 0.1 * level  # the final chord has faded by the last 0.3 s


@pytest.mark.parametrize("style", STYLES)
def test_at_the_stem_loudness_under_the_true_peak_ceiling(style):
    audio = music(plan(style, energy=0.9, brightness=0.9, accents_s=(4.0, 8.0)))
    assert integrated_lufs(audio, SR) == pytest.approx(-20.0, abs=2.0)
    assert true_peak_db(audio) <= -1.0


@given(st.sampled_from(STYLES), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(0, 50))
@settings(max_examples=12, deadline=None)
def test_the_score_gain_reads_only_the_peaks_that_could_set_it(style, energy, brightness, seed):
    """The score's gain measures the true peak only where it could pass the ceiling under the loudness's gain
    (stretches under it by the oversampler's most are not read): the gain is the one every peak gives."""
    from foleystudio.sound.mix import MixConfig
    from foleystudio.sound.music import _loudness_gain

    audio = music(plan(style, energy=energy, brightness=brightness, accents_s=(2.0,)), length_s=4.0, seed=seed)
    raw = audio / np.float32(_loudness_gain(audio, SR))  # about as it was made; its gain is measured again
    config = MixConfig()
    want = min(config.target_lufs - integrated_lufs(raw, SR), config.true_peak_db - 0.05 - true_peak_db(raw))
    assert float(_loudness_gain(raw, SR)) == pytest.approx(10.0 ** (want / 20.0), rel=1e-6)


def test_a_loud_peak_in_the_score_sets_its_gain():
    """A score whose one click would pass the ceiling at the loudness's gain is held under it by that click."""
    from foleystudio.sound.music import _loudness_gain

    raw = music(plan("ambient"), length_s=4.0).copy()
    raw[SR] = (1.0, -1.0)  # one full-scale sample on a quiet pad: its true peak sets the gain
    gain_db = 20.0 * np.log10(float(_loudness_gain(raw, SR)))
    assert gain_db == pytest.approx(-1.05 - true_peak_db(raw), abs=1e-4)
    assert gain_db < -20.0 - integrated_lufs(raw, SR)


@given(st.integers(1, 4000), st.integers(0, 5000), st.integers(0, 5000), st.data())
@settings(max_examples=60, deadline=None)
def test_a_note_envelope_is_its_raised_cosines_in_any_piece(n, attack, release, data):
    """The ramps are made once per length and read from there: the envelope is the formula's, sample for
    sample, whole or a piece lo..hi at a time."""
    from foleystudio.sound.instruments import envelope

    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo + 1, n))
    i = np.arange(n)
    a, r = min(attack, n), min(release, n)
    want = np.ones(n)
    if a:
        want[:a] = 0.5 - 0.5 * np.cos(np.pi * i[:a] / a)
    if r:
        want[n - r:] *= 0.5 + 0.5 * np.cos(np.pi * (i[n - r:] - (n - r) + 1) / r)
    np.testing.assert_allclose(envelope(n, attack, release), want, atol=1e-6)
    np.testing.assert_array_equal(envelope(n, attack, release, lo, hi), envelope(n, attack, release)[lo:hi])


@pytest.mark.parametrize("length_s", [0.05, 1.0, 3.5])
def test_a_short_video_gets_one_chord_swell(length_s):
    audio = music(plan("drive"), length_s)
    assert audio.shape == (int(round(length_s * SR)), 2)
    assert np.all(audio[0] == 0.0) and np.all(audio[-1] == 0.0)
    assert true_peak_db(audio) <= -1.0
    if length_s >= 1.0:
        assert integrated_lufs(audio, SR) == pytest.approx(-20.0, abs=2.0)


def test_an_accent_just_before_the_end_fades_out_too():
    audio = music(plan("pulse", accents_s=(2.9,)), 3.0)
    assert np.abs(audio[-int(0.005 * SR):]).max() < 0.01 * _rms(audio)


def test_no_samples_is_an_empty_stem():
    stem = render_music(plan(), n_samples=0, sr=SR)
    assert stem.name == "music" and stem.audio.shape == (0, 2) and stem.sr == SR


@settings(max_examples=12, deadline=None)
@given(style=st.sampled_from(STYLES), tempo_bpm=st.floats(50.0, 170.0), key=st.integers(0, 11),
       mode=st.sampled_from(["major", "minor"]), brightness=st.floats(0.0, 1.0), energy=st.floats(0.0, 1.0),
       length_s=st.floats(0.02, 9.0), seed=st.integers(0, 2**16))
def test_any_plan_renders_a_clean_stem(style, tempo_bpm, key, mode, brightness, energy, length_s, seed):
    n = int(length_s * SR)
    audio = render_music(plan(style, tempo_bpm, key, mode, brightness, energy, accents_s=(0.4 * length_s,)),
                         n_samples=n, sr=SR, seed=seed).audio
    assert audio.shape == (n, 2) and audio.dtype == np.float32 and np.isfinite(audio).all()
    assert np.all(audio[0] == 0.0) and np.all(audio[-1] == 0.0)
    assert np.abs(audio).max() < 10 ** (-1.0 / 20)


# ------------------------------------------------------------------------------------------------- accents


@pytest.mark.parametrize("style", STYLES)
def test_an_accent_starts_on_the_cut(style):
    """With and without accents the music is the same but for its gain: what is left once the plain render is
    scaled away is the accent, whose attack is on the cut's sample; and its onset stands out of the music."""
    cuts = (3.37, 9.81)
    plain, accented = music(plan(style)), music(plan(style, accents_s=cuts))
    before = slice(0, int(2.5 * SR))
    scale = float(np.sum(accented[before] * plain[before]) / np.sum(plain[before] ** 2))
    accent = (accented - scale * plain).mean(axis=1)
    with_flux, plain_flux = onset_strength(accented, SR), onset_strength(plain, SR)
    for cut in cuts:
        lo, hi = int((cut - 0.6) * SR), int((cut + 0.3) * SR)
        assert abs(lo + energy_onset(accent[lo:hi], SR) - cut * SR) <= 0.010 * SR
        frames = slice(int((cut - 0.03) * 200), int((cut + 0.03) * 200) + 1)
        assert with_flux[frames].max() > 1.5 * plain_flux[frames].max()


def test_an_accent_soon_after_the_start_is_left_out():
    assert np.array_equal(music(plan(accents_s=(0.1,))), music(plan()))


# ----------------------------------------------------------------------------------------- determinism, speed


def test_deterministic_for_a_seed_and_different_between_seeds():
    for style in STYLES:
        a, b = music(plan(style), 8.0, seed=3), render_music(plan(style), n_samples=8 * SR, sr=SR, seed=3).audio
        assert np.array_equal(a, b)
        assert not np.array_equal(a, music(plan(style), 8.0, seed=4))


