"""Routing model: suggest the category (and so the department) of a citizen message.

Django-free: the intake workbench, the worker and ``bench/routing_eval.py`` all use this
module directly. The model is deliberately plain and fast (sparse TF-IDF features and a
linear SVM) because it must train in well under a minute on a two-core intranet server,
with nothing downloaded. Design, measurements and what did not help: docs/intelligence.md.

Features (TF-IDF with sublinear tf, L2-normalised per block), over the normalised text without
punctuation and function words (:func:`minsheng.insights.textprep.normalize`: full-width to
half-width, traditional to simplified, lower case; :func:`textprep.drop_function_words`):

* message characters, 1-3 grams, over title + body. No word segmentation: on the real data
  character n-grams alone score the same as character + jieba word n-grams (docs/intelligence.md,
  the development table) and skip the segmenter, which took 70 % of the prediction time. They are
  also robust to segmentation errors, unknown place names, masked place codes and typos;
* title characters (1-2 grams) as a separate block, because the title is the citizen's own
  summary. Rows without a title (pre-cleaned historical data) simply have an empty title block.
  When titled rows are a minority of the training set, the block is scaled by
  :attr:`Router.MINORITY_TITLE_WEIGHT`.

Classifier: NBSVM (:class:`NBSVMClassifier`): per class, the features are scaled by their
naive-Bayes log-count ratio and a linear SVM separates the class from the rest. One offset per
class is added to its margin (:func:`class_offsets`, chosen on cross-validated margins of the
training set to maximise macro-F1): one-vs-rest margins are not comparable across classes as they
come, and the large classes win the close calls. Confidence comes from temperature scaling fitted
on the same cross-validated margins (of the typed messages when the training set has enough of
them), which keeps the ranking and turns margins into probabilities.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from . import textprep

__all__ = [
    "FORMAT_VERSION",
    "MAX_BODY_CHARS",
    "Prediction",
    "Router",
    "RouterFormatError",
    "class_offsets",
    "evaluate",
    "stratified_split",
]

#: Bump when the pickled layout or the feature pipeline changes incompatibly.
FORMAT_VERSION = 2
_FORMAT_NAME = "minsheng.insights.routing.Router"

# Only the first characters of a message body are read: the subject is set out at the
# start, and the long tail (1 % of messages exceed 2,000 characters) would dominate the
# tokenisation time.
MAX_BODY_CHARS = 800

# Below this many training messages, words seen once are kept (tiny sites, tests).
_MIN_DF_THRESHOLD = 1000


class RouterFormatError(ValueError):
    """A saved router cannot be used by this version of the code."""


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top3: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class _Doc:
    title: str
    body: str


# Anything that is not a letter, digit or CJK character: punctuation, symbols, spaces.
_NON_WORD_RE = re.compile(r"[\W_]+")


def _clean(text: str) -> str:
    """Normalised text (full/half width, traditional/simplified, case) without punctuation, spaces
    or function words.

    Pre-cleaned historical rows have no punctuation and no stop words, typed messages have both:
    removing them makes both look alike, so the model never learns "has punctuation" or "says 我们"
    as a proxy for where a row came from.
    """
    return textprep.drop_function_words(_NON_WORD_RE.sub("", textprep.normalize(text)))


def _prepare(title: str | None, text: str | None) -> _Doc:
    return _Doc(title=_clean(title or ""), body=_clean((text or "")[:MAX_BODY_CHARS]))


def _char_vectorizer(ngram_range: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        lowercase=False,
        ngram_range=ngram_range,
        sublinear_tf=True,
        min_df=min_df,
        dtype=np.float32,
    )


class _Features:
    """Two TF-IDF blocks of character n-grams stacked side by side (see module docstring), the
    title block scaled by ``title_weight``."""

    def __init__(self, min_df: int, title_weight: float = 1.0) -> None:
        self.message = _char_vectorizer((1, 3), min_df)
        self.title = _char_vectorizer((1, 2), 1)
        self.title_weight = title_weight

    @staticmethod
    def _columns(docs: Sequence[_Doc]) -> tuple[list[str], list[str]]:
        # A placeholder keeps the title vectorizer from failing on a corpus without titles.
        return [d.title + d.body for d in docs], [d.title or "\x00" for d in docs]

    def _stack(self, message: sp.csr_matrix, title: sp.csr_matrix) -> sp.csr_matrix:
        # Models saved before the weight existed have none: they used the title block as it is.
        weight = getattr(self, "title_weight", 1.0)
        return sp.hstack([message, title * np.float32(weight) if weight != 1.0 else title], format="csr")

    def fit_transform(self, docs: Sequence[_Doc]) -> sp.csr_matrix:
        message, title = self._columns(docs)
        return self._stack(self.message.fit_transform(message), self.title.fit_transform(title))

    def transform(self, docs: Sequence[_Doc]) -> sp.csr_matrix:
        message, title = self._columns(docs)
        return self._stack(self.message.transform(message), self.title.transform(title))


class NBSVMClassifier(ClassifierMixin, BaseEstimator):
    """Linear SVMs over features scaled by naive-Bayes log-count ratios (NBSVM; Wang & Manning,
    "Baselines and Bigrams", ACL 2012), one-vs-rest.

    For each class c, every feature j is multiplied by r_cj = log(p_cj / q_cj), where p_c and q_c
    are the (smoothed, normalised) numbers of messages of c and of the other classes that contain
    the feature; a linear SVM then separates c from the rest on the scaled features. The ratio
    sharpens what an n-gram says about a class before the SVM weighs it: on typed messages it scored
    0.90 macro-F1 against 0.88 for the plain SVM on the same features (docs/intelligence.md).
    Because the scaling is per feature, the fitted model is again one weight vector per class
    (r_c * w_c): prediction costs one sparse product, as for a plain linear SVM.
    """

    def __init__(self, C: float = 0.5, alpha: float = 1.0, random_state: int | None = None) -> None:
        self.C = C
        self.alpha = alpha
        self.random_state = random_state

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NBSVMClassifier:
        X = sp.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("NBSVM needs at least two classes")
        presence = X.copy()
        presence.data = np.ones_like(presence.data)
        # Binary problems need one separator (the second class against the first), as sklearn's.
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        coef = np.empty((len(targets), X.shape[1]), dtype=np.float64)
        intercept = np.empty(len(targets), dtype=np.float64)
        total = np.asarray(presence.sum(axis=0)).ravel()
        for k, label in enumerate(targets):
            positive = y == label
            p = np.asarray(presence[positive].sum(axis=0)).ravel() + self.alpha
            q = total - p + 2 * self.alpha
            ratio = np.log(p / p.sum()) - np.log(q / q.sum())
            svm = LinearSVC(C=self.C, random_state=self.random_state)
            svm.fit(X @ sp.diags(ratio.astype(np.float32)), positive.astype(int), sample_weight=sample_weight)
            coef[k] = ratio * svm.coef_[0]
            intercept[k] = svm.intercept_[0]
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        scores = np.asarray(sp.csr_matrix(X) @ self.coef_.T) + self.intercept_
        return scores.ravel() if len(self.classes_) == 2 else scores

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


class _TemperatureScaled:
    """A fitted classifier whose margins, plus one offset per class and divided by one temperature,
    go through a softmax: the ranking is the classifier's after the offsets, the probabilities are
    calibrated."""

    def __init__(self, model: NBSVMClassifier, temperature: float, offsets: np.ndarray | None = None) -> None:
        self.model = model
        self.temperature = temperature
        self.offsets = offsets

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def predict_proba(self, X: Any) -> np.ndarray:
        margins = _as_columns(self.model.decision_function(X))
        # Models saved before the offsets existed have none (the attribute is missing from their pickle).
        offsets = getattr(self, "offsets", None)
        if offsets is not None:
            margins = margins + offsets
        return _softmax(margins / self.temperature)


def _as_columns(scores: np.ndarray) -> np.ndarray:
    """A binary problem's one margin as two columns (the first class scores 0)."""
    return np.column_stack([np.zeros_like(scores), scores]) if scores.ndim == 1 else scores


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Macro-F1 of integer class indices (fast: the offsets search calls it a few hundred times)."""
    counts = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    right, said, real = np.diag(counts), counts.sum(axis=0), counts.sum(axis=1)
    return float(np.mean(2 * right / np.maximum(said + real, 1)))


#: The offsets tried for each class, in margin units (NBSVM margins mostly lie within ±2).
OFFSET_STEPS = np.linspace(-0.5, 0.5, 21)


def class_offsets(margins: np.ndarray, truth: np.ndarray, adjustable: np.ndarray | None = None) -> np.ndarray:
    """One offset per class, added to its margin, maximising the macro-F1 of held-out margins: a
    per-class threshold chosen on held-out messages (Lipton et al., "Thresholding classifiers to
    maximize F1 score", 2014). Coordinate ascent over :data:`OFFSET_STEPS`, two rounds over the
    classes; a step is kept only if it raises the score. Classes outside ``adjustable`` (too few
    held-out messages to tell a better threshold from luck) keep offset 0."""
    n_classes = margins.shape[1]
    offsets = np.zeros(n_classes)
    best = _macro_f1(truth, np.argmax(margins, axis=1), n_classes)
    for _round in range(2):
        for k in range(n_classes):
            if adjustable is not None and not adjustable[k]:
                continue
            # Moving class k's offset only decides between k and the best of the others, so that
            # is computed once per class, not once per step (sites may have dozens of departments).
            others = margins + offsets
            others[:, k] = -np.inf
            runner_up = np.argmax(others, axis=1)
            runner_up_margin = others[np.arange(len(truth)), runner_up]
            for step in OFFSET_STEPS:
                predicted = np.where(margins[:, k] + step > runner_up_margin, k, runner_up)
                score = _macro_f1(truth, predicted, n_classes)
                if score > best + 1e-9:
                    best = score
                    offsets = offsets.copy()
                    offsets[k] = step
    return offsets


def _fit_temperature(scores: np.ndarray, truth: np.ndarray, rows: np.ndarray) -> float:
    """The temperature that minimises the log-loss of the selected rows' held-out margins."""
    from scipy.optimize import minimize_scalar

    margins, target = _as_columns(scores)[rows], truth[rows]

    def log_loss(log_t: float) -> float:
        z = margins / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(target)), target].mean())

    return float(np.exp(minimize_scalar(log_loss, bounds=(-6.0, 4.0), method="bounded").x))


