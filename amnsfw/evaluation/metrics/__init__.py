"""Evaluation metrics, registered in :data:`amnsfw.registry.METRICS`."""
from amnsfw.evaluation.metrics.retrieval_metric import \
    TextToImageRetrievalMetric

__all__ = ['TextToImageRetrievalMetric']
