"""Expert review writes: the expert pool, reviewer assignment and overrides, reviews."""
