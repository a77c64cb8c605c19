"""Estimators: parameters in ``__init__``, ``fit(corpus)``, fitted attributes after."""

from wordspace.models.gaussian import GaussianSkipGram
from wordspace.models.ppmi import PPMISVD
from wordspace.models.pvdbow import PVDBOW
from wordspace.models.skipgram import CBOW, SkipGram
from wordspace.models.softmax import SoftmaxSkipGram

__all__ = ["CBOW", "PPMISVD", "PVDBOW", "GaussianSkipGram", "SkipGram", "SoftmaxSkipGram"]
