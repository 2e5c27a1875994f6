"""The record and its vocabulary, filters, grading, hours, GeoJSON shapes: no database or web."""
