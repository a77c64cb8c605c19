"""Named datasets: corpora and benchmarks, fetched once into a cache (or taken from a mirror).

``path("ws353")`` returns a local file, in this order:

1. the offline mirror named by ``$WORDSPACE_DATA`` (a directory laid out like
   ``shared/data``: ``corpora/``, ``similarity/``, ``analogy/``, ``entailment/``,
   ``docs/``), where a stand-in for the canonical file is announced as such;
2. the cache, ``$WORDSPACE_HOME/datasets/NAME/`` (default ``~/.cache/wordspace``);
3. a download from the dataset's canonical address, with a progress bar, a size and
   checksum check, and an atomic move into place: an interrupted or corrupted download
   never leaves a file that looks valid, and the next call starts cleanly. Archives are
   unpacked.

Checksums (``"sha256:..."`` or ``"sha1:..."``) are recorded only where a public source
states them: text8's and WikiText's sha256 as several independent projects (TensorFlow
examples, Julia's WikiText DataDeps) pin them, the others' SHA-1 as GluonNLP pins them.
For the rest the file's own sha256 is logged on download, so it can be pinned later.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import logging
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from wordspace._io import cache_home, temporary_directory, temporary_file
from wordspace.progress import progress_bar

logger = logging.getLogger(__name__)

KINDS = ("corpus", "similarity", "analogy", "entailment", "documents")


class DatasetError(RuntimeError):
    """A dataset could not be found, downloaded or verified."""


@dataclass(frozen=True)
class Dataset:
    """One registry entry.

    ``member`` is the data file inside the unpacked archive (``None``: the downloaded
    file itself). ``mirror`` lists candidate paths relative to ``$WORDSPACE_DATA``;
    ``stand_in`` says how the mirror's file differs from the canonical one. Datasets
    that are members of one archive name the same ``shared_folder``, so the archive is
    downloaded and unpacked once for all of them.
    """

    name: str
    kind: str
    description: str
    urls: tuple[str, ...]
    filename: str
    member: str | None = None
    checksum: str | None = None  # "sha256:<hex>" or "sha1:<hex>"
    size: int | None = None
    mirror: tuple[str, ...] = ()
    stand_in: str | None = None
    shared_folder: str | None = None

    @property
    def folder(self) -> Path:
        """The cache folder the download (and what it unpacks to) goes in."""
        return cache_home() / "datasets" / (self.shared_folder or self.name)

    @property
    def cache_path(self) -> Path:
        """Where the data file lives once downloaded (and unpacked)."""
        root = self.folder
        return root / "unpacked" / self.member if self.member else root / self.filename


def _d(name, kind, description, urls, filename, **kw) -> Dataset:
    return Dataset(name, kind, description, tuple([urls] if isinstance(urls, str) else urls),
                   filename, **kw)


# hypernymysuite's download_data.sh takes BLESS and LEDS from Levy's archive and WBLESS
# and BIBLESS from HyperVec at a pinned commit.
_LEVY_ZIP = "http://u.cs.biu.ac.il/~nlp/wp-content/uploads/lexical_inference.zip"
_HYPERVEC = ("https://raw.githubusercontent.com/nguyenkh/HyperVec/"
             "bd2cb15a6be2a4726ffbf9c0d7e742144790dee3/datasets_classification")

REGISTRY: dict[str, Dataset] = {d.name: d for d in [
    # -- corpora -------------------------------------------------------------------------
    _d("text8", "corpus", "Mahoney's text8: 100 MB of cleaned English Wikipedia (2006), "
       "one line, 17 M words", "http://mattmahoney.net/dc/text8.zip", "text8.zip",
       member="text8", size=31_344_016,
       checksum="sha256:a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
       mirror=("corpora/enwiki2015-text8.gz",),
       stand_in="English Wikipedia 2015 cleaned into text8 format (same size and shape, "
                "a later dump)"),
    _d("wikitext-2", "corpus", "WikiText-2 (Merity et al. 2016), tokenised, 2 M words",
       ("https://wikitext.smerity.com/wikitext-2-v1.zip",
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"),
       "wikitext-2-v1.zip", member="wikitext-2/wiki.train.tokens",
       checksum="sha256:92675f1d63015c1c8b51f1656a52d5bdbc33aafa60cc47a218a66e7ee817488c",
       mirror=("corpora/wiki.valid.tokens",),
       stand_in="the WikiText-2 validation split only (214 k words), not the training split"),
    _d("wikitext-103", "corpus", "WikiText-103 (Merity et al. 2016), tokenised, 103 M words",
       ("https://wikitext.smerity.com/wikitext-103-v1.zip",
        "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-v1.zip"),
       "wikitext-103-v1.zip", member="wikitext-103/wiki.train.tokens",
       checksum="sha256:242ba0f20b329cfdf1ccc61e9e9e5b59becf189db7f7a81cd2a0e2fc31539590"),
    # -- word similarity -----------------------------------------------------------------
    _d("ws353", "similarity", "WordSim-353 (Finkelstein et al. 2002), 353 pairs, "
       "relatedness and similarity",
       ("https://gabrilovich.com/resources/data/wordsim353/wordsim353.zip",
        "http://www.cs.technion.ac.il/~gabr/resources/data/wordsim353/wordsim353.zip"),
       "wordsim353.zip", member="combined.tab", mirror=("similarity/ws353.txt",)),
    _d("ws353-sim", "similarity", "WordSim-353 similarity subset (Agirre et al. 2009), "
       "203 pairs", "http://alfonseca.org/pubs/ws353simrel.tar.gz", "ws353simrel.tar.gz",
       member="wordsim353_sim_rel/wordsim_similarity_goldstandard.txt",
       checksum="sha1:1b9ca7f4d61682dea0004acbd48ce74275d5bfff", shared_folder="ws353simrel",
       mirror=("similarity/ws353-sim.txt",)),
    _d("ws353-rel", "similarity", "WordSim-353 relatedness subset (Agirre et al. 2009), "
       "252 pairs", "http://alfonseca.org/pubs/ws353simrel.tar.gz", "ws353simrel.tar.gz",
       member="wordsim353_sim_rel/wordsim_relatedness_goldstandard.txt",
       checksum="sha1:1b9ca7f4d61682dea0004acbd48ce74275d5bfff", shared_folder="ws353simrel",
       mirror=("similarity/ws353-rel.txt",)),
    _d("simlex999", "similarity", "SimLex-999 (Hill et al. 2015), 999 pairs, strict "
       "similarity", ("https://www.cl.cam.ac.uk/~fh295/SimLex-999.zip",
                      "https://fh295.github.io/SimLex-999.zip"), "SimLex-999.zip",
       member="SimLex-999/SimLex-999.txt",
       checksum="sha1:0d3afe35b89d60acf11c28324ac7be10253fda39",
       mirror=("similarity/simlex999.txt",)),
    _d("men", "similarity", "MEN (Bruni et al. 2014), 3,000 pairs, relatedness",
       ("https://staff.fnwi.uva.nl/e.bruni/resources/MEN.tar.gz",
        "http://clic.cimec.unitn.it/~elia.bruni/resources/MEN.tar.gz"), "MEN.tar.gz",
       member="MEN/MEN_dataset_natural_form_full",
       checksum="sha1:3c4af1b7009c1ad75e03562f7f7bc5f51ff3a31a", mirror=("similarity/men.txt",)),
    _d("rw", "similarity", "Stanford Rare Words (Luong et al. 2013), 2,034 pairs",
       ("https://nlp.stanford.edu/~lmthang/morphoNLM/rw.zip",
        "http://www-nlp.stanford.edu/~lmthang/morphoNLM/rw.zip"), "rw.zip", member="rw/rw.txt",
       checksum="sha1:bf9c5959a0a2d7ed8e51d91433ac5ebf366d4fb9", mirror=("similarity/rw.txt",)),
    # -- analogies -----------------------------------------------------------------------
    _d("google", "analogy", "Google analogies (Mikolov et al. 2013), 19,544 questions in "
       "14 sections",
       ("http://download.tensorflow.org/data/questions-words.txt",
        "https://raw.githubusercontent.com/tmikolov/word2vec/master/questions-words.txt"),
       "questions-words.txt", checksum="sha1:fa92df4bbe788f2d51827c762c63bd8e470edf31",
       mirror=("analogy/questions-words.txt",)),
    _d("msr", "analogy", "MSR syntactic analogies (Mikolov et al. 2013, NAACL), 8,000 "
       "questions in 16 sections",
       "http://research.microsoft.com/en-us/um/people/gzweig/Pubs/myz_naacl13_test_set.tgz",
       "myz_naacl13_test_set.tgz", member="test_set", mirror=("analogy/msr.txt",)),
    # -- lexical entailment: the sources hypernymysuite (Roller et al. 2018) builds from -----
    _d("bless", "entailment", "BLESS hypernymy (Baroni & Lenci 2011), 14,542 pairs",
       _LEVY_ZIP, "lexical_inference.zip", member="lexical_entailment/bless2011",
       shared_folder="lexical_inference", mirror=("entailment/bless.tsv",)),
    _d("wbless", "entailment", "WBLESS (Weeds et al. 2014), 1,668 pairs, hypernym or not",
       f"{_HYPERVEC}/AWBLESS.txt", "AWBLESS.txt", mirror=("entailment/wbless.tsv",)),
    _d("bibless", "entailment", "BIBLESS (Kiela et al. 2015), 1,668 pairs, with direction",
       f"{_HYPERVEC}/ABIBLESS.txt", "ABIBLESS.txt", mirror=("entailment/bibless.tsv",)),
    _d("baroni2012", "entailment", "LEDS (Baroni et al. 2012), 2,770 pairs, entails or not",
       _LEVY_ZIP, "lexical_inference.zip", member="lexical_entailment/baroni2012",
       shared_folder="lexical_inference",
       mirror=("entailment/leds.tsv", "entailment/baroni2012.tsv")),
    # -- documents -----------------------------------------------------------------------
    _d("bbc", "documents", "BBC News (Greene & Cunningham 2006), 2,225 articles in 5 topics",
       "http://mlg.ucd.ie/files/datasets/bbc-fulltext.zip", "bbc-fulltext.zip", member="bbc",
       mirror=("docs/bbc.jsonl.gz",),
       stand_in="the same articles as JSON lines ({id, label, text})"),
]}


def names(kind: str | None = None) -> list[str]:
    """Registered dataset names, optionally of one kind."""
    return [n for n, d in REGISTRY.items() if kind is None or d.kind == kind]


def info(name: str) -> Dataset:
    """The registry entry; ``KeyError`` listing the known names if there is none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no dataset named {name!r}; known: {', '.join(REGISTRY)}") from None


