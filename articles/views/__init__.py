"""Public pages, one module per family: pages (home, article), search, browse (sources, people, tags, claims)."""
