"""An example third-party amnsfw plugin: a masker and a loss head."""
