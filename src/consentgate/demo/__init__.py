"""The demo population: partners modelled on the seed story, and people with realistic data."""
