"""The timeline of one footfall: which impacts happen when, and how hard.

A walking step is a heel strike then the toe 40-120 ms later; a run is shorter
and harder; a landing is two feet a few milliseconds apart and heavier; a scuff
is a light touch followed by a drag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.sound.procedural.models import FootwearModel, SurfaceModel


MAX_PULSE_S = 0.015  # longest contact pulse; beyond it the step would have no attack at all


@dataclass(frozen=True)
class Impact:
    t_s: float  # time after the first contact
    amp: float  # force peak relative to a normal heel strike
    pulse_s: float  # contact time (width of the force pulse)


@dataclass(frozen=True)
class StepPlan:
    impacts: tuple[Impact, ...]
    lift_s: float  # toe-off: suction and spray layers peak here
    drag_s: float  # length of a scuff's drag (0 when not a scuff)
    length_s: float  # rendered length before the pitch variation
    level_db: float  # gait/kind level offset
    load: float  # grain-rate multiplier (weight and impact energy)
    low_boost: float  # gain on the structural low modes (heavier hits)


def plan_step(
    gait: str, kind: str, strength: float, surface: SurfaceModel, shoe: FootwearModel, rng: np.random.Generator
) -> StepPlan:
    """Draw the impacts of one footfall; `strength` (0..1) shortens and strengthens the pulse."""
    # Stronger hits have shorter contact (Hertz: t_c ~ v^-1/5) -> brighter; +-15% per step.
    pulse_s = shoe.pulse_ms * 1e-3 * surface.compliance * (1.25 - 0.5 * strength) * rng.uniform(0.85, 1.15)
    pulse_s = min(pulse_s, MAX_PULSE_S)
    length_s = surface.length_s
    if kind == "landing":
        gap_s = rng.uniform(0.008, 0.035)  # second foot
        roll_s = rng.uniform(0.045, 0.08)
        impacts = [
            Impact(0.0, 1.0, pulse_s * 1.3),
            Impact(gap_s, rng.uniform(0.55, 0.85), pulse_s * 1.3),
            Impact(roll_s, 0.45 * shoe.toe_ratio, pulse_s * 1.5),
            Impact(roll_s + gap_s, 0.4 * shoe.toe_ratio, pulse_s * 1.5),
        ]
        return StepPlan(tuple(impacts), lift_s=roll_s + 0.25, drag_s=0.0, length_s=length_s * 1.25,
                        level_db=3.0, load=1.8, low_boost=1.8)
    if kind == "scuff":
        drag_s = rng.uniform(0.12, 0.25)
        impacts = [Impact(0.0, 0.35, pulse_s * 1.5)]
        return StepPlan(tuple(impacts), lift_s=drag_s, drag_s=drag_s, length_s=max(length_s, drag_s + 0.15),
                        level_db=-4.0, load=0.6, low_boost=0.5)
    if gait == "run":
        toe_s = rng.uniform(0.04, 0.06)  # roll-off shortens with speed
        impacts = [Impact(0.0, 1.0, pulse_s * 0.75), Impact(toe_s, rng.uniform(0.6, 0.85), pulse_s * 0.9)]
        return StepPlan(tuple(impacts), lift_s=toe_s + rng.uniform(0.07, 0.11), drag_s=0.0,
                        length_s=length_s * 0.8, level_db=2.0, load=1.4, low_boost=1.2)
    toe_s = rng.uniform(0.07, 0.12)
    toe_amp = shoe.toe_ratio * rng.uniform(0.8, 1.2)
    impacts = [Impact(0.0, 1.0, pulse_s), Impact(toe_s, toe_amp, pulse_s * 1.3)]
    return StepPlan(tuple(impacts), lift_s=toe_s + rng.uniform(0.15, 0.25), drag_s=0.0,
                    length_s=length_s, level_db=0.0, load=1.0, low_boost=1.0)


def with_rattle(plan: StepPlan, surface: SurfaceModel, rng: np.random.Generator) -> StepPlan:
    """A loose plank or grating knocks again a few tens of ms after a heavy impact."""
    if surface.rattle_prob <= 0.0 or rng.uniform() >= surface.rattle_prob:
        return plan
    first = plan.impacts[0]
    extra = Impact(first.t_s + rng.uniform(0.012, 0.035), rng.uniform(0.15, 0.35), first.pulse_s * 0.6)
    return StepPlan(plan.impacts + (extra,), plan.lift_s, plan.drag_s, plan.length_s, plan.level_db,
                    plan.load, plan.low_boost)
