"""fastText's subword model: the hash and n-grams as fastText has them, vectors for
unseen words, and planted morphology recovered.

The hash and the n-gram walk are checked against an independent reference written here
from fastText's ``Dictionary::hash`` and ``computeSubwords`` and against gensim's
reimplementation (``ft_hash_bytes``, ``ft_ngram_hashes``), which reads fastText's files.
"""

from __future__ import annotations

import functools
import os
import struct

import numpy as np
import pytest

import wordspace.models.fasttext as fasttext_module
import wordspace.vectors as vectors_module
from wordspace import Corpus, FastText, SkipGram, Vectors
from wordspace.losses import NegativeSamplingLoss
from wordspace.subwords import Subwords, fasttext_hash
from wordspace.train import TrainingTooLarge, check_fits_memory


def reference_hash(data: bytes) -> int:
    """fastText's FNV-1a: ``h ^= uint32_t(int8_t(c)); h *= 16777619``."""
    h = 2166136261
    for c in data:
        signed = c - 256 if c >= 128 else c
        h = ((h ^ (signed & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def random_words(rng, n, alphabet="abcdefghijklmnopqrstuvwxyzéüßñøжщ漢字😀"):
    return ["".join(rng.choice(list(alphabet), size=rng.integers(1, 12))) for _ in range(n)]


def test_the_hash_is_fasttext_s_with_its_signed_char_quirk():
    from gensim.models.fasttext_inner import ft_hash_bytes

    rng = np.random.default_rng(0)
    for word in random_words(rng, 300) + ["", "<where>", "naïve", "日本語"]:
        data = word.encode("utf-8")
        assert fasttext_hash(word) == reference_hash(data) == ft_hash_bytes(data)
    # the quirk matters: a byte >= 128 hashed unsigned would give another value
    unsigned = ((2166136261 ^ 0xE9) * 16777619) & 0xFFFFFFFF
    assert fasttext_hash(b"\xe9") != unsigned


def test_ngrams_are_fasttext_s_in_its_order():
    from gensim.models.fasttext import compute_ngrams_bytes, ft_ngram_hashes

    # Bojanowski et al.'s example: the 3-grams of "where"
    assert Subwords(3, 3).ngrams("where") == ["<wh", "whe", "her", "ere", "re>"]
    assert Subwords(0, 0, 0).ngrams("where") == []  # n-grams off: not n = 0's empty ones
    rng = np.random.default_rng(1)
    for min_n, max_n, bucket in [(3, 6, 2_000_000), (1, 3, 1000), (2, 2, 7)]:
        sub = Subwords(min_n, max_n, bucket)
        for word in random_words(rng, 150):
            expected = [g.decode("utf-8") for g in compute_ngrams_bytes(word, min_n, max_n)]
            assert sub.ngrams(word) == expected
            rows = sub.ngram_rows(word, n_words=50)
            np.testing.assert_array_equal(rows - 50, ft_ngram_hashes(word, min_n, max_n,
                                                                     bucket))
            assert list(rows - 50) == [reference_hash(g.encode()) % bucket for g in expected]


def test_a_vocabulary_word_s_bag_is_its_row_then_its_ngram_rows():
    sub = Subwords(2, 4, 97)
    words = ["dog", "dogs", "é", "cat"]
    table = sub.table(words)
    for k, word in enumerate(words):
        bag = table.rows[table.ptr[k]:table.ptr[k + 1]]
        assert bag[0] == k
        np.testing.assert_array_equal(bag[1:], sub.ngram_rows(word, len(words)))
    off = Subwords(3, 0, 0).table(words)  # no n-grams: every word its own row
    np.testing.assert_array_equal(off.rows, np.arange(4))


@pytest.mark.parametrize(("kwargs", "named"), [
    (dict(min_n=4, max_n=3), "min_n"), (dict(bucket=0), "bucket"),
    (dict(max_n=-1), "max_n"), (dict(cbow="yes"), "cbow"), (dict(output_rate=0), "output_rate"),
    (dict(output_rate="half"), "output_rate")])
def test_bad_settings_are_refused_before_any_work(kwargs, named):
    with pytest.raises((ValueError, TypeError), match=named):
        FastText(**kwargs).fit(["never read"])


def test_the_output_rate_is_halved_only_where_a_window_s_steps_are_summed(monkeypatch,
                                                                         tmp_path):
    """By default the output rows learn at half the rate with shared negatives (skip-gram)
    trained on at least HALF_OUTPUT_RATE_FROM words, and at the full rate on less, per
    pair and in CBOW; the loss trains with that rate, and a saved model says it."""
    from wordspace.models import fasttext as module

    assert FastText().output_rate_ == 0.5  # not fitted: the rate of large corpora
    assert FastText(shared_negatives=False).output_rate_ == 1.0
    assert FastText(cbow=True).output_rate_ == 1.0
    assert FastText(output_rate=0.8).output_rate_ == 0.8
    assert FastText()._loss().output_rate == 0.5
    corpus = Corpus([["ab", "bc", "cd", "de"]] * 50, min_count=1)  # 200 words
    used = []
    original = NegativeSamplingLoss.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        used.append(self.output_rate)

    monkeypatch.setattr(NegativeSamplingLoss, "__init__", recording)
    small = FastText(dim=4, epochs=2, bucket=100, sample=0, progress=False).fit(corpus)
    assert small.output_rate_ == 1.0 and used[-1] == 1.0  # 400 words trained
    monkeypatch.setattr(module, "HALF_OUTPUT_RATE_FROM", 401)
    small.set_params(epochs=3)  # for the next fit: the rate trained with is still said
    assert small.output_rate_ == 1.0
    monkeypatch.setattr(module, "HALF_OUTPUT_RATE_FROM", 15_000_000)
    small.save(tmp_path / "small")
    assert FastText.load(tmp_path / "small").output_rate_ == 1.0
    config = tmp_path / "small" / "config.json"  # a model saved before the rate was
    config.write_text(config.read_text().replace('"trained_output_rate_"', '"other"'))
    assert FastText.load(tmp_path / "small").output_rate_ == 0.5  # recorded: trained so
    monkeypatch.setattr(module, "HALF_OUTPUT_RATE_FROM", 400)
    large = FastText(dim=4, epochs=2, bucket=100, sample=0, progress=False).fit(corpus)
    assert large.output_rate_ == 0.5 and used[-1] == 0.5


def test_ngram_rows_that_cannot_fit_in_memory_are_refused_with_the_numbers(monkeypatch):
    monkeypatch.setattr("wordspace.train.available_memory", lambda: 2**30)
    with pytest.raises(TrainingTooLarge, match=r"bucket 2,000,000 x dim 300"):
        FastText(dim=300).fit(["never read"])


def test_an_update_counts_the_ngram_rows_twice(monkeypatch):
    sentences = [["kama", "komo", "kumu"]] * 30
    model = FastText(dim=8, bucket=1000, epochs=1, sample=0, progress=False)
    model.fit(Corpus(sentences, min_count=1))
    one_copy = 1000 * 8 * 4
    # the n-gram rows' check alone sees so little memory (the walk's buffers would not fit)
    monkeypatch.setattr("wordspace.models.fasttext.check_fits_memory",
                        functools.partial(check_fits_memory, available=3 * one_copy))
    with pytest.raises(TrainingTooLarge, match="twice: an update holds the old rows"):
        model.fit(Corpus([["kama", "newword"]] * 30, min_count=1), update=True)
    assert "newword" not in model.vocab_.words
    FastText(dim=8, bucket=1000, epochs=1, sample=0, progress=False).fit(
        Corpus(sentences, min_count=1))  # one copy fits in half of it
    # under torchrun each rank also keeps the rows as last synchronised (refused before
    # the group is joined or the corpus read)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(TrainingTooLarge, match="twice: a distributed run also their "):
        FastText(dim=8, bucket=1000, epochs=1, progress=False).fit(["never read"])


# -- a corpus with planted morphology ------------------------------------------------------
SYLLABLES = [["ka", "ko", "ku", "ki", "ke", "kai"], ["ma", "mo", "mu", "mi", "me", "mai"],
             ["ta", "to", "tu", "ti", "te", "tai"], ["pa", "po", "pu", "pi", "pe", "pai"]]


def group_words(g):
    """Group ``g``'s words: every pair of its syllables."""
    return [a + b for a in SYLLABLES[g] for b in SYLLABLES[g]]


@pytest.fixture(scope="module")
def planted():
    """Sentences of words of one group each; a third of every group's words held out."""
    rng = np.random.default_rng(0)
    seen, unseen = {}, {}
    for g in range(4):
        words = group_words(g)
        order = rng.permutation(len(words))
        seen[g] = [words[i] for i in order[:24]]
        unseen[g] = [words[i] for i in order[24:]]
    sentences = [list(rng.choice(seen[g], size=12))
                 for g in rng.integers(0, 4, size=3000)]
    corpus = Corpus(sentences, min_count=1, progress=False)
    model = FastText(dim=32, min_n=2, max_n=4, bucket=20_000, epochs=8, sample=0,
                     workers=1, seed=3, progress=False).fit(corpus)
    return corpus, model, seen, unseen


def test_unseen_words_land_among_their_group_where_skip_gram_has_no_vector(planted):
    corpus, model, seen, unseen = planted
    group_of = {w: g for g, words in seen.items() for w in words}
    hits = total = 0
    for g, words in unseen.items():
        for word in words:
            assert word not in model.vectors  # not in the vocabulary ...
            neighbours = model.vectors.most_similar(word, topn=5)  # ... yet it has a vector
            hits += sum(group_of[w] == g for w, _ in neighbours)
            total += len(neighbours)
    assert hits / total > 0.8  # chance: 0.25
    plain = SkipGram(dim=32, epochs=1, sample=0, workers=1, progress=False).fit(corpus)
    with pytest.raises(KeyError):
        plain.vectors.most_similar(unseen[0][0])


def test_word_vectors_are_the_mean_of_their_rows_as_fasttext_composes_them(planted):
    _, model, _, unseen = planted
    sub, inputs, n = model.subwords, model.input_vectors_, len(model.vocab_)
    for k in (0, 5, n - 1):
        word = model.vocab_.words[k]
        rows = [k, *sub.ngram_rows(word, n)]
        np.testing.assert_allclose(model.vectors[word], inputs[rows].mean(axis=0),
                                   rtol=1e-5, atol=1e-7)
    word = unseen[1][0]
    expected = inputs[[n + reference_hash(g.encode()) % sub.bucket
                       for g in sub.ngrams(word)]].mean(axis=0)
    np.testing.assert_allclose(model.vectors[word], expected, rtol=1e-5, atol=1e-7)


def test_a_word_without_an_ngram_is_a_key_error():
    from wordspace import SubwordVectors

    inputs = np.arange(2 * 3 + 50 * 3, dtype=np.float32).reshape(-1, 3)
    sv = SubwordVectors(["hello", "world"], inputs[:2], inputs=inputs,
                        subwords=Subwords(5, 6, 50))
    assert sv["worlds"].shape == (3,)  # "<worlds>" has n-grams of 5 and 6 characters
    assert sv["abc"].shape == (3,)  # one n-gram: "<abc>" itself
    for query in (lambda: sv["ab"], lambda: sv.most_similar("ab")):  # "<ab>": none
        with pytest.raises(KeyError, match="ab"):
            query()
    # left out of vectors_for_all, between words that have n-grams (composed at once)
    some = sv.vectors_for_all(["worlds", "ab", "world", "abc", "x"])
    assert some.words == ["worlds", "world", "abc"]
    np.testing.assert_array_equal(some.matrix, np.stack([sv["worlds"], sv["world"],
                                                         sv["abc"]]))


def test_a_saved_model_answers_for_unseen_words_as_before(planted, tmp_path):
    from wordspace import load_model

    _, model, _, unseen = planted
    model.save(tmp_path / "ft")
    loaded = load_model(tmp_path / "ft")
    assert isinstance(loaded, FastText) and loaded.max_n == 4
    word = unseen[2][1]
    np.testing.assert_array_equal(loaded.vectors[word], model.vectors[word])
    np.testing.assert_array_equal(loaded.vectors.matrix, model.vectors.matrix)
    assert loaded.vectors.most_similar(word, topn=3) == model.vectors.most_similar(word,
                                                                                    topn=3)


def test_vectors_for_all_composes_unseen_words_as_one_by_one_and_as_gensim(planted,
                                                                           tmp_path):
    """gensim's ``vectors_for_all`` on a fastText model: unseen words composed from their
    n-grams (all at once) equal each word's own lookup and gensim's; without inference
    only the vocabulary's words come."""
    from gensim.models.fasttext import load_facebook_model

    _, model, seen, unseen = planted
    words = [unseen[0][0], seen[1][0], unseen[2][3], "q", unseen[0][0], "kaxyz", seen[3][2]]
    got = model.wv.vectors_for_all(words, copy_vecattrs=True)
    kept = [unseen[0][0], seen[1][0], unseen[2][3], "q", "kaxyz", seen[3][2]]
    assert got.words == kept and type(got) is Vectors
    for word in kept:
        np.testing.assert_array_equal(got[word], model.wv[word])
    assert list(got.counts) == [0, model.wv.get_vecattr(seen[1][0], "count"), 0, 0, 0,
                                model.wv.get_vecattr(seen[3][2], "count")]
    model.save_facebook_model(tmp_path / "m.bin")
    theirs = load_facebook_model(str(tmp_path / "m.bin")).wv.vectors_for_all(words)
    assert theirs.index_to_key == kept
    np.testing.assert_allclose(got.vectors, theirs.vectors, rtol=1e-5, atol=1e-6)
    assert model.wv.vectors_for_all(words, allow_inference=False).words == [seen[1][0],
                                                                            seen[3][2]]


# -- fastText's .bin files -------------------------------------------------------------------
def test_a_bin_file_reads_back_in_gensim_with_the_same_vectors_unseen_words_too(planted,
                                                                                 tmp_path):
    from gensim.models.fasttext import load_facebook_model

    _, model, _, unseen = planted
    model.save_facebook_model(tmp_path / "m.bin")
    theirs = load_facebook_model(str(tmp_path / "m.bin")).wv
    words = model.vocab_.words[:20] + [w for g in unseen for w in unseen[g]] + ["kaxyz"]
    for word in words:
        np.testing.assert_allclose(theirs[word], model.vectors[word], rtol=1e-5, atol=1e-6)
    ours = FastText.load_facebook_model(tmp_path / "m.bin")
    assert (ours.min_n, ours.max_n, ours.bucket, ours.dim) == (2, 4, 20_000, 32)
    for word in words:
        np.testing.assert_array_equal(ours.vectors[word], model.vectors[word])
    np.testing.assert_array_equal(ours.output_vectors_, model.output_vectors_)
    model.save_facebook_model(tmp_path / "m.bin")  # an earlier .bin is replaced
    # anything else is refused before the file is written, naming the path
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileExistsError, match="folder is a directory, not a fastText"):
        model.save_facebook_model(tmp_path / "folder")
    (tmp_path / "cc2.txt").write_text("a corpus\n")  # it was replaced
    with pytest.raises(FileExistsError, match="cc2.txt exists and is not a fastText .bin"):
        model.save_facebook_model(tmp_path / "cc2.txt")
    os.symlink(tmp_path / "m.bin", tmp_path / "link.bin")  # it was replaced by a file
    with pytest.raises(FileExistsError, match="link.bin is a symbolic link"):
        model.save_facebook_model(tmp_path / "link.bin")
    assert (tmp_path / "cc2.txt").read_text() == "a corpus\n"
    assert (tmp_path / "link.bin").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cc2.txt", "folder", "link.bin",
                                                          "m.bin"]


def test_a_model_gensim_trained_and_wrote_answers_as_gensim_does(tmp_path):
    from gensim.models import FastText as GensimFastText
    from gensim.models.fasttext import save_facebook_model

    rng = np.random.default_rng(4)
    sentences = [list(rng.choice(group_words(g), size=10)) for g in rng.integers(0, 4, 400)]
    sentences.append(["naïve", "жук", "日本語"])  # non-ASCII n-grams: the signed hash
    theirs = GensimFastText(sentences, vector_size=12, min_count=1, min_n=2, max_n=5,
                            bucket=3000, epochs=1, workers=1, seed=1)
    save_facebook_model(theirs, str(tmp_path / "g.bin"))
    ours = FastText.load_facebook_model(tmp_path / "g.bin")
    assert ours.vocab_.words == list(theirs.wv.index_to_key)
    for word in [*theirs.wv.index_to_key, "naïvety", "жуки", "kakamo", "日本"]:
        np.testing.assert_allclose(ours.vectors[word], theirs.wv[word], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("damage", "message"), [
    (lambda b: b"\x00\x01" + b[2:], "not a fastText .bin model"),
    (lambda b: b[:4] + (10).to_bytes(4, "little") + b[8:], "version 10"),
    (lambda b: b[:len(b) // 2], "truncated"),
    # 100 million words (and entries) claimed: refused before they are looked for
    (lambda b: b[:64] + struct.pack("<2i", 10**8, 10**8) + b[72:],
     "the dictionary claims 100,000,000 entries, more than the file can hold"),
])
def test_a_damaged_bin_file_is_refused_naming_the_problem(planted, tmp_path, damage, message):
    _, model, _, _ = planted
    model.save_facebook_model(tmp_path / "m.bin")
    (tmp_path / "bad.bin").write_bytes(damage((tmp_path / "m.bin").read_bytes()))
    with pytest.raises(ValueError, match=message):
        FastText.load_facebook_model(tmp_path / "bad.bin")


def tiny_bin(path, inputs=None, outputs=None):
    """A fastText .bin of two words and three n-gram buckets, written directly."""
    from wordspace.fasttext_format import LOSS_NS, MODEL_SG, FastTextFile, write_fasttext

    rng = np.random.default_rng(0)
    write_fasttext(path, FastTextFile(
        dim=2, window=5, epochs=1, min_count=1, negative=5, loss=LOSS_NS, model=MODEL_SG,
        bucket=3, min_n=2, max_n=3, sample=1e-4, words=["cat", "dog"],
        counts=np.array([3, 2]), ntokens=5,
        inputs=rng.normal(size=(5, 2)).astype(np.float32) if inputs is None else inputs,
        outputs=rng.normal(size=(2, 2)).astype(np.float32) if outputs is None else outputs))


@pytest.mark.parametrize(("matrix", "row", "message"), [
    ("inputs", 1, r"the input matrix holds NaN or infinite values, first in the row of 'dog' "
                  r"\(row 2\); the model is damaged"),
    ("inputs", 3, r"the input matrix holds NaN or infinite values, first in row 4, n-gram "
                  r"bucket 1"),
    ("outputs", 0, r"the output matrix holds NaN or infinite values, first in the row of "
                   r"'cat' \(row 1\)"),
])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_bin_file_with_nan_or_inf_is_refused_naming_the_row(tmp_path, capsys, matrix, row,
                                                             message, bad):
    # it was read as it was: NaN scores, inf vectors, and "training diverged" on --update
    from wordspace.cli import main

    rng = np.random.default_rng(1)
    arrays = {"inputs": rng.normal(size=(5, 2)).astype(np.float32),
              "outputs": rng.normal(size=(2, 2)).astype(np.float32)}
    arrays[matrix][row, 1] = bad
    path = tmp_path / "ft_nan.bin"
    tiny_bin(path, **arrays)
    for read in (FastText.load_facebook_model, FastText.load_facebook_vectors):
        with pytest.raises(ValueError, match=rf"ft_nan\.bin: {message}"):
            read(path)
    assert main(["vectors", str(path), "cat"]) == 2
    assert "ft_nan.bin: the " in capsys.readouterr().err


def test_a_quantised_model_is_refused_with_what_to_use_instead(planted, tmp_path):
    from wordspace.fasttext_format import read_fasttext

    _, model, _, _ = planted
    model.save_facebook_model(tmp_path / "m.bin")
    data = bytearray((tmp_path / "m.bin").read_bytes())
    offset = read_fasttext(tmp_path / "m.bin").inputs.offset - 17  # the input's flag
    data[offset] = 1
    (tmp_path / "q.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"quantised \(a \.ftz model\)"):
        FastText.load_facebook_model(tmp_path / "q.bin")


def fasttext_trained(tmp_path, lines, supervised=False, **settings):
    """fastText (the pip module) trained on ``lines`` (bytes) and saved: the model and
    its .bin's path. With thread=10 each thread starts (rows x dim) // 10 values of the
    input matrix, so the rows (words and buckets) times dim must be a multiple of 10:
    the rest is left as the allocator had it, and trains into "Encountered NaN" at times
    (later in a process, where memory is reused)."""
    import fasttext  # the dev extra's

    text = tmp_path / "fasttext-corpus.txt"
    text.write_bytes(b"\n".join(lines) + b"\n")
    train = fasttext.train_supervised if supervised else fasttext.train_unsupervised
    model = train(str(text), thread=10, verbose=0, **settings)
    path = tmp_path / "fasttext.bin"
    model.save_model(str(path))
    return model, path


def group_lines(n, seed=0, extra=()):
    """``n`` lines of ten words of one group each (bytes), ``extra`` (bytes) among them."""
    rng = np.random.default_rng(seed)
    groups = [[w.encode() for w in group_words(g)] + list(extra) for g in range(4)]
    return [b" ".join(groups[g][i] for i in rng.integers(0, len(groups[g]), size=10))
            for g in rng.integers(0, 4, size=n)]


def test_words_that_are_not_utf8_keep_their_bytes_and_fasttext_s_vectors(tmp_path):
    """fastText keeps a word's bytes as they came (Latin-1 text): they read as surrogates,
    hashed and written back as those bytes. They read as U+FFFD, hashed as its bytes
    (other vectors than fastText's), two such words became one (the load failed: "words
    must be unique") and U+FFFD was written back."""
    import fasttext  # the dev extra's

    # and a no-break space, inside a word for fastText (saving it back was refused)
    latin = [b"caf\xe9", b"caf\xe8", b"na\xefve", b"\xe9t\xe9", b"caf\xc2\xa0au"]
    trained, path = fasttext_trained(tmp_path, group_lines(200, extra=latin), dim=10,
                                     epoch=1, minCount=1, minn=2, maxn=4, bucket=1000)
    words = trained.get_words(on_unicode_error="surrogateescape")
    ours = FastText.load_facebook_model(path)
    assert ours.vocab_.words == words
    assert all(w in words for w in ("caf\udce9", "caf\udce8", "caf\xa0au"))
    for word in [*words, "caf\udce9s", "\udcff\udcfe", "kakamo"]:
        np.testing.assert_allclose(
            ours.vectors[word], trained.get_word_vector(word.encode("utf-8", "surrogateescape")),
            rtol=1e-5, atol=1e-6, err_msg=repr(word))
    ours.save_facebook_model(tmp_path / "back.bin")
    back = fasttext.load_model(str(tmp_path / "back.bin"))
    assert back.get_words(on_unicode_error="surrogateescape") == words
    # after the arguments (wordspace writes minCount as the least count), byte for byte
    assert (tmp_path / "back.bin").read_bytes()[64:] == path.read_bytes()[64:]
    # exported to the word2vec format as their bytes, as fastText's .vec holds them (the
    # export was refused), with a warning; read back as surrogates, the same words
    ours.wv.save_word2vec_format(tmp_path / "w.vec")
    assert b"\ncaf\xe9 " in (tmp_path / "w.vec").read_bytes()
    back = Vectors.load_word2vec_format(tmp_path / "w.vec", unicode_errors="surrogateescape")
    assert back.words == words
    np.testing.assert_array_equal(back.matrix, ours.wv.vectors)
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        Vectors.load_word2vec_format(tmp_path / "w.vec")  # strict, as gensim's default


def test_low_dimension_bin_files_read(tmp_path):
    """A .bin whose rows take less than the words (dim 1, few buckets), wordspace's or
    fastText's, was refused: "more than the file can hold"."""
    words = [f"w{i}" for i in range(300)]
    rng = np.random.default_rng(0)
    model = FastText(dim=1, bucket=100, epochs=1, sample=0, workers=1, progress=False).fit(
        Corpus([list(rng.choice(words, 10)) for _ in range(300)], min_count=1,
               progress=False))
    model.save_facebook_model(tmp_path / "d1.bin")
    back = FastText.load_facebook_model(tmp_path / "d1.bin")
    np.testing.assert_array_equal(back.vectors.matrix, model.vectors.matrix)
    lines = [" ".join(line).encode()
             for line in rng.permutation(np.repeat(words, 10)).reshape(300, 10)]
    # 300 words, </s> and 9 buckets: 310 rows of 1 (see fasttext_trained)
    trained, path = fasttext_trained(tmp_path, lines, dim=1, epoch=1, minCount=1, minn=2,
                                     maxn=3, bucket=9)
    assert len(trained.words) == 301
    ours = FastText.load_facebook_model(path)
    for word in [*trained.words[:20], "w12345"]:
        np.testing.assert_allclose(ours.vectors[word], trained.get_word_vector(word),
                                   rtol=1e-5, atol=1e-6)


def test_a_real_quantised_model_is_refused_as_quantised(tmp_path):
    """fastText's own .ftz (quantize() of a classifier: 1,000 words in 25 kB) gets the
    quantised model's message; the dictionary size check took it for a damaged file."""
    words = np.random.default_rng(0).permutation(np.repeat([f"w{i}" for i in range(1000)],
                                                           3))
    lines = [f"__label__{'ab'[i % 2]} {' '.join(words[10 * i:10 * i + 10])}".encode()
             for i in range(300)]
    trained, _ = fasttext_trained(tmp_path, lines, supervised=True, dim=10, epoch=1)
    trained.quantize(dsub=10)  # one byte a row
    trained.save_model(str(tmp_path / "q.ftz"))
    with pytest.raises(ValueError, match=r"q\.ftz: the input matrix is quantised \(a \.ftz "
                                         r"model\): wordspace reads full .bin models only"):
        FastText.load_facebook_vectors(tmp_path / "q.ftz")


@pytest.mark.parametrize(("minn", "maxn"), [(0, 3), (5, 3), (0, 0)])
def test_a_bin_file_s_ngram_lengths_act_as_in_fasttext(tmp_path, minn, maxn):
    """fastText takes n-grams of 1 to maxn characters, at least minn long: minn 0 acts as
    1, minn > maxn (or maxn 0) means none. Such files were refused as wordspace's own
    settings ("min_n must be an integer between 1 and 3, got 0"); maxn 0's get_subwords
    listed n = 0's empty n-grams."""
    trained, path = fasttext_trained(tmp_path, group_lines(100), dim=10, epoch=1, minCount=1,
                                     minn=minn, maxn=maxn, bucket=500)
    ours = FastText.load_facebook_vectors(path)
    for word in [*trained.words[:10], "kakamo", "zz", "x"]:
        theirs = trained.get_word_vector(word)
        if word not in ours and not theirs.any():  # no n-gram: fastText's zeros
            with pytest.raises(KeyError):
                ours[word]
            continue
        np.testing.assert_allclose(ours[word], theirs, rtol=1e-5, atol=1e-6, err_msg=word)
        names, rows = ours.get_subwords(word)
        their_names, their_rows = trained.get_subwords(word)
        assert names == list(their_names) and rows.tolist() == their_rows.tolist(), word


def test_bin_files_move_between_wordspace_and_fasttext_itself(planted, tmp_path):
    """pip ``fasttext`` (Facebook's library) reads what wordspace writes and wordspace
    reads what fastText trains, with fastText's own vectors for every word."""
    import fasttext  # the dev extra's

    corpus, model, _, unseen = planted
    model.save_facebook_model(tmp_path / "m.bin")
    theirs = fasttext.load_model(str(tmp_path / "m.bin"))
    words = model.vocab_.words[:20] + unseen[3] + ["kaxyz", "naïve"]
    for word in words:
        np.testing.assert_allclose(theirs.get_word_vector(word), model.vectors[word],
                                   rtol=1e-5, atol=1e-6)
    for word in [model.vocab_.words[5], unseen[2][0], "naïve"]:  # fastText's get_subwords
        names, rows = model.vectors.get_subwords(word)
        their_names, their_rows = theirs.get_subwords(word)
        assert names == list(their_names) and rows.tolist() == their_rows.tolist(), word
    text = tmp_path / "corpus.txt"
    text.write_text("".join(" ".join(s) + "\n" for s in corpus))
    # thread=10: fastText's DenseMatrix::uniform initialises a tenth of the input matrix
    # per thread and leaves the rest zero; with fewer threads this tiny corpus trains
    # into "Encountered NaN" about one time in four
    trained = fasttext.train_unsupervised(str(text), model="skipgram", dim=10, epoch=2,
                                          minCount=1, minn=2, maxn=4, bucket=5000,
                                          thread=10, verbose=0)
    trained.save_model(str(tmp_path / "t.bin"))
    ours = FastText.load_facebook_model(tmp_path / "t.bin")
    assert ours.vocab_.words == trained.words
    for word in [*trained.words[:30], "</s>", "kaxyz", "жук"]:
        np.testing.assert_allclose(ours.vectors[word], trained.get_word_vector(word),
                                   rtol=1e-5, atol=1e-6)


def test_the_command_line_exports_fasttext_s_bin(planted, tmp_path, capsys):
    """``export --format fasttext`` writes the .bin that fastText itself reads with the
    model's vectors, unseen words included; ``-o x.bin`` alone writes word2vec's binary
    format and says so; a model without n-gram rows, or a file that is not a fastText
    model at the path, is refused before anything is written."""
    import fasttext  # the dev extra's

    from wordspace.cli import main

    _, model, _, unseen = planted
    model.save(tmp_path / "model")
    assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / "m.bin"),
                 "--format", "fasttext"]) == 0
    theirs = fasttext.load_model(str(tmp_path / "m.bin"))
    for word in model.vocab_.words[:10] + unseen[1]:
        np.testing.assert_allclose(theirs.get_word_vector(word), model.vectors[word],
                                   rtol=1e-5, atol=1e-6)
    capsys.readouterr()
    assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / "w.bin")]) == 0
    assert "w.bin is word2vec's binary format, the words' vectors only; --format " \
           "fasttext writes fastText's .bin" in capsys.readouterr().err
    assert Vectors.load_word2vec_format(tmp_path / "w.bin", binary=True).words == \
        model.vectors.words
    # a fastText .bin wordspace did not write (fastText's own, a download) is replaced only
    # with --overwrite, a word2vec file not even then; one export replaces another
    model.save_facebook_model(tmp_path / "theirs.bin")  # no command's: as fastText writes
    before = (tmp_path / "theirs.bin").read_bytes()
    assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / "theirs.bin"),
                 "--format", "fasttext"]) == 2
    assert "theirs.bin exists and is not a file wordspace exported, unchanged since: " \
           "wordspace never replaces it; choose another name, or move it away, or use " \
           "--overwrite to replace a fastText .bin model" in capsys.readouterr().err
    assert (tmp_path / "theirs.bin").read_bytes() == before
    model.vectors.save_word2vec_format(tmp_path / "v.bin", binary=True)
    assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / "v.bin"),
                 "--format", "fasttext", "--overwrite"]) == 2
    assert "v.bin exists and is not a fastText .bin model or a file wordspace exported" in \
        capsys.readouterr().err
    for name, overwrite in (("theirs.bin", ["--overwrite"]), ("w.bin", [])):  # w: ours
        assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / name),
                     "--format", "fasttext", *overwrite]) == 0
        assert fasttext.load_model(str(tmp_path / name)).words == theirs.words
    SkipGram(dim=8, epochs=1, sample=0, progress=False).fit(
        Corpus([["a", "b", "c"]] * 10, min_count=1)).save(tmp_path / "sg")
    assert main(["export", str(tmp_path / "sg"), "-o", str(tmp_path / "sg.bin"),
                 "--format", "fasttext"]) == 2
    assert "holds a SkipGram model: only a fastText model" in capsys.readouterr().err
    assert not (tmp_path / "sg.bin").exists()
    assert main(["export", str(tmp_path / "model"), "-o", str(tmp_path / "m.bin.gz"),
                 "--format", "fasttext"]) == 2  # fastText would not read it
    assert "fastText reads its .bin uncompressed" in capsys.readouterr().err
    assert not (tmp_path / "m.bin.gz").exists()


