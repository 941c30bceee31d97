"""Audio features for onsets, the distinctness and the realism measures.

`attack_onset` finds where a step's attack begins (energy envelope); `step_features`
turns a step into a fixed-length vector of MFCC, spectral-shape and envelope
statistics that classifiers compare.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.fft import dct, rfft


def energy_envelope(x: np.ndarray, sr: int, win_s: float = 0.0005) -> np.ndarray:
    """Centred moving average of x^2 over `win_s` (default 0.5 ms)."""
    m = max(1, int(round(win_s * sr)))
    x64 = np.asarray(x, np.float64)
    c = np.concatenate([[0.0], np.cumsum(x64 * x64)])
    half = m // 2
    idx = np.arange(x64.size)
    lo = np.clip(idx - half, 0, x64.size)
    hi = np.clip(idx - half + m, 0, x64.size)
    return (c[hi] - c[lo]) / m


def attack_onset(
    x: np.ndarray, sr: int, *, win_s: float = 0.0005, rel_db: float = -20.0, floor_db: float | None = 12.0,
    search_s: float | None = None,
) -> int:
    """Sample where the attack begins: the first time the energy envelope rises to
    `rel_db` below its maximum (only the first `search_s` are looked at, if given) and,
    unless `floor_db` is None, at least `floor_db` above the noise floor (the quietest
    10% of the envelope)."""
    if search_s is not None:
        x = x[: max(1, int(search_s * sr))]
    if x.size == 0:
        return 0
    env = energy_envelope(x, sr, win_s)
    peak = float(env.max())
    if peak <= 0.0:
        return 0
    thr = peak * 10.0 ** (rel_db / 10.0)
    if floor_db is not None:
        thr = max(thr, float(np.percentile(env, 10)) * 10.0 ** (floor_db / 10.0))
    above = np.flatnonzero(env >= thr)
    return int(above[0]) if above.size else 0


@lru_cache(maxsize=8)
def mel_filterbank(
    sr: int, n_fft: int, n_mels: int = 40, fmin_hz: float = 40.0, fmax_hz: float | None = None
) -> np.ndarray:
    """Triangular mel filters (HTK mel scale), shape (n_mels, n_fft // 2 + 1)."""
    fmax_hz = fmax_hz or sr / 2.0
    mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)
    inv = lambda m: 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)
    edges = inv(np.linspace(mel(fmin_hz), mel(fmax_hz), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    fb = np.maximum(0.0, np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)))
    fb.setflags(write=False)
    return fb


FEATURE_SR = 22050  # features look at 0-11 kHz: what every recording (and codec) keeps
FEATURE_LEN_S = 0.4  # from the attack: covers heel, toe and the ring of a normal step


