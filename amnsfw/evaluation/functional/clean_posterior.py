"""Each training pair's posterior of being clean given its loss, as RDE
fits it.

Shared by the RDE plugin's consensus division (which trains on the pairs it
calls clean) and ``tools/find_noisy_pairs.py``'s ``ccd`` signal (which ranks
the pairs by it). Needs scikit-learn, imported on first use.
"""
import warnings
from typing import Optional

import numpy as np

#: RDE's mixture settings for noise rates up to 0.4 (Qin et al., CVPR 2024;
#: above, and on RSTPReid, it uses ``max_iter=100, tol=1e-4,
#: reg_covar=1e-6``).
RDE_GMM = dict(max_iter=10, tol=1e-2, reg_covar=5e-4)


def clean_posterior(losses: np.ndarray, gmm: Optional[dict] = None,
                    seed: int = 0) -> np.ndarray:
    """Each pair's posterior of being clean given its loss, as RDE fits it.

    The losses are min-max normalised to [0, 1] and fitted with a
    two-component Gaussian mixture; the posterior under the component of
    smaller mean is returned. Constant losses carry no evidence: every
    posterior is then 1.

    Args:
        losses (np.ndarray): ``(N,)`` per-pair losses, finite.
        gmm (dict, optional): ``GaussianMixture`` arguments besides
            ``n_components=2`` and ``random_state``. Defaults to None
            (:data:`RDE_GMM`).
        seed (int): The mixture's ``random_state``. Defaults to 0.

    Returns:
        np.ndarray: ``(N,)`` float64 posteriors.

    Raises:
        ImportError: scikit-learn is not installed.
    """
    losses = np.asarray(losses, dtype=np.float64)
    if not np.isfinite(losses).all():
        raise ValueError(f'{int((~np.isfinite(losses)).sum())} of '
                         f'{losses.size} per-pair losses are not finite')
    spread = losses.max() - losses.min()
    if spread == 0:
        return np.ones(losses.shape)
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import GaussianMixture
    except ImportError as error:
        raise ImportError('the clean posterior needs scikit-learn (pip '
                          f'install scikit-learn): {error}') from error
    normalised = ((losses - losses.min()) / spread).reshape(-1, 1)
    mixture = GaussianMixture(n_components=2, random_state=seed,
                              **(RDE_GMM if gmm is None else gmm))
    with warnings.catch_warnings():
        # RDE stops after 10 EM steps on purpose.
        warnings.simplefilter('ignore', ConvergenceWarning)
        mixture.fit(normalised)
    return mixture.predict_proba(normalised)[:, mixture.means_.argmin()]
