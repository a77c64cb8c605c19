"""Datasets: the real download path against a local HTTP server, the mirror, parsers."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from wordspace import Corpus, _io, datasets
from wordspace.datasets import Dataset, DatasetError

PAIRS = b"tiger\tcat\t7.35\nbook\tpaper\t7.46\n"


class Server:
    """A loopback HTTP server whose responses the test controls, counting requests."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.drip: set[str] = set()
        self.announce: dict[str, int | None] = {}  # a Content-Length other than the body's
        self.flood: set[str] = set()  # the body again and again, until the client hangs up
        self.delay: dict[str, float] = {}  # seconds before answering
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                time.sleep(server.delay.get(self.path, 0))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                length = server.announce.get(self.path, len(body))
                if length is not None:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                if self.path in server.flood:
                    try:
                        while not server.stopping.is_set():
                            self.wfile.write(body)
                    except OSError:
                        pass
                    return
                if self.path in server.truncate:  # promise everything, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.close()
                    return
                if self.path in server.drip:  # a byte every 0.2 s, until the client hangs up
                    for byte in body:
                        if server.stopping.wait(0.2):
                            return
                        try:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def register(monkeypatch):
    monkeypatch.delenv("WORDSPACE_DATA", raising=False)

    def add(name, **kw):
        dataset = Dataset(name=name, **kw)
        monkeypatch.setitem(datasets.REGISTRY, name, dataset)
        return dataset

    return add


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def leftovers(dataset) -> list[str]:
    """Everything in the dataset's cache folder (download, unpacked folder, temporaries)."""
    folder = dataset.folder
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_checks_and_caches(server, register):
    server.files["/pairs.txt"] = PAIRS
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt", checksum=sha256(PAIRS))
    path = datasets.path("toy", progress=False)
    assert path == d.cache_path and path.read_bytes() == PAIRS
    assert datasets.load("toy") == [("tiger", "cat", 7.35), ("book", "paper", 7.46)]
    assert datasets.locate("toy") == (path, "cache")
    assert server.requests == ["/pairs.txt"]  # the second use read the cache


def test_checksum_mismatch_leaves_nothing_and_retries_cleanly(server, register):
    server.files["/pairs.txt"] = PAIRS + b"tampered\tfile\t1\n"
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt", checksum=sha256(PAIRS))
    with pytest.raises(DatasetError, match="checksum mismatch: expected sha256"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []
    server.files["/pairs.txt"] = PAIRS
    assert datasets.path("toy", progress=False).read_bytes() == PAIRS


def test_truncated_transfer_is_discarded(server, register):
    server.files["/pairs.txt"] = PAIRS * 100
    server.truncate.add("/pairs.txt")
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt")
    with pytest.raises(DatasetError, match="cut short"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []
    server.truncate.clear()
    assert datasets.path("toy", progress=False).read_bytes() == PAIRS * 100


def test_unknown_checksum_logs_the_files_own(server, register, caplog):
    server.files["/pairs.txt"] = PAIRS
    register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
             filename="pairs.txt")
    with caplog.at_level(logging.WARNING):
        datasets.path("toy", progress=False)
    assert hashlib.sha256(PAIRS).hexdigest() in caplog.text


def test_falls_back_to_the_next_url(server, register):
    server.files["/b.txt"] = PAIRS
    register("toy", kind="similarity", description="",
             urls=(server.url + "/missing.txt", server.url + "/b.txt"), filename="pairs.txt")
    assert datasets.path("toy", progress=False).read_bytes() == PAIRS
    assert server.requests == ["/missing.txt", "/b.txt"]


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make_tgz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("make,suffix", [(make_zip, ".zip"), (make_tgz, ".tar.gz")])
def test_archives_are_unpacked(server, register, make, suffix):
    archive = make({"set/README": b"read me", "set/data.txt": PAIRS})
    server.files["/a" + suffix] = archive
    register("toy", kind="similarity", description="", urls=(server.url + "/a" + suffix,),
             filename="a" + suffix, member="set/data.txt", checksum=sha256(archive))
    assert datasets.load("toy") == [("tiger", "cat", 7.35), ("book", "paper", 7.46)]


def test_datasets_in_one_archive_download_it_once(server, register):
    archive = make_zip({"set/a.txt": PAIRS, "set/b.txt": PAIRS.replace(b"tiger", b"lion")})
    server.files["/both.zip"] = archive
    for name in ("toy-a", "toy-b"):
        register(name, kind="similarity", description="", urls=(server.url + "/both.zip",),
                 filename="both.zip", member=f"set/{name[-1]}.txt", shared_folder="both")
    assert datasets.load("toy-a")[0][0] == "tiger" and datasets.load("toy-b")[0][0] == "lion"
    assert server.requests == ["/both.zip"]


def test_archive_members_may_not_escape(server, register):
    server.files["/evil.zip"] = make_zip({"../../escaped.txt": b"x"})
    register("toy", kind="similarity", description="", urls=(server.url + "/evil.zip",),
             filename="evil.zip", member="escaped.txt")
    with pytest.raises(DatasetError, match="outside"):
        datasets.path("toy", progress=False)


def test_mirror_comes_first_and_stand_ins_are_announced(tmp_path, register, monkeypatch,
                                                        caplog):
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "small.txt").write_text("a b a c a b\n")
    register("toycorpus", kind="corpus", description="", urls=("http://127.0.0.1:9/x",),
             filename="x", mirror=("corpora/small.txt",), stand_in="a tiny sample")
    monkeypatch.setenv("WORDSPACE_DATA", str(tmp_path))
    with caplog.at_level(logging.WARNING):
        corpus = Corpus("toycorpus", min_count=1)
    assert "stand-in" in caplog.text and "a tiny sample" in caplog.text
    assert corpus.vocab.words == ["a", "b", "c"]
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # once a process, however often it is read
        datasets.path("toycorpus", progress=False)
    assert "stand-in" not in caplog.text


def test_offline_without_mirror_says_what_to_set(register):
    register("toy", kind="similarity", description="", urls=("http://127.0.0.1:9/none",),
             filename="pairs.txt", mirror=("similarity/toy.txt",))
    with pytest.raises(DatasetError, match="set WORDSPACE_DATA to a directory holding "
                                           r"similarity/toy\.txt"):
        datasets.path("toy", progress=False)
    with pytest.raises(KeyError, match="no dataset named 'nope'; known: text8"):
        datasets.info("nope")


