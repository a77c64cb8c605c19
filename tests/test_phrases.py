"""Phrase detection: planted collocations, the score by hand, agreement with gensim, the
kernels' corpus rewrite against the sentence-by-sentence one, the table's file, the CLI
and the errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import wordspace
from wordspace import Corpus, Phrases
from wordspace import phrases as phrases_module
from wordspace.cli import main
from wordspace.corpus import CorpusError

gensim_phrases = pytest.importorskip("gensim.models.phrases")


def planted(n_sentences: int = 3000, seed: int = 0, zipf: bool = False
            ) -> list[list[str]]:
    """Filler words at random, "new york" in a third of the sentences, "york city" after
    half of those, "bank of america" in a fifth, and "new car" in 12 sentences only
    ("car" is common on its own). The filler is 220 words drawn alike, or with ``zipf``,
    20,000 drawn by a Zipf law (most of them rare, as in text)."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(20_000 if zipf else 200)] + ["of", "the"] * 10
    if zipf:
        filler = filler[-2:] + filler[:-20]

    def draw(size):
        if zipf:
            return [filler[i] for i in np.minimum(rng.zipf(1.3, size), len(filler)) - 1]
        return [str(w) for w in rng.choice(filler, size=size)]

    sentences = []
    for i in range(n_sentences):
        s = draw(int(rng.integers(2, 14)))
        at = int(rng.integers(len(s) + 1))
        if rng.random() < 1 / 3:
            s[at:at] = ["new", "york", "city"] if rng.random() < 0.5 else ["new", "york"]
        if rng.random() < 0.2:
            s[1:1] = ["bank", "of", "america"]
        if rng.random() < 0.1:
            s.append("car")
        if i % 250 == 0:
            s[0:0] = ["new", "car"]
        sentences.append(s)
    return sentences


@pytest.fixture(scope="module")
def sentences():
    return planted()


def read(sentences) -> Corpus:
    return Corpus(sentences, min_count=1, progress=False)


def test_planted_collocation_is_a_phrase_and_a_rare_pair_is_not(sentences):
    phrases = Phrases(sentences, progress=False)  # the defaults: min_count 5, threshold 10
    found = phrases.export_phrases()
    assert "new_york" in found and found["new_york"] > 10
    assert "new_car" not in found
    assert phrases[["w1", "new", "york", "w2", "new", "car"]] == \
        ["w1", "new_york", "w2", "new", "car"]
    counts = {w: sum(s.count(w) for s in sentences) for w in ("new", "car")}
    pairs = sum(1 for s in sentences for a, b in zip(s, s[1:], strict=False)
                if (a, b) == ("new", "car"))
    assert pairs == 12 and counts["car"] > 200  # the rare pair was there to be found


def test_scores_equal_the_formulas_by_hand():
    sentences = [["a", "b", "c"], ["a", "b"], ["b", "c", "a", "b"]]
    # counts a 3, b 4, c 2; pairs a b 3, b c 2, c a 1; 3 words + 3 pairs; 9 tokens
    default = Phrases(sentences, min_count=1, threshold=0.5, progress=False)
    assert default.export_phrases() == {"a_b": (3 - 1) / (3 * 4) * 6,
                                        "b_c": (2 - 1) / (4 * 2) * 6}
    npmi = Phrases(sentences, min_count=1, threshold=0.0, scoring="npmi", progress=False)

    def by_hand(n_a, n_b, n_ab, n=9):
        return math.log((n_ab / n) / ((n_a / n) * (n_b / n))) / -math.log(n_ab / n)

    assert npmi.export_phrases() == pytest.approx(
        {"a_b": by_hand(3, 4, 3), "b_c": by_hand(4, 2, 2), "c_a": by_hand(2, 3, 1)},
        rel=1e-12)
    assert default[["b", "c", "a", "b", "c"]] == ["b_c", "a_b", "c"]  # greedy, from the left


@pytest.mark.parametrize("scoring, threshold, connectors", [
    ("default", 10.0, ()), ("default", 2.0, ("of", "the")), ("npmi", 0.5, ()),
    ("npmi", 0.2, ("of", "the"))])
def test_same_phrases_and_scores_as_gensim(sentences, scoring, threshold, connectors):
    ours = Phrases(sentences, min_count=5, threshold=threshold, scoring=scoring,
                   connector_words=connectors, progress=False)
    theirs = gensim_phrases.Phrases(sentences, min_count=5, threshold=threshold,
                                    scoring=scoring, connector_words=frozenset(connectors))
    expected = theirs.export_phrases()
    assert len(expected) >= 2
    assert ours.export_phrases() == pytest.approx(expected, rel=1e-12)
    if connectors:
        assert "bank_of_america" in expected
    assert [ours[s] for s in sentences] == [theirs[s] for s in sentences]


@pytest.mark.parametrize("scoring, threshold, connectors", [
    ("default", 2.0, ("of", "the")), ("npmi", 0.2, ())])
def test_gensims_phrases_api(sentences, scoring, threshold, connectors):
    ours = Phrases(sentences, threshold=threshold, scoring=scoring,
                   connector_words=connectors, progress=False)
    theirs = gensim_phrases.Phrases(sentences, threshold=threshold, scoring=scoring,
                                    connector_words=frozenset(connectors))
    some = sentences[:300]
    found = theirs.find_phrases(some)
    assert len(found) >= 2
    assert ours.find_phrases(some) == pytest.approx(found, rel=1e-12)
    for s in some:
        mine, expected = list(ours.analyze_sentence(s)), list(theirs.analyze_sentence(s))
        assert [t for t, _ in mine] == [t for t, _ in expected]
        assert [math.nan if v is None else v for _, v in mine] == pytest.approx(
            [math.nan if v is None else v for _, v in expected], rel=1e-12, nan_ok=True)
    frozen = gensim_phrases.Phraser(theirs)
    for name in ("FrozenPhrases", "Phraser"):  # the table itself: it is frozen already
        assert getattr(phrases_module, name)(ours) is ours.freeze() is ours
        assert getattr(wordspace, name) is getattr(phrases_module, name)
    assert [ours[s] for s in some] == [frozen[s] for s in some]
    with pytest.raises(TypeError, match="takes a wordspace Phrases, not gensim.models."
                                        "phrases.Phrases: learn it with wordspace.Phrases"):
        phrases_module.Phraser(theirs)
    with pytest.raises(TypeError, match="analyze_sentence takes a sentence as a list of "
                                        "words, not a string"):
        ours.analyze_sentence("new york")


