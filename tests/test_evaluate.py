"""Evaluation numbers agree with gensim's evaluate_word_pairs / evaluate_word_analogies."""

from __future__ import annotations

import re

import numpy as np
import pytest

import wordspace.evaluate as evaluate_module
from wordspace import Vectors
from wordspace.evaluate import analogies, word_similarity


@pytest.fixture
def vectors():
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(60)]
    m = rng.normal(size=(60, 8)).astype(np.float32)
    # plant a few analogies that hold exactly: w{i+1} - w{i} = offset
    offset = rng.normal(size=8).astype(np.float32) * 3
    for i in range(0, 20, 2):
        m[i + 1] = m[i] + offset
    return Vectors(words, m)


def test_similarity_matches_gensim(tmp_path, vectors):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(1)
    lines = [f"W{a}\tw{b}\t{rng.uniform(0, 10):.2f}" for a, b in rng.integers(0, 60, (40, 2))]
    lines += ["w1\tunknown\t5.0", "# a comment"]
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(lines) + "\n")
    ours = word_similarity(vectors, path)
    kv = KeyedVectors(8)
    kv.add_vectors(vectors.words, vectors.matrix)
    pearson, spearman, oov = kv.evaluate_word_pairs(str(path))
    assert ours.spearman == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.pearson == pytest.approx(pearson.statistic, abs=1e-5)
    assert ours.oov == 1 and oov == pytest.approx(100 / 41)


@pytest.mark.parametrize("restrict", [60, 30])
def test_analogies_match_gensim(tmp_path, vectors, restrict):
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(2)
    rows = [": planted"] + [f"w{a} w{a + 1} w{b} w{b + 1}" for a, b in
                             rng.integers(0, 10, (30, 2)) * 2 if a != b]
    rows += [": random"] + [" ".join(f"w{x}" for x in q) for q in rng.integers(0, 60, (40, 4))
                            if len(set(q[:3])) == 3]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(rows) + "\n")
    ours = analogies(vectors, path, restrict_vocab=restrict)
    kv = KeyedVectors(8)
    kv.add_vectors(vectors.words, vectors.matrix)
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
    total = next(s for s in sections if s["section"] == "Total accuracy")
    assert ours.correct == len(total["correct"])
    assert ours.total == len(total["correct"]) + len(total["incorrect"])
    assert ours.accuracy == pytest.approx(score)
    assert ours.sections["planted"][0] > 0


def test_gensim_vectors_and_models_are_scored_as_wordspace_vectors(tmp_path, vectors):
    from gensim.models import KeyedVectors, Word2Vec

    from wordspace.evaluate import evaluate

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("".join(f"w{a}\tw{a + 7}\t{a % 5}\n" for a in range(30)))
    questions = tmp_path / "questions.txt"
    questions.write_text(": planted\n" + "".join(f"w{a} w{a + 1} w{a + 2} w{a + 3}\n"
                                                  for a in range(0, 16, 2)))
    kv = KeyedVectors(8)
    kv.add_vectors(vectors.words, vectors.matrix)
    assert word_similarity(kv, pairs) == word_similarity(vectors, pairs)
    assert analogies(kv, questions) == analogies(vectors, questions)
    names = [str(pairs), str(questions)]
    assert evaluate(kv, names) == evaluate(vectors, names)
    model = Word2Vec([[f"w{i}" for i in range(60)]] * 3, vector_size=8, min_count=1,
                     workers=1, epochs=1)
    assert evaluate(model, names) == evaluate(Vectors(model.wv.index_to_key,
                                                      model.wv.vectors), names)


def test_case_insensitive_analogies_treat_spellings_as_one_word_as_gensim(tmp_path, vectors):
    """Cased vocabularies (GoogleNews, fastText crawl): each word's capitalised twin sits
    next to it. A twin of a, b or c is no answer, and d's twin is a right one."""
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(3)
    words, rows = [], []
    for word, row in zip(vectors.words, vectors.matrix, strict=True):
        words += [word, word.upper()]
        rows += [row, row + 0.01 * rng.normal(size=row.shape).astype(np.float32)]
    cased = Vectors(words, np.array(rows))
    questions = [": planted"] + [f"w{a} w{a + 1} w{b} w{b + 1}"
                                 for a in range(0, 20, 2) for b in range(0, 20, 2) if a != b]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(questions) + "\n")
    kv = KeyedVectors(8)
    kv.add_vectors(cased.words, cased.matrix)
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=120)
    ours = analogies(cased, path, restrict_vocab=120)
    assert ours.correct == len(sections[-1]["correct"]) > 60  # the planted ones, found
    assert ours.accuracy == pytest.approx(score)
    # the same planted offsets without twins: the twins change nothing
    assert ours.correct == analogies(vectors, path).correct
    # case-sensitive: "w3" is a word of its own, "W3" no answer to it (gensim's rule too)
    sensitive = analogies(cased, path, restrict_vocab=120, lowercase=False)
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=120,
                                             case_insensitive=False)
    assert sensitive.correct == len(sections[-1]["correct"])


