"""Corpus(source, phrases=...): the phrased corpus is the one the written phrased text
reads into (and the one gensim-style phrases[sentence] gives), its cache and
checkpoints are keyed by the table, and train --phrases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wordspace import Corpus, Documents, Phrases
from wordspace.corpus import CorpusError
from wordspace.engine.checkpoint import CheckpointMismatch
from wordspace.models import SkipGram
from wordspace.models.base import load_scorable

CONNECTORS = ("of", "the")
#: what a table learned on planted_lines() joins (tested below)
PLANTED = {"new_york", "bank_of_america", "new_york_city", "hong_kong"}


def planted_lines(seed: int = 0) -> list[str]:
    """Lines of 60 filler words, with "new york" (and "new york city", which a second
    pass joins), "bank of america" (connector words inside), "hong kong" 4 times only,
    "york" alone once and "new_york" written as one token twice, once before "city"
    (which the second pass joins as the first's new_york would be)."""
    rng = np.random.default_rng(seed)
    filler = [f"w{i}" for i in range(60)] + ["of", "the"]
    lines = []
    for i in range(240):
        words = [str(w) for w in rng.choice(filler, int(rng.integers(3, 12)))]
        at = int(rng.integers(len(words) + 1))
        if i % 3 == 0:
            words[at:at] = ["new", "york", "city"] if i % 2 else ["new", "york"]
        elif i % 5 == 1:
            words[at:at] = ["bank", "of", "america"]
        elif i % 40 == 2:
            words[at:at] = ["hong", "kong"]
        lines.append(" ".join(words))
    lines[7] += " york"
    lines[8] += " new_york city"
    lines[9] = "new_york " + lines[9]
    lines.insert(20, "")  # an empty line: no sentence
    return lines


@pytest.fixture()
def planted(tmp_path):
    """The planted text's file and a table learned on it (two passes, connectors)."""
    path = tmp_path / "c.txt"
    path.write_text("\n".join(planted_lines()) + "\n")
    phrases = Phrases(path, min_count=3, threshold=2.0, connector_words=CONNECTORS,
                      passes=2, progress=False)
    assert set(phrases.export_phrases()) >= PLANTED
    return path, phrases


def _same(a: Corpus, b: Corpus) -> None:
    assert a.vocab.words == b.vocab.words
    assert a.vocab.counts.tolist() == b.vocab.counts.tolist()
    assert a.vocab.unk == b.vocab.unk
    assert np.asarray(a.tokens).tolist() == np.asarray(b.tokens).tolist()
    assert np.asarray(a.offsets).tolist() == np.asarray(b.offsets).tolist()


SETTINGS = [dict(min_count=1), dict(min_count=3), dict(min_count=7),
            dict(min_count=3, unk=True), dict(min_count=1, max_final_vocab=12),
            dict(min_count=2, max_sentence_length=4),
            dict(min_count=1, max_token_length=8)]  # new_york kept, hong_kong left out


@pytest.mark.parametrize("settings", SETTINGS)
def test_the_corpus_is_the_written_phrased_text_read(planted, tmp_path, settings):
    path, phrases = planted
    written = tmp_path / "phrased.txt"
    phrases.write_corpus(path, written)
    joined = Corpus(path, phrases=phrases, progress=False, **settings)
    _same(joined, Corpus(written, progress=False, **settings))
    # and the sentences gensim's phrases[sentence] gives, word by word in Python (a
    # route that shares no code with the compiled join)
    sentences = [phrases[line.split()] for line in planted_lines()]
    _same(joined, Corpus(sentences, progress=False, **settings))
    # token lists joined as they are read, a generator's too
    _same(joined, Corpus((line.split() for line in planted_lines()), phrases=phrases,
                         progress=False, **settings))
    if settings == {"min_count": 1}:  # every line keeps words
        assert np.asarray(joined.sentence_line).tolist() == \
            [i for i, line in enumerate(planted_lines()) if line]  # the source's lines


def test_min_count_counts_the_joined_words(planted):
    path, phrases = planted
    raw = Corpus(path, min_count=1, progress=False)
    joined = Corpus(path, phrases=phrases, min_count=7, progress=False)
    counts = dict(zip(joined.vocab.words, joined.vocab.counts.tolist(), strict=True))
    # "york" is common in the text, but all but once inside new_york: left out after
    assert raw.vocab.counts[raw.vocab.index_of("york")] >= 7 and "york" not in counts
    # hong_kong is a phrase, seen 4 times: too rare, and its words gone with it
    assert "hong_kong" not in counts and "hong" not in counts and "kong" not in counts
    assert {"new_york", "bank_of_america", "new_york_city"} <= set(counts)
    # new_york joined, and written as one token twice: one word
    n_new_york = sum(s.count("new_york") for s in
                     (phrases[line.split()] for line in planted_lines()))
    assert counts["new_york"] == n_new_york and joined.vocab.words.count("new_york") == 1
    assert "of" in counts and "bank" not in counts  # connectors stay words of their own
    four = Corpus(path, phrases=phrases, min_count=4, progress=False).vocab
    assert four.counts[four.index_of("hong_kong")] == 4 and "hong" not in four
    assert "hong_kong" not in Corpus(path, phrases=phrases, min_count=5, progress=False).vocab


def test_documents_join_phrases_in_each_document(planted, tmp_path):
    path, phrases = planted
    docs_path = tmp_path / "docs.txt"
    docs_path.write_text("\n".join(line for line in planted_lines() if line) + "\n")
    written = tmp_path / "phrased.txt"
    phrases.write_corpus(docs_path, written)
    joined = Documents(docs_path, phrases=phrases, min_count=2, progress=False)
    read = Documents(written, min_count=2, progress=False)
    _same(joined, read)
    assert joined.ids == read.ids and "new_york_city" in joined.vocab
    assert joined.reading_settings()["phrases"] == phrases.digest()


def test_the_cache_is_keyed_by_the_table(planted, tmp_path, monkeypatch):
    import wordspace.corpus as corpus_module

    path, phrases = planted
    encode, encoded = corpus_module.Corpus._encode, []

    def counted(self, out):
        encoded.append(self.reading_settings().get("phrases"))
        return encode(self, out)

    monkeypatch.setattr(corpus_module.Corpus, "_encode", counted)
    plain = Corpus(path, min_count=2, progress=False)
    # without phrases the key is what it was: no setting of theirs in it
    assert set(plain.reading_settings()) == {
        "min_count", "max_vocab_size", "lowercase", "token_pattern", "unk",
        "max_sentence_length", "max_token_length"}
    first = Corpus(path, min_count=2, phrases=phrases, progress=False)
    assert first.cache_dir not in (None, plain.cache_dir) and len(encoded) == 2
    table = tmp_path / "phrases.tsv"
    phrases.save(table)
    for same in (phrases, Phrases.load(table), table, str(table)):  # the same table
        again = Corpus(path, min_count=2, phrases=same, progress=False)
        assert again.cache_dir == first.cache_dir and len(encoded) == 2
        _same(again, first)
    # another threshold that finds the same phrases joins the same text: the same key
    same = Phrases(path, min_count=3, threshold=6.0, connector_words=CONNECTORS, passes=2,
                   progress=False)
    assert Corpus(path, min_count=2, phrases=same, progress=False).cache_dir == \
        first.cache_dir and len(encoded) == 2
    others = [Phrases(path, min_count=3, threshold=threshold, connector_words=CONNECTORS,
                      passes=passes, progress=False)
              for threshold, passes in ((2.0, 1), (20.0, 2))]
    dirs = {first.cache_dir}
    for other in others:
        assert set(other.export_phrases()) != set(phrases.export_phrases())
        corpus = Corpus(path, min_count=2, phrases=other, progress=False)
        assert corpus.cache_dir not in dirs and encoded[-1] == other.digest()
        dirs.add(corpus.cache_dir)
    assert len(encoded) == 4
    from wordspace import cache

    shown = [entry.settings for entry in cache.corpus_caches()]
    assert {"min_count": 2, "phrases": phrases.digest()} in shown
    assert {"min_count": 2} in shown


def test_a_tables_digest_is_its_joining(planted):
    path, phrases = planted
    digest = phrases.digest()
    assert len(digest) == 16 and int(digest, 16) >= 0
    renamed = Phrases(path, min_count=3, threshold=2.0, connector_words=CONNECTORS,
                      passes=2, delimiter="+", progress=False)
    assert renamed.digest() != digest  # new+york is another token
    fewer = Phrases(path, min_count=3, threshold=2.0, connector_words=("of",), passes=2,
                    progress=False)
    assert fewer.digest() != digest
    # the scores are not the joining: the same phrases, the same digest
    rescored = Phrases.__new__(Phrases)
    rescored.__dict__.update(phrases.__dict__)
    rescored.tables = [{k: (p, s + 1, c) for k, (p, s, c) in t.items()} for t in phrases.tables]
    rescored.__dict__["max_vocab_size"] = 1000  # nor the learning settings
    assert rescored.digest() == digest


def test_refused_before_reading(planted, tmp_path):
    path, phrases = planted
    missing = tmp_path / "missing.txt"
    with pytest.raises(CorpusError, match=r"learned on text read with \{'lowercase': "
                                          "False.*reads it with .'lowercase': True"):
        Corpus(missing, phrases=phrases, lowercase=True)
    with pytest.raises(CorpusError, match="max_vocab_size prunes words while they are "
                                          "counted, before phrases join them"):
        Corpus(path, phrases=phrases, max_vocab_size=100)
    with pytest.raises(TypeError, match="phrases must be a Phrases or the path of a table "
                                        "it saved, not dict"):
        Corpus(path, phrases={})
    with pytest.raises(FileNotFoundError, match="no-table.tsv"):
        Corpus(path, phrases=tmp_path / "no-table.tsv")
    with pytest.raises(ValueError, match=f"{path}: not a wordspace phrase table"):
        Corpus(path, phrases=path)


def _stop_after_an_epoch():
    """A callback that stops training at its second epoch's end: the checkpoint holds
    the first."""
    from wordspace.engine.callbacks import Callback

    class Stop(Callback):
        def on_epoch_end(self, model, report):
            if len(report.epoch_words) == 2:
                raise RuntimeError("stopped")

    return Stop()


def test_a_checkpoint_resumes_only_with_its_phrases(planted, tmp_path):
    path, phrases = planted
    table = tmp_path / "phrases.tsv"
    phrases.save(table)

    def model():
        return SkipGram(dim=4, window=2, epochs=3, workers=1, sample=0.0, progress=False)

    partial = tmp_path / "partial"
    corpus = Corpus(path, min_count=2, phrases=phrases, progress=False)
    with pytest.raises(RuntimeError, match="stopped"):
        model().fit(corpus, checkpoint=partial, callbacks=[_stop_after_an_epoch()])
    saved = json.loads((partial / "checkpoint.json").read_text())
    assert saved["corpus"]["reading"]["phrases"] == phrases.digest()
    other = Phrases(path, min_count=3, threshold=2.0, connector_words=CONNECTORS,
                    progress=False)  # one pass: no new_york_city
    with pytest.raises(CheckpointMismatch, match=f"phrases='{phrases.digest()}' then, "
                                                 f"'{other.digest()}' now"):
        model().fit(Corpus(path, min_count=2, phrases=other, progress=False),
                    checkpoint=partial)
    with pytest.raises(CheckpointMismatch, match=f"phrases='{phrases.digest()}' then, "
                                                 "None now"):  # the setting, not the sizes
        model().fit(Corpus(path, min_count=2, progress=False), checkpoint=partial)
    resumed = model().fit(Corpus(path, min_count=2, phrases=table, progress=False),
                          checkpoint=partial)
    assert resumed.report_.resumed and "new_york_city" in resumed.vectors


def test_train_phrases_on_the_command_line(planted, tmp_path, capsys):
    from wordspace.cli import main

    path, phrases = planted
    table = tmp_path / "phrases.tsv"
    phrases.save(table)
    out = tmp_path / "model"
    assert main(["train", str(path), "--phrases", str(table), "-o", str(out), "--dim", "4",
                 "--epochs", "1", "--min-count", "2", "--quiet"]) == 0
    model = load_scorable(out)
    assert set(model.vectors.words) >= PLANTED and "york" not in model.vectors.words
    capsys.readouterr()
    # a missing table or a file that is no table: said before the corpus is looked at
    never = tmp_path / "never-read.txt"
    for given, said in ((tmp_path / "none.tsv", f"--phrases {tmp_path / 'none.tsv'}: no "
                                                 "such file"),
                        (path, f"--phrases: {path}: not a wordspace phrase table")):
        assert main(["train", str(never), "--phrases", str(given), "-o",
                     str(tmp_path / "m2")]) == 2
        err = capsys.readouterr().err
        assert said in err and "never-read" not in err
    assert not (tmp_path / "m2").exists()


def test_train_resumes_only_with_the_same_phrase_table(planted, tmp_path, capsys):
    from wordspace.cli import (
        _read_phrase_table,
        build_model,
        build_parser,
        checkpoint_path,
        main,
    )

    path, phrases = planted
    table, other = tmp_path / "phrases.tsv", tmp_path / "other.tsv"
    phrases.save(table)
    Phrases(path, min_count=3, threshold=2.0, connector_words=CONNECTORS,
            progress=False).save(other)  # one pass: no new_york_city
    out = tmp_path / "model"

    def argv(given):
        return ["train", str(path), "-o", str(out), "--phrases", str(given), "--dim", "4",
                "--epochs", "3", "--min-count", "2", "--workers", "1", "--quiet",
                "--checkpoint-every", "1e"]

    # the run this command starts, stopped after its first epoch's checkpoint
    args = build_parser().parse_args(argv(table))
    model, corpus_type, reading = build_model(args)
    _read_phrase_table(reading)
    with pytest.raises(RuntimeError, match="stopped"):
        model.fit(corpus_type(args.corpus, **reading), checkpoint=checkpoint_path(out),
                  checkpoint_every=args.checkpoint_every, callbacks=[_stop_after_an_epoch()])
    assert main(argv(other)) == 2
    err = capsys.readouterr().err
    assert "read with other settings: phrases=" in err and not out.exists()
    assert main(argv(table)) == 0
    assert "resumed" in capsys.readouterr().out
    assert "new_york_city" in load_scorable(out).vectors.words
    # a requeued job finds its model done, unless the table's contents changed
    assert main(argv(table)) == 0 and "already holds" in capsys.readouterr().out
    Phrases.load(other).save(table)  # other phrases, the same path
    assert main(argv(table)) == 0 and "already holds" not in capsys.readouterr().out
    assert "new_york_city" not in load_scorable(out).vectors.words


def test_learning_a_table_and_reading_with_it_read_the_text_once(tmp_path, monkeypatch):
    import wordspace.corpus as corpus_module

    path = tmp_path / "c.txt"
    path.write_text("\n".join(planted_lines(seed=1)) + "\n")
    count, counted = corpus_module.Corpus._count, []

    def reading(self, out):
        counted.append(self.min_count)
        return count(self, out)

    monkeypatch.setattr(corpus_module.Corpus, "_count", reading)
    phrases = Phrases(path, min_count=3, threshold=2.0, progress=False)
    corpus = Corpus(path, min_count=2, phrases=phrases, progress=False)
    assert counted == [1] and "new_york" in corpus.vocab  # Phrases' reading, cached
    # without the cache, the text is read for each
    Corpus(path, min_count=3, phrases=phrases, cache=False, progress=False)
    assert counted == [1, 1]


def test_token_lists_are_joined_uncut_as_written(tmp_path):
    """Token lists are counted whole (Phrases) and joined whole, as write_corpus joins
    them: a phrase across the 10,000th word is joined, and the corpus is the written
    text read (cut every 10,000 words of the joined text)."""
    rng = np.random.default_rng(2)
    docs = []
    for _ in range(10):
        words = [f"w{i}" for i in rng.integers(20_000, size=10_050)]
        words[9_999:10_001] = ["san", "francisco"]
        docs.append(words)
    phrases = Phrases(docs, threshold=1.0, progress=False)
    assert "san_francisco" in phrases.export_phrases()
    written = tmp_path / "phrased.txt"
    phrases.write_corpus(docs, written)
    assert written.read_text().count("san_francisco") == 10
    joined = Corpus(docs, phrases=phrases, min_count=1, progress=False)
    assert joined.vocab.counts[joined.vocab.index_of("san_francisco")] == 10
    _same(joined, Corpus(written, min_count=1, progress=False))
