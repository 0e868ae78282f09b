"""Suggesting a category from a report's text: a model learned from this deployment's own filed cases,
with taxonomy's keyword match beside it and in its place until the model exists.

Where it sits: intake (`actions.do_open_case`) and the interfaces ask `suggestions(text)`; the answer is a
list of `Suggestion(category, score, words, source)`, model first when one is trained, then keyword matches
filling the remaining places. `words` are what a person sees as the reason: for the model, the tokens of
*this* text that pushed its prediction furthest towards that category (TF-IDF weight × class coefficient);
for keywords, the matched words.

The model (jieba tokens → TF-IDF → logistic regression, scikit-learn) is trained by `train()` —
`jingzhi train-suggester`, the `train_suggester` task (enqueued after every
JINGZHI_SUGGEST_RETRAIN_EVERY filings, or by cron) — from cases a shift lead has filed (立案), whose
category a person confirmed. It trains only with JINGZHI_SUGGEST_MIN_CASES such cases (default 200) over
categories having JINGZHI_SUGGEST_MIN_PER_CATEGORY each (default 20); smaller categories are left to the
keywords. The file `VAR_DIR/models/suggester.joblib` holds the model with its metadata (trained_at,
n_cases, categories, accuracy on a held-out fifth); each process loads it once and again when the file
changes. jieba's dictionary ships inside its package (no download); it is initialised lazily, once per
process (about a second), and only when a model exists or is being trained.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django_tasks import task

from jingzhi.core import clock

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the stored bundle's layout changes; an older file is then ignored until retrained
MODEL = "model"
KEYWORDS = "keywords"


# ---------------------------------------------------------------------------------------------------- settings
def min_cases() -> int:
    return int(getattr(settings, "JINGZHI_SUGGEST_MIN_CASES", 200))


def min_per_category() -> int:
    return int(getattr(settings, "JINGZHI_SUGGEST_MIN_PER_CATEGORY", 20))


def retrain_every() -> int:
    """Filings between automatic retrainings (0: only by command or cron)."""
    return int(getattr(settings, "JINGZHI_SUGGEST_RETRAIN_EVERY", 100))


def min_probability() -> float:
    """A model guess below this probability is not shown (the keywords speak instead)."""
    return float(getattr(settings, "JINGZHI_SUGGEST_MIN_PROBABILITY", 0.15))


def model_path() -> Path:
    custom = getattr(settings, "JINGZHI_SUGGEST_MODEL_PATH", "")
    if custom:
        return Path(custom)
    return Path(settings.VAR_DIR) / "models" / "suggester.joblib"


# ---------------------------------------------------------------------------------------------------- tokens
_jieba = None
_jieba_lock = threading.Lock()
# Tokens that say nothing about a category: particles, pronouns, and words every report uses.
_STOP = (
    "的 了 是 在 有 和 与 及 也 都 就 很 太 又 还 被 把 给 让 这 那 这里 那里 这个 那个 我 我们 你 他 她 它 "
    "他们 啊 吧 呢 吗 呀 哦 嗯 一 个 一个 一些 没 不 没有 已经 一直 好 请 麻烦 希望 尽快 处理 解决 反映 问题 "
    "附近 旁边 门口 现在 今天 昨天 每天 好几天 几天 市民 居民 情况 影响"
)
STOP_WORDS = frozenset(_STOP.split())


def _tokenizer():
    """jieba's tokenizer, initialised once per process (its dictionary is inside the package)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                cache_dir = Path(settings.VAR_DIR) / "cache"
                try:
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    tokenizer.tmp_dir = str(cache_dir)
                except OSError:  # a read-only VAR_DIR only costs the dictionary cache
                    pass
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def tokens(text: str) -> list[str]:
    """Words of `text` that can carry meaning: jieba's segmentation without punctuation, digits alone,
    whitespace and stop words. Module-level so the stored vectorizer can refer to it."""
    out = []
    for word in _tokenizer().lcut(str(text or ""), HMM=True):
        word = word.strip().lower()
        if not word or word in STOP_WORDS or word.isdigit():
            continue
        if not any(ch.isalnum() for ch in word):
            continue
        out.append(word)
    return out


# ---------------------------------------------------------------------------------------------------- training
@dataclass
class TrainReport:
    trained: bool
    message: str
    n_cases: int = 0
    n_categories: int = 0
    accuracy: float | None = None
    trained_at: str = ""
    path: str = ""
    skipped_categories: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def training_rows() -> list[tuple[str, int]]:
    """(description, category id) of every case a person filed under an active category."""
    from jingzhi.cases.models import Case

    return list(
        Case.objects.filter(filed_at__isnull=False, category__isnull=False, category__is_active=True)
        .order_by("pk")
        .values_list("description", "category_id")
    )


