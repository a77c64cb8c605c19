"""Input sharding: each rank's share of a corpus's bytes, cut where nothing is split.

The files of a corpus (one file, or a folder's files in order) are seen as one sequence
of bytes, cut into ranges of about :data:`CHUNK_BYTES` (a multiple of ``world`` of them,
at least ``world``), dealt out in turn: rank ``r`` of ``world`` reads ranges ``r``,
``r + world``, ``r + 2 world``, ... So at any moment the ranks train on nearby text, as
one process's threads do (they take consecutive jobs); one range a rank (halves, for
two) cost quality (measured in docs/distributed.md). Only the non-empty ranges are
dealt, so a folder of compressed files goes to the ranks file by file; and a rank more
than two ranges' worth of bytes ahead of the least loaded one gives its turn to that
one, so compressed files of unequal sizes do not pile up on some ranks (every epoch's
end waits for the slowest).
A cut inside a plain file moves forward to the next line start (after a ``\n``; in an old
Mac file, :func:`wordspace._io.lone_cr_ends_lines`, after a ``\r``), or, when no line ends
within :data:`LINE_SEARCH` bytes (text8's single line), to the next token boundary (after
an ASCII whitespace byte, which no UTF-8 sequence contains). A compressed file cannot be
entered in the middle, so a cut inside one moves to the nearer of its ends. Every rank
computes every cut with the same function of the same files, so neighbouring ranks agree
on the byte where one stops and the next starts: no token is lost or read twice.

Each piece knows its range's place (``chunk``), so the vocabulary's merge can order
words by their first appearance in the whole corpus: ties in the vocabulary's frequency
order break as they would in one process.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from wordspace._io import is_compressed, lone_cr_ends_lines

__all__ = ["CHUNK_BYTES", "LINE_SEARCH", "Piece", "cut_point", "deal", "shard"]

#: about how many bytes of the corpus a rank reads before the next rank's turn
CHUNK_BYTES = 1 << 20

#: how far past a cut a line end is looked for before cutting between tokens instead
LINE_SEARCH = 1 << 20
_WHITESPACE = b" \t\n\r\v\f"
_READ = 1 << 16


@dataclass(frozen=True)
class Piece:
    """Bytes ``start .. end - 1`` of ``path`` (a whole file when compressed), of the
    corpus's range number ``chunk`` (in the corpus's order)."""

    path: Path
    start: int
    end: int
    chunk: int = 0

    @property
    def size(self) -> int:
        """Bytes in the piece."""
        return self.end - self.start


def _find(f, start: int, limit: int | None, stops: bytes) -> int | None:
    """The offset just after the first byte of ``stops`` at or after ``start`` (looking
    at most ``limit`` bytes, or to the end when None), or None when there is none."""
    f.seek(start)
    seen = 0
    while limit is None or seen < limit:
        block = f.read(_READ if limit is None else min(_READ, limit - seen))
        if not block:
            return None
        hits = [i for i in (block.find(bytes([b])) for b in stops) if i >= 0]
        if hits:
            return start + seen + min(hits) + 1
        seen += len(block)
    return None


def cut_point(path: Path, offset: int, size: int, line_search: int = LINE_SEARCH, *,
              mac: bool | None = None) -> int:
    """Where a cut aimed at byte ``offset`` of the plain file ``path`` (``size`` bytes)
    lands: the first line start at or after ``offset`` if one is within
    ``line_search`` bytes, else the first token start at or after it, else the end.
    A line ends at ``\n``, or, when ``mac`` (None: :func:`lone_cr_ends_lines` of the
    file, as the reader tells it), at ``\r`` or ``\r\n``: where the reader ends it."""
    if offset <= 0:
        return 0
    if offset >= size:
        return size
    if mac is None:
        mac = lone_cr_ends_lines(path)
    with open(path, "rb") as f:
        # a position p starts a line when byte p - 1 ends one: look from offset - 1
        line = _find(f, offset - 1, line_search, b"\r" if mac else b"\n")
        if line is not None:
            if mac and f.seek(line) == line and f.read(1) == b"\n":
                line += 1  # a \r\n: the line starts after both
            return line
        token = _find(f, offset - 1, None, _WHITESPACE)
    return size if token is None else token


def deal(ranges: list[tuple[int, int]], world: int, *, slack: int) -> list[int]:
    """The rank that reads each of ``ranges`` (``(start, end)`` byte offsets, in order):
    range ``i`` goes to rank ``i % world``, unless that rank's bytes so far exceed the
    least loaded rank's by more than ``slack``; then to the least loaded (the lowest of
    them)."""
    load = [0] * world
    # (load, rank) of every rank, plus stale entries of loads since raised: loads only
    # grow, so the least current entry is the least loaded rank (the lowest of them), in
    # O(log world) a range where a scan of the ranks is O(world)
    heap = [(0, rank) for rank in range(world)]
    owners = []
    for i, (lo, hi) in enumerate(ranges):
        while heap[0][0] != load[heap[0][1]]:
            heapq.heappop(heap)
        owner = i % world
        if load[owner] - heap[0][0] > slack:
            owner = heap[0][1]
        owners.append(owner)
        load[owner] += hi - lo
        heapq.heappush(heap, (load[owner], owner))
    return owners


def shard(files: list[Path], rank: int, world: int, *, line_search: int = LINE_SEARCH,
          chunk_bytes: int = CHUNK_BYTES, mac: list[bool] | None = None) -> list[Piece]:
    """The pieces of ``files`` (in order) that rank ``rank`` of ``world`` reads: the
    non-empty ones among ``world * max(1, total // (world * chunk_bytes))`` ranges of
    about equal size, dealt as :func:`deal` says (in turn: ``rank``, ``rank + world``,
    ... while the ranges are alike); an empty list when there are fewer non-empty
    ranges than ranks (a corpus smaller than the ranks, or fewer compressed files than
    ranks). ``mac``: whether a lone ``\r`` ends each file's lines, where the caller has
    told it from the file's head already (None: :func:`lone_cr_ends_lines` tells)."""
    if not 0 <= rank < world:
        raise ValueError(f"rank {rank} is outside 0..{world - 1}")
    sizes = [Path(f).stat().st_size for f in files]
    starts = [0, *accumulate(sizes)][:-1]
    total = sum(sizes)
    compressed = [is_compressed(f) for f in files]
    if mac is None:
        mac = [lone_cr_ends_lines(f) for f in files]
    mac = [not packed and lone for lone, packed in zip(mac, compressed, strict=True)]

    def file_at(offset: int) -> int:
        """The index of the non-empty file holding global byte ``offset`` (< total)."""
        return bisect.bisect_right(starts, offset) - 1

    def cut(target: int) -> int:
        """Where the cut aimed at global byte ``target`` lands, as a global offset."""
        if target >= total:
            return total
        i = file_at(target)
        begin, size = starts[i], sizes[i]
        if compressed[i]:  # the nearer end of a file that cannot be entered
            return begin if target - begin < begin + size - target else begin + size
        return begin + cut_point(Path(files[i]), target - begin, size, line_search,
                                 mac=mac[i])

    chunks = world * max(1, total // (world * max(chunk_bytes, 1)))
    cuts = [0]
    for k in range(1, chunks):
        cuts.append(max(cuts[-1], cut(k * total // chunks)))  # cuts never go backwards
    cuts.append(total)
    # ranges a compressed file swallowed are empty: deal out only the others, so whole
    # files of a folder of compressed ones go to the ranks in turn as well
    ranges = [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True) if lo < hi]
    owners = deal(ranges, world, slack=2 * total // chunks)
    pieces = []
    for chunk in (c for c, owner in enumerate(owners) if owner == rank):
        lo, hi = ranges[chunk]
        for i in range(file_at(lo), len(files)):
            if starts[i] >= hi:
                break
            start, end = max(lo - starts[i], 0), min(hi - starts[i], sizes[i])
            if start < end:
                pieces.append(Piece(Path(files[i]), start, end, chunk))
    return pieces
