"""Estimators: parameters in ``__init__``, ``fit(corpus)``, fitted attributes after."""

from wordspace.models.fasttext import FastText
from wordspace.models.gaussian import GaussianSkipGram
from wordspace.models.ppmi import PPMISVD
from wordspace.models.pvdbow import PVDBOW
from wordspace.models.pvdm import PVDM
from wordspace.models.skipgram import CBOW, SkipGram
from wordspace.models.softmax import SoftmaxSkipGram

#: the models by the names ``wordspace train --model`` takes; the command line builds its
#: options, their defaults and their checks from these classes' signatures
MODELS = {"sgns": SkipGram, "cbow": CBOW, "fasttext": FastText, "softmax": SoftmaxSkipGram,
          "gaussian": GaussianSkipGram, "ppmi-svd": PPMISVD, "pv-dbow": PVDBOW,
          "pv-dm": PVDM}

__all__ = ["CBOW", "MODELS", "PPMISVD", "PVDBOW", "PVDM", "FastText", "GaussianSkipGram",
           "SkipGram", "SoftmaxSkipGram"]
