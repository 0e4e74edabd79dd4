"""Coverage reports: the page, the JSON API, the exports and the targets per village."""