def test_sentence_vectors_are_fasttext_s_unseen_words_and_odd_spaces_too(planted, tmp_path):
    """fastText's get_sentence_vector, by fastText itself on the model's .bin: each word
    split at ASCII whitespace (not at a no-break space, nor a NUL), its vector scaled to
    unit length, the mean over the words that have a vector."""
    import fasttext  # the dev extra's

    _, model, seen, unseen = planted
    model.save_facebook_model(tmp_path / "m.bin")
    theirs = fasttext.load_model(str(tmp_path / "m.bin"))
    texts = [" ".join(seen[0][:5]), f"  {seen[1][0]}\t{unseen[1][0]}  {unseen[2][1]} ",
             f"{seen[0][0]}\r{seen[2][0]}\v{seen[3][0]}\f{seen[0][1]}",
             f"{seen[0][0]}\u00a0{seen[1][0]}", f"{seen[0][0]}\x00{seen[1][0]}",
             f"</s> {seen[0][0]} {seen[0][0]} {unseen[0][0]}", "kaxyz", "naïve 日本語",
             " ".join(unseen[3])]
    for text in texts:
        ours = model.get_sentence_vector(text)
        assert ours.dtype == np.float32 and ours.any(), text
        np.testing.assert_allclose(ours, theirs.get_sentence_vector(text), rtol=1e-5,
                                   atol=1e-6, err_msg=repr(text))
        np.testing.assert_array_equal(model.wv.get_sentence_vector(text), ours)
    # the mean of unit vectors, not of the vectors (fastText's rule)
    a, b = seen[0][0], unseen[0][0]
    units = [model.vectors.get_vector(w, norm=True) for w in (a, b)]
    np.testing.assert_allclose(model.get_sentence_vector(f"{a} {b}"), np.mean(units, axis=0),
                               rtol=1e-6)
    for text in ("", "   ", "\t"):  # no word with a vector: zeros, as fastText gives
        np.testing.assert_array_equal(model.get_sentence_vector(text), np.zeros(32))
        np.testing.assert_array_equal(theirs.get_sentence_vector(text), np.zeros(32))
    with pytest.raises(ValueError, match="one line of text"):
        model.get_sentence_vector(f"{a}\n{b}")  # fastText's module refuses it too
    loaded = FastText.load_facebook_model(tmp_path / "m.bin")
    np.testing.assert_array_equal(loaded.get_sentence_vector(texts[1]),
                                  model.get_sentence_vector(texts[1]))