def _split(rows, fraction: float = 0.2, seed: int = 7):
    """A stratified hold-out: about `fraction` of each category (at least one), the rest for training."""
    by_category: dict[int, list] = {}
    for row in rows:
        by_category.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    train_rows, test_rows = [], []
    for items in by_category.values():
        items = items[:]
        rng.shuffle(items)
        n_test = max(1, int(len(items) * fraction))
        test_rows += items[:n_test]
        train_rows += items[n_test:]
    return train_rows, test_rows


def _fit(rows):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform([text for text, _c in rows])
    classifier = LogisticRegression(max_iter=2000, C=10.0)
    classifier.fit(matrix, [c for _t, c in rows])
    return vectorizer, classifier


def train(*, rows=None, path: Path | None = None) -> TrainReport:
    """Train on the filed cases (or `rows` of (text, category id)) and store the model with its metadata.
    Not enough data: nothing is stored (an older model stays), and the report says what is missing."""
    rows = list(training_rows() if rows is None else rows)
    path = Path(path or model_path())
    counts = Counter(c for _t, c in rows)
    per_category = min_per_category()
    kept = {c for c, n in counts.items() if n >= per_category}
    skipped = {str(c): n for c, n in counts.items() if c not in kept}
    rows = [(t, c) for t, c in rows if c in kept and str(t or "").strip()]
    if len(rows) < min_cases() or len(kept) < 2:
        return TrainReport(
            False,
            _(
                "已立案且分类有效的案件 %(n)d 件（每类至少 %(per)d 件的分类 %(k)d 个），"
                "需至少 %(min)d 件且至少 2 个分类，暂用关键词推荐"
            )
            % {"n": len(rows), "per": per_category, "k": len(kept), "min": min_cases()},
            n_cases=len(rows),
            n_categories=len(kept),
            skipped_categories=skipped,
        )
    import joblib

    train_rows, test_rows = _split(rows)
    vectorizer, classifier = _fit(train_rows)
    predicted = classifier.predict(vectorizer.transform([t for t, _c in test_rows]))
    accuracy = round(
        sum(int(p == c) for p, (_t, c) in zip(predicted, test_rows, strict=True)) / len(test_rows), 4
    )
    # The stored model learns from every row; the held-out accuracy describes how it generalises.
    vectorizer, classifier = _fit(rows)
    trained_at = clock.now().isoformat()
    meta = {
        "format": FORMAT,
        "trained_at": trained_at,
        "n_cases": len(rows),
        "n_categories": len(kept),
        "accuracy": accuracy,
        "n_test": len(test_rows),
        "categories": sorted(int(c) for c in kept),
        "skipped_categories": skipped,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    joblib.dump({"meta": meta, "vectorizer": vectorizer, "classifier": classifier}, partial)
    os.replace(partial, path)  # readers in other processes see the old file or the new one, never half
    forget()
    logger.info(
        "category suggester trained: %s cases, %s categories, accuracy %.3f", len(rows), len(kept), accuracy
    )
    return TrainReport(
        True,
        _("已训练：%(n)d 件案件，%(k)d 个分类，留出集准确率 %(acc).1f%%")
        % {"n": len(rows), "k": len(kept), "acc": accuracy * 100},
        n_cases=len(rows),
        n_categories=len(kept),
        accuracy=accuracy,
        trained_at=trained_at,
        path=str(path),
        skipped_categories=skipped,
    )


@task()
def train_suggester() -> dict:
    """Background retraining (enqueued after every JINGZHI_SUGGEST_RETRAIN_EVERY filings, or by cron)."""
    return train().as_dict()


_FILINGS_KEY = "jingzhi:cases:suggest:filings"


def note_filing() -> None:
    """Called by the filing action: after every N filings (counted in the cache after commit, so a
    rolled-back filing does not count) the retraining task is enqueued."""
    every = retrain_every()
    if every <= 0:
        return
    from django.db import transaction

    transaction.on_commit(_count_filing)


def _count_filing() -> None:
    from django.core.cache import cache

    every = retrain_every()
    try:
        cache.add(_FILINGS_KEY, 0, timeout=None)
        count = cache.incr(_FILINGS_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not break filing; retraining can wait for cron
        logger.warning("could not count filings for the suggester", exc_info=True)
        return
    if every > 0 and count % every == 0:
        try:
            train_suggester.enqueue()
        except Exception:  # noqa: BLE001 - the filing has committed; a missed retraining is only logged
            logger.exception("could not enqueue the suggester's retraining")


# ---------------------------------------------------------------------------------------------------- loading
_loaded: dict = {"key": None, "bundle": None}
_load_lock = threading.Lock()


def forget() -> None:
    """Drop this process's loaded model (the next suggestion reloads the file)."""
    with _load_lock:
        _loaded["key"], _loaded["bundle"] = None, None


def _bundle():
    path = model_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _loaded["key"] == key:
        return _loaded["bundle"]
    with _load_lock:
        if _loaded["key"] != key:
            bundle = None
            try:
                import joblib

                bundle = joblib.load(path)
                if not isinstance(bundle, dict) or bundle.get("meta", {}).get("format") != FORMAT:
                    bundle = None
            except Exception:  # noqa: BLE001 - a damaged or foreign file: fall back to the keywords
                logger.warning("cannot load the category suggester model %s", path, exc_info=True)
                bundle = None
            _loaded["key"], _loaded["bundle"] = key, bundle
    return _loaded["bundle"]


def model_info() -> dict | None:
    """The stored model's metadata (trained_at, n_cases, accuracy, ...), or None when there is none."""
    bundle = _bundle()
    return dict(bundle["meta"]) if bundle else None


def is_trained() -> bool:
    return _bundle() is not None


# ---------------------------------------------------------------------------------------------------- suggesting
def suggest(text: str, limit: int = 3, *, words: int = 5) -> list[tuple[int, float, list[str]]]:
    """The model's guesses for `text`: (category id, probability, the words behind it), best first; [] when
    no model is trained or the text has no word the model knows. Guesses under
    JINGZHI_SUGGEST_MIN_PROBABILITY are left out."""
    text = str(text or "").strip()
    if not text or limit <= 0:
        return []
    bundle = _bundle()
    if bundle is None:
        return []
    vectorizer, classifier = bundle["vectorizer"], bundle["classifier"]
    row = vectorizer.transform([text])
    if row.nnz == 0:
        return []
    probabilities = classifier.predict_proba(row)[0]
    vocabulary = vectorizer.get_feature_names_out()
    indices, weights = row.indices, row.data
    coef = classifier.coef_
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
    floor = min_probability()
    out = []
    for i in order[:limit]:
        p = float(probabilities[i])
        if p < floor:
            break
        # Binary logistic regression keeps one coefficient row, for the second class.
        if coef.shape[0] == 1:
            class_coef = coef[0] if i == 1 else -coef[0]
        else:
            class_coef = coef[i]
        contributions = sorted(
            ((float(w * class_coef[j]), str(vocabulary[j])) for j, w in zip(indices, weights, strict=True)),
            key=lambda pair: (-pair[0], pair[1]),
        )
        reasons = [word for score, word in contributions if score > 0][:words]
        out.append((int(classifier.classes_[i]), round(p, 3), reasons))
    return out


@dataclass(frozen=True)
class Suggestion:
    category: object  # taxonomy.Category
    score: float
    words: list[str]
    source: str  # MODEL or KEYWORDS

    def as_dict(self) -> dict:
        return {
            "id": self.category.pk,
            "code": self.category.code,
            "name": self.category.path_name,
            "score": self.score,
            "words": list(self.words),
            "source": self.source,
        }


def suggestions(text: str, limit: int = 3) -> list[Suggestion]:
    """Model guesses first (when trained), then keyword matches for the places left; each category once,
    only active ones."""
    from jingzhi.taxonomy.models import Category
    from jingzhi.taxonomy.queries import suggest_categories as keyword_categories

    if limit <= 0:
        return []
    out: list[Suggestion] = []
    guesses = suggest(text, limit)
    if guesses:
        categories = Category.objects.filter(
            pk__in=[c for c, _s, _w in guesses], is_active=True
        ).select_related("parent")
        by_id = {c.pk: c for c in categories}
        out = [Suggestion(by_id[c], score, words, MODEL) for c, score, words in guesses if c in by_id]
    if len(out) < limit:
        seen = {s.category.pk for s in out}
        for category, score, words in keyword_categories(text, limit):
            if category.pk not in seen and len(out) < limit:
                out.append(Suggestion(category, score, list(words), KEYWORDS))
                seen.add(category.pk)
    return out


def suggest_categories(text: str, limit: int = 3) -> list[tuple[object, float, list[str]]]:
    """`suggestions` as (category, score, words) triples, the shape of taxonomy's keyword suggestion."""
    return [(s.category, s.score, s.words) for s in suggestions(text, limit)]
