"""Training one model on many processes and machines, over torch.distributed.

Launch the usual command under ``torchrun`` (or SLURM's ``srun``, or Ray Train): every
rank reads its share of the corpus (:mod:`~wordspace.distributed.shards`), the ranks
merge their word counts into one vocabulary (:class:`wordspace.corpus.Corpus`), each
trains its share with its own threads, and a background thread keeps the parameters
together (:mod:`~wordspace.distributed.sync`). Without a process group nothing changes
and torch is never imported. See docs/distributed.md.
"""

from wordspace.distributed.group import (
    Group,
    RankFailed,
    RanksDisagree,
    check_agreement,
    current_group,
)
from wordspace.distributed.shards import Piece, shard
from wordspace.distributed.sync import Synchroniser, SyncSettings

__all__ = ["Group", "Piece", "RankFailed", "RanksDisagree", "SyncSettings", "Synchroniser",
           "check_agreement", "current_group", "rank", "shard"]


def rank() -> int:
    """This process's rank in its process group (0 when it trains alone): the rank that
    writes the model."""
    group = current_group()
    return 0 if group is None else group.rank
