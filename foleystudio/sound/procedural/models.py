"""Parameter tables: what each surface and each shoe sounds like, in physical terms.

Numbers are first-pass estimates from the physics (Minnaert bubbles, Hertzian
contact times, typical slab/plank/plate modes) and were tuned by eye on
spectrograms next to the real recordings in ../shared/sounds; they are not
measurements of particular floors. Then, against the real recordings' descriptors
(foleystudio.sound.realism, benchmarks/sound_realism.py): the loose-ground crunches
rise over 40-70 ms and sand and dirt reach down into the low mids, so their energy
spreads over the step as real crunches do; carpet and rubber lost the ringing modes
real soft floors do not have. Then the low end, against the share of the real steps'
energy in 40-130 Hz (benchmarks/spectral_balance.py): real steps on loose, soft or wet
ground and on stone carry no heel thump, so `impact_highpass_hz` cuts it there (water's
knock moved up to 250 Hz), and grass, mud and concrete got the brightness limit and
sand the compaction bed that keep their other bands as close to the real ones as before.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DenseModes:
    """Many random modes drawn per step: the rich, material-specific ring of a hard surface."""

    count: int  # modes drawn per step
    lo_hz: float  # band they fall in (log-uniform)
    hi_hz: float
    decay_s: tuple[float, float]  # range of time constants (log-uniform)
    gain: float = 1.0  # relative to the surface's low modes


@dataclass(frozen=True)
class GrainSpec:
    """Micro-collisions (PhISEM): grain rate follows the load on the surface."""

    shape: str  # "ring" damped sine | "click" noise tick | "bubble" Minnaert bubble (rising chirp)
    rate_per_s: float  # grains per second at full load
    lo_hz: float  # grain resonance band (log-uniform); for bubbles the Minnaert frequency band
    hi_hz: float
    decay_ms: tuple[float, float]  # grain time constant range (bubbles: from their radius)
    gain: float  # layer level relative to the impact
    rise_s: float = 0.02  # load envelope peaks this long after each impact
    phase: str = "load"  # "load": driven by the impacts; "lift": around toe-off (suction, spray)


@dataclass(frozen=True)
class BedSpec:
    """A noise texture under the grains (rustle, hiss, splash, squelch)."""

    lo_hz: float
    hi_hz: float
    gain: float
    rise_s: float = 0.03  # envelope peak after each impact
    phase: str = "load"
    flutter: float = 0.5  # depth of random amplitude modulation, 0..1


@dataclass(frozen=True)
class SurfaceModel:
    family: str  # coarse class: "hard" | "soft" | "granular" | "liquid"
    modes: tuple[tuple[float, float, float], ...]  # (freq_hz, decay_s, amp) low structural modes
    dense: DenseModes | None = None
    compliance: float = 1.0  # multiplies the shoe's contact time (soft ground -> longer, duller pulse)
    # Below this (24 dB/octave) the heel's thump is not heard: the ground has no slab or plank
    # to radiate it (loose, soft, wet ground; a floor on grade). 0: off. Set from the 40-130 Hz
    # share of real steps (benchmarks/spectral_balance.py).
    impact_highpass_hz: float = 0.0
    click_gain: float = 1.0  # how much the shoe's hard click/own modes come through
    grains: tuple[GrainSpec, ...] = ()
    beds: tuple[BedSpec, ...] = ()
    drag_hz: tuple[float, float] = (800.0, 6000.0)  # friction band of a scuff
    length_s: float = 0.45  # rendered length of a walking step
    level_db: float = 0.0  # peak level relative to the loudest surfaces
    lowpass_hz: float = 12000.0  # the surface's own brightness limit
    smooth: bool = False  # rubber soles can squeak on it
    rattle_prob: float = 0.0  # chance of a loose plank / grating re-impact


@dataclass(frozen=True)
class FootwearModel:
    pulse_ms: float  # heel contact time on a rigid floor (Hertzian: stiffer sole -> shorter)
    click_gain: float  # hard heel/sole click
    click_hz: float  # centre of that click
    click_decay_ms: float
    modes: tuple[tuple[float, float, float], ...]  # shoe body resonances (freq_hz, decay_s, amp)
    slap_gain: float  # flesh / flat sole slap (broadband, short)
    toe_ratio: float  # toe impact relative to heel
    squeak_prob: float  # chance of a rubber squeak on a smooth floor
    lowpass_hz: float  # soft soles absorb the top end
    level_db: float  # peak level offset
    load: float  # weight on the ground: scales grain rates
    grain_tone: float  # scales grain/bed frequencies on loose ground (soft skin damps the top)
    thump_hz: tuple[float, float]  # band of the sole's slap/thump (rubber low, leather high)
    grain_ring: float = 1.0  # scales grain ring times on loose ground: foam and skin damp the stones they press


SURFACE_MODELS: dict[str, SurfaceModel] = {
    "concrete": SurfaceModel(
        family="hard", modes=((95.0, 0.010, 0.25), (210.0, 0.008, 0.2)),
        dense=DenseModes(14, 700.0, 9000.0, (0.003, 0.012), gain=1.3), impact_highpass_hz=175.0,
        grains=(GrainSpec("click", 60.0, 3000.0, 9000.0, (0.2, 0.6), 0.06, rise_s=0.01),),
        drag_hz=(1500.0, 9000.0), length_s=0.32, level_db=0.0, lowpass_hz=9000.0, smooth=True,
    ),
    "asphalt": SurfaceModel(
        family="hard", modes=((80.0, 0.010, 0.35), (170.0, 0.008, 0.25)),
        dense=DenseModes(10, 500.0, 4500.0, (0.003, 0.009), gain=0.8), compliance=1.3, click_gain=0.8,
        grains=(GrainSpec("click", 250.0, 2500.0, 8000.0, (0.2, 0.6), 0.18, rise_s=0.015),),
        drag_hz=(1000.0, 7000.0), length_s=0.3, level_db=-1.0, lowpass_hz=8000.0,
    ),
    "tile": SurfaceModel(
        family="hard", modes=((180.0, 0.020, 0.3), (1150.0, 0.030, 0.35), (1720.0, 0.022, 0.2)),
        dense=DenseModes(14, 1500.0, 9000.0, (0.012, 0.035), gain=1.2), compliance=0.9, click_gain=1.2,
        drag_hz=(2500.0, 10000.0), length_s=0.4, level_db=0.0, lowpass_hz=15000.0, smooth=True,
    ),
    "marble": SurfaceModel(
        family="hard", modes=((120.0, 0.015, 0.2), (2350.0, 0.040, 0.2)),
        dense=DenseModes(16, 1800.0, 10000.0, (0.018, 0.05), gain=1.3), compliance=0.8, click_gain=1.3,
        impact_highpass_hz=200.0,
        drag_hz=(3000.0, 11000.0), length_s=0.45, level_db=0.0, lowpass_hz=16000.0, smooth=True,
    ),
    "wood": SurfaceModel(
        family="hard",
        modes=((105.0, 0.030, 0.5), (235.0, 0.028, 0.5), (410.0, 0.025, 0.5), (690.0, 0.022, 0.45),
               (1150.0, 0.015, 0.35)),
        dense=DenseModes(12, 600.0, 5000.0, (0.006, 0.020), gain=0.9), compliance=1.2, click_gain=0.8,
        drag_hz=(1200.0, 6000.0), length_s=0.45, level_db=-1.0, lowpass_hz=9000.0, smooth=True,
    ),
    "deck": SurfaceModel(
        family="hard",
        modes=((72.0, 0.070, 0.8), (150.0, 0.060, 0.7), (305.0, 0.050, 0.6), (520.0, 0.040, 0.45),
               (860.0, 0.025, 0.3)),
        dense=DenseModes(8, 400.0, 2800.0, (0.015, 0.040), gain=0.5), compliance=1.3, click_gain=0.7,
        drag_hz=(900.0, 5000.0), length_s=0.6, level_db=0.0, lowpass_hz=7000.0, rattle_prob=0.5,
    ),
    "metal": SurfaceModel(
        family="hard",
        modes=((232.0, 0.05, 0.12), (611.0, 0.06, 0.2), (1174.0, 0.06, 0.3), (1893.0, 0.055, 0.3),
               (2761.0, 0.05, 0.3), (3902.0, 0.04, 0.25)),
        dense=DenseModes(20, 900.0, 11000.0, (0.015, 0.06), gain=1.2), compliance=0.9, click_gain=1.1,
        impact_highpass_hz=170.0,
        drag_hz=(2000.0, 10000.0), length_s=0.5, level_db=0.0, lowpass_hz=14000.0, rattle_prob=0.7,
    ),
    # Soft floors: the pile or the rubber layer damps any ringing (no dense modes; real
    # carpet is as noise-like in each band as grass, not tonal like a floor).
    "carpet": SurfaceModel(
        family="soft", modes=((85.0, 0.015, 0.7), (160.0, 0.008, 0.3)), compliance=5.0, click_gain=0.06,
        impact_highpass_hz=150.0,
        beds=(BedSpec(2500.0, 9000.0, 0.12, rise_s=0.04, flutter=0.7),),
        drag_hz=(2000.0, 9000.0), length_s=0.3, level_db=-8.0, lowpass_hz=2500.0,
    ),
    "rubber": SurfaceModel(
        family="soft", modes=((140.0, 0.010, 0.7), (380.0, 0.005, 0.35)), compliance=2.5, click_gain=0.25,
        beds=(BedSpec(800.0, 6000.0, 0.08, rise_s=0.02, flutter=0.5),),  # the sole's rubber-on-rubber contact
        drag_hz=(1000.0, 5000.0), length_s=0.3, level_db=-5.0, lowpass_hz=4000.0, smooth=True,
    ),
    "grass": SurfaceModel(
        family="soft", modes=((70.0, 0.030, 0.6),), compliance=4.0, click_gain=0.08, impact_highpass_hz=100.0,
        grains=(GrainSpec("click", 500.0, 1500.0, 7000.0, (0.3, 1.0), 0.45, rise_s=0.025),),
        beds=(BedSpec(1500.0, 11000.0, 0.8, rise_s=0.03, flutter=0.8), BedSpec(250.0, 1500.0, 0.4, rise_s=0.015)),
        drag_hz=(2000.0, 10000.0), length_s=0.3, level_db=-6.0, lowpass_hz=6000.0,
    ),
    "gravel": SurfaceModel(
        family="granular", modes=((90.0, 0.025, 0.35),), compliance=2.0, click_gain=0.15, impact_highpass_hz=200.0,
        grains=(
            GrainSpec("ring", 2200.0, 900.0, 8000.0, (0.3, 1.2), 1.0, rise_s=0.045),
            GrainSpec("ring", 300.0, 300.0, 1200.0, (1.5, 4.0), 0.7, rise_s=0.045),
            GrainSpec("click", 40.0, 2000.0, 12000.0, (0.2, 0.5), 1.0, rise_s=0.045),
        ),
        beds=(BedSpec(1500.0, 12000.0, 0.3, rise_s=0.035),),
        drag_hz=(800.0, 7000.0), length_s=0.42, level_db=-1.0, lowpass_hz=12000.0,
    ),
    "dirt": SurfaceModel(
        family="granular", modes=((80.0, 0.035, 0.9), (170.0, 0.015, 0.3)), compliance=2.2, click_gain=0.2,
        grains=(
            GrainSpec("ring", 900.0, 700.0, 5000.0, (0.8, 2.0), 0.6, rise_s=0.045),
            GrainSpec("ring", 300.0, 250.0, 900.0, (1.5, 4.0), 0.5, rise_s=0.04),  # clods
        ),
        beds=(BedSpec(300.0, 3000.0, 0.45, rise_s=0.045),),
        drag_hz=(500.0, 5000.0), length_s=0.35, level_db=-4.0, lowpass_hz=7000.0,
    ),
    "sand": SurfaceModel(
        family="granular", modes=((70.0, 0.025, 0.5),), compliance=3.5, click_gain=0.05, impact_highpass_hz=250.0,
        grains=(GrainSpec("click", 1800.0, 1200.0, 9000.0, (0.2, 0.6), 0.6, rise_s=0.04),),
        beds=(BedSpec(800.0, 9000.0, 0.6, rise_s=0.045, flutter=0.6),
              BedSpec(250.0, 1200.0, 0.3, rise_s=0.04, flutter=0.7)),  # compaction under the sole
        drag_hz=(2000.0, 10000.0), length_s=0.4, level_db=-6.0, lowpass_hz=10000.0,
    ),
    "snow": SurfaceModel(
        family="granular", modes=((60.0, 0.030, 0.4),), compliance=3.0, click_gain=0.05, impact_highpass_hz=70.0,
        grains=(GrainSpec("ring", 1500.0, 700.0, 3500.0, (0.8, 2.5), 1.0, rise_s=0.06),),
        beds=(BedSpec(500.0, 4000.0, 0.35, rise_s=0.06, flutter=0.9),),
        drag_hz=(700.0, 5000.0), length_s=0.45, level_db=-3.0, lowpass_hz=7000.0,
    ),
    "leaves": SurfaceModel(
        family="granular", modes=((75.0, 0.020, 0.3),), compliance=2.5, click_gain=0.1, impact_highpass_hz=130.0,
        grains=(GrainSpec("click", 1100.0, 2000.0, 10000.0, (0.3, 1.2), 1.0, rise_s=0.05),),
        beds=(BedSpec(700.0, 9000.0, 0.5, rise_s=0.07, flutter=0.9),),
        drag_hz=(1500.0, 9000.0), length_s=0.5, level_db=-3.0, lowpass_hz=13000.0,
    ),
    "mud": SurfaceModel(
        family="liquid", modes=((60.0, 0.040, 0.9), (130.0, 0.020, 0.3)), compliance=4.0, click_gain=0.03,
        impact_highpass_hz=200.0,
        grains=(
            GrainSpec("bubble", 90.0, 250.0, 800.0, (10.0, 30.0), 0.8, rise_s=0.03),
            GrainSpec("bubble", 120.0, 300.0, 900.0, (10.0, 30.0), 0.9, rise_s=0.05, phase="lift"),
        ),
        beds=(BedSpec(150.0, 900.0, 0.6, rise_s=0.05, phase="lift", flutter=0.8),
              BedSpec(200.0, 1200.0, 0.3, rise_s=0.02)),
        drag_hz=(200.0, 1500.0), length_s=0.55, level_db=-4.0, lowpass_hz=5000.0,
    ),
    "water": SurfaceModel(  # a puddle: the heel still hits the ground under it, so the click stays
        family="liquid", modes=((250.0, 0.020, 0.25),), compliance=1.8, click_gain=0.6, impact_highpass_hz=250.0,
        grains=(
            GrainSpec("bubble", 450.0, 550.0, 3300.0, (5.0, 25.0), 0.9, rise_s=0.06),
            GrainSpec("bubble", 250.0, 500.0, 2500.0, (5.0, 25.0), 0.7, rise_s=0.06, phase="lift"),
            GrainSpec("click", 500.0, 3000.0, 11000.0, (0.3, 1.0), 0.25, rise_s=0.08),
        ),
        beds=(BedSpec(800.0, 9000.0, 0.5, rise_s=0.05, flutter=0.6),  # splash noise under the bubbles
              BedSpec(1500.0, 10000.0, 0.3, rise_s=0.06, phase="lift", flutter=0.7)),
        drag_hz=(600.0, 8000.0), length_s=0.65, level_db=-2.0, lowpass_hz=12000.0,
    ),
}

FOOTWEAR_MODELS: dict[str, FootwearModel] = {
    "sneakers": FootwearModel(
        pulse_ms=5.0, click_gain=0.12, click_hz=1800.0, click_decay_ms=2.5,
        modes=((150.0, 0.008, 0.4), (420.0, 0.006, 0.3)), slap_gain=0.3, toe_ratio=0.5,
        squeak_prob=0.3, lowpass_hz=5000.0, level_db=-3.0,
        load=1.0, grain_tone=1.0, thump_hz=(150.0, 1500.0), grain_ring=0.6,  # foam damps the grains
    ),
    "leather": FootwearModel(
        pulse_ms=1.5, click_gain=0.6, click_hz=2800.0, click_decay_ms=3.0,
        modes=((900.0, 0.006, 0.3), (1900.0, 0.005, 0.25)), slap_gain=0.3, toe_ratio=0.4,
        squeak_prob=0.02, lowpass_hz=11000.0, level_db=0.0,
        load=1.0, grain_tone=1.15, thump_hz=(400.0, 4500.0), grain_ring=1.0,
    ),
    "heels": FootwearModel(
        pulse_ms=0.5, click_gain=1.0, click_hz=3800.0, click_decay_ms=4.0,
        modes=((2850.0, 0.015, 0.5), (4620.0, 0.010, 0.35), (7100.0, 0.007, 0.2)), slap_gain=0.05, toe_ratio=0.3,
        squeak_prob=0.0, lowpass_hz=16000.0, level_db=0.0,
        load=0.55, grain_tone=1.4, thump_hz=(900.0, 7000.0), grain_ring=1.6,  # a point: sparse, bright, free-ringing
    ),
    "boots": FootwearModel(
        pulse_ms=3.0, click_gain=0.45, click_hz=1800.0, click_decay_ms=3.0,
        modes=((120.0, 0.012, 0.7), (330.0, 0.010, 0.5), (1250.0, 0.006, 0.3)), slap_gain=0.2, toe_ratio=0.5,
        squeak_prob=0.03, lowpass_hz=7500.0, level_db=1.0,
        load=1.5, grain_tone=0.75, thump_hz=(100.0, 900.0), grain_ring=0.9,  # heavy lugs: more, lower grains
    ),
    "barefoot": FootwearModel(
        pulse_ms=8.0, click_gain=0.0, click_hz=1200.0, click_decay_ms=2.0,
        modes=((180.0, 0.006, 0.3),), slap_gain=1.0, toe_ratio=0.7,
        squeak_prob=0.05, lowpass_hz=4000.0, level_db=-5.0,
        load=0.8, grain_tone=0.6, thump_hz=(250.0, 2500.0), grain_ring=0.45,  # skin damps the top
    ),
}
