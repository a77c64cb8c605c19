"""The corpus pipeline: reading, vocabulary, encoding, caching and its errors."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import os

import numpy as np
import pytest

from wordspace import Corpus, CorpusError, Vocabulary


def decode(corpus: Corpus) -> list[list[str]]:
    return list(corpus)


def test_counts_and_frequency_order(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("b a c a\nc a b d\n\nb e a\n")
    c = Corpus(path, min_count=1)
    # a:4, b:3, c:2, then d and e once each, ties in order of first appearance
    assert c.vocab.words == ["a", "b", "c", "d", "e"]
    assert c.vocab.counts.tolist() == [4, 3, 2, 1, 1]
    assert decode(c) == [["b", "a", "c", "a"], ["c", "a", "b", "d"], ["b", "e", "a"]]
    assert c.tokens.dtype == np.int32 and c.offsets.tolist() == [0, 4, 8, 11]


def test_min_count_drops_rare_words_by_default(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x a a y\nz\na b b\n")
    c = Corpus(path, min_count=2)
    assert c.vocab.words == ["a", "b"]
    # dropped like word2vec.c; a sentence left empty disappears
    assert decode(c) == [["a", "a"], ["a", "b", "b"]]
    assert c.n_tokens == c.vocab.total == 5


def test_unk_policy_maps_rare_words_to_index_zero(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("x a a y\nz\na b b\n")
    c = Corpus(path, min_count=2, unk=True)
    assert c.vocab.words == ["<unk>", "a", "b"]
    assert c.vocab.counts.tolist() == [3, 3, 2]
    assert decode(c) == [["<unk>", "a", "a", "<unk>"], ["<unk>"], ["a", "b", "b"]]


def test_very_long_line_is_chunked_in_bounded_pieces(tmp_path):
    words = [f"w{i % 7}" for i in range(25_003)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words))  # no newline at all, like text8
    c = Corpus(path, min_count=1, max_sentence_length=10_000)
    assert np.diff(c.offsets).tolist() == [10_000, 10_000, 5_003]
    assert [w for s in c for w in s] == words


def test_tokens_are_never_cut_across_read_blocks(tmp_path, monkeypatch):
    import wordspace.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 7)  # blocks far shorter than lines
    text = "alpha beta gamma\ndelta epsilon\n\nzeta eta theta iota kappa"
    path = tmp_path / "c.txt"
    path.write_text(text)
    c = Corpus(path, min_count=1, max_sentence_length=3)
    assert decode(c) == [["alpha", "beta", "gamma"], ["delta", "epsilon"],
                         ["zeta", "eta", "theta"], ["iota", "kappa"]]


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"),
                                           (lzma.open, ".xz"), (open, ".txt")])
def test_compressed_files_read_like_plain_text(tmp_path, opener, suffix):
    text = "the cat sat\non the mat\n"
    path = tmp_path / f"c{suffix}"
    with opener(path, "wt") as f:
        f.write(text)
    renamed = tmp_path / "no-extension"  # told by magic number, not by name
    os.rename(path, renamed)
    assert decode(Corpus(renamed, min_count=1)) == [["the", "cat", "sat"], ["on", "the", "mat"]]


def test_folder_of_files_is_read_in_sorted_order(tmp_path):
    (tmp_path / "b.txt").write_text("three four\n")
    with gzip.open(tmp_path / "a.txt.gz", "wt") as f:
        f.write("one two\n")
    (tmp_path / ".hidden").write_text("never read\n")
    assert decode(Corpus(tmp_path, min_count=1)) == [["one", "two"], ["three", "four"]]


def test_iterable_of_token_lists_and_lowercasing():
    c = Corpus([["The", "Cat"], ["the", "DOG"]], min_count=1, lowercase=True)
    assert c.vocab.words == ["the", "cat", "dog"]
    with pytest.raises(TypeError, match="lists of tokens"):
        Corpus(["a string is not a sentence"], min_count=1)


def test_regex_tokenizer(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Hello, world! Hello again.\n")
    c = Corpus(path, min_count=1, lowercase=True, token_pattern=r"\w+")
    assert decode(c) == [["hello", "world", "hello", "again"]]
    with pytest.raises(ValueError, match="not a valid regex"):
        Corpus(path, token_pattern="(")


def test_bad_bytes_are_replaced_and_counted(tmp_path, caplog):
    path = tmp_path / "c.txt"
    path.write_bytes(b"good \xff\xfe bad\ncaf\xc3\xa9\n")
    with caplog.at_level(logging.WARNING):
        c = Corpus(path, min_count=1)
    assert "2 byte(s) were not valid UTF-8" in caplog.text
    assert decode(c) == [["good", "\ufffd\ufffd", "bad"], ["café"]]


def test_max_vocab_size_prunes_while_counting(tmp_path, monkeypatch):
    import wordspace.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_BATCH_TOKENS", 4)  # count in tiny batches
    monkeypatch.setattr(corpus_module, "_BLOCK_BYTES", 8)
    lines = ["a a a a", "b c d e", "a a f g", "h i j k", "a a a a"]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    c = Corpus(path, min_count=1, max_vocab_size=3)
    assert len(c.vocab) <= 3  # 11 distinct words were seen; the rare ones were pruned
    assert c.vocab.words[0] == "a" and c.vocab.counts[0] == 10
    # the encoding agrees with the counts, whatever was pruned
    assert np.bincount(c.tokens, minlength=len(c.vocab)).tolist() == c.vocab.counts.tolist()


def _kept_by_max_final_vocab(counts: dict[str, int], n: int, min_count: int) -> set[str]:
    """The words a vocabulary of at most ``n`` keeps, stated as a rule rather than a cut:
    a word stays when at most ``n`` words (itself among them) occur as often as it or
    more, so a tie is kept whole or left out whole."""
    return {w for w, c in counts.items()
            if c >= min_count and sum(v >= c for v in counts.values()) <= n}


def test_max_final_vocab_keeps_the_most_frequent_words_as_gensim_does(tmp_path):
    from gensim.models import Word2Vec

    rng = np.random.default_rng(3)
    # counts from a few values only, so that ties fall at most cuts
    counts = {f"w{i}": int(c) for i, c in enumerate(rng.choice([1, 2, 3, 5, 8], size=30))}
    tokens = [w for w, c in counts.items() for _ in range(c)]
    rng.shuffle(tokens)
    sentences = [tokens[i:i + 7] for i in range(0, len(tokens), 7)]
    path = tmp_path / "c.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences))
    checked_ties = 0
    for min_count in (1, 3):
        for n in range(1, len(counts) + 2):
            expected = _kept_by_max_final_vocab(counts, n, min_count)
            if not expected:
                with pytest.raises(CorpusError, match=f"max_final_vocab={n} words tie"):
                    Corpus(path, min_count=min_count, max_final_vocab=n, progress=False)
                continue
            c = Corpus(path, min_count=min_count, max_final_vocab=n, progress=False)
            assert set(c.vocab.words) == expected and len(c.vocab) <= n
            assert c.vocab.counts.tolist() == [counts[w] for w in c.vocab.words]
            g = Word2Vec(min_count=min_count, max_final_vocab=n, vector_size=4)
            g.build_vocab(sentences)
            assert set(g.wv.index_to_key) == expected
            checked_ties += len(expected) < min(n, len(counts))
    assert checked_ties > 5  # cuts that fell inside a tie, leaving fewer than n


def test_max_final_vocab_is_part_of_the_cache_key_and_reaches_documents(tmp_path):
    from wordspace import Documents

    path = tmp_path / "c.txt"
    path.write_text("a a a b b c\nb a d\n")
    whole = Corpus(path, min_count=1)
    top = Corpus(path, min_count=1, max_final_vocab=2)
    assert top.cache_dir != whole.cache_dir and top.vocab.words == ["a", "b"]
    assert Corpus(path, min_count=1, max_final_vocab=2).vocab.words == ["a", "b"]  # cached
    assert Corpus(path, min_count=1).vocab.words == ["a", "b", "c", "d"]
    # unset, it is no part of the key: encodings made before it existed are still read
    assert "max_final_vocab" not in whole.reading_settings()
    docs = Documents(path, min_count=1, max_final_vocab=1)
    assert docs.vocab.words == ["a"] and docs.reading_settings()["max_final_vocab"] == 1
    with pytest.raises(ValueError, match="max_final_vocab must be an integer >= 1, got 0"):
        Corpus(path, max_final_vocab=0)


def test_clear_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    with pytest.raises(CorpusError, match=r"empty\.txt: the corpus is empty"):
        Corpus(empty)
    rare = tmp_path / "rare.txt"
    rare.write_text("a b c a\n")
    with pytest.raises(CorpusError, match=r"rare\.txt: no word occurs min_count=5 .*'a', "
                                          r"occurs 2"):
        Corpus(rare, min_count=5)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        Corpus(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="min_count must be an integer >= 1, got 0"):
        Corpus(rare, min_count=0)


def test_encoded_corpus_is_cached_and_keyed_by_settings(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b a c\n")
    first = Corpus(path, min_count=1)
    assert first.cache_dir is not None and isinstance(first.tokens, np.memmap)
    again = Corpus(path, min_count=1)
    assert again.cache_dir == first.cache_dir
    assert Corpus(path, min_count=2).cache_dir != first.cache_dir
    path.write_text("a b a c d d d\n")  # a changed file is read again
    changed = Corpus(path, min_count=1)
    assert changed.cache_dir != first.cache_dir and changed.vocab.words[0] == "d"


@pytest.mark.parametrize("unk", [False, True])
def test_the_tokens_checksum_is_taken_as_they_are_written(tmp_path, monkeypatch, caplog,
                                                          unk):
    """meta.json's CRC-32 of tokens.npy is the file's, taken block by block as it is
    written: the file is read once, by the check of the cache's first load, not also
    back for meta.json right after it was written."""
    import json
    import zlib
    from pathlib import Path

    import wordspace.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "_BATCH_TOKENS", 3)  # a block of a few sentences
    crc32, read = corpus_module._crc32, []

    def counted(path, *a):
        read.append(Path(path).name)
        return crc32(path, *a)

    monkeypatch.setattr(corpus_module, "_crc32", counted)
    path = tmp_path / "c.txt"
    path.write_text("".join(f"a b w{i % 13} c w{i % 7} rare{i}\n" for i in range(300)))
    with caplog.at_level(logging.WARNING):
        corpus = Corpus(path, min_count=2, unk=unk, progress=False)
    assert corpus.cache_dir is not None and not caplog.text  # loaded, checked, as written
    meta = json.loads((corpus.cache_dir / "meta.json").read_text())
    assert meta["crc32"]["tokens.npy"] == zlib.crc32((corpus.cache_dir / "tokens.npy")
                                                     .read_bytes())
    assert read.count("tokens.npy") == 1


def test_vocabulary_tsv_round_trip(tmp_path):
    v = Vocabulary(["<unk>", "the", "cat"], [5, 3, 1], unk=True)
    v.save_tsv(tmp_path / "v.tsv")
    back = Vocabulary.load_tsv(tmp_path / "v.tsv")
    assert back.words == v.words and back.counts.tolist() == [5, 3, 1] and back.unk
    with pytest.raises(KeyError, match="'cta' is not in the vocabulary; did you mean 'cat'"):
        back["cta"]
    # line ends as Python's text files read them, the header's too: CRLF, or lone CRs
    text = (tmp_path / "v.tsv").read_text()
    for end in ("\r\n", "\r"):
        (tmp_path / "v.tsv").write_bytes(text.replace("\n", end).encode())
        back = Vocabulary.load_tsv(tmp_path / "v.tsv")
        assert back.words == v.words and back.counts.tolist() == [5, 3, 1] and back.unk


def test_an_unknown_setting_says_the_closest_or_where_it_belongs():
    """``Corpus(path, mincount=3)`` got Python's bare "unexpected keyword argument";
    ``Corpus(path, dim=50)`` is a model's parameter. Said before anything is read."""
    from wordspace import Documents

    with pytest.raises(TypeError, match=r"Corpus has no setting 'mincount'; did you mean "
                                        r"min_count\? \(its settings are min_count, "):
        Corpus("never-read.txt", mincount=3)
    with pytest.raises(TypeError, match=r"dim is a model parameter, not a Corpus setting: "
                                        r"SkipGram\(dim=...\).fit\(Corpus\(source\)\)"):
        Corpus("never-read.txt", dim=50)
    with pytest.raises(TypeError, match=r"Documents has no setting 'text_feild'; did you "
                                        r"mean text_field\?"):
        Documents("never-read.jsonl", text_feild="body")
    with pytest.raises(TypeError, match=r"PVDBOW\(dim=...\).fit\(Documents\(source\)\)"):
        Documents("never-read.jsonl", dim=50)


def test_a_subclass_passing_settings_on_is_checked_by_the_class_that_takes_them(tmp_path):
    """A user's subclass whose ``__init__`` passes ``**kwargs`` on works as before the
    check (it was refused, its settings called unknown), and a misspelt setting is still
    said, of the subclass, by the class that takes the settings."""
    class Tagged(Corpus):
        def __init__(self, source, tag="x", **kwargs):
            self.tag = tag
            super().__init__(source, **kwargs)

    path = tmp_path / "c.txt"
    path.write_text("a b c\n" * 20)
    corpus = Tagged(path, tag="y", min_count=1, progress=False)
    assert corpus.tag == "y" and len(corpus.vocab) == 3
    with pytest.raises(TypeError, match="Tagged has no setting 'mincount'; did you mean "
                                        "min_count"):
        Tagged(path, mincount=1)
