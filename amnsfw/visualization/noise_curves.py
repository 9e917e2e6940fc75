"""Curves of a noise-robustness grid: per noise rate one panel, one line
per method, the mean over seeds per epoch."""
import statistics
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

#: The curves drawn: a run's key, the y label and the file name suffix.
CURVES = (('val_r1', 'val R@1 (%)', 'r1'),
          ('noisy_top1', 'noisy pairs memorised (%)', 'memorisation'))


def method_colours(methods: Sequence[str]) -> Dict[str, object]:
    """A colour per method, in order: matplotlib's default cycle
    (``C0``-``C9``) for up to ten methods, the 20 colours of ``tab20``
    beyond (repeating after twenty)."""
    if len(methods) <= 10:
        return {method: f'C{i}' for i, method in enumerate(methods)}
    from matplotlib import colormaps
    palette = colormaps['tab20'].colors
    return {method: palette[i % len(palette)]
            for i, method in enumerate(methods)}


def plot_noise_curves(results: Dict[Tuple[str, float], List[dict]],
                      noise_rates: Sequence[float], out: Path,
                      methods: Sequence[str]) -> None:
    """Draw val R@1 per epoch and the memorised share of noisy pairs.

    Writes ``<out stem>_r1.png`` (a panel per noise rate) and
    ``<out stem>_memorisation.png`` (a panel per noise rate above 0) beside
    ``out``. A method whose runs did not log a curve is left out of it.

    Args:
        results (dict): Finished runs by ``(method, noise rate)``, each a
            dict with per-epoch lists ``val_r1`` and ``noisy_top1`` (None
            where not logged).
        noise_rates (Sequence[float]): The panels, in order.
        out (Path): The report the figures accompany.
        methods (Sequence[str]): Every method, in colour order
            (:func:`method_colours`).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colours = method_colours(methods)
    for key, label, name in CURVES:
        rates = [n for n in noise_rates if key == 'val_r1' or n > 0]
        if not rates:
            continue
        figure, axes = plt.subplots(1, len(rates), squeeze=False,
                                    figsize=(4 * len(rates), 3.4),
                                    sharey=True)
        for axis, noise in zip(axes[0], rates):
            for (method, rate), runs in sorted(results.items()):
                curves = [r[key] for r in runs]
                if rate != noise or None in curves[0]:
                    continue
                length = min(len(c) for c in curves)
                mean = [statistics.mean(c[i] for c in curves)
                        for i in range(length)]
                axis.plot(range(1, length + 1), mean, label=method,
                          color=colours[method])
            axis.set(title=f'{round(noise * 100)} % noise', xlabel='epoch')
            axis.legend(fontsize=7)
        axes[0][0].set_ylabel(label)
        figure.tight_layout()
        figure.savefig(out.with_name(f'{out.stem}_{name}.png'), dpi=100)
        plt.close(figure)
