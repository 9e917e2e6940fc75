"""Training curves of runs: losses, learning rate and other training
scalars against the iteration, validation metrics against the epoch; one
colour per run, one line style per quantity."""
import itertools
import os
import os.path as osp
from typing import Sequence

from amnsfw.analysis.scalars_log import RunLog, train_iter, val_epoch

#: Quantity groups, in subplot order, and the x axis each is drawn against.
GROUPS = (('losses', 'iteration'), ('learning rate', 'iteration'),
          ('other training scalars', 'iteration'),
          ('validation metrics', 'epoch (iteration-based runs: iteration)'))
LINE_STYLES = ('-', '--', ':', '-.')


def group_of(key: str, runs: Sequence[RunLog]) -> str:
    """The subplot of a key: validation metrics if any run's validation
    logs it, else losses, learning rate or other training scalars."""
    if any(key in entry for run in runs for entry in run.val):
        return 'validation metrics'
    if key.startswith('loss'):
        return 'losses'
    if key == 'lr' or key.endswith('_lr') or key.endswith('/lr'):
        return 'learning rate'
    return 'other training scalars'


def plot_runs(runs: Sequence[RunLog], keys: Sequence[str], out: str) -> None:
    """Draw every key of every run into ``out``, one subplot per group.

    Args:
        runs (Sequence[RunLog]): The runs.
        keys (Sequence[str]): The quantities.
        out (str): The PNG to write; missing folders are created.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    grouped = {name: [key for key in keys if group_of(key, runs) == name]
               for name, _ in GROUPS}
    panels = [(name, axis) for name, axis in GROUPS if grouped[name]]
    figure, axes = plt.subplots(len(panels), 1, squeeze=False,
                                figsize=(9, 3.2 * len(panels)))
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, (name, axis) in zip(axes[:, 0], panels):
        for number, run in enumerate(runs):
            for style, key in zip(itertools.cycle(LINE_STYLES),
                                  grouped[name]):
                if axis.startswith('epoch'):
                    points = [(val_epoch(entry), entry[key])
                              for entry in run.val if key in entry]
                else:
                    points = [(train_iter(entry), entry[key])
                              for entry in run.train if key in entry]
                if not points:
                    continue
                xs, ys = zip(*points)
                ax.plot(xs, ys, linestyle=style,
                        marker='o' if axis.startswith('epoch') else None,
                        markersize=3, color=colours[number % len(colours)],
                        label=f'{run.label}: {key}')
        ax.set_title(name)
        ax.set_xlabel(axis)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    figure.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