def test_a_sentence_given_as_tokens_is_the_line_already_split(planted):
    """``wv.get_sentence_vector(["the", "king"])``, a gensim user's tokens (a list or a
    tuple), is the vector of the line they make, unseen words composed too (it was a
    TypeError from the splitting); what is neither is a TypeError saying what is."""
    _, model, seen, unseen = planted
    words = [seen[0][0], unseen[1][0], seen[2][3]]
    line = model.wv.get_sentence_vector(" ".join(words))
    for given in (words, tuple(words), ["", *words]):
        np.testing.assert_array_equal(model.wv.get_sentence_vector(given), line)
        np.testing.assert_array_equal(model.get_sentence_vector(given), line)
    np.testing.assert_array_equal(model.wv.get_sentence_vector([]), np.zeros(32))
    for bad, said in (([seen[0][0], 7], r"a line of text or a list of its words \(str\), "
                                        r"got 7 \(int\) among them"),
                      ([b"x"], r"not bytes"), (42, r"a line of text \(str\) or a list of "
                                                  r"its words, not int")):
        with pytest.raises(TypeError, match=said):
            model.wv.get_sentence_vector(bad)


@pytest.mark.parametrize("name", sorted(set(vectors_module._FASTTEXT_NAMES)
                                         | set(fasttext_module._FASTTEXT_NAMES)))