@pytest.mark.parametrize("name, hint", [
    ("vocab", "vocab is gensim's: the table keeps only the phrases.*export_phrases"),
    ("add_vocab", r"add_vocab is gensim's: .*learn again on all the text, "
                  r"Phrases\(\[\*sentences, \*more\]\)"),
    ("phrasegrams", "phrasegrams is gensim's: export_phrases"),
    ("nonesuch", "has no attribute 'nonesuch'$")])
def test_gensims_missing_attributes_say_where_to_look(sentences, name, hint):
    phrases = Phrases(sentences[:100], progress=False)
    with pytest.raises(AttributeError, match=hint):
        getattr(phrases, name)


def test_two_passes_find_what_gensim_finds_run_twice(sentences):
    ours = Phrases(sentences, threshold=5.0, passes=2, progress=False)
    first = gensim_phrases.Phrases(sentences, threshold=5.0)
    joined = [first[s] for s in sentences]
    second = gensim_phrases.Phrases(joined, threshold=5.0)
    mine = [{phrase: score for phrase, score, _ in table.values()} for table in ours.tables]
    assert mine[0] == pytest.approx(first.export_phrases(), rel=1e-12)
    # gensim's export_phrases splits "w1_new_york" at every "_" and scores it as
    # ("w1", "york"): the second pass is checked pair by pair as its [] scores them
    for parts, (phrase, score, _) in ours.tables[1].items():
        theirs = second.score_candidate(parts[0], parts[-1], list(parts[1:-1]))
        assert theirs[0] == phrase and theirs[1] == pytest.approx(score, rel=1e-12)
    found = second.find_phrases(joined)
    assert "new_york_city" in found and len(found) >= 3
    assert found == pytest.approx({p: mine[1][p] for p in found}, rel=1e-12)
    assert [ours[s] for s in sentences] == [second[s] for s in joined]
    # each pass's phrases, as each gensim run finds them (new_york inside new_york_city)
    assert ours.find_phrases(sentences) == pytest.approx(
        {**first.find_phrases(sentences), **found}, rel=1e-12)


@pytest.mark.parametrize("connectors", [(), ("of", "the")])
def test_a_corpus_counted_in_chunks_counts_as_in_one(sentences, connectors, monkeypatch):
    corpus = read(sentences)
    tokens, offsets = np.asarray(corpus.tokens), np.asarray(corpus.offsets)
    is_connector = np.isin(list(corpus.vocab.words), connectors)
    whole = phrases_module._Counts(tokens, offsets, is_connector, None)
    options = dict(min_count=2, threshold=1.0, connector_words=connectors)
    expected = Phrases(corpus, **options).tables
    merges = []
    merge = phrases_module._kernels.merge_tables
    monkeypatch.setattr(phrases_module._kernels, "merge_tables",
                        lambda *a: merges.append(len(a[6])) or merge(*a))
    monkeypatch.setattr(phrases_module, "CHUNK_TOKENS", 50)
    chunked = phrases_module._Counts(tokens, offsets, is_connector, None)
    assert len(merges) >= 8 and max(merges) < len(tokens) / 2  # chunks, each merged
    for name in ("keys", "counts", "starts", "words", "n_words"):
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name
    assert len(whole.keys) > 10_000 and len(whole.starts) == (len(whole.keys) if
                                                               connectors else 0)
    tables = Phrases(corpus, **options).tables
    assert [list(t.items()) for t in tables] == [list(t.items()) for t in expected]
    assert len(tables[0]) > 100


@pytest.mark.parametrize("chunk", [None, 100])
@pytest.mark.parametrize("corpus, connectors, max_vocab_size", [
    ("planted", (), 2500), ("planted", (), 5000), ("planted", ("of", "the"), 1000),
    ("planted", ("of", "the"), 3000), ("zipf", (), 5000), ("zipf", ("of", "the"), 5000)])
def test_max_vocab_size_prunes_as_gensim(sentences, corpus, connectors, max_vocab_size,
                                         chunk, monkeypatch):
    # gensim prunes words and pairs seen fewer than k times so far after the first
    # sentence that takes their number over max_vocab_size, k one more each time
    if chunk:
        monkeypatch.setattr(phrases_module, "CHUNK_TOKENS", chunk)
    sentences = sentences if corpus == "planted" else planted(zipf=True)
    options = dict(min_count=2, threshold=1.0)
    ours = Phrases(sentences, max_vocab_size=max_vocab_size, connector_words=connectors,
                   progress=False, **options)
    theirs = gensim_phrases.Phrases(sentences, max_vocab_size=max_vocab_size,
                                    connector_words=frozenset(connectors), **options)
    expected = theirs.export_phrases()
    assert ours.export_phrases() == pytest.approx(expected, rel=1e-12)
    assert [ours[s] for s in sentences] == [theirs[s] for s in sentences]
    unpruned = Phrases(sentences, max_vocab_size=None, connector_words=connectors,
                       progress=False, **options)
    assert expected and len(unpruned) > 2 * len(expected)  # it did prune


@pytest.mark.parametrize("connectors, passes", [((), 1), (("of", "the"), 1), ((), 2),
                                                (("of", "w3"), 2)])
def test_kernel_rewrite_equals_joining_each_sentence(sentences, connectors, passes):
    corpus = read(sentences)
    phrases = Phrases(corpus, threshold=1.0, connector_words=connectors, passes=passes)
    assert len(phrases) >= 3 + 2 * (passes - 1)
    expected = [phrases[s] for s in sentences]
    assert list(phrases[corpus]) == expected
    assert any(len(a) != len(b) for a, b in zip(expected, sentences, strict=True))


