"""Reading and writing media: probe, streamed frames, mux."""
