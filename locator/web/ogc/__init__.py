"""OGC API - Features Part 1 under /ogc."""
