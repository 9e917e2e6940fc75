"""Synthetic MMEngine JSON logs for the tests of log reading and drawing."""
import json
from pathlib import Path
from typing import List, Sequence


def write_log(work_dir: Path, timestamp: str, r1: Sequence[float],
              iters_per_epoch: int = 4, loss0: float = 10.0) -> Path:
    """An MMEngine-like ``scalars.json``: a training line every other
    iteration, a val line (``step`` = epoch) after each epoch."""
    lines: List[dict] = []
    for epoch, value in enumerate(r1, start=1):
        for it in range(2, iters_per_epoch + 1, 2):
            step = (epoch - 1) * iters_per_epoch + it
            loss = loss0 / step
            lines.append(dict(lr=1e-3 / epoch, loss=loss, loss_sdm=0.7 * loss,
                              loss_id=0.3 * loss, grad_norm=1.0,
                              epoch=epoch, iter=step, step=step))
        lines.append({'retrieval/R1': value, 'retrieval/mAP': value / 2,
                      'time': 0.1, 'step': epoch})
    path = work_dir / timestamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return path


def two_runs(root: Path):
    """``itc_noise0`` (an older, shorter try and a newer one of four
    epochs) and ``itc_noise50`` (three epochs) under ``root``."""
    clean, noisy = root / 'itc_noise0', root / 'itc_noise50'
    write_log(clean, '20260101_000000', [99.0])
    write_log(clean, '20260102_000000', [10.0, 30.0, 25.0, 30.0])
    write_log(noisy, '20260102_000000', [5.0, 8.0, 12.0], loss0=20.0)
    return clean, noisy