def _frames(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    n = 1 + max(0, (x.size - n_fft) // hop)
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n)[:, None]
    return x[idx] * signal.get_window("hann", n_fft).astype(np.float32)


def step_features(audio: np.ndarray, sr: int, onset: int = 0) -> np.ndarray:
    """A fixed-length description of one step, independent of its level.

    The step (from `onset`, FEATURE_LEN_S long, at FEATURE_SR) is cut into 23 ms
    frames; features are the mean and spread over the loud frames of 13 MFCCs,
    spectral centroid, spread, flatness and slope, 8 octave-band level ratios, and
    envelope shape: decay time, temporal centroid, loud-frame fraction.
    """
    x = _from_onset(audio, sr, onset, FEATURE_LEN_S)
    sr = FEATURE_SR
    n_fft, hop = 512, 128
    spec = np.abs(rfft(_frames(x, n_fft, hop), axis=1)) ** 2 + 1e-12
    energy = spec.sum(axis=1)
    loud = energy >= energy.max() * 1e-3  # frames within 30 dB of the loudest
    mel = np.log(spec @ mel_filterbank(sr, n_fft).T + 1e-10)
    mfcc = dct(mel, type=2, norm="ortho", axis=1)[:, :13]
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    p = spec / spec.sum(axis=1, keepdims=True)
    centroid = p @ freqs
    spread = np.sqrt(np.maximum(p @ freqs**2 - centroid**2, 0.0))
    flatness = np.exp(np.mean(np.log(spec), axis=1)) / np.mean(spec, axis=1)
    slope = np.polyfit(np.log(freqs[1:]), np.log(spec[:, 1:]).T, 1)[0]
    frame_stats = np.column_stack([mfcc, centroid / 1000.0, spread / 1000.0, np.log(flatness), slope])
    sel = frame_stats[loud]
    total = spec[loud].sum(axis=0)
    edges = 62.5 * 2.0 ** np.arange(9)  # octave bands 62.5 Hz .. 16 kHz
    bands = np.array([total[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])
    band_db = 10.0 * np.log10(bands / bands.sum() + 1e-9)
    env_db = 10.0 * np.log10(energy / energy.max())
    t = np.arange(energy.size) * hop / sr
    decay_s = t[np.flatnonzero(env_db > -20.0)[-1]] - t[int(np.argmax(energy))]
    t_centroid = float((energy * t).sum() / energy.sum())
    shape = np.array([decay_s * 10.0, t_centroid * 10.0, loud.mean()])
    return np.concatenate([sel.mean(axis=0), sel.std(axis=0), band_db / 10.0, shape]).astype(np.float64)


class NearestCentroid:
    """Standardise the features, then give each vector the label of the nearest class mean."""

    def fit(self, x: np.ndarray, labels) -> "NearestCentroid":
        x = np.asarray(x, np.float64)
        self.mean_ = x.mean(axis=0)
        self.scale_ = x.std(axis=0) + 1e-9
        z = (x - self.mean_) / self.scale_
        self.classes_ = sorted(set(labels))
        lab = np.asarray(labels)
        self.centroids_ = np.stack([z[lab == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, x: np.ndarray) -> list:
        z = (np.asarray(x, np.float64) - self.mean_) / self.scale_
        d = ((z[:, None, :] - self.centroids_[None, :, :]) ** 2).sum(axis=2)
        return [self.classes_[i] for i in np.argmin(d, axis=1)]


class LogisticRegression:
    """Multinomial logistic regression on standardised features (L2, full-batch gradient descent)."""

    def __init__(self, l2: float = 1e-2, steps: int = 500, lr: float = 0.5, balanced: bool = False):
        self.l2, self.steps, self.lr = l2, steps, lr  # enough for a few hundred examples
        self.balanced = balanced  # weight classes equally however many examples each has

    def fit(self, x: np.ndarray, labels) -> "LogisticRegression":
        x = np.asarray(x, np.float64)
        self.mean_ = x.mean(axis=0)
        self.scale_ = x.std(axis=0) + 1e-9
        z = np.column_stack([(x - self.mean_) / self.scale_, np.ones(len(x))])
        self.classes_ = sorted(set(labels))
        y = np.zeros((len(x), len(self.classes_)))
        y[np.arange(len(x)), [self.classes_.index(v) for v in labels]] = 1.0
        sample_w = np.ones(len(x))
        if self.balanced:
            sample_w = 1.0 / (y @ y.sum(axis=0))
        sample_w = (sample_w / sample_w.sum())[:, None]
        w = np.zeros((z.shape[1], len(self.classes_)))
        for _ in range(self.steps):
            logits = z @ w
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            w -= self.lr * (z.T @ ((prob - y) * sample_w) + self.l2 * w)
        self.w_ = w
        return self

    def predict(self, x: np.ndarray) -> list:
        z = np.column_stack([(np.asarray(x, np.float64) - self.mean_) / self.scale_, np.ones(len(x))])
        return [self.classes_[i] for i in np.argmax(z @ self.w_, axis=1)]


REALISM_LEN_S = 0.6  # from the attack: long enough for a crunch or a splash to finish


def _db(x: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(x, 1e-12))


def realism_features(audio: np.ndarray, sr: int, onset: int = 0) -> np.ndarray:
    """What a step is made of, in ways microphones and mastering barely change.

    Level-free and mostly EQ-free: the shape of the energy envelope (how long, how
    spiky, how fast it decays), the density of micro-transients (grains), how tonal
    the spectrum is against its own smoothed outline (modes, bubbles), how stable it
    is from frame to frame, and where the energy goes over time (HF dying first in
    an impact, pitch rising in a bubble). Spectral balance (centroid, slope) is kept
    but is what mic and EQ change most; train with `augment_eq` to discount it.
    """
    x = _from_onset(audio, sr, onset, REALISM_LEN_S)
    sr = FEATURE_SR
    hop = sr // 1000  # 1 ms
    # Energy envelope (2 ms frames) of the broadband and the >1 kHz signal.
    hp = signal.sosfilt(signal.butter(2, 1000.0, "highpass", fs=sr, output="sos"), x)
    env = np.convolve(x * x, np.ones(2 * hop) / (2 * hop), mode="same")[::hop]
    env_hp = np.convolve(hp * hp, np.ones(2 * hop) / (2 * hop), mode="same")[::hop]
    e_db = _db(env / env.max())
    peak_i = int(np.argmax(env))
    above20 = np.flatnonzero(e_db > -20.0)
    above30 = np.flatnonzero(e_db > -30.0)
    dur20 = (above20[-1] - above20[0] + 1) * 1e-3
    dur30 = (above30[-1] - above30[0] + 1) * 1e-3
    region = slice(above30[0], above30[-1] + 1)
    active20 = above20.size * 1e-3 / dur20
    crest_db = float(e_db[region].max() - _db(np.mean(env[region] / env.max())))
    rough = float(np.median(np.abs(np.diff(e_db[region])))) if dur30 > 0.003 else 0.0
    # Micro-transients: >1 kHz envelope jumps 6 dB over its 10 ms running median.
    h_db = _db(env_hp / env_hp.max())
    med = signal.medfilt(h_db, 11)
    jumps = (h_db - med > 6.0) & (h_db > -35.0)
    starts = np.flatnonzero(jumps[1:] & ~jumps[:-1])
    grains_per_100ms = starts.size / max(dur30 * 10.0, 0.5)
    tail = e_db[peak_i : above30[-1] + 1]
    decay_db_s = float(np.polyfit(np.arange(tail.size) * 1e-3, tail, 1)[0]) if tail.size > 3 else -1000.0
    # Spectral frames (23 ms) inside the loud region.
    n_fft, f_hop = 512, 128
    frames = _frames(x, n_fft, f_hop)
    spec = np.abs(rfft(frames, axis=1)) ** 2 + 1e-12
    fe = spec.sum(axis=1)
    loud = fe >= fe.max() * 1e-3
    s_db = _db(spec[loud])
    smooth = signal.savgol_filter(s_db, 31, 2, axis=1)
    peaky = float(np.mean(np.sort(s_db - smooth, axis=1)[:, -8:]))  # tonal peaks over the outline
    flat = s_db - s_db.mean(axis=1, keepdims=True)
    if flat.shape[0] > 1:
        a, b = flat[:-1], flat[1:]
        stab = float(np.mean((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)))
    else:
        stab = 1.0
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    p = spec[loud] / spec[loud].sum(axis=1, keepdims=True)
    cent_oct = np.log2((p @ freqs) / 1000.0 + 1e-6)
    w = fe[loud] / fe[loud].sum()
    k = max(1, cent_oct.size // 2)
    cent_drift = 0.0
    if cent_oct.size > 1:  # late minus early centroid, octaves: < 0 when the top dies first
        late = np.average(cent_oct[k:], weights=w[k:] + 1e-12)
        cent_drift = float(late - np.average(cent_oct[:k], weights=w[:k] + 1e-12))
    mean_spec = spec[loud].sum(axis=0)
    centroid = float(np.log2((mean_spec @ freqs) / mean_spec.sum() / 1000.0))
    flatness = float(np.mean(np.log(spec[loud]), axis=1).mean() - np.log(np.mean(spec[loud], axis=1)).mean())
    return np.array([
        np.log(dur20), np.log(dur30), active20, crest_db / 10.0, rough, np.log1p(grains_per_100ms),
        np.log1p(starts.size), decay_db_s / 1000.0, peaky / 10.0, stab, cent_drift, centroid, flatness,
    ])


REALISM_FEATURE_NAMES = (
    "log_dur20", "log_dur30", "active20", "crest", "roughness", "grain_rate", "grain_count",
    "decay", "peakiness", "stability", "centroid_drift", "centroid_oct", "flatness",
)


TEMPORAL_COLS = 11  # realism_features' first 11 columns: envelope and texture, not spectral balance


def realism_vector(audio: np.ndarray, sr: int, onset: int = 0) -> np.ndarray:
    """The realism measure's description of a step: realism_features then step_features."""
    return np.concatenate([realism_features(audio, sr, onset), step_features(audio, sr, onset)])


def normalise_per_set(x: np.ndarray, sets) -> np.ndarray:
    """Standardise the spectral columns within each recording set (pack, microphone, our renders).

    Like cepstral mean normalisation in speech: what a whole set shares (its microphone,
    EQ, mastering) is removed, what differs between steps in it stays. Temporal columns
    (the first TEMPORAL_COLS) are left as they are.
    """
    out = np.array(x, np.float64, copy=True)
    sets = np.asarray(sets)
    for name in np.unique(sets):
        sel = sets == name
        block = out[sel, TEMPORAL_COLS:]
        out[sel, TEMPORAL_COLS:] = (block - block.mean(axis=0)) / (block.std(axis=0) + 1e-6)
    return out


def resample(x: np.ndarray, from_sr: int, to_sr: int) -> np.ndarray:
    """`x` from `from_sr` to `to_sr` along its first axis (polyphase), in x's own dtype."""
    x = np.asarray(x)
    if int(from_sr) == int(to_sr):
        return x
    g = np.gcd(int(from_sr), int(to_sr))
    return signal.resample_poly(x, int(to_sr) // g, int(from_sr) // g).astype(x.dtype, copy=False)


def _from_onset(audio: np.ndarray, sr: int, onset: int, length_s: float) -> np.ndarray:
    """`length_s` of audio from `onset`, at FEATURE_SR, zero-padded, peak-normalised."""
    x = resample(np.asarray(audio, np.float32)[max(0, onset):], sr, FEATURE_SR)
    n = int(length_s * FEATURE_SR)
    x = np.pad(x[:n], (0, max(0, n - x.size)))
    return x / max(float(np.max(np.abs(x))), 1e-9)
