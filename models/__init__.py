"""Trained generative models: GAN variants, their trainer, data loading and sample-quality metrics.

Submodules are imported on demand (``from models import trainer``) so that ``python -m models --help`` stays fast.
"""