def test_an_analogy_set_with_no_question_scored_has_no_accuracy(tmp_path, vectors):
    path = tmp_path / "questions.txt"
    path.write_text(": capital-world\nx y z q\n: gram1-adjective-to-adverb\nw0 w1 w2 w3\n")
    result = analogies(vectors, path)
    assert np.isnan(result.subset(semantic=True)) and not np.isnan(result.subset(False))
    result = analogies(vectors, path, restrict_vocab=2)
    assert result.total == 0 and np.isnan(result.accuracy)  # not 0.0 %: nothing was asked


@pytest.mark.parametrize("restrict", [0, -1, True, 2.5])
def test_restrict_vocab_is_a_positive_count_or_none(tmp_path, vectors, restrict):
    """As a slice bound 0 scored no question (NaN, no error), -1 dropped the last word
    and True kept one word; the command line's 0 (every word) is None here."""
    from wordspace.evaluate import evaluate

    path = tmp_path / "questions.txt"
    path.write_text(": planted\nw0 w1 w2 w3\n")
    with pytest.raises(ValueError, match=r"restrict_vocab must be a positive integer .* or "
                                         r"None \(every word\), got "):
        analogies(vectors, path, restrict_vocab=restrict)
    with pytest.raises(ValueError, match="or None \\(every word\\)"):
        evaluate(vectors, [str(path)], restrict_vocab=restrict)
    every = analogies(vectors, path, restrict_vocab=None)
    assert every.total == 1 and every == analogies(vectors, path, restrict_vocab=60)


# -- unavailable datasets are skipped and named; a malformed one is an error -----------------
def _write_mirror(root, similarity=(), analogy=False):
    """A mirror of toy files: the test unpins their datasets (the toy_datasets fixture)."""
    (root / "similarity").mkdir(parents=True, exist_ok=True)
    (root / "analogy").mkdir(exist_ok=True)
    for name in similarity:
        (root / "similarity" / f"{name}.txt").write_text(
            "man\tking\t3\nman\twoman\t2\nking\tqueen\t1\n")
    if analogy:
        (root / "analogy" / "questions-words.txt").write_text(QUESTIONS)
    return root


@pytest.fixture
def offline(monkeypatch):
    """No network: every download fails as it does without one (the name does not
    resolve); the calls are counted, to show a download was tried."""
    import socket
    import urllib.error

    from wordspace import datasets

    calls = []

    class Offline:
        def open(self, url, *args, **kwargs):
            calls.append(url)
            raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name "
                                                            "resolution"))

    monkeypatch.setattr(datasets, "_opener", lambda deadline: Offline())
    return calls


def test_an_unavailable_dataset_is_skipped_and_the_others_reported(
        tmp_path, monkeypatch, offline, tiny, caplog, toy_datasets):
    import logging

    from wordspace.evaluate import evaluate, format_table

    toy_datasets("ws353", "google")
    monkeypatch.setenv("WORDSPACE_DATA", str(_write_mirror(tmp_path, ["ws353"], True)))
    with caplog.at_level(logging.WARNING):
        results = evaluate(tiny, ["ws353", "simlex999", "google"])
    assert set(results["cosine"]) == {"ws353", "google/3cosadd"}
    assert results["cosine"]["ws353"]["spearman"] == pytest.approx(0.5)
    assert results["cosine"]["google/3cosadd"]["correct"] == 2
    assert list(results.skipped) == ["simlex999"]
    why = results.skipped["simlex999"]
    assert "cannot download simlex999" in why and "name resolution" in why
    assert offline and all("SimLex" in url for url in offline)  # it did try, and only that
    assert "simlex999 skipped, unavailable" in caplog.text
    table = format_table(results)
    skipped_line = next(line for line in table.splitlines() if "simlex999" in line)
    assert "skipped" in skipped_line and "cannot download" in skipped_line
    assert results.as_dict()["skipped"] == {"simlex999": why}


def test_no_available_dataset_fails(tmp_path, monkeypatch, offline, tiny, toy_datasets):
    from wordspace.datasets import DatasetUnavailable
    from wordspace.evaluate import evaluate

    toy_datasets("ws353")
    monkeypatch.setenv("WORDSPACE_DATA", str(_write_mirror(tmp_path)))
    with pytest.raises(DatasetUnavailable, match="no dataset could be evaluated") as e:
        evaluate(tiny, ["simlex999", "google"])
    assert "simlex999 is unavailable" in str(e.value) and "google is unavailable" in str(e.value)
    _write_mirror(tmp_path, ["ws353"])
    assert list(evaluate(tiny, ["ws353", "simlex999"]).skipped) == ["simlex999"]
    with pytest.raises(DatasetUnavailable, match="cannot download simlex999"):
        evaluate(tiny, ["ws353", "simlex999"], skip_unavailable=False)


