"""Embedding heads: extra named embeddings computed from encoder outputs."""