def test_fasttext_s_method_names_say_wordspace_s_way(planted, name):
    """The fastText module's methods, on a model or its vectors: an AttributeError saying
    what wordspace has instead (it said only that there was no such attribute). Each name
    either table has, on both: a name one of them lacks fails here."""
    _, model, _, _ = planted
    for owner in (model, model.wv, FastText):
        with pytest.raises(AttributeError, match=rf"has no attribute '{name}' \({name} is "
                                                 r"fastText's: .*(model|vectors)[.\[]"):
            getattr(owner, name)
    with pytest.raises(AttributeError, match=r"model\.wv\[word\] \(an unseen word composed"):
        model.get_word_vector("kaka")
    with pytest.raises(AttributeError, match=r"most_similar\(positive=\[A, C\], "
                                             r"negative=\[B\]\)"):
        model.wv.get_analogies("ka", "ko", "ku")


def test_the_vectors_have_gensim_s_fasttext_attributes(planted, tmp_path):
    """``wv.min_n``, ``max_n``, ``bucket``, ``vectors_ngrams`` and ``vectors_vocab`` (a
    plain AttributeError before) as gensim's FastTextKeyedVectors has them for the same
    model."""
    from gensim.models.fasttext import load_facebook_model

    _, model, _, _ = planted
    model.save_facebook_model(tmp_path / "m.bin")
    theirs = load_facebook_model(str(tmp_path / "m.bin")).wv
    ours = model.wv
    assert (ours.min_n, ours.max_n, ours.bucket) == (theirs.min_n, theirs.max_n,
                                                   theirs.bucket) == (2, 4, 20_000)
    np.testing.assert_array_equal(ours.vectors_ngrams, theirs.vectors_ngrams)
    assert np.shares_memory(ours.vectors_ngrams, model.input_vectors_)  # not a copy
    with pytest.raises(ValueError, match="read-only"):
        ours.vectors_ngrams[0, 0] = 1.0
    # the words' own rows, in the vocabulary's order (each word's vector averages its
    # own row and its n-grams')
    assert ours.words == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors_vocab, theirs.vectors_vocab)
    assert np.shares_memory(ours.vectors_vocab, model.input_vectors_)  # not a copy
    with pytest.raises(ValueError, match="read-only"):
        ours.vectors_vocab[0, 0] = 1.0
    ours.save(tmp_path / "vd")  # a vectors directory keeps no such rows, and says where
    with pytest.raises(AttributeError, match=r"'SubwordVectors' object has no attribute "
                                             r"'vectors_vocab' \(vectors_vocab is gensim's: "
                                             r"the words' own input rows.*load the model"):
        _ = Vectors.load(tmp_path / "vd").vectors_vocab
    plain = FastText(dim=4, max_n=0, epochs=1, sample=0, workers=1, progress=False).fit(
        Corpus([["a", "b"]] * 5, min_count=1, progress=False))
    # no n-grams: bucket 0, as gensim's FastText(max_n=0) and the .bin file say
    assert (plain.wv.max_n, plain.wv.bucket, plain.wv.vectors_ngrams.shape) == (0, 0, (0, 4))


