"""民意立项 through both doors (web pages, REST API): photos of meetings and delivery milestones (checked,
cleaned, shown as their rule allows), notices to households, the operator flagged by poor ratings, the
re-vote the rules require, the exports as secrecy allows and the publicity notice with its QR code."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.core import clock
from jingzhi.core.models import Attachment, Notification
from jingzhi.projects import actions
from jingzhi.projects.actions import notices
from jingzhi.projects.models import Milestone, Project, ProjectKind
from jingzhi.projects.testing import COMM1, T0, make_world, solicit_to_voting

pytestmark = pytest.mark.django_db
DOORS = ["web", "api"]


@pytest.fixture
def pw(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with clock.frozen(T0):
        yield make_world()


def _web(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _status(response) -> int:
    return 200 if response.status_code in (201, 302) else response.status_code


def post(door, user, project, api_name, web_name, body, *, multipart=False):
    if door == "web":
        response = _web(user).post(f"/projects/{project.pk}/act/{web_name}/", body)
        text = response.content.decode(errors="replace")
    else:
        response = token_client(user).post(
            f"/api/v1/projects/{project.pk}/{api_name}/", body, format="multipart" if multipart else "json"
        )
        text = response.content.decode(errors="replace")
    return _status(response), text


def _jpeg(gps: bool = False) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (90, 140, 200))
    buffer = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(0x8825)[2] = (39.0, 54.0, 0.0)  # GPSLatitude
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def photo(name="site.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, _jpeg() if data is None else data, content_type=content_type)


def _pass_and_publicise(pw, project):
    for n in range(1, 7):
        actions.do_cast_ballot(
            actor=pw.p.office,
            project_id=project.pk,
            choice="full",
            channel="paper",
            household_id=pw.households[f"甲8号院{n}号"].pk,
            signed_name="" if project.rules.get("secret", True) else f"住户{n}",
        )
    with clock.frozen(T0 + timedelta(days=8)):
        actions.do_close_vote(actor=pw.p.office, project_id=project.pk)
    project.refresh_from_db()
    return project


def _delivering(pw):
    project = _pass_and_publicise(pw, solicit_to_voting(pw))
    with clock.frozen(T0 + timedelta(days=20)):
        actions.do_approve(actor=pw.p.office, project_id=project.pk)
        actions.do_start_delivery(actor=pw.p.office, project_id=project.pk, vendor="某物业", budget="1000")
    return project


# ------------------------------------------------------------------------------------------------ photos
@pytest.mark.parametrize("door", DOORS)
def test_milestone_photos_are_stored_clean_and_public_with_the_project(door, pw):
    project = _delivering(pw)
    upload = SimpleUploadedFile("王阿姨家门口.jpg", _jpeg(gps=True), content_type="image/jpeg")
    body = {"title": "基础完工", "progress": "40", "photos": [upload, photo("b.jpg")]}
    status, _text = post(door, pw.p.office, project, "milestones", "milestone", body, multipart=True)
    assert status == 200
    milestone = Milestone.objects.get(project=project)
    photos = list(Attachment.objects.filter(owner_type="projects.milestone", owner_id=str(milestone.pk)))
    assert len(photos) == 2
    from PIL import Image

    from jingzhi.core.attachments import open_variant

    with open_variant(photos[0], "full") as handle:
        stored = Image.open(handle)
        stored.load()
        assert not stored.getexif().get_ifd(0x8825) and 0x010F not in stored.getexif()
    # the public page shows the thumbnails to anyone, and anyone may open them
    thumb = f"/attachments/{photos[0].pk}/thumb/"
    page = _web(None).get(f"/projects/{project.pk}/").content.decode()
    assert thumb in page and "王阿姨" not in page
    opened = _web(None).get(thumb)
    assert opened.status_code == 200
    assert 'filename="progress-' in opened["Content-Disposition"]  # a neutral name, not the uploader's
    # the API lists them on the milestone, without the file's name
    detail = token_client(pw.p.tenant).get(f"/api/v1/projects/{project.pk}/").json()
    listed = detail["milestones"][0]["photos"]
    assert [p["thumb_url"] for p in listed][0] == thumb and "王阿姨" not in str(detail)


@pytest.mark.parametrize("door", DOORS)
def test_a_file_that_is_not_a_picture_is_a_400_naming_it_and_records_nothing(door, pw):
    project = _delivering(pw)
    fake = photo("进度.jpg", data=b"%PDF-1.4 not a picture", content_type="image/jpeg")
    body = {"title": "基础完工", "progress": "40", "photos": [photo("ok.jpg"), fake]}
    status, text = post(door, pw.p.office, project, "milestones", "milestone", body, multipart=True)
    assert status == 400 and "进度.jpg" in text
    assert not Milestone.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_too_many_or_too_large_photos_are_a_400(door, pw, settings):
    project = _delivering(pw)
    body = {"title": "基础完工", "progress": "40", "photos": [photo(f"{n}.jpg") for n in range(10)]}
    status, text = post(door, pw.p.office, project, "milestones", "milestone", body, multipart=True)
    assert status == 400 and "最多上传 9 张" in text
    settings.JINGZHI_MAX_UPLOAD_MB = 0.001  # about 1 KB
    big = photo("大图.jpg", data=_jpeg() + b"\0" * 4096)
    body = {"title": "基础完工", "progress": "40", "photos": [big]}
    status, text = post(door, pw.p.office, project, "milestones", "milestone", body, multipart=True)
    assert status == 400 and "大图.jpg" in text
    assert not Milestone.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_resident_cannot_record_progress_photos(door, pw):
    project = _delivering(pw)
    for user in (pw.p.rep, pw.p.office2):  # a resident; another subdistrict's office (not theirs to run)
        body = {"title": "我来记", "progress": "50", "photos": [photo()]}
        status, _text = post(door, user, project, "milestones", "milestone", body, multipart=True)
    assert not Milestone.objects.exists() and not Attachment.objects.exists()


def _deliberating(pw):
    project = actions.do_create_project(
        actor=pw.p.office,
        kind="EX-SB-01",
        title="院落改造",
        description="改造",
        scope_code=COMM1,
        scope_buildings=["甲8号院"],
        project_type="solicit",
    )
    actions.do_decide(actor=pw.p.office, project_id=project.pk, action="submit")
    return project


def test_the_api_records_a_meeting_with_photos_in_multipart_and_shows_them_as_the_rule_allows(pw):
    project = _deliberating(pw)
    body = {
        "title": "议事会",
        "held_at": "2025-06-11T09:00",
        "place": "活动室",
        "quorum": "2",
        "invited_groups": ["representative", "property"],
        "attendees[0]name": "张三",
        "attendees[0]group": "representative",
        "attendees[1]name": "物业李经理",
        "attendees[1]group": "property",
        "items[0]title": "方案一",
        "items[0]votes_for": "2",
        "minutes": "同意",
        "photos": [photo("会场.jpg"), photo("签到.jpg")],
    }
    response = token_client(pw.p.office).post(
        f"/api/v1/projects/{project.pk}/meetings/", body, format="multipart"
    )
    assert response.status_code == 200, response.content
    meeting = response.json()["meetings"][0]
    assert meeting["signed_in"] == 2 and meeting["items"][0]["carried"] and len(meeting["photos"]) == 2
    assert meeting["invited_groups"] == ["representative", "property"]
    # the households in scope see the meeting's photos; a resident outside the scope does not
    rep = token_client(pw.p.rep).get(f"/api/v1/projects/{project.pk}/").json()
    assert len(rep["meetings"][0]["photos"]) == 2
    tenant = token_client(pw.p.tenant).get(f"/api/v1/projects/{project.pk}/").json()
    assert tenant["meetings"][0]["photos"] == [] and tenant["meetings"][0]["signed_in"] == 2


@pytest.mark.parametrize("door", DOORS)
def test_a_meeting_with_a_bad_photo_is_a_400_and_nothing_is_recorded(door, pw):
    project = _deliberating(pw)
    body = {
        "title": "议事会",
        "held_at": "2025-06-11T09:00",
        "place": "活动室",
        "minutes": "同意",
        "photos": [photo("会场.png", data=_jpeg(), content_type="image/png")],  # a JPEG named .png
    }
    if door == "web":
        body["attendees"] = "张三 居民代表"
    else:
        body.update({"attendees[0]name": "张三", "attendees[0]group": "representative"})
    status, text = post(door, pw.p.office, project, "meetings", "meeting", body, multipart=True)
    assert status == 400 and "会场.png" in text
    assert not project.meetings.exists() and not Attachment.objects.exists()


# ------------------------------------------------------------------------------------------------ notices
def received(verb) -> Counter:
    return Counter(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def _meeting_held(pw):
    project = _deliberating(pw)
    meeting = actions.do_record_meeting(
        actor=pw.p.office,
        project_id=project.pk,
        title="议事会",
        held_at=T0,
        place="活动室",
        quorum=1,
        attendees=[("张三", "representative")],
        minutes="同意",
    )
    actions.do_confirm_minutes(actor=pw.p.office, meeting_id=meeting.pk, names=["张三"])
    return project


@pytest.mark.parametrize("door", DOORS)
def test_opening_a_vote_through_either_door_tells_the_register_once(door, pw):
    project = _meeting_held(pw)
    body = {"question": "是否改造", "closes_at": "2025-06-20T18:00"}
    assert post(door, pw.p.rep, project, "vote/open", "open_vote", body)[0] == 403
    assert not Notification.objects.exists()
    assert post(door, pw.p.office, project, "vote/open", "open_vote", body)[0] == 200
    assert received(notices.VOTE_OPENED) == {"zhangsan": 1, "lisi": 1, "wangwu": 1}


@pytest.mark.parametrize("door", DOORS)
def test_closing_into_publicity_and_answering_tell_the_right_people_through_either_door(door, pw):
    project = solicit_to_voting(pw)
    for n in range(1, 7):
        actions.do_cast_ballot(
            actor=pw.p.office,
            project_id=project.pk,
            choice="full",
            channel="paper",
            household_id=pw.households[f"甲8号院{n}号"].pk,
        )
    with clock.frozen(T0 + timedelta(days=8)):
        assert post(door, pw.p.office, project, "vote/close", "close_vote", {})[0] == 200
        assert received(notices.PUBLICITY_STARTED) == {"zhangsan": 1, "lisi": 1, "wangwu": 1}
        objection = actions.do_object(actor=pw.p.neighbour, project_id=project.pk, grounds="噪音")
        if door == "web":
            answer = lambda user, text: _status(  # noqa: E731
                _web(user).post(
                    f"/projects/{project.pk}/act/answer/", {"objection": objection.pk, "answer": text}
                )
            )
        else:
            answer = lambda user, text: _status(  # noqa: E731
                token_client(user).post(
                    f"/api/v1/projects/objections/{objection.pk}/answer/", {"answer": text}, format="json"
                )
            )
        assert answer(pw.p.office, "") == 400
        assert answer(pw.p.office2, "不归我答") == 404
        assert not received(notices.OBJECTION_ANSWERED)
        assert answer(pw.p.office, "施工避开午休") == 200
        assert answer(pw.p.office, "再答一次") == 409
    assert received(notices.OBJECTION_ANSWERED) == {"wangwu": 1}


# ------------------------------------------------------------------------------------------------ rating
@pytest.mark.parametrize("door", DOORS)
def test_an_operator_rated_poorly_by_most_is_flagged_on_the_page_and_in_the_api(door, pw):
    project = _delivering(pw)
    with clock.frozen(T0 + timedelta(days=30)):
        actions.do_accept_delivery(actor=pw.p.office, project_id=project.pk, note="合格", representatives=2)
        assert post(door, pw.p.rep, project, "ratings", "rate", {"score": "9"})[0] == 400
        assert (
            post(door, pw.p.tenant, project, "ratings", "rate", {"score": "1"})[0] == 403
        )  # not on register
        assert post(door, pw.p.rep, project, "ratings", "rate", {"score": "1"})[0] == 200
        assert post(door, pw.p.neighbour, project, "ratings", "rate", {"score": "2"})[0] == 200
    assert Project.objects.get(pk=project.pk).operator_flagged
    assert 'data-testid="operator-flagged"' in _web(None).get(f"/projects/{project.pk}/").content.decode()
    assert token_client(pw.p.tenant).get(f"/api/v1/projects/{project.pk}/").json()["operator_flagged"]
    with clock.frozen(T0 + timedelta(days=31)):
        assert post(door, pw.p.spouse, project, "ratings", "rate", {"score": "5"})[0] == 200  # replaces rep's
    assert not Project.objects.get(pk=project.pk).operator_flagged  # one poor of two is not most


# ------------------------------------------------------------------------------------------------ re-vote
@pytest.mark.parametrize("door", DOORS)
def test_an_upheld_objection_under_a_revote_kind_refuses_approval_and_a_revote_reopens(door, pw):
    ProjectKind.objects.filter(code="EX-SB-01").update(revote_on_objection=True)
    project = _pass_and_publicise(pw, solicit_to_voting(pw))
    with clock.frozen(T0 + timedelta(days=9)):
        objection = actions.do_object(actor=pw.p.spouse, project_id=project.pk, grounds="挡住通道")
        actions.do_answer_objection(
            actor=pw.p.office, objection_id=objection.pk, answer="成立，调整位置", upheld=True
        )
    page = _web(pw.p.office).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="revote-required"' in page and 'data-testid="approve"' not in page
    with clock.frozen(T0 + timedelta(days=20)):
        status, text = post(door, pw.p.office, project, "approve", "approve", {})
        assert status == 409 and "须重新表决" in text
        body = {"reason": "异议成立，调整方案", "closes_at": "2025-07-10T18:00"}
        assert post(door, pw.p.rep, project, "revote", "revote", body)[0] == 403
        assert post(door, pw.p.office, project, "revote", "revote", {"reason": "", "closes_at": ""})[0] == 400
        before = Notification.objects.filter(verb=notices.VOTE_OPENED).count()
        assert post(door, pw.p.office, project, "revote", "revote", body)[0] == 200
    project.refresh_from_db()
    assert project.state == "voting" and project.rounds.count() == 2
    assert Notification.objects.filter(verb=notices.VOTE_OPENED).count() == before + 3


# ------------------------------------------------------------------------------------------------ exports
def _export(door, user, project):
    if door == "web":
        return _web(user).get(f"/projects/{project.pk}/export.xlsx")
    return token_client(user).get(f"/api/v1/projects/{project.pk}/export/")


def _cells(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(row) for row in book[book.sheetnames[1]].iter_rows(values_only=True)]


@pytest.mark.parametrize("door", DOORS)
def test_the_export_keeps_a_secret_round_secret_and_names_a_signed_rounds_households(door, pw):
    secret = solicit_to_voting(pw)
    actions.do_cast_ballot(
        actor=pw.p.office,
        project_id=secret.pk,
        choice="oppose",
        channel="paper",
        household_id=pw.households["甲8号院7号"].pk,
    )
    response = _export(door, pw.p.office, secret)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert len(_cells(response.content)) == 1  # open and secret: the header only
    _pass_and_publicise(pw, secret)
    rows = _cells(_export(door, pw.p.office, secret).content)[1:]
    assert len(rows) == 7 and all(r[5] in ("", None) and r[6] in ("", None) for r in rows)

    signed = solicit_to_voting(pw, kind="EX-SB-01", rules={"secret": False})
    actions.do_cast_ballot(
        actor=pw.p.office,
        project_id=signed.pk,
        choice="oppose",
        channel="paper",
        household_id=pw.households["甲8号院3号"].pk,
        signed_name="住户3",
    )
    rows = _cells(_export(door, pw.p.office, signed).content)[1:]
    assert rows and rows[0][5] == "甲8号院3号" and rows[0][6] == "住户3"
    for outsider in (pw.p.rep, pw.p.office2):
        assert _export(door, outsider, signed).status_code == 404


@pytest.mark.parametrize("door", DOORS)
def test_the_register_export_is_the_offices_only(door, pw):
    def get(user):
        if door == "web":
            return _web(user).get("/projects/register/?format=xlsx")
        return token_client(user).get("/api/v1/projects/register/export/")

    response = get(pw.p.office)
    assert response.status_code == 200 and response.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    addresses = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "甲8号院1号" in addresses and "新桥1号" not in addresses  # another subdistrict's households
    assert get(pw.p.rep).status_code == 404


# ------------------------------------------------------------------------------------------------ notice
@pytest.mark.parametrize("door", DOORS)
def test_the_publicity_notice_has_a_qr_code_to_the_project_and_no_names(door, pw):
    project = solicit_to_voting(pw)

    def get(user):
        if door == "web":
            return _web(user).get(f"/projects/{project.pk}/notice/")
        return token_client(user).get(f"/api/v1/projects/{project.pk}/notice/")

    assert get(pw.p.tenant).status_code == 404  # still voting: no notice yet
    _pass_and_publicise(pw, project)
    with clock.frozen(T0 + timedelta(days=9)):
        actions.do_object(actor=pw.p.spouse, project_id=project.pk, grounds="挡住轮椅通道")
    response = get(pw.p.tenant)
    assert response.status_code == 200
    text = response.content.decode()
    assert "挡住轮椅通道" in text and "lisi" not in text and "住户1" not in text
    assert f"/projects/{project.pk}/" in text
    if door == "api":
        body = response.json()
        assert body["qr_svg"].startswith("<svg") or "<svg" in body["qr_svg"]
        assert body["url"].endswith(f"/projects/{project.pk}/") and body["result"]["outcome"] == "passed_full"
    else:
        assert "<svg" in text


@pytest.mark.parametrize("door", DOORS)
def test_a_milestone_links_a_case_by_its_number_and_a_wrong_number_is_a_400(door, pw):
    from jingzhi.cases.actions import do_open_case

    project = _delivering(pw)
    with clock.frozen(T0 + timedelta(days=21)):
        case = do_open_case(actor=None, source="hotline", description="施工围挡倒了", lon=116.305, lat=39.905)
        body = {"title": "围挡加固", "progress": "50", "case_number": "JZ0000000000"}
        status, text = post(door, pw.p.office, project, "milestones", "milestone", body)
        assert status == 400 and "JZ0000000000" in text
        assert not Milestone.objects.filter(project=project).exists()
        body["case_number"] = case.number
        status, _text = post(door, pw.p.office, project, "milestones", "milestone", body)
    assert status == 200
    assert Milestone.objects.get(project=project).case_id == case.pk
