"""HTML pages: the map (/), the nearest list (/nearest) and facility pages (/facilities/{id})."""
