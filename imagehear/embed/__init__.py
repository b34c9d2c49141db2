"""Embeddings: the batched, cached extraction engine, lazy models, sharding, video-frame conditioning."""
