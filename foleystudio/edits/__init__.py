"""What the user said: cue sheets (surface and footwear per time range and person) and
edited event lists (events moved, deleted, added or restyled), read and applied before
rendering. Vision never reads these; rendering applies them."""