def test_a_supervised_classifiers_word_vectors_read_as_fasttext_gives_them(tmp_path,
                                                                            capsys):
    import fasttext

    from wordspace.cli import main

    rng = np.random.default_rng(0)
    words = {"pos": ["good", "great", "fine", "nice"], "neg": ["bad", "awful", "poor", "sad"]}
    lines = [f"__label__{label} " + " ".join(rng.choice(words[label] + ["the", "film"], 8))
             for label in rng.choice(["pos", "neg"], 300)]
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n")
    trained = fasttext.train_supervised(str(tmp_path / "train.txt"), dim=10, minn=2, maxn=4,
                                        bucket=5000, wordNgrams=2, thread=10,  # see above
                                        verbose=0)
    trained.save_model(str(tmp_path / "sup.bin"))
    ours = FastText.load_facebook_vectors(tmp_path / "sup.bin")
    assert ours.words == trained.words  # the labels are not words
    for word in ["good", "awful", "film", "</s>", "goodish", "zzz"]:
        np.testing.assert_allclose(ours[word], trained.get_word_vector(word), rtol=1e-5,
                                   atol=1e-6)
    with pytest.raises(ValueError, match="a supervised fastText classifier: .*"
                                         "load_facebook_vectors"):
        FastText.load_facebook_model(tmp_path / "sup.bin")  # nothing to train further
    # a classifier's sentence vector is fastText's plain mean of the raw rows of the words,
    # word n-grams and </s>: refused rather than answered with the unsupervised mean
    assert not np.allclose(trained.get_sentence_vector("good film"),
                           Vectors.get_sentence_vector(ours, "good film"))
    with pytest.raises(ValueError, match=r"sup\.bin is a supervised fastText classifier: "
                                         r".* \(fasttext print-sentence-vectors "):
        ours.get_sentence_vector("good film")
    assert main(["sentence-vectors", str(tmp_path / "sup.bin"), "good film"]) == 2
    assert "sup.bin is a supervised fastText classifier" in capsys.readouterr().err
    ours.save(tmp_path / "sup-vectors")  # saved as a vectors directory: still a classifier's
    with pytest.raises(ValueError, match=r"sup\.bin is a supervised fastText classifier"):
        Vectors.load(tmp_path / "sup-vectors").get_sentence_vector("good film")
    assert main(["similar", str(tmp_path / "sup.bin"), "great", "--topn", "3"]) == 0
    assert set(capsys.readouterr().out.split()[::2]) <= set(trained.words)
    assert main(["train", str(tmp_path / "train.txt"), "-o", str(tmp_path / "more"),
                 "--update", str(tmp_path / "sup.bin")]) == 2
    assert "sup.bin: a supervised fastText classifier holds word vectors but no per-word " \
           "output rows to continue: start a new model from its vectors with --init" \
           in capsys.readouterr().err


