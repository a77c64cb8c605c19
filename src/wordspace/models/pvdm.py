"""Document vectors: PV-DM, the distributed memory model (Le & Mikolov 2014).

The mean of a centre word's window *and* its document's vector predicts the word, with
negative sampling: CBOW with the document as one more row of the window's bag. The
walk, the sampler and the kernel are CBOW's, the document's row the sampler's
``sentence_context`` as in PV-DBOW; only the layout differs from PV-DBOW's. A new
document's vector is inferred with every word row frozen beside it in its bags.
"""

from __future__ import annotations

from wordspace._validate import check_int
from wordspace.engine.layout import Layout
from wordspace.models.pvdbow import PVDBOW
from wordspace.models.skipgram import SkipGram, check_mean_switch


class PVDM(PVDBOW):
    """Paragraph vectors (PV-DM, gensim's default ``Doc2Vec(dm=1)``): the mean of a
    word's window and its document's vector predicts the word.

    Words and documents are trained together, in one space: the window's word vectors
    are PV-DM's inputs beside the document's (there is no ``train_words`` to turn off).
    A new document's vector (``model.dv.infer``) is fitted with the words' and the output
    vectors frozen.

    Parameters
    ----------
    dim : int
        Vector dimensions (documents and words alike).
    window : int
        Words on either side of a centre word whose vectors join the document's in the
        mean (each centre draws its window from ``1..window``); at least 1.
    negative, hs, sample, ns_exponent, alpha, min_alpha, workers, seed, device,
    device_options, progress, shrink_windows
        As for :class:`~wordspace.models.skipgram.CBOW`; ``sample`` defaults to 1e-3 and
        ``alpha`` to 0.025, gensim's for ``Doc2Vec``.
    dm_mean : bool
        ``True`` (default): the input is the mean of the window's and the document's
        vectors; ``False``: their sum (gensim's ``dm_mean=0``), as CBOW's ``cbow_mean``.
    epochs : int
        Passes over the documents (also inference's default).

    Attributes
    ----------
    dv, vectors, tokenization_, vocab_, report_
        As :class:`~wordspace.models.pvdbow.PVDBOW`'s (``vectors``: always there).
    """

    #: PV-DM's inputs are its windows' words beside the document: they always train
    train_words = True

    dm_mean = True  # as a PV-DM pickled before the parameter was trained

    def __init__(self, *, dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-3, ns_exponent: float = 0.75, epochs: int = 20,
                 alpha: float = 0.025, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, hs: bool = False,
                 device: str = "cpu", device_options: dict | None = None,
                 progress: bool = True, shrink_windows: bool = True, dm_mean: bool = True):
        # PVDBOW's own parameter, train_words, is not PV-DM's: straight to the walk's
        SkipGram.__init__(self, dim=dim, window=window, negative=negative, sample=sample,
                          ns_exponent=ns_exponent, epochs=epochs, alpha=alpha,
                          min_alpha=min_alpha, workers=workers, seed=seed, hs=hs,
                          device=device, device_options=device_options, progress=progress,
                          shrink_windows=shrink_windows)
        self.dm_mean = dm_mean

    def _validate(self) -> None:
        check_int("window", self.window, 1)  # without words, PV-DM is PV-DBOW's documents
        check_mean_switch(self, "dm_mean")
        super()._validate()

    @property
    def _bag_mean(self) -> bool:
        return bool(self.dm_mean)

    def _layout(self) -> Layout:
        return Layout(bag="window")  # the window's words and the document: one mean

    def _inference_bags(self) -> dict:
        # a new document's row joins its windows' word rows, which stay as trained
        return {"words": self.vectors.matrix, "window": self.window, "layout": self._layout()}