def test_save_and_load_keep_the_table(tmp_path, sentences):
    phrases = Phrases(sentences, threshold=3.0, passes=2, connector_words=["of"],
                      delimiter="+", progress=False)
    path = tmp_path / "phrases.tsv"
    phrases.save(path)
    assert path.read_text().startswith("# wordspace phrases")
    loaded = Phrases.load(path)
    assert loaded.tables == phrases.tables and loaded.settings() == phrases.settings()
    assert [loaded[s] for s in sentences[:200]] == [phrases[s] for s in sentences[:200]]
    older = path.read_text().replace('"max_vocab_size": 40000000, ', "")
    assert older != path.read_text()
    path.write_text(older)  # written before max_vocab_size: counted every pair
    assert Phrases.load(path).settings() == {**phrases.settings(), "max_vocab_size": None}
    phrases.save(path)  # its own table is replaced
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes\n")
    with pytest.raises(FileExistsError, match="notes.txt exists"):
        phrases.save(mine)
    assert mine.read_text() == "my notes\n"
    lines = path.read_text().split("\n")
    lines[5] = lines[5].replace("\t", "\tx", 1)
    path.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=r"phrases.tsv:6: the pass, score and count"):
        Phrases.load(path)


@pytest.mark.parametrize("scoring, learned, raised", [
    ("default", 1.0, [(2, 1.5), (4, 1.5), (4, 1.0)]),
    ("npmi", 0.1, [(2, 0.2), (3, 0.2), (3, 0.1)])])
def test_raising_threshold_or_min_count_drops_phrases_as_gensim(tmp_path, scoring, learned,
                                                                raised):
    sentences = planted(zipf=True)
    ours = Phrases(sentences, min_count=2, threshold=learned, scoring=scoring,
                   progress=False)
    theirs = gensim_phrases.Phrases(sentences, min_count=2, threshold=learned,
                                    scoring=scoring)
    everything, path = ours.export_phrases(), tmp_path / "phrases.tsv"
    for min_count, threshold in raised:
        ours.min_count = theirs.min_count = min_count
        ours.threshold = theirs.threshold = threshold
        expected = theirs.export_phrases()  # gensim scores at use, with the new values
        assert 0 < len(expected) < len(everything)
        assert ours.export_phrases() == pytest.approx(expected, rel=1e-12)
        assert len(ours) == len(expected)
        assert [ours[s] for s in sentences[:500]] == [theirs[s] for s in sentences[:500]]
        again = Phrases(sentences, min_count=min_count, threshold=threshold,
                        scoring=scoring, progress=False)  # what learning with them finds
        assert ours.export_phrases() == pytest.approx(again.export_phrases(), rel=1e-12)
        assert ours.digest() == again.digest()  # and joins: Corpus(..., phrases=ours)
        ours.save(path)
        loaded = Phrases.load(path)
        assert loaded.settings() == ours.settings() == {
            **again.settings(), "min_count": min_count, "threshold": threshold}
        assert loaded.export_phrases() == ours.export_phrases()
    ours.min_count, ours.threshold = 2, learned  # back to what it was learned with
    assert ours.export_phrases() == everything
    for name, lower in (("min_count", 1), ("threshold", learned / 2)):
        with pytest.raises(ValueError, match=rf"{name}={lower} is below the .* learned "
                                             r"with.*learn again with the lower value"):
            setattr(ours, name, lower)
    assert ours.export_phrases() == everything and ours.settings()["min_count"] == 2
    with pytest.raises(ValueError, match="in \\(-1, 1\\] for npmi" if scoring == "npmi"
                       else "positive for the default"):
        ours.threshold = 2.0 if scoring == "npmi" else -1.0


def test_a_table_of_two_passes_keeps_its_threshold(sentences):
    phrases = Phrases(sentences, threshold=5.0, passes=2, progress=False)
    found = phrases.export_phrases()
    with pytest.raises(ValueError, match="2 passes keep min_count=5 and threshold=5.0.*"
                                         "learn again with min_count=5, threshold=20.0"):
        phrases.threshold = 20.0
    phrases.threshold = 5.0  # its own value: nothing changes
    assert phrases.export_phrases() == found and phrases.threshold == 5.0


def test_the_settings_that_decided_the_counts_are_fixed_once_learned(sentences, tmp_path):
    phrases = Phrases(sentences, threshold=5.0, progress=False)
    found = phrases.export_phrases()
    for name, value in (("scoring", "npmi"), ("delimiter", "+"), ("passes", 2),
                        ("connector_words", frozenset({"of"})), ("max_vocab_size", 10)):
        with pytest.raises(AttributeError, match=rf"{name} is fixed once a table is learned"
                                                 rf".*learn again with Phrases\(source, "
                                                 rf"{name}="):
            setattr(phrases, name, value)
        setattr(phrases, name, getattr(phrases, name))  # its own value: nothing changes
    assert phrases.export_phrases() == found and phrases.scoring == "default"
    phrases.save(tmp_path / "t.tsv")  # a loaded table is as fixed
    with pytest.raises(AttributeError, match="delimiter is fixed"):
        Phrases.load(tmp_path / "t.tsv").delimiter = "+"


@pytest.mark.parametrize("frozen", [False, True])
def test_a_gensim_pickle_is_named_as_such(tmp_path, sentences, capsys, frozen):
    theirs = gensim_phrases.Phrases(sentences[:200], min_count=1, threshold=1.0)
    path = tmp_path / "bigram.pkl"
    (theirs.freeze() if frozen else theirs).save(str(path))
    said = (r"bigram.pkl: not a wordspace phrase table but a Python pickle, as gensim's "
            r"Phrases.save\(\) .* learn the phrases again on the same text with "
            r"wordspace.Phrases and save that, or with 'wordspace phrases CORPUS")
    with pytest.raises(ValueError, match=said):
        Phrases.load(path)
    source = tmp_path / "corpus.txt"
    source.write_text("new york\n")
    capsys.readouterr()
    assert main(["phrases", str(source), "-o", str(tmp_path / "out.txt"),
                 "--from-table", str(path)]) == 2
    assert "a Python pickle, as gensim's" in capsys.readouterr().err


