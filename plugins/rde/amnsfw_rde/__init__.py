"""RDE for amnsfw: noisy-correspondence learning by robust dual embedding."""