def test_offline_fetch_with_the_file_in_the_mirror_says_fetch_does_not_read_it(
        register, tmp_path, monkeypatch):
    """fetch() offline advised "put it in the mirror as M/similarity/toy.txt" where that
    file was: fetch fills the cache and never reads the mirror, and now says so, naming
    the call that uses the mirror's copy; with the mirror lacking it, the advice stays."""
    register("toy", kind="similarity", description="", urls=("http://127.0.0.1:9/none",),
             filename="pairs.txt", mirror=("similarity/toy.txt",))
    mirror = tmp_path / "mirror"
    (mirror / "similarity").mkdir(parents=True)
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    with pytest.raises(DatasetError, match="or put it in the mirror as "
                                           f"{re.escape(str(mirror))}/similarity/toy.txt"):
        datasets.fetch("toy", progress=False)
    (mirror / "similarity" / "toy.txt").write_bytes(PAIRS)
    with pytest.raises(DatasetError) as refused:
        datasets.fetch("toy", progress=False)
    said = str(refused.value)
    assert "put it in the mirror" not in said
    assert f"or use the mirror's copy, {mirror / 'similarity' / 'toy.txt'}: fetch() fills " \
           "the cache and never reads the mirror, datasets.path('toy') and load() do" in said


def test_every_registry_entry_is_complete():
    archives = {}
    for d in datasets.REGISTRY.values():  # one archive, one cache folder
        archives.setdefault((d.urls, d.filename), set()).add(d.folder)
    assert all(len(folders) == 1 for folders in archives.values()), archives
    for name, d in datasets.REGISTRY.items():
        assert d.name == name and d.kind in datasets.KINDS and d.description
        assert d.urls and all(u.startswith(("http://", "https://")) for u in d.urls)
        # every copy, downloaded or mirrored, is held to a plausible minimum
        assert (d.min_bytes if d.kind == "corpus" else d.min_items) > 1, name
        if d.checksum:
            algorithm, _, digest = d.checksum.partition(":")
            assert len(digest) == hashlib.new(algorithm).digest_size * 2


def test_parsers_read_canonical_layouts(tmp_path):
    simlex = tmp_path / "SimLex-999.txt"
    simlex.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\n")
    ws = tmp_path / "combined.csv"
    ws.write_text("Word 1,Word 2,Human (mean)\nlove,sex,6.77\n")
    assert datasets.read_pairs(simlex) == [("old", "new", 1.58)]
    assert datasets.read_pairs(ws) == [("love", "sex", 6.77)]

    msr = tmp_path / "test_set"
    msr.mkdir()
    (msr / "word_relationship.questions").write_text("good better bad\nyear years day\n")
    (msr / "word_relationship.answers").write_text("JJ_JJR worse\nNN_NNS days\n")
    assert datasets.read_analogies(msr) == [("JJ_JJR", [("good", "better", "bad", "worse")]),
                                            ("NN_NNS", [("year", "years", "day", "days")])]

    suite = tmp_path / "wbless.tsv"
    suite.write_text("word1\tword2\tlabel\trelation\tfold\nfrigate\tcraft\tTrue\thyper\tval\n"
                     "trouble\tcarp\tFalse\tother\ttest\n")
    raw = tmp_path / "AWBLESS.txt"  # HyperVec's layout: word1 word2 label relation
    raw.write_text("frigate\tcraft\tTrue\thyper\ntrouble\tcarp\tFalse\tother\n")
    spaced = tmp_path / "mine.txt"  # one's own file, by spaces: read as well
    spaced.write_text("frigate craft True hyper\ntrouble carp False other\n")
    for rows in map(datasets.read_entailment, (suite, raw, spaced)):
        assert [(r["word1"], r["word2"], r["label"], r["relation"]) for r in rows] == [
            ("frigate", "craft", True, "hyper"), ("trouble", "carp", False, "other")]

    levy = tmp_path / "bless2011"  # Levy's archive: random and lexical splits side by side
    levy.mkdir()
    (levy / "data_rnd_val.tsv").write_text("dog\tanimal\tTrue\n")
    (levy / "data_rnd_test.tsv").write_text("car\tvehicle\tTrue\ncar\tdog\tFalse\n")
    (levy / "data_rnd_train.tsv").write_text("cat\tanimal\tTrue\n")
    (levy / "data_lex_val.tsv").write_text("never\tread\tTrue\n")
    rows = datasets.read_entailment(levy)
    assert [(r["word1"], r["fold"], r["label"]) for r in rows] == [
        ("dog", "val", True), ("car", "test", True), ("car", "test", False),
        ("cat", "test", True)]

    docs = tmp_path / "bbc"
    (docs / "sport").mkdir(parents=True)
    (docs / "sport" / "001.txt").write_text("Title\n\nBody.")
    assert datasets.read_documents(docs) == [
        {"id": "sport/001.txt", "label": "sport", "text": "Title\n\nBody."}]


@pytest.mark.parametrize("body, fault", [
    ("tiger\tcat\t7.35\ntiger\tcat\n", ":2: 'tiger\\tcat' is not 'word1 word2 score'"),
    ("tiger\tcat\t7.35\nmoney\tbank\tseven\n", ":2: 'money\\tbank\\tseven' is not"),
    ("tiger cat 7.35\n\n# note\nmoney bank nan\n", ":4: the score of 'money bank nan' is "
                                                    "not a finite number"),
    ("tiger cat 7,35\n", ":1: 'tiger cat 7,35' has a score with a decimal comma"),
    ("tiger\tcat\t7,35\n", ":1: 'tiger\\tcat\\t7,35' has a score with a decimal comma"),
    ("Word 1\tWord 2\tHuman (mean)\t1\t2\ntiger\tcat\n", ":2: 'tiger\\tcat' is not"),
    ("tiger\tcat\t7.35\nmon\xe9y\tbank\t8\n", ":2: not UTF-8 text (byte 4 of the line)"),
])
def test_a_pairs_line_that_is_no_pair_is_named_not_dropped(tmp_path, body, fault):
    """A dropped or misread pair changes the score silently: every line but a first
    header must be a pair with a finite score."""
    path = tmp_path / "pairs.txt"
    path.write_bytes(body.encode("utf-8").replace(b"\xc3\xa9", b"\xe9"))
    with pytest.raises(datasets.DatasetError) as info:
        datasets.read_pairs(path)
    assert str(info.value).startswith(f"{path}{fault}")