# -- evaluation on every word: the subword protocol ----------------------------------------
def test_similarity_scores_every_pair_composing_unseen_words(planted):
    from wordspace.evaluate import word_similarity

    _, model, seen, unseen = planted
    v = model.vectors
    pairs = [(seen[0][0], seen[0][1], 9.0), (unseen[0][0], seen[0][2], 8.0),
             (unseen[1][0], seen[2][0], 1.0), (seen[1][1], unseen[3][0], 2.0),
             (seen[2][1], seen[2][3], 7.0), ("ab", seen[0][0], 5.0)]
    result = word_similarity(v, pairs)
    # "ab" has n-grams of 2 to 4 characters ("<a", "ab", "b>", ...): every pair is scored
    assert (result.protocol, result.pairs, result.oov, result.composed) == ("subword", 6, 0, 4)
    model_scores = [float(v.get_vector(a, norm=True) @ v.get_vector(b, norm=True))
                    for a, b, _ in pairs]
    gold = [g for _, _, g in pairs]
    from scipy.stats import spearmanr

    assert result.spearman == pytest.approx(spearmanr(gold, model_scores).statistic)
    plain = word_similarity(vectors_of(v), pairs)  # the same vectors, no composition
    assert (plain.protocol, plain.pairs, plain.oov) == ("vocabulary", 2, 4)