def test_cli_writes_the_phrased_corpus(tmp_path, sentences, capsys):
    source = tmp_path / "corpus.txt"
    source.write_text("".join(" ".join(s) + "\n" for s in sentences))
    out, table = tmp_path / "out.txt", tmp_path / "phrases.tsv"
    assert main(["phrases", str(source), "-o", str(out), "--table", str(table),
                 "--threshold", "5", "--passes", "2"]) == 0
    phrases = Phrases(sentences, threshold=5.0, passes=2, progress=False)
    assert out.read_text().splitlines() == [" ".join(phrases[s]) for s in sentences]
    assert "new_york_city" in out.read_text()
    assert Phrases.load(table).export_phrases() == phrases.export_phrases()
    capsys.readouterr()
    mine = tmp_path / "mine.txt"  # text not written by wordspace: never replaced
    mine.write_text("new york\n")
    assert main(["phrases", str(source), "-o", str(mine)]) == 2
    assert "exists" in capsys.readouterr().err and mine.read_text() == "new york\n"
    again = tmp_path / "again.txt"
    assert main(["phrases", str(source), "-o", str(again), "--from-table", str(table)]) == 0
    assert again.read_text() == out.read_text()
    assert main(["phrases", str(source), "-o", str(source)]) == 2
    assert source.read_text().startswith(" ".join(sentences[0]))
    capsys.readouterr()
    one = tmp_path / "one.txt"  # -o and --table one file: refused before any learning
    assert main(["phrases", str(source), "-o", str(one), "--table", f"{tmp_path}/./one.txt"]) \
        == 2 and not one.exists()
    assert f"-o and --table both name {one}" in capsys.readouterr().err
    # through the API, the corpus's own file is named as such
    with pytest.raises(FileExistsError, match="is the corpus being read"):
        phrases.write_corpus(Corpus(source, min_count=1, progress=False), source)
    assert source.read_text().startswith(" ".join(sentences[0]))


@pytest.mark.parametrize("options, said", [
    (["--threshold", "50"], "--threshold 50.0: --from-table joins with the settings "
                            r".*phrases.tsv records \(threshold=5.0\), not these"),
    (["--min-count", "2", "--scoring", "npmi"],
     r"--min-count 2 --scoring npmi: .* \(min_count=5, scoring='default'\)"),
    (["--passes", "1", "--max-vocab-size", "0"],
     r"--passes 1 --max-vocab-size 0: .* \(passes=2, max_vocab_size=40000000\)"),
    (["--connector-words", "of", "--delimiter", "+", "--lowercase"],
     r"--delimiter \+ --connector-words of --lowercase: .*\(delimiter='_', "
     r"connector_words=\[\], lowercase=False\), not these: leave them out, or learn a new table "
     "without --from-table"),
    (["--threshold", "5", "--min-count", "5", "--passes", "2"], None)])  # the table's own
def test_cli_from_table_refuses_other_learning_options(tmp_path, sentences, capsys, options,
                                                       said):
    source, table = tmp_path / "corpus.txt", tmp_path / "phrases.tsv"
    source.write_text("".join(" ".join(s) + "\n" for s in sentences[:500]))
    assert main(["phrases", str(source), "-o", str(tmp_path / "learned.txt"), "--table",
                 str(table), "--threshold", "5", "--passes", "2"]) == 0
    out = tmp_path / "out.txt"
    capsys.readouterr()
    code = main(["phrases", str(source), "-o", str(out), "--from-table", str(table),
                 *options])
    if said is None:
        assert code == 0 and out.read_text() == (tmp_path / "learned.txt").read_text()
    else:
        assert code == 2 and not out.exists()
        assert re.search(said, capsys.readouterr().err)


def test_cli_max_vocab_size(tmp_path, sentences):
    source = tmp_path / "corpus.txt"
    source.write_text("".join(" ".join(s) + "\n" for s in sentences))
    found = {}
    for limit in ("2500", "0"):
        table = tmp_path / f"{limit}.tsv"
        assert main(["phrases", str(source), "-o", str(tmp_path / f"{limit}.txt"),
                     "--table", str(table), "--max-vocab-size", limit, "--min-count", "2",
                     "--threshold", "1"]) == 0
        loaded = Phrases.load(table)
        assert loaded.max_vocab_size == (int(limit) or None)
        found[limit] = loaded.export_phrases()
    options = dict(min_count=2, threshold=1.0, progress=False)
    assert found["2500"] == Phrases(sentences, max_vocab_size=2500, **options) \
        .export_phrases()
    assert found["0"] == Phrases(sentences, max_vocab_size=None, **options).export_phrases()
    assert len(found["0"]) > len(found["2500"])


def test_one_long_line_stays_one_line(tmp_path):
    # text8's shape: one line, read as sentences of 10,000 words (never cut inside a
    # "new york": blocks of 40 words end with it); written back as one line
    rng = np.random.default_rng(1)
    blocks = [[f"w{i}" for i in rng.integers(5000, size=38)] for _ in range(3000)]
    source = tmp_path / "text8"
    source.write_text(" ".join(" ".join([*b, "new", "york"]) for b in blocks))
    out = tmp_path / "out.txt"
    assert main(["phrases", str(source), "-o", str(out)]) == 0
    assert out.read_text() == " ".join(" ".join([*b, "new_york"]) for b in blocks) + "\n"


@pytest.mark.parametrize("scoring, threshold", [("default", 10.0), ("npmi", 0.5)])
def test_the_default_threshold_is_the_scorings_in_the_api_and_the_cli(
        tmp_path, sentences, scoring, threshold):
    phrases = Phrases(sentences, scoring=scoring, progress=False)  # no threshold given
    assert phrases.threshold == threshold and phrases.settings()["threshold"] == threshold
    given = Phrases(sentences, scoring=scoring, threshold=threshold, progress=False)
    assert len(phrases) > 0 and phrases.export_phrases() == given.export_phrases()
    source, table = tmp_path / "corpus.txt", tmp_path / "phrases.tsv"
    source.write_text("".join(" ".join(s) + "\n" for s in sentences))
    assert main(["phrases", str(source), "-o", str(tmp_path / "out.txt"), "--scoring",
                 scoring, "--table", str(table)]) == 0
    assert f'"threshold": {threshold}' in table.read_text().split("\n")[1]
    assert Phrases.load(table).export_phrases() == phrases.export_phrases()


