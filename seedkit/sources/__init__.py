"""Source kinds: the base API and the built-in sql, csv and rows sources."""
