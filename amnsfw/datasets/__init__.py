"""Data sets, their transforms and samplers."""