class Router:
    """A trained routing model. Create with :meth:`train` or :meth:`load`."""

    #: Regularisation of the linear SVMs, chosen by repeated cross-validation on real data (with
    #: the title block at half weight; 0.5 before, docs/intelligence.md, development table).
    C = 1.0
    #: Extra weight for messages that have a title, i.e. messages as citizens type them,
    #: when the training set mixes them with pre-cleaned (title-less) historical rows.
    TITLED_WEIGHT = 3.0
    #: With at least this many typed messages in the training set, confidence is calibrated on them.
    MIN_TYPED_FOR_CALIBRATION = 100
    #: Weight of the title block when fewer than half the training messages have a title (typed
    #: messages mixed into pre-cleaned history): the title weights then come from a small sample
    #: and, at full weight, suit messages like that sample more than new ones (docs/intelligence.md,
    #: "Title block"). A site's own history is all typed: full weight.
    MINORITY_TITLE_WEIGHT = 0.5
    #: Class offsets are chosen on held-out margins from this many 2-fold splits of the training set,
    #: pooled (one split's offsets vary with the split; docs/intelligence.md, "Class offsets").
    #: 0 turns the offsets off (the bench compares).
    OFFSET_SPLITS = 2
    #: A class needs this many training messages for its offset to be chosen; below, it stays 0.
    MIN_FOR_OFFSET = 20

    labels: tuple[str, ...]

    def __init__(self, features: _Features, model: Any, labels: tuple[str, ...]) -> None:
        self._features = features
        self._model = model
        self.labels = labels

    # -- training -------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        titles: Sequence[str],
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        seed: int = 0,
    ) -> Router:
        """Fit a router on messages and their labels (category names or department codes).

        ``titles`` may contain empty strings (messages without a title). Deterministic for a
        given ``seed``. Raises ``ValueError`` on mismatched lengths, fewer than two labels,
        or a corpus with no usable text.
        """
        if not (len(titles) == len(texts) == len(labels)):
            raise ValueError("titles, texts and labels must have the same length")
        y = np.asarray([str(label) for label in labels], dtype=object)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ValueError("training needs messages of at least two different labels")

        docs = [_prepare(t, x) for t, x in zip(titles, texts, strict=True)]
        has_title = np.array([bool(d.title) for d in docs])
        features = _Features(min_df=2 if len(docs) >= _MIN_DF_THRESHOLD else 1,
                             title_weight=1.0 if has_title.mean() >= 0.5 else cls.MINORITY_TITLE_WEIGHT)
        try:
            X = features.fit_transform(docs)
        except ValueError as exc:  # "empty vocabulary"
            raise ValueError("the training messages contain no usable text") from exc

        weights = np.ones(len(docs))
        if has_title.any() and not has_title.all():
            weights[has_title] = cls.TITLED_WEIGHT

        svm = NBSVMClassifier(C=cls.C, random_state=seed)
        with warnings.catch_warnings():
            # Liblinear may stop at max_iter on odd corpora; the model is still usable.
            warnings.simplefilter("ignore", category=UserWarning)
            from sklearn.exceptions import ConvergenceWarning

            warnings.simplefilter("ignore", category=ConvergenceWarning)
            # Offsets and temperature are chosen on held-out margins: two folds are plenty for one
            # number per class; more splits, pooled, steady the offsets.
            n_folds = int(min(2, counts.min()))
            temperature = None
            offsets = None
            if n_folds >= 2:
                truth = np.searchsorted(classes, y)
                held_out = [
                    _as_columns(cross_val_predict(
                        svm, X, y, cv=StratifiedKFold(n_folds, shuffle=True, random_state=seed + split),
                        method="decision_function", params={"sample_weight": weights}))
                    for split in range(max(1, cls.OFFSET_SPLITS))
                ]
                if cls.OFFSET_SPLITS:
                    offsets = class_offsets(np.vstack(held_out), np.tile(truth, len(held_out)),
                                            adjustable=counts >= cls.MIN_FOR_OFFSET)
                # Fitted on typed messages when there are enough: pre-cleaned history is easier and
                # its near-duplicates sit in the other fold, so its held-out margins are too large
                # for what production sees (docs/intelligence.md, "Confidence").
                typed = has_title if has_title.sum() >= cls.MIN_TYPED_FOR_CALIBRATION else np.ones_like(has_title)
                temperature = _fit_temperature(held_out[0] + (offsets if offsets is not None else 0.0), truth, typed)
            svm.fit(X, y, sample_weight=weights)
        # Some label has a single example: no held-out data to calibrate on, a fixed scale instead.
        model = _TemperatureScaled(svm, temperature if temperature is not None else 0.2, offsets)
        return cls(features, model, tuple(str(c) for c in model.classes_))

    # -- prediction -----------------------------------------------------------------------

    def predict_proba(self, titles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per message, columns in the order of :attr:`labels`."""
        if len(titles) != len(texts):
            raise ValueError("titles and texts must have the same length")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        docs = [_prepare(t, x) for t, x in zip(titles, texts, strict=True)]
        X = self._features.transform(docs)
        if hasattr(self._model, "predict_proba"):
            return np.asarray(self._model.predict_proba(X), dtype=float)
        scores = np.asarray(self._model.decision_function(X), dtype=float)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores * 5.0)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, titles: Sequence[str], texts: Sequence[str]) -> list[Prediction]:
        """Best label, its probability and the three most likely labels (best first)."""
        proba = self.predict_proba(titles, texts)
        out: list[Prediction] = []
        k = min(3, len(self.labels))
        for row in proba:
            order = np.argsort(-row, kind="stable")[:k]
            top = tuple((self.labels[i], float(row[i])) for i in order)
            out.append(Prediction(label=top[0][0], confidence=top[0][1], top3=top))
        return out

    # -- persistence ----------------------------------------------------------------------

    def _payload(self) -> dict[str, Any]:
        return {
            "format": _FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "labels": self.labels,
            "features": self._features,
            "model": self._model,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to one file (joblib). Only load files you wrote yourself:
        like any pickle, a crafted file can run code."""
        import joblib

        joblib.dump(self._payload(), os.fspath(path), compress=3)

    def to_bytes(self) -> bytes:
        """The same content as :meth:`save`, as bytes (for a database row)."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self._payload(), buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Router:
        """Read a model written by :meth:`save`; refuse files of another format version."""
        import joblib

        try:
            payload = joblib.load(os.fspath(path))
        except (OSError, EOFError):
            raise
        except Exception as exc:  # unpickling errors come in many types
            raise RouterFormatError(f"{path}: not a readable routing model ({exc})") from exc
        return cls._from_payload(payload, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "routing model") -> Router:
        """Read bytes written by :meth:`to_bytes`."""
        import joblib

        try:
            payload = joblib.load(io.BytesIO(bytes(data)))
        except Exception as exc:  # unpickling errors come in many types
            raise RouterFormatError(f"{name}: not a readable routing model ({exc})") from exc
        return cls._from_payload(payload, name)

    @classmethod
    def _from_payload(cls, payload: Any, name: str) -> Router:
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT_NAME:
            raise RouterFormatError(f"{name}: not a routing model file")
        version = payload.get("format_version")
        if version != FORMAT_VERSION:
            raise RouterFormatError(
                f"{name}: routing model format version {version!r}, this code reads version "
                f"{FORMAT_VERSION}; retrain the model"
            )
        saved_sklearn = payload.get("sklearn_version")
        if saved_sklearn != sklearn.__version__:
            warnings.warn(
                f"{name}: trained with scikit-learn {saved_sklearn}, running {sklearn.__version__};"
                " retrain if predictions look wrong",
                RuntimeWarning,
                stacklevel=3,
            )
        return cls(payload["features"], payload["model"], tuple(payload["labels"]))


# -- evaluation helpers -------------------------------------------------------------------


def evaluate(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro-F1 and accuracy.

    Classes are those seen in either sequence, sorted; a class never predicted has
    precision 0 (no warning).
    """
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred must have the same length")
    if len(y_true) == 0:
        return {"per_class": {}, "macro_f1": 0.0, "accuracy": 0.0, "n": 0}
    t = [str(v) for v in y_true]
    p = [str(v) for v in y_pred]
    classes = sorted(set(t) | set(p))
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=classes, zero_division=0)
    per_class = {
        c: {
            "precision": float(prec[i]),
            "recall": float(rec[i]),
            "f1": float(f1[i]),
            "support": int(sup[i]),
        }
        for i, c in enumerate(classes)
    }
    return {
        "per_class": per_class,
        "macro_f1": float(np.mean(f1)),
        "accuracy": float(np.mean([a == b for a, b in zip(t, p, strict=True)])),
        "n": len(t),
    }


def stratified_split(
    labels: Sequence[str], test_size: float = 0.1, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Indices (train, test) with each label's share of the test set close to ``test_size``.

    Every label with at least two examples gets at least one test and one training
    example; a label seen once stays in training. Deterministic for a given ``seed``.
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError("test_size must be between 0 and 1")
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(str(label), []).append(i)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        idx = np.array(by_label[label])
        rng.shuffle(idx)
        # A label seen once stays in training; otherwise at least one of each side.
        n_test = min(max(round(len(idx) * test_size), 1), len(idx) - 1) if len(idx) >= 2 else 0
        test.extend(int(i) for i in idx[:n_test])
        train.extend(int(i) for i in idx[n_test:])
    return sorted(train), sorted(test)