def vectors_of(v):
    from wordspace import Vectors

    return Vectors(v.words, v.matrix, v.counts)


def test_analogies_compose_question_words_and_count_unanswerable_ones_wrong(planted):
    from wordspace.evaluate import analogies

    _, model, seen, unseen = planted
    v = model.vectors
    a, b, c = seen[0][0], seen[0][1], seen[1][0]
    expected = v.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
    oov_expected = v.most_similar(positive=[b, c], negative=[unseen[0][0]], topn=1)[0][0]
    questions = [("gram-test", [(a, b, c, expected),  # answered right
                                (unseen[0][0], b, c, oov_expected),  # composed a
                                (a, b, c, unseen[2][0]),  # the answer is no candidate
                                (a, b, c, seen[3][5])])]  # wrong unless it is the best
    result = analogies(v, questions, restrict_vocab=len(v))
    assert (result.protocol, result.total, result.skipped, result.composed) == (
        "subword", 4, 0, 1)
    assert result.correct == 2 + (expected == seen[3][5])
    plain = analogies(vectors_of(v), questions, restrict_vocab=len(v))
    assert (plain.protocol, plain.total, plain.skipped) == ("vocabulary", 2, 2)


def test_cbow_over_subword_bags_also_places_unseen_words_in_their_group(planted):
    """``cbow=True``: the window's words' rows, n-grams and all, make one bag."""
    corpus, _, seen, unseen = planted
    model = FastText(cbow=True, dim=32, min_n=2, max_n=4, bucket=20_000, epochs=8, sample=0,
                     workers=1, seed=3, progress=False)
    layout = model._layout()
    assert layout.bag == "window"
    model.fit(corpus)
    assert model._layout().word_bags is not None
    group_of = {w: g for g, words in seen.items() for w in words}
    hits = [group_of[w] == g for g, words in unseen.items() for word in words
            for w, _ in model.vectors.most_similar(word, topn=5)]
    assert np.mean(hits) > 0.6  # chance: 0.25


# -- continuing training (update=True) --------------------------------------------------------
def test_update_adds_new_words_keeps_the_ngram_rows_and_composes_unseen_words(tmp_path,
                                                                            monkeypatch):
    import wordspace.models.base as base

    rng = np.random.default_rng(1)
    seen, held = {}, {}
    for g in range(4):
        words = list(rng.permutation(group_words(g)))
        seen[g], held[g] = words[:24], words[24:]

    def text(groups, words, n):
        return [list(rng.choice(words[g], size=12)) for g in rng.choice(groups, size=n)]

    settings = dict(dim=32, min_n=2, max_n=4, bucket=20_000, epochs=8, sample=0, workers=1,
                    seed=3, progress=False)
    FastText(**settings).fit(Corpus(text([0, 1, 2], seen, 2400), min_count=1)
                             ).save_facebook_model(tmp_path / "old.bin")
    model = FastText.load_facebook_model(tmp_path / "old.bin")  # read-only, memory-mapped
    old = FastText.load_facebook_model(tmp_path / "old.bin")
    n_old, old_words = len(old.vocab_), list(old.vocab_.words)
    # more text: group 0 again, group 2 with its held-out words, group 3 all new; no group 1
    more = Corpus(text([0, 2, 3], {0: seen[0], 2: seen[2] + held[2], 3: seen[3]}, 2400),
                  min_count=1)
    model.fit(more, update=True)

    words, n = model.vocab_.words, len(model.vocab_)
    added = sorted(set(more.vocab.words) - set(old_words))
    assert words[:n_old] == old_words and sorted(words[n_old:]) == added
    assert len(added) == len(held[2]) + len(seen[3])
    count = dict(zip(more.vocab.words, more.vocab.counts, strict=True))
    old_count = dict(zip(old_words, old.vocab_.counts, strict=True))
    for w in (seen[0][0], seen[1][0], held[2][0], seen[3][0]):
        assert model.vocab_.counts[words.index(w)] == old_count.get(w, 0) + count.get(w, 0)
    assert model.input_vectors_.shape == (n + 20_000, 32)

    # the n-gram rows follow the words' (now n of them): those no word of the new text
    # uses are the old ones, untouched; the old words' own rows absent from it too
    used = np.unique(model._word_bags.rows[np.concatenate(
        [np.arange(model._word_bags.ptr[i], model._word_bags.ptr[i + 1])
         for i in range(n) if words[i] in count])])
    kept = np.setdiff1d(np.arange(n, n + 20_000), used)
    assert len(kept) > 19_000
    np.testing.assert_array_equal(model.input_vectors_[kept],
                                  old.input_vectors_[kept - n + n_old])
    g1 = [old_words.index(w) for w in seen[1]]
    np.testing.assert_array_equal(model.input_vectors_[g1], old.input_vectors_[g1])
    # so group 1's words, absent from the new text, change little (shared n-grams such as
    # "a>" moved); group 0's, trained further, more
    def drift(ws):
        a, b = model.vectors[ws], old.vectors[ws]
        return 1 - (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)

    assert drift(seen[1]).max() < 0.05 and drift(seen[1]).mean() < drift(seen[0]).mean()

    # each word's bag covers the new words: a new word's vector is the mean of its own row
    # and its n-grams' rows
    group_of = {w: g for g in range(4) for w in seen[g] + held[g]}
    for w in added[:3]:
        k = words.index(w)
        np.testing.assert_allclose(model.vectors[w], model.input_vectors_[
            [k, *model.subwords.ngram_rows(w, n)]].mean(axis=0), rtol=1e-5, atol=1e-7)
    # new words learned their groups; unseen words (never in any text) compose from n-grams
    for new_or_unseen in (added, held[1] + held[3]):
        hits = [group_of[v] == group_of[w] for w in new_or_unseen
                for v, _ in model.vectors.most_similar(w, topn=5)]
        assert np.mean(hits) > 0.8, np.mean(hits)  # chance: 0.25
    assert held[3][0] not in model.vectors

    # a failed update leaves the model as it was, its bags included
    before = model.vectors.most_similar(seen[0][0], topn=5)
    monkeypatch.setattr(base, "train", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError):
        model.fit(Corpus([["brand", "new", "words"]] * 20, min_count=1), update=True)
    assert len(model.vocab_) == n and len(model._word_bags.ptr) == n + 1
    assert model.vectors.most_similar(seen[0][0], topn=5) == before