def test_a_malformed_dataset_is_an_error_not_a_skip(tmp_path, monkeypatch, offline, tiny):
    from wordspace.datasets import DatasetError, DatasetUnavailable
    from wordspace.evaluate import evaluate

    mirror = _write_mirror(tmp_path, ["ws353"])
    (mirror / "similarity" / "simlex999.txt").write_text("<html><body>moved</body></html>\n")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    with pytest.raises(DatasetError, match="simlex999: the mirror's file is not usable") as e:
        evaluate(tiny, ["ws353", "simlex999"])
    assert not isinstance(e.value, DatasetUnavailable)
    assert not offline  # it was there: nothing to download


def test_cli_eval_names_the_skipped_and_fails_with_none(tmp_path, monkeypatch, offline, tiny,
                                                        capsys, toy_datasets):
    import json

    from wordspace.cli import main

    model = tmp_path / "tiny.txt"
    tiny.save_word2vec_format(model)
    toy_datasets("ws353")
    monkeypatch.setenv("WORDSPACE_DATA", str(_write_mirror(tmp_path / "m", ["ws353"])))
    assert main(["eval", str(model), "--datasets", "ws353", "simlex999"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.split()[1] == "ws353" and line.split()[2] == "0.500" for line in out[1:])
    assert any("simlex999" in line and "skipped" in line and "cannot download" in line
               for line in out)
    assert main(["eval", str(model), "--datasets", "ws353", "simlex999", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"cosine", "skipped"} and set(printed["skipped"]) == {"simlex999"}
    assert main(["eval", str(model), "--datasets", "simlex999", "men"]) == 2
    err = capsys.readouterr().err
    assert "no dataset could be evaluated" in err and "simlex999" in err and "men" in err


def test_a_truncated_mirror_file_is_skipped_not_scored(tmp_path, monkeypatch, offline, tiny):
    """A WS353 cut short in the mirror was scored ("69 pairs", exit 0, a warning): the
    registry's ws353 is the shared mirror's file, so a part of it is skipped and named."""
    from wordspace.evaluate import evaluate

    mirror = _write_mirror(tmp_path / "m", ["ws353"])  # three pairs of WS353's 353
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("man\tking\t3\nman\twoman\t2\nking\tqueen\t1\n")
    results = evaluate(tiny, ["ws353", str(pairs)])
    assert list(results["cosine"]) == [str(pairs)]
    assert results.skipped["ws353"].startswith(
        f"ws353: the mirror's file is only part of the dataset, so it is not used: "
        f"{mirror / 'similarity' / 'ws353.txt'} holds 3 items; ws353 has at least 353")
    assert not offline


def test_a_cache_that_cannot_be_written_makes_a_dataset_unavailable(tmp_path, monkeypatch,
                                                                     offline, tiny, capsys):
    """mkdir's OSError aborted eval (exit 2, even the user's own file unscored): a cache
    folder that cannot be made is the dataset out of reach, skipped and named, as offline;
    'data get' says the same."""
    from wordspace.cli import main
    from wordspace.evaluate import evaluate

    monkeypatch.delenv("WORDSPACE_DATA", raising=False)
    home = tmp_path / "home"
    home.write_text("a file, where a folder should be\n")  # unwritable even for root
    monkeypatch.setenv("WORDSPACE_HOME", str(home))
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("man\tking\t3\nman\twoman\t2\nking\tqueen\t1\n")
    results = evaluate(tiny, ["ws353", str(pairs)])
    assert results["cosine"][str(pairs)]["spearman"] == pytest.approx(0.5)
    why = results.skipped["ws353"]
    assert f"its cache folder {home / 'datasets' / 'ws353'} cannot be made or written" in why
    assert f"WORDSPACE_HOME is {home}" in why and "Set WORDSPACE_HOME to a folder" in why
    assert not offline  # nothing was downloaded only to be lost
    assert main(["data", "get", "ws353"]) == 2
    assert f"its cache folder {home / 'datasets' / 'ws353'} cannot be made" in \
        capsys.readouterr().err


# -- files of one's own ----------------------------------------------------------------------
# unit vectors: man (1,0,0), king (1,1,0)/sqrt2, woman (0,0,1), queen (0,1,1)/sqrt2,
# other (0,1,0)
QUESTIONS = """: royal
man king woman queen
man woman king other
: reverse
king man queen woman
man king woman unknownword
"""


@pytest.fixture
def tiny():
    words = ["man", "king", "woman", "queen", "other"]
    return Vectors(words, np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0]],
                                   dtype=np.float32))


