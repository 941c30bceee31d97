"""Colour and texture features of a ground patch, numpy + OpenCV only.

`surface_features(rgb, mask=None)` resizes a patch to `PATCH_PX` square and returns a
fixed-length float32 vector: colour moments and a saturation-weighted hue histogram
(what the material is made of), rotation-invariant uniform LBP at two scales, Gabor
energy and anisotropy at three wavelengths, a radial power spectrum and gradient
coherence (grain, joints, planks), and finer colour detail (hue in 15-degree sectors,
the chroma direction, an a*b* histogram, lightness percentiles, colour mottling) that
tells a red tartan track from an orange wooden floor. Pixels outside `mask` (the
person, the frame border) are left out of every histogram and statistic.

Version 3 adds a wavelet scattering transform (Mallat; Bruna & Mallat) of the lightness,
pooled to be invariant to the rotation of the ground in the picture: Morlet wavelets at
`SCAT_J` scales and `SCAT_L` orientations, modulus, a second wavelet layer on each modulus,
and averages over the patch. Kept: the first-order energy per scale, its orientation
harmonics (how directional the texture is, not in which direction), the second-order
coefficients by relative orientation (normalised by their first order), the spatial
variation of each first-order modulus (sparse grains against even grain), and the
first-order energy per scale of the a* and b* channels (colour mottling by size).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import scipy.fft

FEATURE_VERSION = 3  # bump when the vector changes: the weights file records it
PATCH_PX = 64  # a ground crop around a foot at 384-px frames is 30-90 px; 64 keeps LBP meaningful
HUE_BINS = 12  # 30-degree sectors: enough to split grass, terracotta, wood, blue tile
FINE_HUE_BINS = 24  # 15-degree sectors: terracotta (~10 deg) and orange wood (~25 deg) fall in one 30-degree sector
NEUTRAL_AB = 0.08  # |a*|, |b*| (scaled to +-2) below this is grey: the a*b* histogram's middle bin
LIGHTNESS_PERCENTILES = (5, 25, 50, 75, 95)
MOTTLE_SIGMA_PX = 3.0  # colour variation at this scale: stains, dry patches, lane paint; not pixel noise
GABOR_WAVELENGTHS_PX = (4.0, 8.0, 16.0)  # grain, granules, joints at PATCH_PX
GABOR_ORIENTATIONS = 4
SPECTRUM_BANDS = 6
ORIENTATION_BINS = 12  # 15-degree bins: joints of tiles and planks make sharp peaks
AUTOCORR_RADII_PX = (2, 4, 8, 16)  # grain to tile size at PATCH_PX
GLCM_LEVELS = 8
GLCM_OFFSETS_PX = (1, 2, 4)
MIN_VALID_FRACTION = 0.15  # fewer valid pixels than this: the patch says nothing
SCAT_J = 5  # wavelet scales 1..16 px: grain to tile joints at PATCH_PX
SCAT_L = 8  # orientations over 180 degrees
SCAT_PAD_PX = 16  # mirror padding: no wrap-around edge at the patch border
SCAT_XI = 0.75 * np.pi  # centre frequency of the finest wavelet (radians per pixel)
SCAT_SIGMA_PX = 0.8  # its envelope width; both scale by 2**j
SCAT_SLANT = 0.5  # the envelope is twice as long across the wave as along it: orientation-selective
SCAT_EPS = 1e-4


def feature_length() -> int:
    colour = 6 + HUE_BINS + 5
    lbp = 4 * 10
    gabor = 2 * len(GABOR_WAVELENGTHS_PX) + 2
    texture = SPECTRUM_BANDS + 3 + ORIENTATION_BINS + len(AUTOCORR_RADII_PX) + 1 + 4 * len(GLCM_OFFSETS_PX)
    detail = 7 + FINE_HUE_BINS + 9 + len(LIGHTNESS_PERCENTILES) + 2
    return colour + lbp + gabor + texture + detail + scattering_length()


def scattering_length() -> int:
    """The scattering features at the end of the vector (`_scattering`)."""
    pairs = SCAT_J * (SCAT_J - 1) // 2
    return SCAT_J + SCAT_J * (SCAT_L // 2) + pairs * (SCAT_L // 2 + 1) + SCAT_J + 2 * SCAT_J


def surface_features(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Feature vector of an RGB uint8 patch; `mask` (same h, w; True = ground) is optional."""
    return patch_vector(*prepare_patch(rgb, mask))


