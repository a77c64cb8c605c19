"""Datasets: the real download path against a local HTTP server, the mirror, parsers."""

from __future__ import annotations

import hashlib
import http.server
import io
import logging
import tarfile
import threading
import zipfile

import pytest

from wordspace import Corpus, datasets
from wordspace.datasets import Dataset, DatasetError

PAIRS = b"tiger\tcat\t7.35\nbook\tpaper\t7.46\n"


class Server:
    """A loopback HTTP server whose responses the test controls, counting requests."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in server.truncate:  # promise everything, send half, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.close()
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
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
    folder = dataset.cache_path.parent
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


def test_offline_without_mirror_says_what_to_set(register):
    register("toy", kind="similarity", description="", urls=("http://127.0.0.1:9/none",),
             filename="pairs.txt", mirror=("similarity/toy.txt",))
    with pytest.raises(DatasetError, match="set WORDSPACE_DATA to a directory holding "
                                           r"similarity/toy\.txt"):
        datasets.path("toy", progress=False)
    with pytest.raises(KeyError, match="no dataset named 'nope'; known: text8"):
        datasets.info("nope")


def test_every_registry_entry_is_complete():
    archives = {}
    for d in datasets.REGISTRY.values():  # one archive, one cache folder
        archives.setdefault((d.urls, d.filename), set()).add(d.folder)
    assert all(len(folders) == 1 for folders in archives.values()), archives
    for name, d in datasets.REGISTRY.items():
        assert d.name == name and d.kind in datasets.KINDS and d.description
        assert d.urls and all(u.startswith(("http://", "https://")) for u in d.urls)
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
    for rows in (datasets.read_entailment(suite), datasets.read_entailment(raw)):
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
