"""The learned category suggester: trained from this deployment's filed cases, it names the category and the
words behind it; with too few filed cases the keyword suggestion answers instead."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from jingzhi.cases import suggest
from jingzhi.cases.models import Case
from jingzhi.cases.testing import IN_SUB1, T0, open_case, walk_to

pytestmark = pytest.mark.django_db

PLACES = [
    "小区东门",
    "菜市场北侧",
    "学校对面",
    "公交站台边",
    "胡同口",
    "十字路口",
    "超市后面",
    "三号楼下",
    "幼儿园外",
    "医院南门",
]
TEMPLATES = {
    "cover": ["{p}的窨井盖子{s}，{r}", "{p}有个下水口盖板{s}，{r}", "{p}马路上井口{s}，{r}"],
    "lamp": ["{p}的照明灯{s2}，{r2}", "{p}那根灯杆{s2}，{r2}", "{p}一排灯{s2}，{r2}"],
    "rubbish": ["{p}{t}堆满了生活垃圾，{r3}", "{p}垃圾桶满了溢出来，{r3}", "{p}有人乱倒建筑垃圾，{r3}"],
    "stall": ["{p}{t}有商贩摆摊卖菜，{r4}", "{p}小贩占道经营，{r4}", "{p}流动摊贩推车叫卖，{r4}"],
}
FILL = {
    "s": ["丢失了", "碎裂", "松动", "被偷走", "移位了", "塌陷"],
    "r": ["行人容易踩空掉下去", "车辆压过去咣当响", "晚上看不见非常危险", "小孩差点掉进去"],
    "s2": ["晚上不亮", "一闪一闪", "坏了好久", "整夜黑着", "灯罩掉了"],
    "r2": ["夜里走路黑乎乎的", "晚上出门看不清路", "老人摔了一跤", "天黑后不敢走"],
    "t": ["最近", "这两天", "每天早上", "周末"],
    "r3": ["臭气熏天招苍蝇", "气味很难闻", "污水流了一地", "老鼠蟑螂很多"],
    "r4": ["把人行道堵死了", "噪音很大还乱扔菜叶", "行人只能走机动车道", "早高峰特别拥堵"],
}


def synthetic_texts(kind: str, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        template = TEMPLATES[kind][i % len(TEMPLATES[kind])]
        values = {key: rng.choice(options) for key, options in FILL.items()}
        out.append(template.format(p=rng.choice(PLACES), **values))
    return out


@pytest.fixture
def model_file(tmp_path, settings):
    settings.JINGZHI_SUGGEST_MODEL_PATH = str(tmp_path / "models" / "suggester.joblib")
    settings.JINGZHI_SUGGEST_MIN_CASES = 200
    settings.JINGZHI_SUGGEST_MIN_PER_CATEGORY = 20
    suggest.forget()
    yield tmp_path / "models" / "suggester.joblib"
    suggest.forget()


@pytest.fixture
def categories(world):
    from jingzhi.taxonomy import actions

    t = world.t
    lamp = actions.do_create_category(
        actor=None, kind="component", code="0105", name="路灯", parent=t.public, keywords="路灯"
    )
    city = actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    rubbish = actions.do_create_category(
        actor=None, kind="event", code="0101", name="暴露垃圾", parent=city, keywords="垃圾"
    )
    order = actions.do_create_category(actor=None, kind="event", code="04", name="街面秩序")
    stall = actions.do_create_category(
        actor=None, kind="event", code="0401", name="无照经营游商", parent=order, keywords="游商"
    )
    return {"cover": t.cover, "lamp": lamp, "rubbish": rubbish, "stall": stall}


def filed_history(world, categories, per_category: int = 60) -> None:
    """Past filed cases, made in bulk: the suggester reads only description, category and filed_at, and
    taking 240 reports through the whole intake would cost seconds for nothing the test looks at."""
    counter = itertools.count(1)
    rows = []
    for seed, (kind, category) in enumerate(categories.items()):
        for text in synthetic_texts(kind, per_category, seed):
            rows.append(
                Case(
                    number=f"HIST{next(counter):06d}",
                    source="inspector",
                    state="closed",
                    category=category,
                    description=text,
                    lon=IN_SUB1[0],
                    lat=IN_SUB1[1],
                    reported_at=T0,
                    filed_at=T0,
                    updated_at=T0,
                )
            )
    Case.objects.bulk_create(rows)


def test_the_trained_model_names_the_category_and_the_words_behind_it(world, categories, model_file):
    filed_history(world, categories)
    report = suggest.train()
    assert report.trained, report.message
    assert report.n_cases == 240 and report.n_categories == 4
    assert report.accuracy is not None and report.accuracy >= 0.9
    assert model_file.exists()
    info = suggest.model_info()
    assert info["n_cases"] == 240 and info["trained_at"] and info["accuracy"] == report.accuracy

    # No keyword of any category appears in these texts: only the model can place them.
    cases = {
        "lamp": "小区东门那根灯杆晚上不亮，夜里走路黑乎乎的",
        "cover": "学校对面马路上井口盖板丢失了，小孩差点掉进去",
        "stall": "公交站台边小贩推车叫卖，把人行道堵死了",
        "rubbish": "超市后面堆满了生活垃圾桶溢出来，臭气熏天",
    }
    for kind, text in cases.items():
        results = suggest.suggest(text)
        assert results, text
        category_id, score, words = results[0]
        assert category_id == categories[kind].pk, (kind, text, results)
        assert 0 < score <= 1
        assert words and all(word in text for word in words), (text, words)

    first = suggest.suggestions(cases["lamp"])[0]
    assert first.category == categories["lamp"] and first.source == suggest.MODEL
    assert "不亮" in first.words or "灯杆" in first.words


def test_the_shown_words_are_those_pushing_towards_the_category(world, categories, model_file):
    filed_history(world, categories)
    assert suggest.train().trained
    _cid, _score, words = suggest.suggest("胡同口的照明灯整夜黑着，天黑后不敢走")[0]
    # Words of other categories' vocabulary, or none at all, never explain a lamp.
    assert not {"垃圾", "摊贩", "井口"} & set(words)
    assert {"照明灯", "黑着"} & set(words) or {"灯"} & set(words)


def test_below_the_threshold_nothing_is_trained_and_keywords_answer(world, categories, model_file, settings):
    filed_history(world, categories, per_category=30)  # 120 cases < 200
    report = suggest.train()
    assert not report.trained and "200" in report.message
    assert not model_file.exists() and not suggest.is_trained()
    assert suggest.suggest("井盖丢了") == []
    results = suggest.suggestions("井盖丢了")
    assert [(s.category, s.words, s.source) for s in results] == [
        (categories["cover"], ["井盖"], suggest.KEYWORDS)
    ]


def test_small_categories_are_left_to_the_keywords(world, categories, model_file, settings):
    settings.JINGZHI_SUGGEST_MIN_CASES = 100
    filed_history(world, {k: categories[k] for k in ("cover", "lamp")}, per_category=60)
    filed_history_small = synthetic_texts("stall", 5, 9)
    Case.objects.bulk_create(
        [
            Case(
                number=f"SMALL{i}",
                source="inspector",
                state="closed",
                category=categories["stall"],
                description=t,
                lon=IN_SUB1[0],
                lat=IN_SUB1[1],
                reported_at=T0,
                filed_at=T0,
                updated_at=T0,
            )
            for i, t in enumerate(filed_history_small)
        ]
    )
    report = suggest.train()
    assert report.trained and report.n_categories == 2
    assert report.skipped_categories == {str(categories["stall"].pk): 5}
    assert categories["stall"].pk not in suggest.model_info()["categories"]


def test_keywords_fill_the_places_the_model_leaves(world, categories, model_file):
    filed_history(world, categories)
    suggest.train()
    results = suggest.suggestions("小区东门那根灯杆晚上不亮，旁边还有游商", limit=3)
    sources = [s.source for s in results]
    assert sources[0] == suggest.MODEL
    assert any(
        s.source == suggest.KEYWORDS and s.category == categories["stall"] and s.words == ["游商"]
        for s in results
    ) or categories["stall"] in [s.category for s in results]
    assert len({s.category.pk for s in results}) == len(results)


def test_only_filed_cases_with_an_active_category_teach_the_model(world, frozen):
    reported = open_case(world)  # reported, never filed
    filed = walk_to(world, open_case(world, description="窨井盖子松动了"), "pending_dispatch")
    assert reported.category == world.t.cover and reported.filed_at is None
    assert suggest.training_rows() == [(filed.description, world.t.cover.pk)]


def test_intake_stores_the_models_suggestion_with_its_words(world, categories, model_file, frozen):
    filed_history(world, categories)
    suggest.train()
    case = open_case(world, description="三号楼下那根灯杆一闪一闪的，晚上出门看不清路")
    assert case.category == categories["lamp"]
    assert case.suggestion[0]["source"] == "model" and case.suggestion[0]["words"]


def test_a_damaged_model_file_falls_back_to_keywords(world, categories, model_file):
    model_file.parent.mkdir(parents=True)
    model_file.write_bytes(b"not a model")
    assert suggest.suggest("井盖丢了") == []
    assert suggest.suggestions("井盖丢了")[0].source == suggest.KEYWORDS


def test_every_nth_filing_enqueues_retraining(
    world, frozen, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    settings.JINGZHI_SUGGEST_RETRAIN_EVERY = 2
    cache.delete(suggest._FILINGS_KEY)
    enqueued = []
    monkeypatch.setattr(
        suggest, "train_suggester", SimpleNamespace(enqueue=lambda *a, **k: enqueued.append(1))
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            walk_to(world, open_case(world), "pending_dispatch")
    assert len(enqueued) == 2


def test_the_command_trains_and_reports(world, categories, model_file, capsys):
    filed_history(world, categories)
    call_command("train_suggester")
    out = capsys.readouterr().out
    assert "240" in out and model_file.exists()