def test_own_pair_and_question_files_are_scored(tmp_path, tiny):
    from wordspace.evaluate import evaluate, format_table

    pairs = tmp_path / "my_pairs.txt"  # tabs and spaces mixed, an unknown word
    pairs.write_text("# mine\nman\tking\t3\nman woman 2\nking  queen\t1\nman unknownword 4\n")
    questions = tmp_path / "my_questions.txt"
    questions.write_text(QUESTIONS)
    results = evaluate(tiny, [str(pairs), str(questions)])["cosine"]
    # cosines 0.707, 0, 0.5 against scores 3, 2, 1: ranks (3,1,2) and (3,2,1), so
    # rho = 1 - 6 * (0 + 1 + 1) / (3 * 8) = 0.5
    mine = results[str(pairs)]
    assert mine["spearman"] == pytest.approx(0.5)
    assert mine["pearson"] == pytest.approx(np.corrcoef([3, 2, 1], [2 ** -0.5, 0, 0.5])[0, 1])
    assert mine["pairs"] == 3 and mine["oov"] == 1
    # king - man + woman = (-0.29, 0.71, 1): queen (1.21) over other (0.71): right for
    # "queen", wrong for "other"; man - king + queen = (0.29, 0, 0.71): woman (0.71) over
    # other (0): right; the question with an unknown word is skipped
    asked = results[f"{questions}/3cosadd"]
    assert (asked["correct"], asked["total"], asked["skipped"]) == (2, 3, 1)
    assert asked["sections"] == {"royal": {"correct": 1, "total": 2},
                                 "reverse": {"correct": 1, "total": 1}}
    # the table's columns hold a long path
    header, by_pairs, by_questions = format_table(evaluate(tiny, [pairs, questions])
                                                  ).splitlines()
    assert header.index("detail") == by_pairs.index("Spearman") \
        == by_questions.index("3 questions")


@pytest.mark.parametrize("text, why", [
    ("man king 3\n", "a correlation needs 2 pairs or more, and 1 was scored"),
    ("man king 5\nman woman 5\nking queen 5\n",
     "every pair's gold score is 5, and constant scores correlate with nothing"),
    ("man king 3\nman woman 2\nking queen 1\n",
     r"the model gives every pair the same similarity \(0\): its vectors tell no pair")])
def test_an_undefined_correlation_says_why_and_fails_the_command(
        tmp_path, tiny, text, why, caplog, capsys):
    import logging

    from wordspace.cli import main
    from wordspace.evaluate import evaluate, format_table

    pairs = tmp_path / "pairs.txt"
    pairs.write_text(text)
    vectors = tiny if "gold" in why or "1 was" in why else \
        Vectors(tiny.words, np.zeros_like(tiny.matrix))  # all zero: every cosine 0
    with caplog.at_level(logging.WARNING, logger="wordspace.evaluate"):
        results = evaluate(vectors, [str(pairs)])
    result = results["cosine"][str(pairs)]
    assert np.isnan(result["spearman"]) and result["pairs"] > 0
    assert re.match(why, result["undefined"])
    assert f"{pairs}: no correlation: " in caplog.text
    assert list(results.undefined()) == [f"{pairs} (cosine)"]
    assert results.as_dict()["cosine"][str(pairs)]["spearman"] is None  # strict JSON
    row = format_table(results).splitlines()[1]
    assert "n/a  undefined (" in row and "nan" not in row
    model = tmp_path / "m.txt"
    vectors.save_word2vec_format(model)
    assert main(["eval", str(model), "--datasets", str(pairs)]) == 2  # was a nan and 0
    assert capsys.readouterr().err.startswith(f"wordspace: error: no score for {pairs} "
                                              "(cosine): ")
    assert word_similarity(tiny, [("man", "king", 3), ("man", "woman", 2)]).undefined is None


