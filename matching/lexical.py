"""Lexical similarity: TF-IDF over character n-grams, plus a small topic space (LSA) on top.

Why a lexical signal next to the embedding model: e5-small blurs exact names and rare terms
("Godesberger Allee", "E-Akte", "OZG"), which are exactly what tells a duplicate from a
merely related idea. Character n-grams inside word boundaries (`char_wb`) match German
inflections and compounds ("Radweg", "Radwege", "Radwegbenutzungspflicht") without a stemmer
or a dictionary, and umlaut folding makes "Fussgaenger" meet "Fußgänger".

Why topics: a truncated SVD of the same TF-IDF matrix (latent semantic analysis) learns the
corpus' own themes. On the cycling-dialogue dev half it finds neighbours with a shared topic
label better than e5 alone (P@5 0.443 vs 0.406) and is the strongest partner of e5 in the fused
score (see `matching.similarity`). It needs a corpus of some size, so it is skipped for tiny
ones.

All parameters below were chosen on the DEV halves only (cycling dialogues, STS-B de dev);
`bench/quality.py` reports the held-out figures. Texts in, sparse/dense arrays out; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy and scikit-learn load when a model is fitted, not on import
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

# char_wb 3-6 with sublinear tf and umlaut folding: best or tied-best lexical partner for e5 on
# the cycling dev half among 2-4 .. 5-7, char vs char_wb, with/without folding and sublinear tf
# (alone it scores P@5 0.40-0.41 for all of these; STS-B de dev Spearman 0.759).
NGRAM_RANGE = (3, 6)
ANALYZER = "char_wb"
SUBLINEAR_TF = True
# 30 topics beat 50/100/150 on the cycling dev half (fused P@5 0.485 vs 0.479/0.476/0.472).
TOPIC_DIMS = 30
MIN_TOPIC_CORPUS = 50  # below this many texts an SVD "topic" is mostly one text's quirks

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalize(text: str) -> str:
    """Lower-case, fold umlauts and ß, collapse whitespace: spelling variants meet."""
    return " ".join(text.lower().translate(_FOLD).split())


@dataclass(frozen=True)
class LexicalVectors:
    """Texts as L2-normalised TF-IDF rows and, if the model has topics, unit topic vectors."""

    tfidf: sp.csr_matrix
    topics: np.ndarray | None

    def __len__(self) -> int:
        return int(self.tfidf.shape[0])

    def take(self, rows: Sequence[int] | np.ndarray) -> LexicalVectors:
        """The vectors of some rows, in the given order."""
        index = np.asarray(rows, dtype=np.intp)
        topics = None if self.topics is None else self.topics[index]
        import scipy.sparse as sp

        return LexicalVectors(sp.csr_matrix(self.tfidf[index]), topics)


@dataclass
class LexicalModel:
    """TF-IDF (char n-grams) and LSA topics fitted on a corpus, usually the stored ideas.

    IDF and topics describe one corpus, so refit when it has grown noticeably; vectors from
    different fits are not comparable.
    """

    ngram_range: tuple[int, int] = NGRAM_RANGE
    analyzer: str = ANALYZER
    sublinear_tf: bool = SUBLINEAR_TF
    topic_dims: int = TOPIC_DIMS
    min_topic_corpus: int = MIN_TOPIC_CORPUS
    _vectorizer: TfidfVectorizer | None = field(default=None, init=False, repr=False)
    _svd: TruncatedSVD | None = field(default=None, init=False, repr=False)
    _topic_mean: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def fitted(self) -> bool:
        return self._vectorizer is not None

    @property
    def has_topics(self) -> bool:
        return self._svd is not None

    def fit(self, corpus: Sequence[str]) -> LexicalModel:
        """Learn vocabulary, IDF and (for a large enough corpus) topics; returns self."""
        if isinstance(corpus, str):
            raise TypeError("fit() takes a sequence of texts, not a single string")
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = list(corpus)
        if not texts:
            raise ValueError("cannot fit a lexical model on an empty corpus")
        vectorizer = TfidfVectorizer(
            analyzer=self.analyzer,
            ngram_range=self.ngram_range,
            sublinear_tf=self.sublinear_tf,
            preprocessor=normalize,
            dtype=np.float32,
        )
        matrix = vectorizer.fit_transform(texts)
        self._vectorizer, self._svd, self._topic_mean = vectorizer, None, None
        dims = min(self.topic_dims, len(texts) - 1, matrix.shape[1] - 1)
        if self.topic_dims > 0 and len(texts) >= self.min_topic_corpus and dims >= 2:
            svd = TruncatedSVD(n_components=dims, random_state=0)
            projected = svd.fit_transform(matrix)
            self._svd = svd
            # centred like the semantic vectors: what all texts share is not a topic
            self._topic_mean = projected.mean(axis=0)
        return self

    def encode(self, texts: Sequence[str]) -> LexicalVectors:
        """Vectors for texts (new or from the corpus) in the fitted space."""
        if self._vectorizer is None:
            raise RuntimeError("LexicalModel.fit() must be called before encode()")
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        import scipy.sparse as sp

        tfidf = sp.csr_matrix(self._vectorizer.transform(list(texts)))
        topics = None
        if self._svd is not None and self._topic_mean is not None:
            projected = self._svd.transform(tfidf) - self._topic_mean
            topics = _unit_rows(projected.astype(np.float32))
        return LexicalVectors(tfidf, topics)


def lexical_cosines(a: LexicalVectors, b: LexicalVectors, *, paired: bool = False) -> np.ndarray:
    """TF-IDF cosine: (len(a), len(b)) matrix, or one score per row pair when `paired`."""
    if paired:
        _check_paired(a, b)
        return np.asarray(a.tfidf.multiply(b.tfidf).sum(axis=1), dtype=np.float32).ravel()
    return np.asarray((a.tfidf @ b.tfidf.T).toarray(), dtype=np.float32)


def topic_cosines(
    a: LexicalVectors, b: LexicalVectors, *, paired: bool = False
) -> np.ndarray | None:
    """Cosine in the topic space, shaped like `lexical_cosines`; None without topics."""
    if a.topics is None or b.topics is None:
        return None
    if paired:
        _check_paired(a, b)
        return np.einsum("ij,ij->i", a.topics, b.topics)
    return np.asarray(a.topics @ b.topics.T, dtype=np.float32)


def _check_paired(a: LexicalVectors, b: LexicalVectors) -> None:
    if len(a) != len(b):
        raise ValueError(f"paired scores need equal lengths, got {len(a)} and {len(b)}")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
