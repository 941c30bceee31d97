"""Sound: footstep backends (procedural, samples, neural), placement, spatial and mix."""
