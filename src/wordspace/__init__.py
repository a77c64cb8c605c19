"""wordspace: word representations from raw text, fast.

Points (skip-gram with negative sampling) and distributions (Gaussian embeddings),
with a gensim-like query API and a ``wordspace`` command line.
"""

from wordspace.corpus import Corpus, CorpusError, SourceChangedError
from wordspace.distributions import Distributions
from wordspace.documents import Documents
from wordspace.engine.callbacks import Callback
from wordspace.engine.checkpoint import CheckpointMismatch
from wordspace.models import (
    CBOW,
    PPMISVD,
    PVDBOW,
    PVDM,
    FastText,
    GaussianSkipGram,
    SkipGram,
    SoftmaxSkipGram,
)
from wordspace.models.base import load_model
from wordspace.phrases import FrozenPhrases, Phraser, Phrases
from wordspace.train import (
    TooLittleTraining,
    TrainingDiverged,
    TrainingReport,
    TrainingStopped,
    TrainingTooLarge,
)
from wordspace.vectors import DocVectors, SubwordVectors, Vectors
from wordspace.vocab import Vocabulary

__version__ = "0.1.0"
__all__ = ["CBOW", "PPMISVD", "PVDBOW", "PVDM", "Callback", "CheckpointMismatch", "Corpus",
           "CorpusError", "DocVectors", "Distributions", "Documents", "FastText", "FrozenPhrases",
           "GaussianSkipGram", "Phraser", "Phrases", "SkipGram", "SoftmaxSkipGram",
           "SourceChangedError", "SubwordVectors", "TooLittleTraining", "TrainingDiverged",
           "TrainingReport", "TrainingStopped", "TrainingTooLarge", "Vectors", "Vocabulary",
           "load_model", "__version__"]
