"""What a model optimises, behind one interface (as fastText separates its losses).

The driver (:mod:`wordspace.train`) walks windows and draws negatives the same way for
every model, into examples whose layout the model chooses
(:mod:`wordspace.engine.layout`: input bags against output sets); a :class:`Loss` is the
objective alone, one compiled kernel that turns any such examples into parameter
updates, and never knows how they were laid out.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np

from wordspace.engine.layout import Examples
from wordspace.engine.params import GaussianParams, VectorParams
from wordspace.huffman import HuffmanTree
from wordspace.kernels import gaussian, sgns

__all__ = ["HierarchicalSoftmaxLoss", "Loss", "MaxMarginLoss", "NegativeSamplingLoss",
           "SoftmaxLoss"]


Params = VectorParams | GaussianParams


class Loss:
    """Interface: a compiled update applied to a batch of sampled examples.

    Subclasses implement :meth:`scratch` and :meth:`update`. Before a run's clock starts,
    :meth:`compile` calls ``update`` once on no example (``n_examples`` and the other
    counts 0, rate 0): an update must then change nothing (no step counted) and divide by
    no count; a loss whose kernel depends on more than the examples' types overrides
    :meth:`compile`.
    """

    #: whether the progress bar shows the share of active (non-zero-loss) terms
    reports_active: bool = False
    #: whether :meth:`update`'s terms count every term it trained (then a run of no
    #: term trained nothing), or only a sample of them
    counts_every_term: bool = True
    #: why a run whose updates counted no term trained nothing, for the refusal
    untrained_because: str = "no update had a term to train"

    def divergence_advice(self) -> str:
        """What else, besides a lower learning rate, may cure a divergence of this
        objective ("" when nothing does): added to :class:`TrainingDiverged`'s advice."""
        return ""

    def stillness_advice(self) -> str:
        """What else, besides a higher learning rate, may be why a run's steps changed
        no parameter ("" when nothing is): added to the refusal of such a run."""
        return ""

    def project(self, arrays: dict[str, np.ndarray], rows: int) -> None:
        """Bring rows ``0 .. rows - 1`` (fewer where the arrays end sooner) of ``arrays``
        (the params' arrays by field name,
        :func:`~wordspace.engine.checkpoint.param_arrays`) back into the bounds this
        objective's steps keep, where a distributed run's sum of several ranks' changes
        took them out. Default: no bounds."""

    def min_vocabulary(self, params: Params) -> tuple[int, str]:
        """The fewest words a vocabulary needs for this objective to learn anything, and
        why, for the refusal the driver makes before training."""
        return 2, "a single word has no other word to be told apart from"

    def scratch(self, params: Params, negative: int, max_bags: int, cached: int = 0
                ) -> tuple[np.ndarray, ...]:
        """Per-worker scratch buffers for :meth:`update` on examples of up to
        ``max_bags`` bags, with room for ``cached`` word bags (the layout's
        :meth:`~wordspace.engine.layout.Layout.cache_slots`)."""
        raise NotImplementedError

    def update(self, params: Params, examples: Examples, lr: float,
               scratch: tuple[np.ndarray, ...]) -> tuple[float, int, int]:
        """Apply one step for ``examples`` to ``params``, in place; return
        ``(loss, terms, active)``: the loss summed over (a sample of) the terms, their
        number, and how many had a non-zero loss."""
        raise NotImplementedError

    def compile(self, params: Params, examples: Examples,
                scratch: tuple[np.ndarray, ...]) -> None:
        """Compile (or load from Numba's cache) what :meth:`update` runs for
        ``examples``, changing nothing: by default, an update on none of them."""
        self.update(params, dataclasses.replace(examples, n_examples=0, n_bags=0, n_rows=0,
                                                n_contexts=0), 0.0, scratch)

    def reference_loss(self, params: Params, negative: int) -> float | None:
        """The mean loss per term of an untrained model (about): the driver calls a loss
        many times this divergence. None: no reference, only a non-finite loss is."""
        return None


