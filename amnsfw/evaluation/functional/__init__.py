"""Pure-torch evaluation functions."""
from amnsfw.evaluation.functional.ranking_metrics import (Features,
                                                          check_ranking_args,
                                                          retrieval_metrics,
                                                          similarity)

__all__ = ['Features', 'check_ranking_args', 'retrieval_metrics', 'similarity']