def test_the_kind_is_told_from_the_content_or_given(tmp_path):
    from wordspace.datasets import DatasetError, detect_kind, read_file

    def write(name, text):
        (tmp_path / name).write_text(text)
        return tmp_path / name

    assert detect_kind(write("a.dat", "word1 word2 score\nman king 3\nman woman 2.5\n")) \
        == "similarity"
    assert detect_kind(write("b.dat", ": royal\nman king woman queen\n")) == "analogy"
    assert detect_kind(write("c.dat", "man king woman queen\nking man queen woman\n")) \
        == "analogy"
    assert detect_kind(write("d.tsv", "word1\tword2\tlabel\tfold\ndog\tanimal\tTrue\tval\n")) \
        == "entailment"
    assert detect_kind(write("e.tsv", "dog\tanimal\tTrue\ncar\tcat\tFalse\n")) == "entailment"
    both = write("f.tsv", "dog\tanimal\tTrue\thyper\ncar\tcat\tFalse\trandom\n")
    with pytest.raises(DatasetError, match="reads as analogy and as entailment data alike"):
        detect_kind(both)
    kind, rows = read_file(both, "entailment")
    assert kind == "entailment" and [r["label"] for r in rows] == [True, False]
    broken = write("g.txt", "man king 3\nman woman 2\nking queen\n")
    with pytest.raises(DatasetError, match=r"most lines read as similarity data, but line 3 "
                                           r"'king queen' is not 'word1 word2 score': fix "
                                           r"that line"):
        detect_kind(broken)
    with pytest.raises(DatasetError, match="g.txt:3: .king queen. is not"):  # given: too
        read_file(broken, "similarity")
    # a text corpus: no line is data of any kind (it said "most lines read as similarity
    # data, but line 2 ...", the first line taken for a header)
    corpus = write("c.txt", "the cat sat on the mat\nthe dog sat on the log\n" * 3)
    with pytest.raises(DatasetError, match=r"c.txt reads as neither similarity pairs .*, "
                                           r"analogy questions .* nor entailment rows .*: "
                                           r"line 1 'the cat sat on the mat' is none of them"):
        detect_kind(corpus)


def test_own_files_that_are_missing_or_malformed_fail_before_scoring(tmp_path, tiny):
    from wordspace.datasets import DatasetError
    from wordspace.evaluate import evaluate

    good = tmp_path / "pairs.txt"
    good.write_text("man king 3\nman woman 2\n")
    with pytest.raises(FileNotFoundError, match="no dataset or file named 'nope.txt'"):
        evaluate(tiny, [str(good), "nope.txt"])
    bad = tmp_path / "questions.txt"
    bad.write_text(": royal\nman king woman\n")
    with pytest.raises(DatasetError, match="expected ': section' or 'a b c d'"):
        evaluate(tiny, [str(good), str(bad)])
    # an explicit kind: the file read as given
    hyphen = tmp_path / "x.txt"
    hyphen.write_text("man king woman queen\n")
    results = evaluate(tiny, [f"analogy:{hyphen}"])["cosine"]
    assert results[f"{hyphen}/3cosadd"]["correct"] == 1
    with pytest.raises(DatasetError, match="no 'word1 word2 score' lines"):
        evaluate(tiny, [f"similarity:{hyphen}"])


def test_a_dataset_given_twice_is_refused_also_as_two_kinds(tmp_path, tiny, capsys):
    """``entailment:FILE FILE`` (two kinds) was evaluated as one only, silently: the
    results are keyed by the path. Any dataset given twice is refused before scoring."""
    from wordspace.cli import main
    from wordspace.evaluate import evaluate

    both = tmp_path / "pairs.txt"  # 0/1 scores: similarity pairs and entailment labels
    both.write_text("man king 1\nman woman 0\nking queen 1\n")
    with pytest.raises(ValueError, match=rf"dataset {re.escape(str(both))} given twice "
                                         r"\(as entailment and as similarity data\): "
                                         rf"'entailment:{re.escape(str(both))}' and"):
        evaluate(tiny, [f"entailment:{both}", str(both)])
    with pytest.raises(ValueError, match=r"dataset ws353 given twice: 'ws353' and 'ws353'"):
        evaluate(tiny, ["ws353", "ws353"])  # refused before loading it
    model = tmp_path / "m.txt"
    tiny.save_word2vec_format(model)
    assert main(["eval", str(model), "--json", "--datasets", f"entailment:{both}",
                 str(both)]) == 2
    out, err = capsys.readouterr()
    assert not out and "given twice (as entailment and as similarity data)" in err


# -- entailment: every score beside its baseline ----------------------------------------------
# (word1, word2, label, fold, score(word1, word2)); a tie at 0.5 between a hypernym pair and
# two others, the hypernym pair listed between them
ROWS = [("a", "b", True, "val", 0.8), ("b", "a", False, "val", 0.2),
        ("c", "d", False, "val", 0.5), ("a", "c", True, "test", 0.5),
        ("d", "e", False, "test", 0.5), ("e", "c", False, "test", 0.1),
        ("b", "e", False, "test", 0.3), ("c", "e", True, "test", 0.7)]
BACKWARD = {("c", "a"): 0.6}  # a reversed hypernym pair's score not in ROWS (others: 0)


class Directed:
    """An asymmetric scorer with the scores above."""

    words = ["a", "b", "c", "d", "e"]

    def entailment_scores(self, rows1, rows2):
        table = {(w1, w2): s for w1, w2, _, _, s in ROWS} | BACKWARD
        return np.array([table.get((self.words[i], self.words[j]), 0.0)
                         for i, j in zip(rows1, rows2, strict=True)])


