"""Work over the store: geocoding, coverage analysis, loading, exporting and imports."""
