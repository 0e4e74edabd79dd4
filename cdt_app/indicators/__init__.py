"""The province's digital-society indicators (DESIGN section 10)."""