def mirror_root() -> Path | None:
    """The offline mirror directory (``$WORDSPACE_DATA``), if set."""
    value = os.environ.get("WORDSPACE_DATA")
    return Path(value).expanduser() if value else None


def locate(name: str) -> tuple[Path, str] | None:
    """Where the dataset is already on this machine: ``(path, "mirror" | "cache")``."""
    dataset = info(name)
    root = mirror_root()
    if root is not None:
        for rel in dataset.mirror:
            if (root / rel).exists():
                return root / rel, "mirror"
    if dataset.cache_path.exists():
        return dataset.cache_path, "cache"
    return None


def path(name: str, download: bool = True, progress: bool = True) -> Path:
    """Local path of a dataset's data file (or folder), downloading it if needed."""
    dataset = info(name)
    found = locate(name)
    if found is not None:
        where, source = found
        if source == "mirror" and dataset.stand_in:
            logger.warning("%s: using the mirror's stand-in %s: %s", name, where,
                           dataset.stand_in)
        return where
    if not download:
        raise DatasetError(f"{name} is not downloaded yet: run 'wordspace data get {name}'")
    return fetch(name, progress=progress)


def fetch(name: str, progress: bool = True) -> Path:
    """Download (and unpack) a dataset into the cache; return its data path."""
    dataset = info(name)
    if dataset.cache_path.exists():
        return dataset.cache_path
    folder = dataset.folder
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / dataset.filename
    if not archive.exists():
        errors = []
        for url in dataset.urls:
            try:
                download(url, archive, checksum=dataset.checksum, size=dataset.size,
                         progress=progress)
                break
            except DatasetError as e:
                errors.append(str(e))
        else:
            mirror = mirror_root()
            hint = (f"; or put it in the mirror as {mirror / dataset.mirror[0]}"
                    if mirror and dataset.mirror else
                    "; or set WORDSPACE_DATA to a directory holding "
                    f"{dataset.mirror[0] if dataset.mirror else dataset.filename}")
            raise DatasetError(
                f"cannot download {name}: " + "; ".join(errors) +
                f". Download {dataset.urls[0]} by hand into {folder}{hint}.")
    if dataset.member:
        try:
            unpack(archive, folder / "unpacked")
            if not dataset.cache_path.exists():
                raise DatasetError(f"{archive} does not contain {dataset.member}")
        except DatasetError as e:
            # without a checksum a wrong file (an HTML error page, say) can get this far:
            # remove it, so the next call downloads again instead of failing forever
            archive.unlink(missing_ok=True)
            shutil.rmtree(folder / "unpacked", ignore_errors=True)
            raise DatasetError(f"{e}; removed it, run again to download afresh") from None
    return dataset.cache_path