class NegativeSamplingLoss(Loss):
    """Negative sampling: ``-log s(u_w.h) - sum_n log s(-u_n.h)`` for each input bag's
    mean ``h`` against its example's centre ``w`` and negatives ``n``
    (:func:`wordspace.kernels.sgns.negative_sampling_kernel`): skip-gram with shared
    negatives or per pair, CBOW and PV-DBOW, as their layouts say.

    ``train_outputs=False`` steps the input rows alone, the output vectors only read
    (and so possibly read-only, memory-mapped): how a new document's vector is inferred
    against a trained PV-DBOW model. With it, ``frozen_inputs`` input rows (the first)
    are only read too: PV-DM's word rows, which share each bag with the new document's
    row. ``output_rate`` scales the output rows' learning rate against the input rows'
    (FastText's skip-gram, see docs/fasttext.md). ``bag_mean=False`` makes a bag's input
    the sum of its rows instead of their mean (CBOW's ``cbow_mean=False``).
    """

    #: the kernels sum the loss over every ``LOSS_EVERY``-th example only
    counts_every_term = False

    def __init__(self, train_outputs: bool = True, output_rate: float = 1.0,
                 frozen_inputs: int = 0, bag_mean: bool = True):
        if frozen_inputs and train_outputs:
            raise ValueError("frozen_inputs is inference's: it needs train_outputs=False")
        self.train_outputs = train_outputs
        self.output_rate = output_rate
        self.frozen_inputs = frozen_inputs
        self.bag_mean = bool(bag_mean)

    def scratch(self, params, negative, max_bags, cached=0):
        bags = max(max_bags, 1)
        return sgns.NegativeSamplingScratch(
            grad=np.zeros((negative + 1, bags), np.float32),
            d_in=np.zeros((bags, params.dim), np.float32),
            hidden=np.zeros((bags, params.dim), np.float32), index=np.zeros(bags, np.int32),
            cache=np.zeros((cached, params.dim), np.float32),
            start=np.zeros((cached, params.dim), np.float32),
            cached=np.full(cached, -1, np.int64))

    def reference_loss(self, params, negative):
        # untrained output rows are zero: every one of the K + 1 terms is log 2
        return (negative + 1) * math.log(2.0)

    def read_only(self, frozen_inputs: int = 0) -> NegativeSamplingLoss:
        """This objective's twin for inference (``train_outputs=False``), with
        ``frozen_inputs`` input rows only read too."""
        twin = copy.copy(self)
        twin.train_outputs, twin.frozen_inputs = False, frozen_inputs
        return twin

    #: the kernels' arguments that describe the output sets, after the examples (or
    #: their cached word bags): none, the centre and negatives are the examples'
    _output_sets: tuple = ()
    _hierarchical = False

    def update(self, params, examples, lr, scratch):
        return self._step(params, examples, lr, scratch, examples.n_examples)

    def compile(self, params, examples, scratch):
        # the kernel is specialised on the examples' shape (sgns.bag_shape): theirs, run
        # on none of them
        self._step(params, examples, 0.0, scratch, 0)

    def _step(self, params, examples, lr, scratch, count: int):
        """:meth:`update` on the first ``count`` examples, with the kernel for all."""
        arrays = examples.arrays()._replace(n_examples=count)
        if examples.token_bags is not None:
            if self.frozen_inputs:
                raise ValueError("frozen_inputs does not apply to cached word bags")
            if not self.bag_mean:
                raise ValueError("bag_mean=False does not apply to cached word bags")
            if len(scratch.cached) == 0:
                raise ValueError("examples of cached word bags need scratch(cached=...)")
            kernel = sgns.token_bags_kernel(self.train_outputs, self._hierarchical)
            loss, pairs = kernel(params.inputs, params.outputs, arrays, examples.token_bags,
                                 *self._output_sets, np.float32(lr),
                                 np.float32(self.output_rate), scratch)
            return loss, pairs, pairs
        shape = sgns.bag_shape(examples.n_examples, examples.n_bags, examples.n_rows)
        kernel = (sgns.hierarchical_softmax_kernel if self._hierarchical
                  else sgns.negative_sampling_kernel)(shape, self.train_outputs,
                                                      self.bag_mean)
        loss, pairs = kernel(params.inputs, params.outputs, arrays, *self._output_sets,
                             np.float32(lr), np.float32(self.output_rate),
                             np.int64(self.frozen_inputs), scratch)
        return loss, pairs, pairs  # a logistic loss is never exactly zero