def test_entailment_reports_baselines_and_sklearns_average_precision(tmp_path):
    from sklearn.metrics import average_precision_score

    from wordspace.evaluate import entailment, evaluate, format_table

    rows = [{"word1": a, "word2": b, "label": y, "fold": f} for a, b, y, f, _ in ROWS]
    result = entailment(Directed(), rows)
    labels, scores = [r[2] for r in ROWS], [r[4] for r in ROWS]
    # thresholds 0.8, 0.7, 0.5: precision 1, 1, 3/5 over recall steps of 1/3
    assert result.average_precision == pytest.approx(average_precision_score(labels, scores))
    assert result.average_precision == pytest.approx((1 + 1 + 0.6) / 3)
    assert result.positive_rate == pytest.approx(3 / 8)
    # val fixes the cut at 0.65; on test 4 of 5 right, where "never" gets 3 of 5
    assert result.threshold == pytest.approx(0.65)
    assert result.accuracy == pytest.approx(0.8) and result.majority_accuracy == pytest.approx(0.6)
    assert result.directional == pytest.approx(2 / 3)  # (a, c) scores 0.5 < (c, a) 0.6

    class Model:
        def scorers(self):
            return {"kl": Directed(),
                    "cosine": Vectors(Directed.words, np.eye(5, 3, dtype=np.float32) + 0.1)}

    own = tmp_path / "rows.tsv"
    own.write_text("word1\tword2\tlabel\tfold\n" +
                   "".join(f"{a}\t{b}\t{y}\t{f}\n" for a, b, y, f, _ in ROWS))
    results = evaluate(Model(), [str(own)])
    table = format_table(results).splitlines()
    kl = next(line for line in table if line.startswith("kl"))
    assert "0.800  accuracy (threshold from val; majority class 0.600)" in kl
    assert "directional 0.667 (chance 0.500)" in kl
    assert "AP 0.867 (positive rate 0.375)" in kl
    cosine = next(line for line in table if line.startswith("cosine"))
    assert "directional n/a: cosine is symmetric, it has no direction" in cosine
    assert "nan" not in cosine.lower()
    assert results["cosine"][str(own)]["directional"] is None
    assert "cosine is symmetric" in results["cosine"][str(own)]["directional_note"]


class Planted:
    """An asymmetric scorer over pairs (x{k}, y{k}): forward[k] for (x{k}, y{k}),
    backward[k] for (y{k}, x{k})."""

    def __init__(self, forward, backward):
        n = len(forward)
        self.words = [f"x{k}" for k in range(n)] + [f"y{k}" for k in range(n)]
        self.index = {w: i for i, w in enumerate(self.words)}
        self.forward, self.backward, self.n = np.asarray(forward), np.asarray(backward), n

    def entailment_scores(self, rows1, rows2):
        rows1, rows2 = np.asarray(rows1), np.asarray(rows2)
        return np.where(rows1 < self.n, self.forward[rows1 % self.n],
                        self.backward[rows1 % self.n])

    def rows(self, labels):
        return [{"word1": f"x{k}", "word2": f"y{k}", "label": {1: True, 0: False}.get(y, -1)}
                for k, y in enumerate(labels)]


def _hypernymysuite_accuracy(labels, forward, backward, trials=1000):
    """hypernymysuite's wbless_setup / bibless_setup test accuracy (acc_test_inv),
    written out again after its code: sklearn's precision_recall_curve thresholds on 2 %
    of the pairs, ``trials`` (there 1000) draws of RandomState(42)."""
    from sklearn.metrics import precision_recall_curve

    rng = np.random.RandomState(42)
    directed = (labels == -1).any()
    detect = np.max([forward, backward], axis=0) if directed else forward
    direction = 2 * np.float32(forward >= backward) - 1 if directed else np.ones(len(labels))
    truth = labels != 0
    scores = []
    for _ in range(trials):
        val = rng.rand(len(labels)) < .02
        _, _, t = precision_recall_curve(truth[val], detect[val])
        accuracy = np.mean((detect[val, np.newaxis] >= t) == truth[val, np.newaxis], axis=0)
        best = t[accuracy.argmax()]
        scores.append(np.mean((detect[~val] >= best) * direction[~val] == labels[~val]))
    return np.mean(scores)


