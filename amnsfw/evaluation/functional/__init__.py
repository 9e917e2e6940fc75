"""Pure-torch evaluation functions."""
from amnsfw.evaluation.functional.ranking_metrics import (Features,
                                                          auto_chunk_size,
                                                          check_ranking_args,
                                                          retrieval_metrics,
                                                          similarity)

__all__ = [
    'Features', 'auto_chunk_size', 'check_ranking_args', 'retrieval_metrics',
    'similarity'
]
