"""LSA topics of a corpus: the lexical alternative `bench/digest.py` measures for clustering.

The bot once fused e5 with TF-IDF and these topics (latent semantic analysis: a truncated SVD
of the TF-IDF matrix). The fusion was dropped from the product (see `matching.relevance`), but
the digest benchmark still reports clustering on e5 plus topics next to e5 alone, so the topic
space lives on here, for benchmarks only, with the parameters the product used: TF-IDF over
char_wb 3-6-grams with sublinear tf on lower-cased, umlaut-folded text (German inflections and
compounds meet without a stemmer), and 30 topics (better than 50/100/150 on the cycling dev
half). Topics need a corpus of some size; below MIN_CORPUS texts an SVD "topic" is mostly one
text's quirks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NGRAM_RANGE = (3, 6)
TOPIC_DIMS = 30
MIN_CORPUS = 50

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalize(text: str) -> str:
    """Lower-case, fold umlauts and ß, collapse whitespace: spelling variants meet."""
    return " ".join(text.lower().translate(_FOLD).split())


def lsa_topics(texts: Sequence[str], dims: int = TOPIC_DIMS) -> np.ndarray:
    """Unit topic vectors of ``texts``, fitted on the texts themselves and centred (what all
    texts share is not a topic, as the bot removes the corpus centre from its e5 vectors)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(texts)
    if len(texts) < MIN_CORPUS:
        raise ValueError(f"topics need at least {MIN_CORPUS} texts, got {len(texts)}")
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        sublinear_tf=True,
        preprocessor=normalize,
        dtype=np.float32,
    )
    matrix = vectorizer.fit_transform(texts)
    svd = TruncatedSVD(n_components=min(dims, len(texts) - 1, matrix.shape[1] - 1), random_state=0)
    centre = svd.fit_transform(matrix).mean(axis=0)
    topics = (svd.transform(matrix) - centre).astype(np.float32)
    return topics / np.maximum(np.linalg.norm(topics, axis=1, keepdims=True), 1e-12)
