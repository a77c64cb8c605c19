"""Estimators: parameters in ``__init__``, ``fit(corpus)``, fitted attributes after."""

from wordspace.models.gaussian import GaussianSkipGram
from wordspace.models.skipgram import SkipGram

__all__ = ["GaussianSkipGram", "SkipGram"]
