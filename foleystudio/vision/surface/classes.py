"""Where each surface class is walked on: the setting prior vision puts on the ground.

The names themselves (`SURFACES`, their spellings, what the engine renders) live in
`foleystudio.materials`.
"""

from __future__ import annotations

OUTDOOR_SURFACES = frozenset({"asphalt", "stone", "deck", "grass", "gravel", "dirt", "sand", "snow", "ice", "leaves", "mud", "water"})
INDOOR_SURFACES = frozenset({"tile", "marble", "wood", "carpet"})
# Surfaces almost never walked on in the other setting: snow or grass indoors, carpet outside.
OUTDOOR_ONLY_SURFACES = frozenset({"asphalt", "grass", "gravel", "dirt", "sand", "snow", "ice", "leaves", "mud", "water"})
INDOOR_ONLY_SURFACES = frozenset({"carpet"})
