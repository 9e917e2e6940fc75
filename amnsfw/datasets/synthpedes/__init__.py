"""SynthPEDES: a small, learnable synthetic pedestrian data set.

Drawn pedestrians with identity attributes (build, hair, garments, colours,
bag, hat, glasses), several varied camera views per identity and two
template captions per image, written in the CUHK-PEDES native format so the
CUHK-PEDES reader loads it unchanged. A perfect attribute matcher (the
oracle) gives the retrieval ceiling of the captions.
"""
from .generate import SplitCounts, SynthPEDESSummary, generate_synthpedes
from .oracle import OracleResult, evaluate_oracle, oracle_scores

__all__ = [
    'generate_synthpedes', 'SynthPEDESSummary', 'SplitCounts', 'oracle_scores',
    'evaluate_oracle', 'OracleResult'
]
