"""Pure-torch evaluation functions."""
from amnsfw.evaluation.functional.ranking_metrics import (Features,
                                                          auto_chunk_size,
                                                          check_ranking_args,
                                                          memory_budget_mb_of,
                                                          retrieval_metrics,
                                                          similarity)
from amnsfw.evaluation.functional.relevant_ranks import (count_at_least,
                                                         pessimistic_ranks,
                                                         relevant_items)

__all__ = [
    'Features', 'auto_chunk_size', 'check_ranking_args', 'count_at_least',
    'memory_budget_mb_of', 'pessimistic_ranks', 'relevant_items',
    'retrieval_metrics', 'similarity'
]