class HierarchicalSoftmaxLoss(NegativeSamplingLoss):
    """The hierarchical softmax (word2vec.c's ``-hs 1``, gensim's ``hs=1``, fastText's
    ``-loss hs``): ``-log p(w | h)``, the logistic losses of the branches on the path to the
    centre word's leaf of ``tree`` (a :class:`~wordspace.huffman.HuffmanTree` over the
    vocabulary's counts), for each input bag's mean ``h``. The output rows are the tree's
    inner nodes (row ``n`` for node ``n``, ``V - 1`` of them); the walk draws no negatives.

    It is :class:`NegativeSamplingLoss`'s kernel with each example's output set the
    centre's path instead of the centre and its negatives, over the same layouts, and
    takes the same options. ``counts`` (the vocabulary's) weigh the untrained loss the
    driver measures divergence against (:meth:`reference_loss`).
    """

    _hierarchical = True

    def __init__(self, tree: HuffmanTree, counts=None, train_outputs: bool = True,
                 output_rate: float = 1.0, frozen_inputs: int = 0, bag_mean: bool = True):
        super().__init__(train_outputs=train_outputs, output_rate=output_rate,
                         frozen_inputs=frozen_inputs, bag_mean=bag_mean)
        self.tree = tree
        self._output_sets = (tree.paths(),)
        self._mean_depth = tree.mean_depth(np.ones(len(tree)) if counts is None else counts)

    def scratch(self, params, negative, max_bags, cached=0):
        # an output set is a path: as many rows as the longest (the walk drew no negatives)
        return super().scratch(params, self.tree.longest - 1, max_bags, cached)

    def reference_loss(self, params, negative):
        # untrained inner nodes are zero: every branch is a coin flip, log 2 a node
        return self._mean_depth * math.log(2.0)


class MaxMarginLoss(Loss):
    """Vilnis & McCallum's ranking loss ``max(0, m - S(w, c+) + S(w, c-))`` between Gaussian
    word and context distributions, with energy ``S`` = EL or KL, AdaGrad per row (the
    variances at ``variance_rate`` times the means' rate) and the means and variances
    projected into their bounds after each step.

    Parameters are a :class:`~wordspace.engine.params.GaussianParams` (word and context
    distributions, AdaGrad sums); whether they are tied is read from it.
    """

    reports_active = True
    untrained_because = ("every negative drawn equalled its positive context (or, the "
                         "distributions tied, the word itself), and such a comparison is "
                         "skipped: a corpus of more distinct words gives negatives that differ")

    def __init__(self, energy: str, margin: float, mu_max: float, var_min: float,
                 var_max: float, variance_rate: float = 1.0):
        self.kind = {"el": gaussian.EL, "kl": gaussian.KL}[energy]
        self.variance_rate = variance_rate
        self.margin, self.mu_max, self.var_min, self.var_max = margin, mu_max, var_min, var_max

    def scratch(self, params, negative, max_bags, cached=0):
        dim, var_dim = params.dim, params.variances.shape[1]
        return gaussian.MaxMarginScratch(
            energies=np.zeros(max_bags + negative, np.float64),
            weights=np.zeros(max_bags + negative, np.float32),
            g_mu_w=np.zeros(dim, np.float32), g_var_w=np.zeros(var_dim, np.float32),
            g_mu_c=np.zeros(dim, np.float32), g_var_c=np.zeros(var_dim, np.float32),
            inv_w=np.zeros(var_dim, np.float32))

    def min_vocabulary(self, params):
        if params.tied:  # a negative may be neither the context nor the word
            return 3, ("a negative equal to the context, or (the distributions tied) to "
                       "the word itself, is skipped, so fewer than three words leave no "
                       "negative to compare with")
        return 2, "a negative equal to the context is skipped, and one word has no other"

    def reference_loss(self, params, negative):
        # untrained distributions are alike: every hinge is about the margin
        return self.margin

    def divergence_advice(self):
        # variances near 0 make both energies' terms (1/variance) huge whatever the rate
        return (f", or, if var_min was lowered (now {self.var_min:g}), raise it: "
                "variances near 0 make the energies' terms of 1/variance huge")

    def stillness_advice(self):
        # a mean's step scales with 1/variance: huge variances leave the means still
        return (f", or lower the variances (at most var_max={self.var_max:g}, starting at "
                "var_init): a step on a mean scales with 1/variance")

    def project(self, arrays, rows):
        for means, variances in (("means", "variances"),
                                 ("context_means", "context_variances")):
            if means in arrays:  # tied: the context's are the word's, listed once
                gaussian.constrain_rows(arrays[means], arrays[variances],
                                        min(rows, len(arrays[means])),  # a round's may pass
                                        self.mu_max, self.var_min, self.var_max)

    def update(self, params, examples, lr, scratch):
        step = gaussian.MaxMarginStep(
            lr=float(lr), var_lr=float(lr * self.variance_rate), margin=float(self.margin),
            kind=self.kind, mu_max=float(self.mu_max), var_min=float(self.var_min),
            var_max=float(self.var_max), tied=params.tied)
        return gaussian.max_margin_update(params.arrays(), step, examples.arrays(), scratch)


