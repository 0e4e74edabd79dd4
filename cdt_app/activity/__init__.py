"""The activity overview: visits per day, per volunteer, inactive volunteers, stalled villages."""
