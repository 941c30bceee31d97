"""Files other tools read: events, stems, the muxed video."""