@pytest.mark.filterwarnings("ignore::UserWarning")  # sklearn: a draw with no positive
@pytest.mark.parametrize("directed", [True, False])
def test_wbless_and_bibless_are_scored_by_hypernymysuite_s_random_splits(directed,
                                                                         monkeypatch):
    """BIBLESS was scored yes/no (its reversed pairs plain negatives, direction on the
    hypernym pairs alone) and WBLESS on one fixed val fold; hypernymysuite averages 1000
    random 2 % tuning splits, and scores BIBLESS over three answers. (The first 150 of
    the draws here: sklearn's curve is slow, and the draws are the same.)"""
    from wordspace import evaluate
    from wordspace.evaluate import entailment

    assert evaluate.SPLIT_TRIALS == 1000
    monkeypatch.setattr(evaluate, "SPLIT_TRIALS", 150)

    rng = np.random.default_rng(7)
    n = 1000
    labels = rng.choice([1, 0, -1] if directed else [1, 0], size=n)
    # scores rounded to tenths, so that ties test the cut's >= and the first best
    forward = np.round(rng.normal(size=n) + 0.8 * (labels == 1), 1)
    backward = np.round(rng.normal(size=n) + 0.8 * (labels == -1), 1)
    scorer = Planted(forward, backward)
    result = entailment(scorer, scorer.rows(labels))
    assert result.threshold_fold == ("splits" if directed else "all")  # no -1, no splits
    result = entailment(scorer, scorer.rows(labels), splits=True)
    assert result.threshold_fold == "splits" and result.three_way == directed
    expected = _hypernymysuite_accuracy(labels, forward, backward, trials=150)
    assert result.accuracy == pytest.approx(expected, abs=1e-12)
    assert 0.4 < result.accuracy < 0.8  # planted: better than chance, far from perfect


def test_the_registry_s_wbless_is_scored_by_splits_though_it_has_a_val_fold(
        tmp_path, monkeypatch, offline, toy_datasets):
    """hypernymysuite's wbless.tsv has val and test folds, and its wbless_setup ignores
    them: so does the registry's wbless (a file of one's own keeps its val fold)."""
    from wordspace.evaluate import entailment, evaluate

    toy_datasets("wbless")
    labels = np.tile([1, 0, 0, 1, 0], 20)
    scorer = Planted(np.linspace(0, 1, 100) + labels, np.zeros(100))
    mirror = tmp_path / "mirror"
    (mirror / "entailment").mkdir(parents=True)
    own = mirror / "entailment" / "wbless.tsv"
    own.write_text("word1\tword2\tlabel\trelation\tfold\n" + "".join(
        f"{r['word1']}\t{r['word2']}\t{r['label']}\tx\t{'val' if k < 10 else 'test'}\n"
        for k, r in enumerate(scorer.rows(labels))))
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))

    class Model:
        def scorers(self):
            return {"kl": scorer}

    registered = evaluate(Model(), ["wbless"])["kl"]["wbless"]
    assert registered["threshold_fold"] == "splits"
    assert registered == entailment(scorer, own, splits=True, name="kl").as_dict()
    assert entailment(scorer, "wbless").threshold_fold == "splits"
    assert evaluate(Model(), [str(own)])["kl"][str(own)]["threshold_fold"] == "val"
    assert not offline


def test_bibless_three_way_accuracy_by_hand():
    """Reversed pairs are hypernymy too, found by the stronger direction and oriented by
    it; the accuracy counts three answers."""
    from wordspace.evaluate import entailment, format_table

    labels = [1, -1, 1, 0, 0]
    forward, backward = [0.9, 0.2, 0.3, 0.1, 0.6], [0.1, 0.8, 0.7, 0.2, 0.4]
    scorer = Planted(forward, backward)
    result = entailment(scorer, scorer.rows(labels), splits=False)
    # hypernymy by max(f, r): 0.9, 0.8, 0.7 against 0.2, 0.6, cut 0.65, all found; the
    # third pair oriented backwards (0.3 < 0.7): 4 of 5 right
    assert result.threshold == pytest.approx(0.65) and result.threshold_fold == "all"
    assert result.accuracy == pytest.approx(0.8) and result.three_way
    assert result.directional == pytest.approx(2 / 3)  # the reversed pair counted too
    assert result.majority_accuracy == pytest.approx(0.4)  # two 1s, two 0s, one -1
    assert result.average_precision == 1.0 and result.positive_rate == pytest.approx(0.6)
    line = format_table({"kl": {"bibless": result.as_dict()}})
    assert "0.800  3-way accuracy: hypernym second, first, or neither (threshold fit" in line


