"""AMNS for amnsfw: attention-weighted selective mask and noise label
suppression."""