@pytest.mark.parametrize("options, error, message", [
    (dict(scoring="npmi", threshold=1.5), ValueError, r"in \(-1, 1\] for npmi"),
    (dict(scoring="npmi", threshold=-1.0), ValueError, r"in \(-1, 1\] for npmi"),
    (dict(threshold=0.0), ValueError, "positive for the default scoring"),
    (dict(min_count=-1), ValueError, "min_count must be an integer >= 1"),
    (dict(max_vocab_size=0), ValueError, "max_vocab_size must be an integer >= 1"),
    (dict(delimiter=""), ValueError, "delimiter must be a non-empty string"),
    (dict(delimiter=" "), ValueError, "without whitespace"),
    (dict(scoring="pmi"), ValueError, "scoring"),
    (dict(connector_words="of"), TypeError, r"not the string 'of'"),
])
def test_bad_settings_are_refused(options, error, message):
    with pytest.raises(error, match=message):
        Phrases([["a", "b"]], progress=False, **options)


def test_a_documents_dataset_is_pointed_to_documents(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no file named bbc: the name is the dataset's
    said = (r"bbc is a documents dataset, which Corpus does not read: count the words of "
            r"its documents with Phrases\(Documents\('bbc', min_count=1\)\)")
    with pytest.raises(FileNotFoundError, match=said):
        Phrases("bbc", progress=False)
    assert main(["phrases", "bbc", "-o", "out.txt"]) == 2
    assert re.search(said, capsys.readouterr().err) and not (tmp_path / "out.txt").exists()
    # read as a corpus elsewhere (a word model's), the message names the reader too
    with pytest.raises(FileNotFoundError, match=r"corpus file not found: bbc \(.*; bbc is "
                                                r"a documents dataset, which "
                                                r"Documents\('bbc'\) reads\)"):
        Corpus("bbc")


@pytest.mark.parametrize("bits", [1, 16, 36, 63])
def test_radix_sort_sorts_stably_as_numpy(bits):
    from wordspace.kernels import phrases as kernels

    rng = np.random.default_rng(bits)
    keys = rng.integers(0, 1 << bits, size=5000, dtype=np.int64)
    keys[::7] = keys[3]  # runs of equal keys, whose values must keep their order
    values = np.arange(len(keys), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    expected_keys, expected_values = keys[order], values[order]
    kernels.radix_sort(keys, values, np.empty_like(keys), np.empty_like(values), bits)
    assert np.array_equal(keys, expected_keys) and np.array_equal(values, expected_values)
    alone = rng.integers(0, 1 << bits, size=1000, dtype=np.int64)
    expected = np.sort(alone)
    kernels.radix_sort(alone, alone[:0], np.empty_like(alone), alone[:0], bits)
    assert np.array_equal(alone, expected)


def test_a_hash_collision_never_merges_two_candidates():
    # every key made one hash, as if every candidate's hash collided: the words decide
    from wordspace.kernels import phrases as kernels

    tokens = np.array([0, 2, 1, 0, 1, 0, 2, 1, 3, 0], np.int32)  # 2 is a connector
    is_connector = np.array([False, False, True, False])
    starts = np.array([0, 3, 5, 7, 8], np.int64)  # 0 2 1 | 0 1 | 0 2 1 | 1 3 | 3 0

    def group(starts):
        keys, starts, counts = np.full(len(starts), kernels.HASHED), starts.copy(), \
            np.empty(len(starts), np.int64)
        n = kernels.group_candidates(tokens, is_connector, keys, starts, counts)
        return keys[:n], counts[:n], starts[:n]

    def words(counts, starts):
        ends = kernels.candidate_ends(tokens, is_connector, starts)
        return {tuple(tokens[a:b + 1]): c for a, b, c in zip(starts, ends, counts,
                                                              strict=True)}

    expected = {(0, 2, 1): 2, (0, 1): 1, (1, 3): 1, (3, 0): 1}
    _, counts, first = group(starts)
    assert words(counts, first) == expected
    # two chunks' tables merged: the same candidates (one in both), never two as one
    out = [np.empty(5, np.int64) for _ in range(3)]
    n = kernels.merge_tables(tokens, is_connector, *group(starts[:2]),
                             *group(starts[2:]), *out)
    assert words(out[1][:n], out[2][:n]) == expected
    new = kernels.new_candidates(tokens, np.array([0, 5, 10], np.int64), is_connector,
                                 out[0][:2], out[2][:2], *group(starts[2:])[::2])
    assert new.tolist() == [0, 2]  # 1 3 and 3 0, first seen in the second sentence
    # a table of two phrases under one key, that of 0 2 1: only 0 2 1 is joined (id 5),
    # never as the phrase 0 1 (id 4) filed under the same key
    parts, part_ptr = np.array([0, 1, 0, 2, 1], np.int32), np.array([0, 2, 5], np.int64)
    key = kernels.table_keys(parts, part_ptr, 4)[1]
    out, out_offsets = np.empty(10, np.int32), np.empty(2, np.int64)
    n = kernels.merge_phrases(tokens, np.array([0, 10], np.int64), is_connector, 4,
                              np.array([key, key]), parts, part_ptr, out, out_offsets)
    assert out[:n].tolist() == [5, 0, 1, 5, 3, 0]


def test_write_corpus_replaces_its_own_earlier_output_and_nothing_else(tmp_path,
                                                                      monkeypatch):
    """A script run twice writes its phrased corpus twice (gensim users rerun cells):
    the second write replaces the first, which wordspace recorded as its own; a file
    changed since, anyone's text, and text written there while the corpus was written
    are never replaced."""
    source = tmp_path / "corpus.txt"
    source.write_text("new york is big\nnew york is old\n" * 20)
    corpus = Corpus(source, min_count=1, progress=False)
    out = tmp_path / "out.txt"
    joining = Phrases(corpus, min_count=1, threshold=0.1, progress=False)
    assert joining.write_corpus(corpus, out) == 80 and "new_york" in out.read_text()
    out.chmod(0o640)
    from wordspace._io import wrote_it
    assert not wrote_it(out, "phrased corpus")  # a chmod is a change: anyone's now
    with pytest.raises(FileExistsError, match="is not a phrased corpus wordspace wrote"):
        joining.write_corpus(corpus, out)
    out.unlink()
    joining.write_corpus(corpus, out)
    joining.write_corpus(corpus, out)  # the rerun's: replaced
    none = Phrases(corpus, min_count=1, threshold=1e9, progress=False)
    assert none.write_corpus(corpus, out) == 160 and "new_york" not in out.read_text()
    out.write_text("their text\n")  # edited: anyone's
    with pytest.raises(FileExistsError, match="never replaces it"):
        none.write_corpus(corpus, out)
    assert out.read_text() == "their text\n"

    import contextlib

    import wordspace.phrases as phrases_module

    @contextlib.contextmanager
    def meanwhile(path, *args, _write=phrases_module.atomic_write, **kwargs):
        with _write(path, *args, **kwargs) as f:
            yield f
            out.write_text("written meanwhile\n")  # after the text, before the rename

    out.unlink()
    joining.write_corpus(corpus, out)
    monkeypatch.setattr(phrases_module, "atomic_write", meanwhile)
    with pytest.raises(FileExistsError, match="was written to while wordspace wrote it"):
        none.write_corpus(corpus, out)
    assert out.read_text() == "written meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "out.txt"]


# -- tokens a corpus leaves out: refused, never spanned ---------------------------------

#: "alpha RAREi beta" 50 times, each RAREi seen once: without the rare words, alpha and
#: beta look adjacent 50 times (a phrase gensim, counting every word, never finds)
AROUND_RARE = [["alpha", f"rare{i}", "beta"] for i in range(50)] + \
    [["alpha", "x"], ["beta", "y"], ["x", "y"]] * 20


class _Unread:
    """An iterable that fails the test if anything reads it."""

    def __iter__(self):
        raise AssertionError("read before the refusal")


# the 50 rare words, once each, are what min_count=5 and max_final_vocab=4 leave out
@pytest.mark.parametrize("settings, said", [
    (dict(min_count=5), "min_count=5 leaves out.*: 50 token"),
    (dict(min_count=5, unk=True), r"min_count=5 leaves out.*: 50 token.* \(as <unk>\)"),
    (dict(min_count=1, max_final_vocab=4), "max_final_vocab=4 leaves out all but.*: 50 "),
    (dict(min_count=1, max_vocab_size=20), "max_vocab_size=20 prunes words")])
def test_a_corpus_that_left_words_out_is_refused(settings, said):
    assert "alpha_beta" not in gensim_phrases.Phrases(
        AROUND_RARE, min_count=1, threshold=0.01).export_phrases()
    corpus = Corpus(AROUND_RARE, progress=False, **settings)
    phrases = Phrases(AROUND_RARE, min_count=1, threshold=0.01, progress=False)
    refused = rf"<iterable>: {said}.*would look adjacent.*read it with min_count=1"
    for attempt in (lambda: Phrases(corpus, min_count=1, threshold=0.01),
                    lambda: phrases.write_corpus(corpus, "never.txt"),
                    lambda: phrases.transform(corpus), lambda: phrases[corpus]):
        with pytest.raises(CorpusError, match=refused):
            attempt()


@pytest.mark.parametrize("settings", [
    dict(min_count=1, max_vocab_size=1000), dict(min_count=1, max_final_vocab=1000),
    dict(min_count=20), dict(min_count=20, unk=True)])
def test_a_corpus_whose_settings_left_nothing_out_is_accepted(settings, tmp_path):
    sentences = [["new", "york", "is", "big"], ["the", "new", "york", "city"]] * 20
    expected = Phrases(sentences, min_count=1, threshold=0.01, progress=False)
    corpus = Corpus(sentences, progress=False, **settings)
    assert corpus.raw_tokens == corpus.n_tokens == 160
    learned = Phrases(corpus, min_count=1, threshold=0.01, progress=False)
    assert learned.export_phrases() == expected.export_phrases() != {}
    assert list(expected[corpus]) == [expected[s] for s in sentences]
    assert expected.write_corpus(corpus, tmp_path / "out.txt") == \
        expected.write_corpus(sentences, tmp_path / "out2.txt")
    assert (tmp_path / "out.txt").read_text() == (tmp_path / "out2.txt").read_text()


def test_corpus_options_that_leave_words_out_are_refused_before_reading(tmp_path):
    with pytest.raises(CorpusError, match=r"max_final_vocab=4 leaves out all but the most "
                                          r"frequent words.*Corpus\(source, phrases=table, "
                                          r"max_final_vocab=\.\.\.\)"):
        Phrases(_Unread(), min_count=1, max_final_vocab=4, progress=False)


def test_tokens_longer_than_max_token_length_are_refused_not_spanned(tmp_path, capsys):
    source = tmp_path / "long.txt"
    source.write_text(f"alpha {'x' * 1001} beta\n" * 10 + "alpha beta\n")
    said = (r"long.txt: 10 token\(s\) longer than max_token_length=1000 characters were "
            r"left out, and the words on either side .*larger max_token_length")
    for _ in range(2):  # read, then from the cache, which records them
        with pytest.raises(CorpusError, match=said):
            Phrases(source, min_count=1, threshold=0.01, progress=False)
    with pytest.raises(CorpusError, match="10 token"):
        Phrases([["alpha", "x" * 1001, "beta"]] * 10, min_count=1, progress=False)
    kept = Phrases(source, min_count=1, threshold=0.01, max_token_length=2000,
                   progress=False)  # every token counted, as gensim counts it
    theirs = gensim_phrases.Phrases([line.split() for line in source.read_text().split("\n")],
                                    min_count=1, threshold=0.01)
    assert kept.export_phrases() == pytest.approx(theirs.export_phrases(), rel=1e-12)
    assert "alpha_beta" not in kept.export_phrases()  # adjacent once only: no phrase
    # the command line: learning, and joining with a table, read with a short limit
    table, out = tmp_path / "t.tsv", tmp_path / "out.txt"
    text = tmp_path / "text.txt"
    text.write_text("new york is big\nnew york is old\n" * 20)
    assert main(["phrases", str(text), "-o", str(tmp_path / "first.txt"), "--table",
                 str(table), "--min-count", "1", "--threshold", "0.1", "--quiet"]) == 0
    for options in ([], ["--from-table", str(table)]):
        capsys.readouterr()
        assert main(["phrases", str(text), "-o", str(out), "--max-token-length", "3",
                     "--quiet", *options]) == 2
        assert "token(s) longer than max_token_length=3" in capsys.readouterr().err
        assert not out.exists()


def test_a_corpus_read_with_phrases_warns_of_tokens_left_out(tmp_path, caplog):
    """Training on joined text is not worth failing for a stray long token: warned of,
    its neighbours maybe joined; learning a table and write_corpus still refuse it."""
    source = tmp_path / "long.txt"
    source.write_text(f"alpha {'x' * 20} beta\n" * 10)
    phrases = Phrases([["alpha", "beta"]] * 10, min_count=1, threshold=0.01, progress=False)
    with caplog.at_level("WARNING", logger="wordspace.corpus"):
        joined = Corpus(source, phrases=phrases, max_token_length=10, min_count=1,
                        progress=False)
    assert any("10 token(s) longer than max_token_length=10" in r.message and
               "may be joined as a phrase" in r.message for r in caplog.records)
    assert joined.long_tokens == 10 and "alpha_beta" in joined.vocab
    with pytest.raises(CorpusError, match=r"10 token\(s\) longer than max_token_length=10"):
        phrases.write_corpus(Corpus(source, min_count=1, max_token_length=10,
                                    progress=False), tmp_path / "out.txt")
    joined = Corpus(source, phrases=phrases, min_count=1, progress=False)
    assert "alpha_beta" not in joined.vocab and joined.long_tokens == 0


# -- phrases[stream]: lazy, and read again at each iteration ----------------------------

class _Counted:
    """A re-iterable list of sentences that counts the sentences read."""

    def __init__(self, sentences):
        self.sentences, self.read = sentences, 0

    def __iter__(self):
        for s in self.sentences:
            self.read += 1
            yield s


def test_a_stream_is_joined_lazily_and_again_at_each_iteration(sentences):
    phrases = Phrases(sentences, progress=False)
    expected = [phrases[s] for s in sentences]
    source = _Counted(sentences)
    joined = phrases[source]
    assert source.read == 1  # the first sentence, to tell a sentence from sentences
    first = next(iter(joined))
    assert first == expected[0] and source.read <= 2
    assert list(joined) == expected and list(joined) == expected  # Word2Vec reads twice
    assert list(phrases[sentences]) == list(phrases[sentences]) == expected
    assert len(phrases[sentences]) == len(sentences)
    generator = phrases[(s for s in sentences)]
    assert list(generator) == expected
    with pytest.raises(TypeError, match="given an iterator .* which was read already"):
        list(generator)
    with pytest.raises(TypeError, match=r"given a stream \(generator\), which has no len"):
        len(phrases[(s for s in sentences)])
    # stacked, gensim's trigram[bigram[stream]]: read once, the inner not peeked at
    stacked = phrases[phrases[(s for s in sentences)]]
    assert list(stacked) == [phrases[e] for e in expected]
    with pytest.raises(TypeError, match="read already"):
        list(stacked)
    with pytest.raises(TypeError, match=r"a stream \(generator\), which has no len"):
        len(phrases[phrases[(s for s in sentences)]])
    again = phrases[phrases[_Counted(sentences)]]
    assert list(again) == list(again) == [phrases[e] for e in expected]
    assert len(phrases[phrases[sentences]]) == len(sentences)
    corpus = Corpus(sentences, min_count=1, progress=False)
    assert list(phrases[corpus]) == list(phrases[corpus]) == expected
    assert phrases[iter(["new", "york"])] == phrases[("new", "york")] == ["new_york"]
    assert phrases[[]] == [] and phrases[iter([])] == []


# -- token lists are counted whole -------------------------------------------------------

def _san_francisco(n_sentences: int = 10) -> list[list[str]]:
    """Sentences of 10,050 random words, "san francisco" at words 9,999 and 10,000: across
    a cut every 10,000 words."""
    rng = np.random.default_rng(2)
    docs = []
    for _ in range(n_sentences):
        words = [f"w{i}" for i in rng.integers(20_000, size=10_050)]
        words[9_999:10_001] = ["san", "francisco"]
        docs.append(words)
    return docs


def test_token_lists_are_counted_uncut_as_gensim_counts_them():
    docs = _san_francisco()
    theirs = gensim_phrases.Phrases(docs, threshold=1).export_phrases()
    assert "san_francisco" in theirs
    ours = Phrases(docs, threshold=1, progress=False)
    assert ours.export_phrases() == pytest.approx(theirs, rel=1e-12)
    cut = Phrases(docs, threshold=1, max_sentence_length=10_000, progress=False)
    assert "san_francisco" not in cut.export_phrases()  # asked for: cut as asked


def test_every_path_counts_and_joins_token_lists_whole(tmp_path):
    """One rule (phrase_sentences) for every path: token lists whole, a Corpus of them
    too unless it was given max_sentence_length, so "san francisco" across word 10,000
    is learned and joined alike."""
    docs = _san_francisco()
    learned = [Phrases(docs, threshold=1, progress=False),
               Phrases(Corpus(docs, min_count=1, progress=False), threshold=1)]
    assert learned[0].export_phrases() == learned[1].export_phrases()
    assert "san_francisco" in learned[0].export_phrases()
    cut = Corpus(docs, min_count=1, max_sentence_length=10_000, progress=False)
    assert "san_francisco" not in Phrases(cut, threshold=1).export_phrases()
    p = learned[0]
    corpus = Corpus(docs, min_count=1, progress=False)
    joined = list(p[docs])
    assert sum(doc.count("san_francisco") for doc in joined) == 10
    assert list(p[corpus]) == joined
    words, tokens, offsets = p.transform(corpus)
    ends = zip(offsets[:-1], offsets[1:], strict=True)
    assert [[words[t] for t in tokens[a:b]] for a, b in ends] == joined
    text = "".join(" ".join(doc) + "\n" for doc in joined)
    for i, given in enumerate((docs, corpus)):
        p.write_corpus(given, tmp_path / f"out{i}.txt")
        assert (tmp_path / f"out{i}.txt").read_text() == text
    read = Corpus(docs, phrases=p, min_count=1, progress=False)
    assert read.vocab.counts[read.vocab.index_of("san_francisco")] == 10
    assert list(p[cut]) != joined  # cut as asked: not joined across the cut


# -- word2phrase's score ----------------------------------------------------------------

def test_word2phrase_scoring_is_word2phrase_formula_by_hand(tmp_path, capsys):
    sentences = [["a", "b", "c"], ["a", "b"], ["b", "c", "a", "b"]]
    # counts a 3, b 4, c 2; pairs a b 3, b c 2, c a 1; 9 words (word2phrase's
    # train_words): (count_ab - min_count) / count_a / count_b * 9
    w2p = Phrases(sentences, min_count=1, threshold=1.2, scoring="word2phrase",
                  progress=False)
    assert w2p.export_phrases() == pytest.approx({"a_b": (3 - 1) / 3 / 4 * 9}, rel=1e-15)
    assert w2p[["b", "c", "a", "b"]] == ["b", "c", "a_b"]  # b c: 1.125, below 1.2
    assert Phrases(sentences, scoring="word2phrase", progress=False).threshold == 100.0
    # raising min_count re-scores it (the score subtracts min_count), as learning again
    planted_zipf = planted(zipf=True)
    learned = Phrases(planted_zipf, min_count=2, threshold=1.0, scoring="word2phrase",
                      progress=False)
    everything = len(learned)
    learned.min_count = 4
    again = Phrases(planted_zipf, min_count=4, threshold=1.0, scoring="word2phrase",
                    progress=False)
    assert 0 < len(again) < everything
    assert learned.export_phrases() == pytest.approx(again.export_phrases(), rel=1e-12)
    # the command line: --scoring word2phrase, its threshold word2phrase's 100
    source, table = tmp_path / "corpus.txt", tmp_path / "t.tsv"
    source.write_text("".join(" ".join(s) + "\n" for s in planted_zipf))
    assert main(["phrases", str(source), "-o", str(tmp_path / "out.txt"), "--scoring",
                 "word2phrase", "--table", str(table), "--quiet"]) == 0
    loaded = Phrases.load(table)
    assert loaded.threshold == 100.0 and loaded.scoring == "word2phrase"
    assert main(["phrases", str(source), "-o", str(tmp_path / "out3.txt"), "--scoring",
                 "word2phrase", "--threshold", "3", "--table", str(table), "--quiet"]) == 0
    found = Phrases(source, scoring="word2phrase", threshold=3.0, progress=False)
    assert len(found) > 0
    assert Phrases.load(table).export_phrases() == pytest.approx(found.export_phrases(),
                                                                 rel=1e-12)


# -- gensim's names ---------------------------------------------------------------------

def test_gensims_names_for_phrases(sentences):
    assert phrases_module.ENGLISH_CONNECTOR_WORDS == gensim_phrases.ENGLISH_CONNECTOR_WORDS
    args = (30, 40, 12, 5000, 5, 100_000)
    assert phrases_module.original_scorer(*args) == pytest.approx(
        gensim_phrases.original_scorer(*args), rel=1e-15)
    assert phrases_module.npmi_scorer(*args) == pytest.approx(
        gensim_phrases.npmi_scorer(*args), rel=1e-12)
    some = sentences[:300]
    assert Phrases(sentences=some, progress=False).export_phrases() == \
        Phrases(some, progress=False).export_phrases()
    for kwargs, said in ((dict(), "needs the text to learn from: Phrases\\(source\\)"),
                         (dict(source=some, sentences=some), "both source and sentences"),
                         (dict(sentences=some, common_terms=["of"]),
                          "common_terms=\\['of'\\], which is gensim's: gensim 3's name for "
                          "connector_words"),
                         (dict(sentences=some, progress_per=100),
                          "progress_per=100, which is gensim's: .*progress=False"),
                         (dict(sentences=some, scoring=gensim_phrases.original_scorer),
                          "scoring='original_scorer': a scoring function \\(gensim's custom "
                          "scorer\\) is not supported.*'word2phrase'")):
        with pytest.raises(TypeError, match=said):
            Phrases(**kwargs)


def test_cli_connector_words_english(tmp_path, sentences):
    source, table = tmp_path / "corpus.txt", tmp_path / "t.tsv"
    source.write_text("".join(" ".join(s) + "\n" for s in sentences[:600]))
    assert main(["phrases", str(source), "--connector-words", "english", "-o",
                 str(tmp_path / "out.txt"), "--table", str(table), "--threshold", "2",
                 "--quiet"]) == 0
    loaded = Phrases.load(table)
    assert loaded.connector_words == gensim_phrases.ENGLISH_CONNECTOR_WORDS
    assert "bank_of_america" in loaded.export_phrases()
    assert main(["phrases", str(source), "-o", str(tmp_path / "again.txt"), "--from-table",
                 str(table), "--connector-words", "english", "--quiet"]) == 0  # its own


def test_cli_a_list_option_that_took_the_corpus_says_so(tmp_path, capsys):
    source = tmp_path / "s3.txt"
    source.write_text("new york of the city\n")
    with pytest.raises(SystemExit):
        main(["phrases", "--connector-words", "of", "the", str(source), "-o",
              str(tmp_path / "b.txt")])
    err = capsys.readouterr().err
    assert (f"required: CORPUS; --connector-words took every word after it (of the "
            f"{source}): give CORPUS before --connector-words, or end its words with -- "
            "and give CORPUS last") in err
    out = tmp_path / "b.txt"  # as it says: both work
    assert main(["phrases", "-o", str(out), "--connector-words", "of", "the", "--",
                 str(source), "--quiet"]) == 0 and out.exists()
    assert main(["phrases", str(source), "--connector-words", "of", "the", "-o",
                 str(tmp_path / "c.txt"), "--quiet"]) == 0


def test_an_empty_corpus_is_refused(tmp_path):
    for empty in ([], [[]]):  # gensim learns an empty model: a run that learned nothing
        with pytest.raises(CorpusError, match="the corpus is empty"):
            Phrases(empty, progress=False)
