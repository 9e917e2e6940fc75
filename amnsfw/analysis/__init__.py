"""Analyses of trained models and their runs, each in its own module
(imported directly, so reading a log does not load a model's code):

* :mod:`.noisy_pairs`, :mod:`.pair_signals`: which training pairs look
  mislabelled (``tools/find_noisy_pairs.py``);
* :mod:`.scalars_log`: the one reader of MMEngine's ``scalars.json``;
* :mod:`.log_summary`: what the training logs say
  (``tools/analyze_logs.py``);
* :mod:`.noise_grid`, :mod:`.seed_statistics`: the noise-robustness grid
  and its report (``benchmarks/noise_robustness.py``).
"""