def download(url: str, dest: Path, checksum: str | None = None, size: int | None = None,
             progress: bool = True, timeout: float = 60) -> Path:
    """Fetch ``url`` to ``dest`` atomically, checking its length and ``checksum``
    (``"sha256:<hex>"`` or ``"sha1:<hex>"``; without one, its sha256 is logged).

    The bytes go to a temporary file beside ``dest``, renamed only after every check
    passed; on any failure the temporary file is removed, so a retry starts clean.
    """
    dest = Path(dest)
    algorithm, _, expected_hex = (checksum or "sha256:").partition(":")
    digest = hashlib.new(algorithm)  # before any file exists: a bad name leaves nothing
    received = 0
    fd, tmp = temporary_file(dest.parent, dest.name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    announced = int(response.headers.get("Content-Length") or 0)
                    expected = announced or size
                    with progress_bar(expected, "B", f"downloading {dest.name}",
                                      enable=progress) as bar:
                        while chunk := response.read(1 << 16):
                            out.write(chunk)
                            digest.update(chunk)
                            received += len(chunk)
                            bar.update(len(chunk))
            except http.client.IncompleteRead as e:
                raise DatasetError(f"{url}: the transfer was cut short after "
                                   f"{received + len(e.partial):,} bytes") from None
            except (urllib.error.URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", e)
                raise DatasetError(f"{url}: {reason}") from None
        if expected and received != expected:
            raise DatasetError(f"{url}: the transfer was cut short: got {received:,} of "
                               f"{expected:,} bytes")
        if size and received != size:
            raise DatasetError(f"{url}: got {received:,} bytes where the registry expects "
                               f"{size:,}; the file was discarded")
        actual = digest.hexdigest()
        if expected_hex and actual != expected_hex.lower():
            raise DatasetError(f"{url}: checksum mismatch: expected {algorithm} {expected_hex}, "
                               f"got {actual}; the file was discarded")
        if not expected_hex:
            logger.warning("%s: no published checksum to compare; its sha256 is %s",
                           dest.name, actual)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def unpack(archive: Path, dest: Path) -> Path:
    """Unpack a zip or tar archive into ``dest`` atomically (refusing paths that escape)."""
    if dest.exists():
        return dest
    tmp, claim = temporary_directory(dest.parent, dest.name)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                for member in z.namelist():
                    _check_inside(tmp, member, archive)
                z.extractall(tmp)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                for member in t.getmembers():
                    _check_inside(tmp, member.name, archive)
                try:
                    t.extractall(tmp, filter="data")
                except TypeError:  # Python < 3.11.4: members were checked above
                    t.extractall(tmp)
        else:
            raise DatasetError(f"{archive} is neither a zip nor a tar archive")
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(claim)
    return dest


def _check_inside(root: Path, member: str, archive: Path) -> None:
    if not (root / member).resolve().is_relative_to(root.resolve()):
        raise DatasetError(f"{archive}: member {member!r} would unpack outside {root}")


# ---------------------------------------------------------------------------------------
# Parsers: each kind's files, whether canonical or from the mirror, read to one shape.
def read_pairs(file: str | Path) -> list[tuple[str, str, float]]:
    """Word pairs with a score: two words, then the first numeric column (tab, comma or
    space separated; header and ``#`` lines skipped). Reads WS353, SimLex-999 (whose
    third column is a POS tag), MEN, RW and the mirror's ``word1 word2 score`` files."""
    pairs = []
    with open(file, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.replace(",", "\t").split("\t") if "\t" in line or "," in line \
                else line.split()
            fields = [x.strip() for x in fields if x.strip()]
            if len(fields) < 3:
                continue
            for value in fields[2:]:
                try:
                    pairs.append((fields[0], fields[1], float(value)))
                    break
                except ValueError:
                    continue
    if not pairs:
        raise DatasetError(f"{file}: no 'word1 word2 score' lines found")
    return pairs


def read_analogies(file: str | Path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Analogy questions as ``[(section, [(a, b, c, d), ...]), ...]``: the Google format
    (``: section`` headers, then ``a b c d``; lines before any header form a section
    named after the file), or the MSR test set's folder (``word_relationship.questions``
    with ``a b c`` lines, ``word_relationship.answers`` with ``TAG d`` lines)."""
    file = Path(file)
    if file.is_dir():
        return _read_msr(file)
    sections: list[tuple[str, list]] = []
    with open(file, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if parts[0].startswith(":"):
                sections.append((line.strip()[1:].strip(), []))
                continue
            if len(parts) != 4:
                raise DatasetError(f"{file}:{lineno}: expected ': section' or 'a b c d', "
                                   f"got {line.strip()!r}")
            if not sections:
                sections.append((Path(file).stem, []))
            sections[-1][1].append(tuple(parts))
    return sections


def _read_msr(folder: Path) -> list[tuple[str, list]]:
    questions = (folder / "word_relationship.questions").read_text().split("\n")
    answers = (folder / "word_relationship.answers").read_text().split("\n")
    sections: dict[str, list] = {}
    for lineno, (q, a) in enumerate(zip(questions, answers, strict=False), 1):
        if not q.strip():
            continue
        words, answer = q.split(), a.split()
        if len(words) != 3 or len(answer) != 2:
            raise DatasetError(f"{folder}: question {lineno} is {q!r} -> {a!r}, expected "
                               "'a b c' -> 'TAG d'")
        sections.setdefault(answer[0], []).append((*words, answer[1]))
    return list(sections.items())


_TRUE = {"true", "1", "yes", "hyper", "hypernym"}


def read_entailment(file: str | Path) -> list[dict]:
    """Entailment pairs as dicts with ``word1``, ``word2``, ``label`` (bool: word2 is a
    hypernym of / is entailed by word1) and, where given, ``relation`` and ``fold``.

    Reads hypernymysuite's tsv files (a ``word1 word2 label ...`` header) and the raw
    sources it builds them from: headerless ``word1 word2 label-or-relation ...`` rows
    (HyperVec's AWBLESS/ABIBLESS), or a folder of Levy's ``data_rnd_{train,val,test}``
    files, whose name gives the fold (``train`` rows count as ``test``, as hypernymysuite
    evaluates without training).
    """
    file = Path(file)
    if file.is_dir():
        rows = []
        for part in ("val", "test", "train"):
            for f in sorted(file.glob(f"data_rnd_{part}*")):
                rows += [dict(r, fold="val" if part == "val" else "test")
                         for r in read_entailment(f)]
        if not rows:
            raise DatasetError(f"{file}: no data_rnd_{{train,val,test}} files inside")
        return rows
    rows = []
    with open(file, encoding="utf-8") as f:
        lines = [line.rstrip("\r\n").split("\t") for line in f if line.strip()]
    header = lines[0] if lines and lines[0][:2] == ["word1", "word2"] else None
    for lineno, values in enumerate(lines[1:] if header else lines, 2 if header else 1):
        if header:
            if len(values) != len(header):
                raise DatasetError(f"{file}:{lineno}: expected {len(header)} columns")
            row = dict(zip(header, values, strict=True))
        elif len(values) >= 3:
            # HyperVec's files: word1 word2 label relation (or word1 word2 relation)
            row = {"word1": values[0], "word2": values[1], "label": values[2]}
            if values[2].lower() not in ("true", "false", "1", "0", "-1"):
                row["relation"] = values[2]
            elif len(values) >= 4:
                row["relation"] = values[3]
        else:
            raise DatasetError(f"{file}:{lineno}: expected 'word1 word2 label' columns")
        label = row.get("label", row.get("relation", ""))
        row["label"] = str(label).lower() in _TRUE
        rows.append(row)
    return rows


def read_documents(location: str | Path) -> list[dict]:
    """Labelled documents as ``{id, label, text}`` dicts, from JSON lines (optionally
    gzipped) or a folder of ``label/name.txt`` files (the BBC archive's layout)."""
    location = Path(location)
    if location.is_dir():
        return [{"id": f"{p.parent.name}/{p.name}", "label": p.parent.name,
                 "text": p.read_text(encoding="utf-8", errors="replace")}
                for p in sorted(location.glob("*/*.txt"))]
    opener = gzip.open if location.suffix == ".gz" else open
    with opener(location, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


_PARSERS = {"similarity": read_pairs, "analogy": read_analogies,
            "entailment": read_entailment, "documents": read_documents, "corpus": Path}


def load(name: str, download: bool = True):
    """A dataset, parsed: pairs, analogy sections, entailment rows, documents, or (for a
    corpus) its path."""
    return _PARSERS[info(name).kind](path(name, download=download))