class SoftmaxLoss(Loss):
    """The exact skip-gram likelihood: ``p(o | c) = exp(u_o . v_c) / sum_w exp(u_w . v_c)``.

    All contexts of a centre word share its softmax, so a window's loss is
    ``m * logsumexp(U v_c) - sum_j u_{o_j} . v_c`` and its gradient with respect to the
    logits is ``m * softmax(U v_c) - counts`` (the seed's ``y - t``, summed over the
    window). Centres are processed ``batch`` at a time as dense matrix products (BLAS,
    which releases the GIL). ``U`` takes the plain gradient step; a centre row takes its
    window's gradient divided by ``m``, the mean over the window's pairs, as an SGNS
    input row takes one pair's step at a time. This per-row step size leaves the
    objective and its optimum as they are, and keeps the centre rows stable: with the
    summed step they grow ``m`` times faster and training diverges at rates a few times
    smaller. Params: a :class:`~wordspace.engine.params.VectorParams` whose inputs are the
    centre vectors ``V`` and outputs the context vectors ``U``.
    """

    def __init__(self, batch: int = 32):
        self.batch = batch

    def scratch(self, params, negative, max_bags, cached=0):
        return ()

    def min_vocabulary(self, params):
        return 2, ("a softmax over one word is 1 whatever the vectors: the loss is 0 and "
                   "no vector moves")

    def reference_loss(self, params, negative):
        # untrained context rows are zero: a uniform softmax, log V per pair
        return math.log(max(params.outputs.shape[0], 2))

    def update(self, params, examples, lr, scratch):
        centre_vectors, context_vectors = params.inputs, params.outputs
        n_words = context_vectors.shape[0]
        # one-row bags: the window's context words, example e's rows ptr[e]:ptr[e + 1]
        ptr = examples.row_ptr[examples.bag_ptr[:examples.n_examples + 1]]
        loss = 0.0
        for start in range(0, examples.n_examples, self.batch):
            stop = min(start + self.batch, examples.n_examples)
            # an overflow makes the loss non-finite, which the driver reports, once
            with np.errstate(over="ignore", invalid="ignore"):
                loss += softmax_step(
                    centre_vectors, context_vectors, examples.centres[start:stop],
                    ptr[start:stop + 1] - ptr[start], examples.rows[ptr[start]:ptr[stop]],
                    n_words, lr)
        return loss, examples.n_contexts, examples.n_contexts


def softmax_step(centre_vectors, context_vectors, centres, ptr, contexts, n_words, lr):
    """One step on a batch of windows (see :class:`SoftmaxLoss`); returns their summed
    loss (float64)."""
    rows = np.repeat(np.arange(len(centres)), np.diff(ptr))
    counts = np.zeros((len(centres), n_words), np.float32)
    np.add.at(counts, (rows, contexts), 1.0)
    sizes = np.diff(ptr).astype(np.float32)
    hidden = centre_vectors[centres]                       # B x d
    logits = hidden @ context_vectors.T                    # B x V
    top = logits.max(axis=1, keepdims=True)
    exp = np.exp(logits - top)
    total = exp.sum(axis=1, keepdims=True)
    log_norm = (np.log(total) + top).ravel()               # logsumexp, stably
    loss = float((sizes * log_norm).sum() - logits[rows, contexts].astype(np.float64).sum())
    grad = exp / total * sizes[:, None] - counts           # dL/dlogits
    grad_hidden = grad @ context_vectors                   # B x d
    context_vectors -= lr * (grad.T @ hidden)
    np.add.at(centre_vectors, centres, -lr * grad_hidden / sizes[:, None])
    return loss