# -- each kept word's bag cached while its windows use it -------------------------------
def _walk(bags, sentences, cache_bags, window=3, seed=5):
    from wordspace.engine import Job, Sampler
    from wordspace.engine.layout import SHARED_BAGS, Layout

    tokens = np.concatenate(sentences).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])])
    n_words = len(bags.ptr) - 1
    counts = np.bincount(tokens, minlength=n_words) + 1
    layout = Layout(max_bags=SHARED_BAGS, word_bags=bags, cache_bags=cache_bags)
    sampler = Sampler.build(tokens, offsets, counts, window=window, negative=3,
                            layout=layout, sample=0, ns_exponent=0.75)
    examples = sampler.examples(len(tokens), len(tokens) * 2 * window)
    sampler.sample(Job(0, len(sentences), len(tokens)), np.array([seed], np.uint64),
                   examples)
    return examples, layout.cache_slots(window)


def train_both_ways(loss, bags, sentences, inputs, outputs, lr, negative):
    """One step of ``loss`` on the walk over ``sentences``, plain and with cached bags,
    each from copies of ``inputs`` and ``outputs``: the two trained parameters."""
    from wordspace.engine.params import VectorParams

    trained = []
    for cache_bags in (False, True):
        examples, slots = _walk(bags, sentences, cache_bags)
        params = VectorParams(inputs.copy(), outputs.copy())
        loss.update(params, examples, lr, loss.scratch(params, negative, 11, slots))
        trained.append(params)
    return trained


def _disjoint_bags(n_words):
    """Word ``w``'s bag: its row and two n-gram rows of its own (no row shared)."""
    from wordspace.engine.layout import WordBags

    return WordBags.from_lists([[w, n_words + 2 * w, n_words + 2 * w + 1]
                                for w in range(n_words)])


def test_cached_bags_stand_for_the_kept_words_bags_of_the_same_walk():
    """The same random walk in both modes: every cached bag's row is a position whose
    kept word's bag is the bag the plain walk wrote; centres and negatives equal."""
    from wordspace.engine.layout import WordBags

    rng = np.random.default_rng(0)
    n_words = 30
    bags = WordBags.from_lists([list(rng.integers(0, 90, rng.integers(1, 6)))
                                for _ in range(n_words)])
    sentences = [rng.integers(0, n_words, size=k) for k in (40, 1, 17, 60)]
    plain, _ = _walk(bags, sentences, cache_bags=False)
    cached, slots = _walk(bags, sentences, cache_bags=True)
    assert slots == 8 and cached.token_bags is not None and plain.token_bags is None
    assert cached.n_examples == plain.n_examples > 0 and cached.n_rows == cached.n_bags
    np.testing.assert_array_equal(cached.centres[:cached.n_examples],
                                  plain.centres[:plain.n_examples])
    np.testing.assert_array_equal(cached.negatives[:cached.n_examples],
                                  plain.negatives[:plain.n_examples])
    kept = np.concatenate(sentences)  # sample=0 keeps every word, in order
    for b in range(plain.n_bags):
        position = cached.rows[b]
        assert cached.kept[position] == kept[position]
        np.testing.assert_array_equal(bags.rows[bags.ptr[kept[position]]:
                                                bags.ptr[kept[position] + 1]],
                                      plain.bag(b))


@pytest.mark.parametrize("output_rate", [1.0, 0.5])
def test_cached_bags_train_exactly_as_the_bag_kernel_when_no_row_is_shared(output_rate):
    """With no row shared between bags nearby (no n-gram and no word repeated within a
    window), delaying a bag's step until it leaves the cache changes nothing: the
    parameters equal the per-window kernel's, over sentences many times longer than
    the cache (every slot reused) and across sentence boundaries, at any output rate."""

    n_words, dim, lr = 400, 8, 0.05
    rng = np.random.default_rng(1)
    order = rng.permutation(n_words)
    sentences = [order[:150], order[150:151], order[151:330], order[330:]]
    bags = _disjoint_bags(n_words)
    inputs = rng.normal(scale=0.3, size=(3 * n_words, dim)).astype(np.float32)
    outputs = rng.normal(scale=0.3, size=(n_words, dim)).astype(np.float32)
    trained = train_both_ways(NegativeSamplingLoss(output_rate=output_rate), bags, sentences,
                              inputs, outputs, lr, negative=3)
    assert not np.allclose(trained[1].inputs, inputs)  # it trained
    np.testing.assert_allclose(trained[1].inputs, trained[0].inputs, atol=2e-6)
    np.testing.assert_allclose(trained[1].outputs, trained[0].outputs, atol=2e-6)


def test_cached_bags_need_their_scratch_and_a_context_layout():
    from wordspace.engine.layout import Layout
    from wordspace.engine.params import VectorParams
    from wordspace.losses import NegativeSamplingLoss

    examples, _ = _walk(_disjoint_bags(20), [np.arange(20)], cache_bags=True)
    params = VectorParams(np.zeros((60, 4), np.float32), np.zeros((20, 4), np.float32))
    loss = NegativeSamplingLoss()
    with pytest.raises(ValueError, match=r"scratch\(cached=...\)"):
        loss.update(params, examples, 0.1, loss.scratch(params, 3, 11))
    with pytest.raises(ValueError, match="needs bag='context'"):
        Layout(bag="window", cache_bags=True)


def test_a_word_with_a_zero_vector_is_left_out_of_the_sentence_mean(tmp_path):
    """fastText counts only the words whose vector has a norm: one whose rows are all
    zero (here 'cat', its own row and its n-grams') neither adds nor divides."""
    import fasttext  # the dev extra's

    inputs = np.zeros((5, 2), np.float32)
    inputs[1] = [3.0, 4.0]  # dog's own row; the n-gram buckets stay zero
    tiny_bin(tmp_path / "z.bin", inputs=inputs)
    model = FastText.load_facebook_model(tmp_path / "z.bin")
    assert not model.vectors["cat"].any()
    ours = model.get_sentence_vector("cat dog cat")
    np.testing.assert_allclose(ours, [0.6, 0.8], rtol=1e-6)
    theirs = fasttext.load_model(str(tmp_path / "z.bin"))
    np.testing.assert_allclose(ours, theirs.get_sentence_vector("cat dog cat"), rtol=1e-6)


def test_a_word_read_from_invalid_utf8_is_hashed_by_its_bytes(planted, tmp_path):
    """Where the locale is C or POSIX (most containers), Python reads standard input that
    is not UTF-8 as surrogates (surrogateescape): such a word's n-grams are hashed over
    its bytes as they were, as fastText hashes them. Encoding the surrogates failed and
    ended ``vectors`` and ``sentence-vectors`` at that line."""
    import os
    import subprocess
    import sys

    from wordspace.subwords import fasttext_hash

    raw = b"\xffcaf\xe9"
    word = raw.decode("utf-8", "surrogateescape")
    assert fasttext_hash(word) == fasttext_hash(raw)
    _, model, seen, _ = planted
    model.save(tmp_path / "m")
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"}
    for command in ("vectors", "sentence-vectors"):
        done = subprocess.run([sys.executable, "-m", "wordspace", command, str(tmp_path / "m")],
                              input=raw + b" " + seen[0][0].encode() + b"\n", env=env,
                              capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        first = done.stdout.splitlines()[0]
        if command == "vectors":  # the word printed back as it came, then its vector
            assert first.split(b" ")[0] == raw
            np.testing.assert_allclose(np.array(first.split(b" ")[1:], float),
                                       model.wv[word], rtol=1e-5, atol=1e-6)
        else:
            assert len(first.split()) == model.dim
