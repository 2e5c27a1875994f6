"""`locator import FORMAT FILE`: open data in three shapes (OpenStreetMap, council CSV files,
the Toilet Map), read into one `Candidate` shape, then matched and applied by `engine`."""
