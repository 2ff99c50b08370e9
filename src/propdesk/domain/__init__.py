"""The pure domain core: standard library only, synchronous, deterministic."""