def test_pairs_files_with_old_mac_line_ends_read_every_line(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_bytes(b"tiger\tcat\t7.35\rbook\tpaper\t7.46\rcomputer\tkeyboard\t7.62\r")
    assert datasets.read_pairs(path) == [("tiger", "cat", 7.35), ("book", "paper", 7.46),
                                         ("computer", "keyboard", 7.62)]
    header = tmp_path / "set1.tab"  # WS353's set files: a header with numbers in it
    header.write_text("Word 1\tWord 2\tHuman (mean)\t1\t2\ntiger\tcat\t7.35\t7\t8\n")
    assert datasets.read_pairs(header) == [("tiger", "cat", 7.35)]


def test_benchmark_files_with_a_byte_order_mark_read_as_without(tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_bytes(b"\xef\xbb\xbftiger\tcat\t7.35\n")
    assert datasets.read_pairs(pairs) == [("tiger", "cat", 7.35)]  # not "\ufefftiger"
    questions = tmp_path / "questions.txt"
    questions.write_bytes(b"\xef\xbb\xbf: capital\nathens greece oslo norway\n")
    assert datasets.read_analogies(questions) == [
        ("capital", [("athens", "greece", "oslo", "norway")])]


def test_bibless_reversed_pairs_are_labelled_minus_one_not_false(tmp_path):
    """HyperVec's ABIBLESS labels a reversed pair False (relation rhyper), hypernymysuite's
    bibless.tsv -1: read as False, such a pair was a plain negative."""
    raw = tmp_path / "ABIBLESS.txt"
    raw.write_text("dog\tanimal\tTrue\thyper\nanimal\tdog\tFalse\trhyper\n"
                   "dog\tcar\tFalse\tother\n")
    suite = tmp_path / "bibless.tsv"
    suite.write_text("word1\tword2\trelation\tlabel\ndog\tanimal\thyper\t1\n"
                     "animal\tdog\trhyper\t-1\ndog\tcar\tother\t0\n")
    for path in (raw, suite):
        assert [r["label"] for r in datasets.read_entailment(path)] == [True, -1, False]
    raw.write_text("animal\tdog\tTrue\trhyper\n")
    with pytest.raises(DatasetError, match=r"ABIBLESS.txt:1: label 'True' says word2 is the "
                                           r"hypernym, relation 'rhyper' the reverse"):
        datasets.read_entailment(raw)


def test_labels_one_and_minus_one_alone_are_binary_not_bibless_s_reverse(tmp_path):
    """1 and -1 are the common binary labels: a file of them alone is yes/no (it was
    scored three-way, as BIBLESS, its -1 pairs wrong by any symmetric scorer); -1 is the
    reverse only beside 0 labels, or where the relation says rhyper."""
    binary = tmp_path / "pm1.tsv"
    binary.write_text("dog\tanimal\t1\ncar\tdog\t-1\n")
    assert [r["label"] for r in datasets.read_entailment(binary)] == [True, False]
    three = tmp_path / "three.tsv"
    three.write_text("dog\tanimal\t1\nanimal\tdog\t-1\ncar\tdog\t0\n")
    assert [r["label"] for r in datasets.read_entailment(three)] == [True, -1, False]
    named = tmp_path / "named.tsv"
    named.write_text("word1\tword2\trelation\tlabel\ndog\tanimal\thyper\t1\n"
                     "animal\tdog\trhyper\t-1\n")
    assert [r["label"] for r in datasets.read_entailment(named)] == [True, -1]


def test_entailment_errors_name_the_line_blank_lines_counted(tmp_path):
    path = tmp_path / "bless.tsv"
    path.write_text("word1\tword2\tlabel\tfold\n\n\nmissile\tskating\tFalse\tval\n"
                    "bus\tradiator\tFalse\n")
    with pytest.raises(datasets.DatasetError, match=r"bless.tsv:5: expected 4 columns"):
        datasets.read_entailment(path)
    path.write_text("word1\tword2\tlabel\tfold\nmissile\tskating\tFlase\tval\n")
    with pytest.raises(datasets.DatasetError, match=r":2: label 'Flase' is not True or False"):
        datasets.read_entailment(path)
    path.write_text("word1\tword2\tlabel\nfrigate\tcraft\thyper\ntrouble\tcarp\trandom\n")
    assert [r["label"] for r in datasets.read_entailment(path)] == [True, False]


def test_a_headerless_entailment_file_s_labels_are_checked_too(tmp_path):
    """A headerless file read as entailment (its kind given) took any third column
    that was not a boolean for a relation: 'Ture' read as False, and a similarity file's
    scores as relations (accuracy 1.000, AP nan). Each label is checked, naming the line."""
    path = tmp_path / "ent_typo.tsv"
    path.write_text("cat\tanimal\tTrue\ncar\tdog\tFalse\nfrigate\tcraft\tTure\n")
    with pytest.raises(datasets.DatasetError, match=r"ent_typo.tsv:3: label 'Ture' is not "
                                                    r"True or False \(nor a BLESS relation"):
        datasets.read_entailment(path)
    path.write_text("cat animal yes\ncar dog no\ntrouble carp random\nfrigate craft 1 hyper\n")
    assert [(r["label"], r.get("relation")) for r in datasets.read_entailment(path)] == [
        (True, None), (False, None), (False, "random"), (True, "hyper")]
    scores = tmp_path / "sim.txt"
    scores.write_text("tiger cat 7.35\ncar dog 1\n")
    with pytest.raises(datasets.DatasetError, match=r"sim.txt:1: label '7.35' is not True or "
                                                    r".*a score, as in similarity data\? Then "
                                                    r"give 'similarity:"):
        datasets.read_file(scores, "entailment")
    path.write_text("word1\tword2\tfold\ncat\tanimal\ttest\n")
    with pytest.raises(datasets.DatasetError, match=r"ent_typo.tsv:1: the header names no "
                                                    "'label'"):
        datasets.read_entailment(path)
    # a column of relation names (EVALution's), headed so or holding no boolean: any name
    for text in ("word1\tword2\trelation\nhot\tcold\tAntonym\ndog\tanimal\thyper\n",
                 "hot\tcold\tAntonym\ndog\tanimal\thypernym\ncar\twheel\tHasA\n"):
        path.write_text(text)
        assert [r["label"] for r in datasets.read_entailment(path)][:2] == [False, True]
    path.write_text("word1\tword2\tlabel\nhot\tcold\tAntonym\n")  # a label column: checked
    with pytest.raises(datasets.DatasetError, match="label 'Antonym' is not True or False"):
        datasets.read_entailment(path)


# -- trust: what a bad server, a hostile archive or a wrong mirror file cannot do ----------
HTML = (b"<!DOCTYPE html>\n<html><head><title>Moved</title></head>\n<body>\n"
        b"score of tiger cat 7\n</body></html>\n")  # read_pairs alone would find a "pair"


def test_an_error_page_is_not_cached_and_the_next_call_downloads_again(server, register):
    server.files["/pairs.txt"] = HTML  # served with 200, and there is no checksum
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt")
    with pytest.raises(DatasetError, match=r"cannot download toy: .*/pairs\.txt: the file "
                                           r"received is not valid \(pairs\.txt is an HTML"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []
    server.files["/pairs.txt"] = PAIRS
    assert datasets.load("toy") == [("tiger", "cat", 7.35), ("book", "paper", 7.46)]
    assert server.requests == ["/pairs.txt", "/pairs.txt"]


def test_a_damaged_cached_file_is_replaced(server, register):
    server.files["/pairs.txt"] = PAIRS
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt")
    d.cache_path.parent.mkdir(parents=True)
    d.cache_path.write_bytes(HTML)  # what an older version cached for good
    assert datasets.path("toy", progress=False).read_bytes() == PAIRS
    assert server.requests == ["/pairs.txt"]


@pytest.mark.parametrize("member", [None, "set/data.txt"])
def test_a_cached_file_truncated_or_edited_since_is_fetched_again(server, register, member):
    """Parsing alone passes a file cut at a line end ("6.53" cut to "6.5" too): the cache
    records each file's size, time and sha256 when it is fetched, and checks them. A
    file unpacked from an archive is unpacked again from the cached download."""
    body = PAIRS + b"".join(b"w%d\tv%d\t%d.53\n" % (i, i, i % 10) for i in range(50))
    served = body if member is None else make_zip({member: body})
    server.files["/data"] = served
    d = register("toy", kind="similarity", description="", urls=(server.url + "/data",),
                 filename="data.zip" if member else "pairs.txt", member=member)
    path = datasets.path("toy", progress=False)
    path.write_bytes(body[:-3])  # a damaged disk, an editor: still a valid pairs file
    assert datasets.load("toy")[-1] == ("w49", "v49", 9.53)  # fetched afresh, not 9.5
    fetched = ["/data"] if member else ["/data", "/data"]
    assert path.read_bytes() == body and server.requests == fetched
    os.utime(path, ns=(1, 1))  # touched (or copied) only: the same bytes, used as they are
    assert len(datasets.load("toy")) == 52 and server.requests == fetched
    assert "verified.json" in leftovers(d)


@pytest.mark.parametrize("member", [None, "set/data.txt"])
def test_a_cached_file_edited_with_its_size_and_time_kept_is_fetched_again(server, register,
                                                                          member):
    """An edit that keeps the size, its time put back (``touch -r``): the ctime and
    inode in the record tell, as the corpus cache key's do."""
    body = PAIRS + b"".join(b"w%d\tv%d\t%d.53\n" % (i, i, i % 10) for i in range(50))
    server.files["/data"] = body if member is None else make_zip({member: body})
    register("toy", kind="similarity", description="", urls=(server.url + "/data",),
             filename="data.zip" if member else "pairs.txt", member=member)
    path = datasets.path("toy", progress=False)
    st = path.stat()
    path.write_bytes(body.replace(b"9.53", b"1.53"))  # still a valid pairs file
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    # every utime sets the ctime to now: on a file system whose ctime is coarse (a second,
    # say), a write as quick as the fetch may keep the ctime; tick it on, or say so
    deadline = time.monotonic() + 3
    while path.stat().st_ctime_ns == st.st_ctime_ns and time.monotonic() < deadline:
        time.sleep(0.05)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    if path.stat().st_ctime_ns == st.st_ctime_ns:
        pytest.skip("this file system's ctime did not change in 3 s: an edit keeping size, "
                    "mtime and inode cannot be told here")
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert datasets.load("toy")[-1] == ("w49", "v49", 9.53)  # not the edited 1.53
    assert path.read_bytes() == body


def test_a_read_only_cache_checks_a_touched_file_once_a_process(server, register,
                                                               monkeypatch):
    """A record that cannot be renewed (a read-only shared cache) whose fingerprint no
    longer matches (a copy, a touch, a record of before ctimes) sent every use to the
    sha256; the process now remembers the file it verified, by its whole fingerprint."""
    server.files["/pairs.txt"] = PAIRS
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt")
    path = datasets.path("toy", progress=False)
    os.utime(path, ns=(1, 1))  # touched, or copied: the same bytes
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == d.folder
                        else access(p, mode, **kw))  # as root every folder is writable
    hashed = []
    sha = datasets._sha256
    monkeypatch.setattr(datasets, "_sha256", lambda p: hashed.append(p) or sha(p))
    for _ in range(3):
        assert datasets.load("toy") == [("tiger", "cat", 7.35), ("book", "paper", 7.46)]
    assert hashed == [path]  # was one sha256 a use
    os.utime(path, ns=(2, 2))  # another fingerprint: checked again
    datasets.load("toy")
    assert hashed == [path, path] and server.requests == ["/pairs.txt"]


def test_a_download_placed_by_hand_must_be_the_registry_s_file(server, register):
    archive = make_zip({"set/data.txt": PAIRS})
    server.files["/a.zip"], server.files["/pairs.txt"] = archive, PAIRS
    for member, name in ((None, "pairs.txt"), ("set/data.txt", "a.zip")):
        d = register(name, kind="similarity", description="", urls=(server.url + "/" + name,),
                     filename=name, member=member, checksum=sha256(
                         archive if member else PAIRS))
        d.folder.mkdir(parents=True, exist_ok=True)
        placed = d.folder / name
        wrong = make_zip({"set/data.txt": PAIRS[:20]}) if member else PAIRS[:20] + b"\n"
        placed.write_bytes(wrong)  # "Download URL by hand into FOLDER": the wrong one
        with pytest.raises(DatasetError, match=rf"{name} is not the file {name} is "
                                               r"published as \(its sha256 is [0-9a-f]+, "):
            datasets.load(name)
        assert placed.read_bytes() == wrong  # said, not removed: the user put it there
        placed.unlink()
        assert datasets.load(name) == [("tiger", "cat", 7.35), ("book", "paper", 7.46)]
    assert server.requests == ["/pairs.txt", "/a.zip"]


def _rot(path: Path) -> None:
    """Flip a byte of ``path`` in place, keeping its size and time (a damaged disk)."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_an_archive_that_fails_is_removed_only_if_wordspace_downloaded_it(server, register,
                                                                         caplog):
    """A download the cache made is its own to remove and fetch again, damaged in place
    (a byte flipped, or cut short: another size and time) included; an archive put
    there by hand (the registry stating no checksum to refuse it by) is the user's: the
    error says so truly and leaves it. A damaged unpacked file is unpacked again from
    the download, without a download, and siblings sharing the archive are unpacked
    again."""
    # b.txt is stored big enough that the archive outlasts the first bytes kept on record
    body = b"".join(b"w%d\tv%d\t%d.5\n" % (i, i, i % 10) for i in range(2000))
    server.files["/a.zip"] = make_zip({"set/a.txt": PAIRS, "set/b.txt": body})
    a, b = (register(name, kind="similarity", description="", filename="a.zip",
                     urls=(server.url + "/a.zip",), member=f"set/{name}.txt",
                     shared_folder="ab") for name in "ab")
    assert len(datasets.load("a")) == 2 and len(datasets.load("b")) == 2000
    b.cache_path.write_bytes(body[:-5])  # damaged since: unpacked again, not downloaded
    with caplog.at_level(logging.WARNING):
        assert len(datasets.load("b")) == 2000
    assert "removed it to unpack afresh" in caplog.text
    assert len(datasets.load("a")) == 2 and server.requests == ["/a.zip"]
    archive = a.folder / "a.zip"
    # the cache's own download, damaged since: removed and downloaded again at once (it
    # said "has no record of being downloaded by wordspace" once cut short, and was kept)
    for damage in (_rot, lambda p: os.truncate(p, p.stat().st_size // 2)):
        damage(archive)
        for d in (a, b):
            d.cache_path.unlink()
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert len(datasets.load("a")) == 2
        assert "the cached download is damaged" in caplog.text
    assert server.requests == ["/a.zip"] * 3
    # one copied over it by hand (other first bytes): refused by name, and kept
    placed = make_zip({"set/other.txt": PAIRS})
    archive.write_bytes(placed)
    shutil.rmtree(a.folder / "unpacked")
    replaced = (r"does not contain set/a.txt; .*a.zip is not the file wordspace downloaded "
                r"there \(another was put in its place, or its first bytes changed\), so it "
                r"is kept: remove it to download")
    with pytest.raises(DatasetError, match=replaced):
        datasets.load("a")
    assert archive.read_bytes() == placed and server.requests == ["/a.zip"] * 3
    archive.unlink()
    assert len(datasets.load("a")) == 2 and server.requests == ["/a.zip"] * 4
    # the cache's download removed by the user, another put in its place: the user's
    archive.unlink()
    shutil.rmtree(a.folder / "unpacked")
    archive.write_bytes(placed)
    with pytest.raises(DatasetError, match=replaced):
        datasets.load("a")
    assert archive.read_bytes() == placed
    # with no record at all: said so
    (a.folder / "verified.json").unlink()
    with pytest.raises(DatasetError, match=r"a.zip has no record of being downloaded by "
                                           r"wordspace \(put there by hand, or by an older "
                                           r"wordspace\), so it is kept"):
        datasets.load("a")
    # a whole archive put there by hand (or by a wordspace before records) is used, and
    # from then on the cache's
    archive.write_bytes(make_zip({"set/a.txt": PAIRS, "set/b.txt": body}))
    assert len(datasets.load("b")) == 2000 and server.requests == ["/a.zip"] * 4
    _rot(archive)
    shutil.rmtree(a.folder / "unpacked")
    assert len(datasets.load("a")) == 2 and server.requests == ["/a.zip"] * 5


def test_a_damaged_download_is_fetched_again_but_a_wrong_file_placed_by_hand_kept(
        server, register, caplog):
    archive_bytes = make_zip({"set/a.txt": PAIRS})
    server.files["/a.zip"], server.files["/p.txt"] = archive_bytes, PAIRS
    d = register("a", kind="similarity", description="", filename="a.zip",
                 urls=(server.url + "/a.zip",), member="set/a.txt",
                 checksum=sha256(archive_bytes))
    assert len(datasets.load("a")) == 2
    _rot(d.folder / "a.zip")  # found by its checksum, once the unpacked file is damaged
    d.cache_path.write_bytes(PAIRS[:-3])
    with caplog.at_level(logging.WARNING, logger="wordspace.datasets"):
        assert len(datasets.load("a")) == 2  # in the same call
    assert "the cached download is damaged" in caplog.text
    assert server.requests == ["/a.zip"] * 2
    # a plain file with no checksum to refuse it by, put there by hand: said, and kept
    p = register("p", kind="similarity", description="", filename="p.txt",
                 urls=(server.url + "/p.txt",))
    p.folder.mkdir(parents=True)
    p.cache_path.write_bytes(b"mine\tnot\tpairs\tdata\n")
    with pytest.raises(DatasetError, match=r"p.txt has no record of being downloaded"):
        datasets.load("p")
    assert p.cache_path.read_bytes() == b"mine\tnot\tpairs\tdata\n"
    assert server.requests == ["/a.zip"] * 2


def test_processes_fetching_one_dataset_at_once_download_it_once(server, register,
                                                                  tmp_path):
    """The ranks of a distributed run on one machine, say: the first downloads, the
    others wait for it and use its copy. Another process's lock, here: a child holding
    it while this one fetches."""
    server.files["/pairs.txt"] = PAIRS
    server.delay["/pairs.txt"] = 0.5
    d = register("toy", kind="similarity", description="", filename="pairs.txt",
                 urls=(server.url + "/pairs.txt",))
    results = []

    def fetch():
        results.append(datasets.load("toy"))

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [[("tiger", "cat", 7.35), ("book", "paper", 7.46)]] * 3
    assert server.requests == ["/pairs.txt"]  # once, not three times
    assert leftovers(d) == ["pairs.txt", "verified.json"]  # the lock is beside the folder
    # a process holding the lock is waited for; one that died holds none
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f'''
        import fcntl, os, sys, time
        fd = os.open({str(d.folder.parent / ".toy.lock")!r}, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep(1.5)
        ''')], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    started = time.monotonic()
    assert len(datasets.load("toy")) == 2
    assert time.monotonic() - started > 0.5  # waited for it
    holder.wait(10)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f'''
        import fcntl, os, signal
        fd = os.open({str(d.folder.parent / ".toy.lock")!r}, os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.kill(os.getpid(), signal.SIGKILL)
        ''')])
    holder.wait(10)
    assert len(datasets.load("toy")) == 2 and server.requests == ["/pairs.txt"]


def test_too_few_items_is_refused(server, register):
    server.files["/pairs.txt"] = PAIRS
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt", min_items=100)
    with pytest.raises(DatasetError, match="holds 2 items; toy has at least 100"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []


def test_a_corpus_must_be_plausible_text(server, register):
    server.files["/c.txt"] = b"a b c " * 10
    server.files["/bin"] = bytes(range(256)) * 40
    d = register("toyc", kind="corpus", description="", urls=(server.url + "/c.txt",),
                 filename="c.txt", min_bytes=1000)
    with pytest.raises(DatasetError, match="holds 60 bytes; a corpus file of this dataset "
                                           "has at least 1,000"):
        datasets.path("toyc", progress=False)
    register("toyc", kind="corpus", description="", urls=(server.url + "/bin",),
             filename="c.txt")
    with pytest.raises(DatasetError, match="binary, not text"):
        datasets.path("toyc", progress=False)
    assert leftovers(d) == []


def test_a_bad_mirror_file_is_refused_by_name_and_kept(tmp_path, register, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "corpora").mkdir(parents=True)
    (mirror / "similarity").mkdir()
    text8 = mirror / "corpora" / "text8.txt"
    text8.write_bytes(b"anarchism originated as a term of abuse first used against early\n")
    pairs = mirror / "similarity" / "toy.txt"
    pairs.write_bytes(HTML)
    register("toyc", kind="corpus", description="", urls=("http://127.0.0.1:9/x",),
             filename="x", mirror=("corpora/text8.txt",), min_bytes=10_000)
    register("toy", kind="similarity", description="", urls=("http://127.0.0.1:9/y",),
             filename="y", mirror=("similarity/toy.txt",))
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    with pytest.raises(DatasetError, match=f"toyc: the mirror's file is not usable: {text8} "
                                           "holds 65 bytes.*unset WORDSPACE_DATA"):
        Corpus("toyc", min_count=1)
    with pytest.raises(DatasetError, match=f"{pairs} is an HTML or XML page"):
        datasets.load("toy")
    assert text8.exists() and pairs.read_bytes() == HTML  # the user's files are left alone


def test_a_partial_mirror_file_makes_the_dataset_unavailable_an_edited_one_is_warned_of(
        tmp_path, register, monkeypatch, caplog):
    """A truncated mirror file was scored with a warning (ws353 cut to 108 lines: "69
    pairs, 64% covered", exit 0): one short of the dataset's items is refused by name as
    unavailable (an evaluation skips it), and left alone; one of every item whose sha256
    is not the registry's is used, with a warning (another mirror's copy may differ in
    its bytes alone)."""
    (tmp_path / "similarity").mkdir()
    pairs = tmp_path / "similarity" / "toy.txt"
    pairs.write_bytes(PAIRS)
    register("toy", kind="similarity", description="the toy set", filename="y",
             urls=("http://127.0.0.1:9/y",), mirror=("similarity/toy.txt",), min_items=3)
    monkeypatch.setenv("WORDSPACE_DATA", str(tmp_path))
    with pytest.raises(datasets.DatasetUnavailable,
                       match=rf"toy: the mirror's file is only part of the dataset, so it "
                             rf"is not used: {pairs} holds 2 items; toy has at least 3. "
                             r"Replace it with a copy of the toy set, or unset WORDSPACE_"):
        datasets.load("toy")
    pinned = hashlib.sha256(PAIRS).hexdigest()
    register("toy", kind="similarity", description="the toy set", filename="y",
             urls=("http://127.0.0.1:9/y",), mirror=("similarity/toy.txt",),
             mirror_sha256=pinned)
    assert len(datasets.load("toy")) == 2
    pairs.write_bytes(PAIRS.replace(b"7.35", b"9.35"))  # as many pairs, one score edited
    with caplog.at_level("WARNING", logger="wordspace.datasets"):
        assert len(datasets.load("toy")) == 2
    assert re.search(rf"toy: the mirror's file {re.escape(str(pairs))} is not the copy "
                     rf"wordspace knows \(its sha256 is [0-9a-f]{{64}}, the registry's "
                     rf"{pinned}\): it holds every item and is used", caplog.text)
    assert pairs.exists()  # the user's: left alone


def test_the_shared_mirror_passes_the_checks(monkeypatch):
    """The registry's minimums accept the real mirror's files, stand-ins included."""
    mirror = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not mirror.is_dir():
        pytest.skip(f"no shared mirror at {mirror}")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    checked = [name for name in datasets.names()
               if (found := datasets.locate(name)) and found[1] == "mirror"
               and datasets.load(name, download=False) is not None]
    assert {"text8", "wikitext-2", "ws353", "simlex999", "google", "bless", "bbc"} <= set(checked)


def test_a_drip_feeding_server_meets_the_overall_deadline(server, register, monkeypatch):
    server.files["/pairs.txt"] = PAIRS * 10
    server.drip.add("/pairs.txt")
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt")
    monkeypatch.setenv("WORDSPACE_DOWNLOAD_DEADLINE", "0.8")
    started = time.monotonic()
    with pytest.raises(DatasetError, match=r"not finished within its deadline of 0\.8 s "
                                           r"\(\d bytes received\).*WORDSPACE_DOWNLOAD_DEADLINE"):
        datasets.path("toy", progress=False)
    assert time.monotonic() - started < 3
    assert leftovers(d) == []


def test_a_slow_download_that_keeps_the_minimum_rate_finishes(server, register, monkeypatch):
    body = b"a\tb\t1\n"  # 6 bytes, dripped over 1.2 s
    server.files["/pairs.txt"] = body
    server.drip.add("/pairs.txt")
    register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
             filename="pairs.txt")
    monkeypatch.delenv("WORDSPACE_DOWNLOAD_DEADLINE", raising=False)
    monkeypatch.setattr(datasets, "DEADLINE_GRACE", 0.3)
    monkeypatch.setattr(datasets, "MIN_DOWNLOAD_RATE", 4)  # so 0.3 + 6 / 4 = 1.8 s
    assert datasets.path("toy", progress=False).read_bytes() == body


def test_the_default_deadline_scales_with_the_size(monkeypatch):
    monkeypatch.delenv("WORDSPACE_DOWNLOAD_DEADLINE", raising=False)
    small, big = datasets.download_deadline(10_000), datasets.download_deadline(200_000_000)
    assert small >= 60 and big >= 200_000_000 / datasets.MIN_DOWNLOAD_RATE > small
    monkeypatch.setenv("WORDSPACE_DOWNLOAD_DEADLINE", "soon")
    with pytest.raises(DatasetError, match="WORDSPACE_DOWNLOAD_DEADLINE='soon': expected a "
                                           "positive number"):
        datasets.download_deadline(1)


@pytest.mark.parametrize("announced,size,reason", [
    (10**12, None, "announces 1,000,000,000,000 bytes, more than the limit of 1,048,576; "
                   "refused before downloading.*MAX_DOWNLOAD_BYTES"),
    (len(PAIRS) + 1, len(PAIRS), f"announces {len(PAIRS) + 1} bytes where the registry "
                                 f"expects {len(PAIRS)}; refused before downloading"),
])
def test_a_length_announced_beyond_the_limit_is_refused_at_once(server, register, monkeypatch,
                                                                announced, size, reason):
    monkeypatch.setattr(datasets, "MAX_DOWNLOAD_BYTES", 1 << 20)
    server.files["/pairs.txt"] = PAIRS * 1000
    server.flood.add("/pairs.txt")  # as much as it announces, and more
    server.announce["/pairs.txt"] = announced
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt", size=size)
    started = time.monotonic()
    with pytest.raises(DatasetError, match=reason):
        datasets.path("toy", progress=False, deadline=5)
    assert time.monotonic() - started < 2
    assert leftovers(d) == []


@pytest.mark.parametrize("size", [None, 100_000])
def test_a_flood_stops_at_the_limit(server, register, monkeypatch, size):
    monkeypatch.setattr(datasets, "MAX_DOWNLOAD_BYTES", 1 << 20)
    server.files["/pairs.txt"] = PAIRS * 1000  # 31 kB, sent again and again
    server.flood.add("/pairs.txt")
    server.announce["/pairs.txt"] = None  # no Content-Length: the connection's end ends it
    d = register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
                 filename="pairs.txt", size=size)
    written = []

    class Bar:  # counts what was written, as the progress bar is told
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            written.append(n)

    monkeypatch.setattr(datasets, "progress_bar", lambda *a, **k: Bar())
    limit = size or 1 << 20
    with pytest.raises(DatasetError, match=f"sent more than {limit:,} bytes.*stopped and "
                                           "discarded"):
        datasets.path("toy", progress=False, deadline=5)
    assert limit - (1 << 16) <= sum(written) <= limit
    assert leftovers(d) == []


@pytest.mark.parametrize("members", ["bytes", "count"])
def test_an_archive_bomb_is_refused_and_removed(server, register, monkeypatch, members):
    monkeypatch.setattr(datasets, "MAX_UNPACKED_BYTES", 1 << 20)
    monkeypatch.setattr(datasets, "MAX_MEMBERS", 50)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("set/data.txt", PAIRS)
        if members == "bytes":
            z.writestr("set/zeros", bytes(8 << 20))  # 8 MB from an 8 kB archive
        else:
            for i in range(100):
                z.writestr(f"set/{i}", b"")
    server.files["/bomb.zip"] = buf.getvalue()
    assert len(buf.getvalue()) < 20_000
    d = register("toy", kind="similarity", description="", urls=(server.url + "/bomb.zip",),
                 filename="bomb.zip", member="set/data.txt")
    expected = "says it unpacks to 8,388,6" if members == "bytes" else "has 101 members"
    with pytest.raises(DatasetError, match=f"toy: .*bomb.zip {expected}.*archive bomb"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []


def longname_bomb(path: Path, size: int) -> None:
    """A GNU long-name header whose name is ``size`` bytes of "a": small once gzipped."""
    header = tarfile.TarInfo("././@LongLink")
    header.type, header.size = tarfile.GNUTYPE_LONGNAME, size
    with gzip.open(path, "wb") as g:
        g.write(header.tobuf(format=tarfile.GNU_FORMAT))
        for _ in range(size >> 20):
            g.write(b"a" * (1 << 20))
        g.write(tarfile.TarInfo("x").tobuf(format=tarfile.GNU_FORMAT) + bytes(1024))


def many_members(path: Path, count: int) -> None:
    with gzip.open(path, "wb") as g:
        for i in range(count):
            g.write(tarfile.TarInfo(f"d/{i:07d}").tobuf(format=tarfile.USTAR_FORMAT))
        g.write(bytes(1024))


@pytest.mark.parametrize("bomb", ["longname", "count"])
def test_a_tar_bomb_is_refused_from_its_headers_in_bounded_memory(tmp_path, monkeypatch,
                                                                   bomb):
    archive = tmp_path / "bomb.tar.gz"
    if bomb == "longname":
        longname_bomb(archive, 10 << 20)
        expected = "a tar extension header .* of 10,485,760 bytes, beyond 65,536"
    else:
        monkeypatch.setattr(datasets, "MAX_MEMBERS", 50)
        many_members(archive, 20_000)  # tarfile's getmembers() alone holds ~20 MB
        expected = "has more than 50 members.*archive bomb"
    assert archive.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match=f"bomb.tar.gz:? {expected}"):
            datasets.unpack(archive, tmp_path / "unpacked")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20  # tarfile alone: 28 MB and 8 MB
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.tar.gz"]


@pytest.mark.parametrize("form", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_and_pax_records_unpack(tmp_path, form):
    name = "set/" + "long-" * 40 + "/data.txt"  # past ustar's 100 (and 155) characters
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz", format=form) as t:
        info = tarfile.TarInfo(name)
        info.size, info.pax_headers = len(PAIRS), {"comment": "x" * 1000}
        t.addfile(info, io.BytesIO(PAIRS))
    datasets.unpack(archive, tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / name).read_bytes() == PAIRS


def test_unpacking_stops_at_the_limit_whatever_the_headers_say(tmp_path):
    class Lying:  # as a member whose header understates its size would read
        def __init__(self):
            self.left = 10 << 20

        def read(self, n):
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    budget = datasets._Budget(tmp_path / "a.zip", 1 << 20, 10)
    budget.headers(1, 100)
    with pytest.raises(DatasetError, match="unpacks to more than it says"):
        budget.copy(Lying(), tmp_path / "out" / "member")
    assert (tmp_path / "out" / "member").stat().st_size <= 1 << 20


def tar_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo("set/data.txt")
        info.size = len(PAIRS)
        t.addfile(info, io.BytesIO(PAIRS))
        t.addfile(member, io.BytesIO(data) if data else None)
    return buf.getvalue()


def absolute_symlink():
    link = tarfile.TarInfo("set/passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return tar_with(link)


def absolute_path():
    info = tarfile.TarInfo("/tmp/wordspace-escaped.txt")
    info.size = 1
    return tar_with(info, b"x")


def escaping_hardlink():
    link = tarfile.TarInfo("set/shadow")
    link.type, link.linkname = tarfile.LNKTYPE, "../../outside"
    return tar_with(link)


def corrupt_zip():
    archive = bytearray(make_zip({"set/data.txt": PAIRS * 50}))
    archive[60:70] = b"X" * 10  # inside the member's stored data: a bad CRC
    return bytes(archive)


def truncated_tgz():
    return make_tgz({"set/data.txt": PAIRS * 2000, "set/more": bytes(range(256)) * 200})[:-200]


@pytest.mark.parametrize("make,suffix,reason", [
    (absolute_symlink, ".tgz", "member 'set/passwd' is a link"),
    (absolute_path, ".tgz", "would unpack outside"),
    (escaping_hardlink, ".tgz", "member 'set/shadow' is a link"),
    (corrupt_zip, ".zip", "BadZipFile: Bad CRC-32"),
    (truncated_tgz, ".tgz", "damaged or unsafe"),
])
def test_a_bad_archive_is_refused_removed_and_refetched(server, register, make, suffix,
                                                        reason):
    archive = make()
    server.files["/a" + suffix] = archive
    d = register("toy", kind="similarity", description="", urls=(server.url + "/a" + suffix,),
                 filename="a" + suffix, member="set/data.txt", checksum=sha256(archive))
    with pytest.raises(DatasetError, match=f"toy: .*a{suffix}.*({reason}).*removed the "
                                           "download.*run again"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []
    good = make_zip({"set/data.txt": PAIRS}) if suffix == ".zip" else make_tgz(
        {"set/data.txt": PAIRS})
    server.files["/a" + suffix] = good
    register("toy", kind="similarity", description="", urls=(server.url + "/a" + suffix,),
             filename="a" + suffix, member="set/data.txt", checksum=sha256(good))
    assert datasets.load("toy")[0] == ("tiger", "cat", 7.35)


def link_chain_tar(path: Path) -> None:
    """CVE-2025-4517's trick: links through 247-character folders make realpath give up
    (the path grows past PATH_MAX), so "escape" looks inside while the kernel takes it two
    folders up; "escape/PWNED.txt" is then written there."""
    folder, steps = "d" * 247, "abcdefghijklmnop"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
        here = ""
        for step in steps:
            d = tarfile.TarInfo(os.path.join(here, folder))
            d.type = tarfile.DIRTYPE
            t.addfile(d)
            link = tarfile.TarInfo(os.path.join(here, step))
            link.type, link.linkname = tarfile.SYMTYPE, folder
            t.addfile(link)
            here = os.path.join(here, folder)
        deep = os.path.join(*steps, "l" * 254)
        link = tarfile.TarInfo(deep)
        link.type, link.linkname = tarfile.SYMTYPE, "../" * len(steps)
        t.addfile(link)
        escape = tarfile.TarInfo("escape")
        escape.type, escape.linkname = tarfile.SYMTYPE, deep + "/../.."
        t.addfile(escape)
        body = tarfile.TarInfo("escape/PWNED.txt")
        body.size = 3
        t.addfile(body, io.BytesIO(b"pwn"))


def test_links_are_never_unpacked_so_realpath_cannot_be_fooled(tmp_path):
    base = tmp_path / "a" / "b"
    base.mkdir(parents=True)
    link_chain_tar(base / "evil.tar")
    with pytest.raises(DatasetError, match=r"evil\.tar: member '\w' is a link; only regular "
                                           "files and folders are unpacked"):
        datasets.unpack(base / "evil.tar", base / "unpacked")
    assert not list(tmp_path.rglob("PWNED.txt"))
    assert sorted(p.name for p in base.iterdir()) == ["evil.tar"]


def symlink_inside_tgz():  # harmless in itself, but no dataset needs one
    link = tarfile.TarInfo("set/alias.txt")
    link.type, link.linkname = tarfile.SYMTYPE, "data.txt"
    return tar_with(link)


def symlink_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("set/data.txt", PAIRS)
        info = zipfile.ZipInfo("set/alias.txt")
        info.external_attr = (0o120777) << 16  # S_IFLNK: a symbolic link to its content
        z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def long_component_tgz():
    info = tarfile.TarInfo("set/" + "x" * 300)
    info.size = 1
    return tar_with(info, b"x")


@pytest.mark.parametrize("make,suffix,reason", [
    (symlink_inside_tgz, ".tgz", "member 'set/alias.txt' is a link; only regular files"),
    (symlink_zip, ".zip", "member 'set/alias.txt' is a link; only regular files"),
    (long_component_tgz, ".tgz", "member 'set/x+\\.\\.\\.' has a name of 304 bytes, "
                                 "beyond 1,024 \\(or a part beyond 255\\)"),
])
def test_links_and_unmakeable_names_are_refused_by_member(server, register, make, suffix,
                                                          reason):
    archive = make()
    server.files["/a" + suffix] = archive
    d = register("toy", kind="similarity", description="", urls=(server.url + "/a" + suffix,),
                 filename="a" + suffix, member="set/data.txt")
    with pytest.raises(DatasetError, match=f"toy: .*a{suffix}: {reason}.*removed the download"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []


def test_an_os_error_after_unpacking_discards_the_archive(server, register, monkeypatch):
    archive = make_tgz({"set/data.txt": PAIRS})
    server.files["/a.tgz"] = archive
    d = register("toy", kind="similarity", description="", urls=(server.url + "/a.tgz",),
                 filename="a.tgz", member="set/data.txt")

    def too_long(root):
        raise OSError(36, "File name too long")

    from wordspace import _io

    monkeypatch.setattr(_io, "fsync_tree", too_long)  # what unpacking publishes through
    with pytest.raises(DatasetError, match="toy: .*a.tgz cannot be unpacked: .*File name too "
                                           "long.*removed the download"):
        datasets.path("toy", progress=False)
    assert leftovers(d) == []


def test_killed_runs_leftovers_are_cleaned_but_a_live_ones_kept(server, register):
    server.files["/a.zip"] = make_zip({"set/data.txt": PAIRS})
    d = register("toy", kind="similarity", description="", urls=(server.url + "/a.zip",),
                 filename="a.zip", member="set/data.txt")
    folder = d.folder
    folder.mkdir(parents=True)
    dead_file = folder / ".a.zip.0badf00d.tmp"
    dead_file.write_bytes(b"half a download")
    dead_dir = folder / ".unpacked.deadbeef.tmp"
    (dead_dir / "set").mkdir(parents=True)
    (dead_dir / "set" / "data.txt").write_bytes(PAIRS)
    fd, live = _io.temporary_file(folder, "a.zip")  # another process's, still downloading
    try:
        long_ago = time.time() - 3600
        for p in (dead_file, dead_dir, live):
            os.utime(p, (long_ago, long_ago))
        assert datasets.load("toy")[0] == ("tiger", "cat", 7.35)
        assert not dead_file.exists() and not dead_dir.exists() and live.exists()
    finally:
        os.close(fd)
    assert sorted(leftovers(d)) == sorted([live.name, "a.zip", "unpacked", "verified.json"])


def test_parsers_refuse_what_is_not_their_format(tmp_path):
    docs = tmp_path / "bbc.jsonl.tmp"  # gzip told by content, whatever the name
    with gzip.open(docs, "wt") as f:
        f.write('{"id": 1, "label": "sport", "text": "Goal."}\n')
    assert datasets.read_documents(docs) == [{"id": 1, "label": "sport", "text": "Goal."}]
    with gzip.open(docs, "at") as f:
        f.write("<html>\n")
    with pytest.raises(DatasetError, match=r"bbc\.jsonl\.tmp:2: not a JSON object"):
        datasets.read_documents(docs)
    docs.write_text('{"id": 1}\n')
    with pytest.raises(DatasetError, match=r":1: expected a JSON object with an 'id' and a "
                                           "'text' string"):
        datasets.read_documents(docs)
    binary = tmp_path / "questions.txt"
    binary.write_bytes(b": capital\n\xff\xfe athens greece\n")
    google = datasets.info("google")
    with pytest.raises(DatasetError, match=f"{binary} is not UTF-8 text"):
        datasets._validate(google, binary)


def test_a_mirror_that_is_no_directory_is_warned_about(server, register, monkeypatch,
                                                       tmp_path, caplog):
    server.files["/pairs.txt"] = PAIRS
    register("toy", kind="similarity", description="", urls=(server.url + "/pairs.txt",),
             filename="pairs.txt", mirror=("similarity/toy.txt",))
    monkeypatch.setenv("WORDSPACE_DATA", str(tmp_path / "shared" / "dat"))  # a typo
    with caplog.at_level("WARNING", logger="wordspace.datasets"):
        assert datasets.load("toy")[0] == ("tiger", "cat", 7.35)  # downloaded, and said why
    assert f"WORDSPACE_DATA is {tmp_path / 'shared' / 'dat'}, which is not a directory" \
        in caplog.text


def test_data_list_says_which_mirror_file_is_a_stand_in(tmp_path, monkeypatch, capsys,
                                                        toy_datasets):
    """The mirror's wikitext-2 is its validation split: the list says so (it showed
    "2 M words ... mirror", and the stand-in was announced only once used)."""
    from wordspace.cli import main

    toy_datasets("wikitext-2", "ws353")

    mirror = tmp_path / "mirror"
    (mirror / "corpora").mkdir(parents=True)
    (mirror / "corpora" / "wiki.valid.tokens").write_text(" = Title = \n" + "a b c d\n" * 300_000)
    (mirror / "similarity").mkdir()
    (mirror / "similarity" / "ws353.txt").write_text("tiger\tcat\t7.35\n")
    monkeypatch.setenv("WORDSPACE_DATA", str(mirror))
    assert main(["data", "list"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["wikitext-2"].endswith("(the mirror holds a stand-in: "
                                       f"{datasets.info('wikitext-2').stand_in})")
    assert rows["ws353"].split()[2] == "mirror" and "stand-in" not in rows["ws353"]