def prepare_patch(rgb: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The patch at `PATCH_PX` square with the masked-out pixels in-painted, and its valid mask."""
    patch = cv2.resize(rgb, (PATCH_PX, PATCH_PX), interpolation=cv2.INTER_AREA)
    if mask is None:
        valid = np.ones((PATCH_PX, PATCH_PX), dtype=bool)
    else:
        m = cv2.resize(mask.astype(np.uint8) * 255, (PATCH_PX, PATCH_PX), interpolation=cv2.INTER_AREA)
        valid = m > 200
        if valid.mean() < MIN_VALID_FRACTION:
            valid = m > 0
        if valid.mean() < 0.02:
            valid = np.ones_like(valid)
        if not valid.all():
            patch = cv2.inpaint(patch, (~valid).astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return patch, valid


def patch_vector(patch: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Features of a prepared patch (`prepare_patch`)."""
    grey = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    parts = [
        _colour(patch, valid),
        _lbp_hist(grey, valid),
        _lbp_hist(cv2.resize(grey, (PATCH_PX // 2, PATCH_PX // 2), interpolation=cv2.INTER_AREA), _half(valid)),
        _circular_lbp_hist(grey, valid, 2.0),
        _circular_lbp_hist(grey, valid, 3.0),
        _gabor(grey),
        _spectrum(grey),
        _gradients(grey, valid),
        _orientation_hist(grey, valid),
        _autocorrelation(grey),
        _glcm(grey, valid),
        _colour_detail(patch, valid),
        _scattering(patch, valid),
    ]
    return np.concatenate(parts).astype(np.float32)


def _half(valid: np.ndarray) -> np.ndarray:
    h, w = valid.shape
    return valid[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2).all(axis=(1, 3))


def _colour(patch: np.ndarray, valid: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).astype(np.float32)[valid]
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV).astype(np.float32)[valid]
    lab_mean = lab.mean(axis=0) / 255.0
    lab_std = lab.std(axis=0) / 64.0
    hue = hsv[:, 0] * 2.0  # OpenCV hue is 0..180
    sat = hsv[:, 1] / 255.0
    val = hsv[:, 2] / 255.0
    bins = np.minimum((hue / (360.0 / HUE_BINS)).astype(int), HUE_BINS - 1)
    hue_hist = np.bincount(bins, weights=sat, minlength=HUE_BINS) / len(sat)
    extra = [sat.mean(), sat.std(), val.mean(), val.std(), float(np.mean(sat < 0.12))]
    return np.concatenate([lab_mean, lab_std, hue_hist, extra])


def _colour_detail(patch: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Chroma direction and spread, fine hue histogram, a*b* occupancy, lightness percentiles, mottling."""
    lab = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).astype(np.float32)
    lightness = lab[..., 0][valid] / 255.0
    a = (lab[..., 1][valid] - 128.0) / 64.0
    b = (lab[..., 2][valid] - 128.0) / 64.0
    chroma = np.sqrt(a * a + b * b)
    angle = np.arctan2(b.mean(), a.mean())
    smooth = cv2.GaussianBlur(lab, (0, 0), MOTTLE_SIGMA_PX)[valid]
    moments = [
        np.cos(angle) * chroma.mean(),
        np.sin(angle) * chroma.mean(),
        chroma.mean(),
        chroma.std(),
        smooth[:, 1].std() / 64.0,
        smooth[:, 2].std() / 64.0,
        smooth[:, 0].std() / 64.0,
    ]
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV).astype(np.float32)[valid]
    sat = hsv[:, 1] / 255.0
    bins = np.minimum((hsv[:, 0] * 2.0 / (360.0 / FINE_HUE_BINS)).astype(int), FINE_HUE_BINS - 1)
    hue_hist = np.bincount(bins, weights=sat, minlength=FINE_HUE_BINS) / len(sat)
    cell = np.digitize(a, (-NEUTRAL_AB, NEUTRAL_AB)) * 3 + np.digitize(b, (-NEUTRAL_AB, NEUTRAL_AB))
    ab_hist = np.bincount(cell, minlength=9) / len(cell)
    q = np.percentile(lightness, LIGHTNESS_PERCENTILES)
    spread = [q[-1] - q[0], q[3] - q[1]]
    return np.concatenate([moments, hue_hist, ab_hist, q, spread])


@functools.lru_cache(maxsize=1)
def _riu2_lut() -> np.ndarray:
    """Uniform rotation-invariant LBP (P=8): codes with <= 2 transitions map to their bit count, others to 9."""
    lut = np.empty(256, dtype=np.int64)
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        transitions = sum(bits[i] != bits[(i + 1) % 8] for i in range(8))
        lut[code] = sum(bits) if transitions <= 2 else 9
    return lut


def _lbp_hist(grey: np.ndarray, valid: np.ndarray) -> np.ndarray:
    h, w = grey.shape
    centre = grey[1:-1, 1:-1]
    offsets = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
    code = np.zeros(centre.shape, dtype=np.int64)
    eps = 2.0 / 255.0  # ignore differences below JPEG noise
    for bit, (dy, dx) in enumerate(offsets):
        neighbour = grey[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]
        code |= (neighbour >= centre + eps).astype(np.int64) << bit
    labels = _riu2_lut()[code][valid[1:-1, 1:-1]]
    if labels.size == 0:
        return np.full(10, 0.1)
    return np.bincount(labels, minlength=10) / labels.size


@functools.lru_cache(maxsize=1)
def _gabor_bank() -> tuple[tuple[np.ndarray, ...], ...]:
    bank = []
    for lam in GABOR_WAVELENGTHS_PX:
        sigma = 0.56 * lam  # one-octave bandwidth
        ksize = int(2 * round(2.5 * sigma) + 1)
        kernels = []
        for k in range(GABOR_ORIENTATIONS):
            theta = np.pi * k / GABOR_ORIENTATIONS
            kern = cv2.getGaborKernel((ksize, ksize), sigma, theta, lam, 0.5, 0, ktype=cv2.CV_32F)
            kern -= kern.mean()
            kern /= np.abs(kern).sum()
            kernels.append(kern)
        bank.append(tuple(kernels))
    return tuple(bank)


def _gabor(grey: np.ndarray) -> np.ndarray:
    norm = (grey - grey.mean()) / (grey.std() + 0.02)
    energies = []
    aniso = []
    for kernels in _gabor_bank():
        e = np.array([np.abs(cv2.filter2D(norm, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)).mean() for k in kernels])
        energies.append(e.mean())
        aniso.append((e.max() - e.min()) / (e.max() + e.min() + 1e-6))
    energies = np.array(energies)
    ratios = [energies[1] / (energies[0] + 1e-6), energies[2] / (energies[1] + 1e-6)]
    return np.concatenate([energies, aniso, np.log(np.array(ratios) + 1e-3)])


@functools.lru_cache(maxsize=1)
def _band_index() -> np.ndarray:
    f = np.fft.fftfreq(PATCH_PX)
    radius = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    edges = np.geomspace(1.0 / PATCH_PX, 0.5, SPECTRUM_BANDS + 1)
    return np.clip(np.digitize(radius, edges) - 1, -1, SPECTRUM_BANDS)


def _spectrum(grey: np.ndarray) -> np.ndarray:
    window = np.outer(np.hanning(PATCH_PX), np.hanning(PATCH_PX)).astype(np.float32)
    power = np.abs(np.fft.fft2((grey - grey.mean()) * window)) ** 2
    idx = _band_index()
    bands = np.array([power[idx == b].sum() for b in range(SPECTRUM_BANDS)]) + 1e-9
    return np.log(bands / bands.sum())


def _gradients(grey: np.ndarray, valid: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = (gx * gx)[valid].mean(), (gy * gy)[valid].mean(), (gx * gy)[valid].mean()
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-9)
    magnitude = np.sqrt(gx * gx + gy * gy)[valid]
    contrast = grey[valid].std() + 0.02
    return np.array([coherence, magnitude.mean() / contrast / 8.0, np.log(contrast)])


def _circular_lbp_hist(grey: np.ndarray, valid: np.ndarray, radius: float) -> np.ndarray:
    """Uniform rotation-invariant LBP with 8 bilinearly sampled neighbours at `radius`."""
    r = int(np.ceil(radius))
    h, w = grey.shape
    centre = grey[r : h - r, r : w - r]
    code = np.zeros(centre.shape, dtype=np.int64)
    eps = 2.0 / 255.0
    for bit in range(8):
        angle = 2 * np.pi * bit / 8
        dy, dx = -radius * np.sin(angle), radius * np.cos(angle)
        y0, x0 = int(np.floor(dy)), int(np.floor(dx))
        fy, fx = dy - y0, dx - x0
        sample = 0.0
        for oy, ox, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
            if wgt < 1e-6:
                continue
            yy, xx = r + y0 + oy, r + x0 + ox
            sample = sample + wgt * grey[yy : yy + h - 2 * r, xx : xx + w - 2 * r]
        code |= (sample >= centre + eps).astype(np.int64) << bit
    labels = _riu2_lut()[code][valid[r : h - r, r : w - r]]
    if labels.size == 0:
        return np.full(10, 0.1)
    return np.bincount(labels, minlength=10) / labels.size


def _orientation_hist(grey: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Magnitude-weighted edge orientations mod 180, rolled so the strongest bin comes first."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)[valid]
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)[valid]
    mag = np.sqrt(gx * gx + gy * gy)
    theta = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((theta / np.pi * ORIENTATION_BINS).astype(int), ORIENTATION_BINS - 1)
    hist = np.bincount(bins, weights=mag, minlength=ORIENTATION_BINS) + 1e-9
    hist /= hist.sum()
    return np.roll(hist, -int(np.argmax(hist)))


def _autocorrelation(grey: np.ndarray) -> np.ndarray:
    """Mean normalised autocorrelation on rings, and the strongest off-centre peak (periodic patterns)."""
    x = grey - grey.mean()
    power = np.abs(np.fft.fft2(x)) ** 2
    ac = np.real(np.fft.ifft2(power))
    ac = np.fft.fftshift(ac / (ac[0, 0] + 1e-9))
    radius = _radius_map()
    rings = [ac[(radius >= r - 0.5) & (radius < r + 0.5)].mean() for r in AUTOCORR_RADII_PX]
    peak = ac[radius > 5].max()
    return np.array(rings + [peak])


@functools.lru_cache(maxsize=1)
def _radius_map() -> np.ndarray:
    c = PATCH_PX // 2
    yy, xx = np.mgrid[0:PATCH_PX, 0:PATCH_PX]
    return np.sqrt((yy - c) ** 2 + (xx - c) ** 2)


def _glcm(grey: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Grey-level co-occurrence contrast, homogeneity, energy, correlation, averaged over 4 directions."""
    lo, hi = np.percentile(grey[valid], (2, 98))
    q = np.clip(((grey - lo) / (hi - lo + 1e-3) * GLCM_LEVELS).astype(np.int64), 0, GLCM_LEVELS - 1)
    i, j = np.mgrid[0:GLCM_LEVELS, 0:GLCM_LEVELS]
    out = []
    for d in GLCM_OFFSETS_PX:
        stats = np.zeros(4)
        for dy, dx in ((0, d), (d, 0), (d, d), (d, -d)):
            a, b, ok = _pairs(q, valid, dy, dx)
            m = np.bincount(a[ok] * GLCM_LEVELS + b[ok], minlength=GLCM_LEVELS**2).reshape(GLCM_LEVELS, GLCM_LEVELS).astype(np.float64)
            m = m + m.T
            m /= m.sum() + 1e-9
            mu = (i * m).sum()
            var = (((i - mu) ** 2) * m).sum() + 1e-9
            stats += [
                ((i - j) ** 2 * m).sum() / GLCM_LEVELS,
                (m / (1.0 + np.abs(i - j))).sum(),
                (m * m).sum(),
                (((i - mu) * (j - mu)) * m).sum() / var,
            ]
        out.append(stats / 4)
    return np.concatenate(out)


def _pairs(q: np.ndarray, valid: np.ndarray, dy: int, dx: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h, w = q.shape
    x0, x1 = max(0, -dx), w - max(0, dx)
    a = q[0 : h - dy, x0:x1]
    b = q[dy:h, x0 + dx : x1 + dx]
    ok = valid[0 : h - dy, x0:x1] & valid[dy:h, x0 + dx : x1 + dx]
    return a.ravel(), b.ravel(), ok.ravel()


def _scat_step(j: int) -> int:
    """Down-sampling of the maps of scale j: a wavelet at 2**j px has no energy above pi / 2**(j-1)."""
    return max(1, 2 ** (j - 1))


@functools.lru_cache(maxsize=1)
def _scat_bank() -> tuple[np.ndarray, ...]:
    """Morlet filters in the Fourier domain, (SCAT_L, m, m) per scale on that scale's grid."""
    n = PATCH_PX + 2 * SCAT_PAD_PX
    bank = []
    for j in range(SCAT_J):
        m = n // _scat_step(j)
        omega = 2 * np.pi * np.fft.fftfreq(m) * m / n  # radians per pixel of the full grid
        xi, sigma = SCAT_XI / 2**j, SCAT_SIGMA_PX * 2**j
        filters = np.zeros((SCAT_L, m, m))
        for l in range(SCAT_L):
            theta = np.pi * l / SCAT_L
            for ky in (-1, 0, 1):  # periodise: the finest wavelet reaches past the Nyquist frequency
                for kx in (-1, 0, 1):
                    wy = omega[:, None] + 2 * np.pi * ky
                    wx = omega[None, :] + 2 * np.pi * kx
                    u = wx * np.cos(theta) + wy * np.sin(theta)
                    v = (-wx * np.sin(theta) + wy * np.cos(theta)) / SCAT_SLANT
                    envelope = np.exp(-0.5 * sigma**2 * (u * u + v * v))
                    wave = np.exp(-0.5 * sigma**2 * ((u - xi) ** 2 + v * v))
                    filters[l] += wave - np.exp(-0.5 * sigma**2 * xi**2) * envelope  # zero mean
        bank.append(filters.astype(np.float32))
    return tuple(bank)


def _crop_spectrum(spectrum: np.ndarray, m: int) -> np.ndarray:
    """The lowest m x m frequencies of an n x n spectrum: the signal sampled every n/m pixels."""
    n = spectrum.shape[-1]
    if m == n:
        return spectrum
    keep = np.r_[0 : m // 2, n - m // 2 : n]
    return spectrum[..., keep[:, None], keep[None, :]] * (m * m / (n * n))


class _Pooling:
    """Averages over the valid pixels of the unpadded patch, on every down-sampled grid."""

    def __init__(self, valid: np.ndarray):
        self.weights = {}
        for step in {_scat_step(j) for j in range(SCAT_J)}:
            k = PATCH_PX // step
            w = valid.reshape(k, step, k, step).mean(axis=(1, 3))
            self.weights[step] = (w / w.sum()).astype(np.float32)

    def mean(self, maps: np.ndarray, j: int) -> np.ndarray:
        step = _scat_step(j)
        inner = slice(SCAT_PAD_PX // step, (SCAT_PAD_PX + PATCH_PX) // step)
        return (maps[..., inner, inner] * self.weights[step]).sum(axis=(-2, -1))


def _scatter(image: np.ndarray, pooling: _Pooling, second: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order (J, L) averages and spatial variation, second-order (J, L, J, L) averages."""
    bank = _scat_bank()
    n = PATCH_PX + 2 * SCAT_PAD_PX
    spectrum = scipy.fft.fft2(np.pad(image, SCAT_PAD_PX, mode="reflect").astype(np.float32))
    s1 = np.zeros((SCAT_J, SCAT_L), np.float32)
    spread = np.zeros((SCAT_J, SCAT_L), np.float32)
    s2 = np.zeros((SCAT_J, SCAT_L, SCAT_J, SCAT_L), np.float32)
    for j1 in range(SCAT_J):
        u1 = np.abs(scipy.fft.ifft2(_crop_spectrum(spectrum, n // _scat_step(j1))[None] * bank[j1], axes=(-2, -1)))
        s1[j1] = pooling.mean(u1, j1)
        spread[j1] = np.sqrt(np.maximum(pooling.mean(u1 * u1, j1) - s1[j1] ** 2, 0.0)) / (s1[j1] + 1e-6)
        if not second or j1 == SCAT_J - 1:
            continue
        u1_spectrum = scipy.fft.fft2(u1, axes=(-2, -1))
        for j2 in range(j1 + 1, SCAT_J):
            cropped = _crop_spectrum(u1_spectrum, n // _scat_step(j2))
            u2 = np.abs(scipy.fft.ifft2(cropped[:, None] * bank[j2][None], axes=(-2, -1)))
            s2[j1, :, j2] = pooling.mean(u2, j2)
    return s1, spread, s2


def _scattering(patch: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Rotation-invariant scattering of the lightness (contrast-normalised) and first order of a*, b*."""
    lab = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).astype(np.float32)
    pooling = _Pooling(valid)
    lightness = lab[..., 0] / 255.0
    norm = (lightness - lightness[valid].mean()) / (lightness[valid].std() + 0.02)
    s1, spread, s2 = _scatter(norm, pooling, second=True)
    energy = s1.mean(axis=1)
    harmonics = np.abs(np.fft.fft(s1, axis=1))[:, 1 : SCAT_L // 2 + 1] / (s1.sum(axis=1, keepdims=True) + SCAT_EPS)
    shift = (np.arange(SCAT_L)[:, None] + np.arange(SCAT_L)[None, :]) % SCAT_L  # [l1, d] -> l1 + d
    second = []
    for j1 in range(SCAT_J - 1):
        for j2 in range(j1 + 1, SCAT_J):
            block = s2[j1, :, j2, :]
            relative = block[np.arange(SCAT_L)[:, None], shift].mean(axis=0)  # by orientation difference d
            folded = (relative + relative[(SCAT_L - np.arange(SCAT_L)) % SCAT_L])[: SCAT_L // 2 + 1] / 2  # d and -d alike
            second.append(np.log(folded + SCAT_EPS) - np.log(energy[j1] + SCAT_EPS))
    colour = [np.log(_scatter((lab[..., c] - 128.0) / 64.0, pooling, second=False)[0].mean(axis=1) + 1e-3) for c in (1, 2)]
    return np.concatenate([np.log(energy + SCAT_EPS), harmonics.ravel(), *second, spread.mean(axis=1), *colour])