def test_distributions_and_one_scorer_of_them_are_scored_as_the_model_is(tmp_path,
                                                                          monkeypatch):
    """evaluate(g.distributions) scored cosine of the means alone (no EL, no KL, no
    entailment direction), and evaluate(g.distributions.scorer("kl")) raised 'has no word
    vectors to evaluate'."""
    from wordspace import Distributions
    from wordspace.evaluate import entailment, evaluate

    # each specific word s{i} a narrow Gaussian inside its broad general word g{i}
    words = ["g0", "g1", "s0", "s1"]
    means = np.array([[0, 0], [4, 0], [0.3, 0.1], [4.2, -0.2]], dtype=np.float32)
    variances = np.array([[2, 2], [2, 2], [0.2, 0.2], [0.2, 0.2]], dtype=np.float32)
    d = Distributions(words, means, variances, energy="kl")
    rows = tmp_path / "rows.tsv"
    rows.write_text("word1\tword2\tlabel\ns0\tg0\tTrue\ns1\tg1\tTrue\ns0\tg1\tFalse\n"
                    "g0\ts1\tFalse\n")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("s0\tg0\t9\ns1\tg1\t8\ns0\tg1\t1\ng0\tg1\t2\n")
    names = [str(rows), str(pairs)]
    results = evaluate(d, names)
    assert set(results) == {"cosine", "el", "kl"}
    kl = results["kl"][str(rows)]
    assert kl == entailment(d.scorer("kl"), rows, name="kl").as_dict()
    assert kl["directional"] == 1.0  # s{i} inside g{i}, and not the other way round
    assert results["cosine"][str(rows)]["directional"] is None  # symmetric
    alone = evaluate(d.scorer("kl"), names)
    assert dict(alone) == {"kl": results["kl"]}
    questions = tmp_path / "questions.txt"
    questions.write_text(": s\ng0 s0 g1 s1\n")
    assert evaluate(d, [str(questions)])["cosine"][f"{questions}/3cosadd"]["total"] == 1
    with pytest.raises(ValueError, match=r"questions.txt is an analogy set, and analogies "
                                         r"need vectors: el scores pairs only"):
        evaluate(d.scorer("el"), [str(questions)])
    # the default datasets: their analogy set left out for a scorer, not refused
    monkeypatch.setattr(evaluate_module, "DEFAULT_DATASETS", (str(pairs), str(questions)))
    assert dict(evaluate(d.scorer("kl"))) == {"kl": {str(pairs): results["kl"][str(pairs)]}}
    assert f"{questions}/3cosadd" in evaluate(d)["cosine"]  # vectors: the analogies too


def test_an_accuracy_no_better_than_the_majority_says_so():
    from wordspace.evaluate import entailment, format_table

    # every score the same: the best cut answers "not entailed" throughout
    rows = [{"word1": a, "word2": b, "label": y, "fold": "test"}
            for a, b, y in [("a", "b", True), ("b", "c", False), ("c", "d", False),
                            ("d", "e", False)]]
    flat = Vectors(Directed.words, np.ones((5, 2), dtype=np.float32))
    result = entailment(flat, rows)
    assert result.accuracy == result.majority_accuracy == pytest.approx(0.75)
    assert result.threshold_fold == "all"
    line = format_table({"cosine": {"flat": result.as_dict()}})
    assert "majority class 0.750, no better" in line and "threshold fit on the same rows" in line


def test_entailment_rows_say_their_coverage_as_similarity_rows_do():
    """The table said "3,511 pairs" without the share of the dataset that is, which the
    JSON had (oov)."""
    from wordspace.evaluate import entailment, format_table

    rows = [{"word1": a, "word2": b, "label": y} for a, b, y in
            [("a", "b", True), ("b", "c", False), ("c", "d", False), ("d", "zz", True)]]
    result = entailment(Directed(), rows).as_dict()
    assert (result["pairs"], result["oov"], result["coverage"]) == (3, 1, 0.75)
    assert format_table({"kl": {"mine": result}}).endswith(", 3 pairs, 75% covered")


def test_gensim_s_file_evaluations_also_take_the_datasets_names(tmp_path, monkeypatch,
                                                                 offline, tiny, toy_datasets):
    """``wv.evaluate_word_analogies("google")`` and ``evaluate_word_pairs("ws353")`` score
    the registry's sets (here from a mirror) exactly as their files; a file not found
    names the sets wordspace takes by name."""
    toy_datasets("ws353", "google")
    mirror = _write_mirror(tmp_path, ["ws353"], True)
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    by_name = tiny.evaluate_word_analogies("google")
    by_file = tiny.evaluate_word_analogies(str(mirror / "analogy" / "questions-words.txt"))
    assert by_name == by_file and by_name[1][-1]["correct"]
    pairs = tiny.evaluate_word_pairs("ws353")
    assert pairs == tiny.evaluate_word_pairs(mirror / "similarity" / "ws353.txt")
    assert pairs[1][0] == pytest.approx(0.5)
    with pytest.raises(FileNotFoundError, match=r"No such file or directory: "
                                                r"'questions-words.txt' \(wordspace also "
                                                r"takes the standard analogy sets by name: "
                                                r"google, msr\)"):
        tiny.evaluate_word_analogies("questions-words.txt")
    with pytest.raises(FileNotFoundError, match="standard similarity sets by name: ws353"):
        tiny.evaluate_word_pairs(tmp_path / "nowhere.txt")
    assert not offline  # the mirror's: nothing was downloaded
