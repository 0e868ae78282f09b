"""Photos kept across a failed report (issue 11 §2): stored as the resident's drafts with the checks of any
upload, seen only by their uploader, claimed by the report that goes through, and swept when they expire."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jingzhi.cases.models import CaseEvent
from jingzhi.cases.testing import IN_SUB1, open_case
from jingzhi.core import attachments, clock
from jingzhi.core.errors import InvalidInput
from jingzhi.core.models import Attachment, AuditEvent


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo(name="p.png", colour=(90, 140, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_draft_is_checked_like_any_upload(world):
    with pytest.raises(InvalidInput) as err:
        attachments.do_store_drafts(
            actor=world.p.resident, uploads=[photo(), SimpleUploadedFile("x.jpg", b"no")]
        )
    assert "x.jpg" in err.value.message
    assert not Attachment.objects.exists()


def test_only_the_uploader_sees_a_draft(world):
    (draft,) = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo()])
    assert attachments.can_view_attachment(world.p.resident, draft)
    assert not attachments.can_view_attachment(world.p.other_resident, draft)
    assert not attachments.can_view_attachment(world.p.district_admin, draft)
    assert list(attachments.drafts_for(world.p.other_resident)) == []


def test_a_report_claims_the_drafts_as_its_photos(world):
    drafts = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo(), photo("b.png", (1, 2, 3))])
    case = open_case(world, draft_photos=[d.pk for d in drafts])
    event = CaseEvent.objects.get(case=case, action="open")
    assert sorted(event.data["attachments"]) == sorted(d.pk for d in drafts)
    assert set(Attachment.objects.values_list("owner_type", "kind")) == {("cases.caseevent", "before")}
    assert list(attachments.drafts_for(world.p.resident)) == []
    assert AuditEvent.objects.filter(verb="attachment.draft_claimed").exists()


def test_someone_elses_draft_cannot_be_claimed_and_nothing_is_filed(world):
    (draft,) = attachments.do_store_drafts(actor=world.p.other_resident, uploads=[photo()])
    before = CaseEvent.objects.count()
    with pytest.raises(InvalidInput) as err:
        open_case(world, draft_photos=[draft.pk])
    assert f"#{draft.pk}" in err.value.message and "重新选择" in err.value.message
    assert CaseEvent.objects.count() == before
    assert Attachment.objects.get().owner_type == attachments.DRAFT_OWNER


def test_a_failed_report_leaves_the_drafts_for_the_next_try(world):
    drafts = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo()])
    from jingzhi.cases.actions import do_open_case

    with pytest.raises(InvalidInput) as err:
        do_open_case(
            actor=world.p.resident, source="resident_web", description="井盖没了", draft_photos=[drafts[0].pk]
        )
    assert err.value.message == "请提供问题位置" and "经纬度" not in err.value.message
    assert list(attachments.drafts_for(world.p.resident)) == drafts


def test_drafts_expire_and_are_swept(world, settings):
    settings.JINGZHI_DRAFT_PHOTO_HOURS = 24
    (draft,) = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo()])
    with clock.frozen(clock.now() + timedelta(hours=25)):
        assert list(attachments.drafts_for(world.p.resident)) == []
        with pytest.raises(InvalidInput):
            open_case(world, draft_photos=[draft.pk], where=IN_SUB1)
        assert attachments.do_sweep_drafts() == 1
    assert not Attachment.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(verb="attachment.draft_expired").exists()


def test_a_removed_draft_is_discarded_for_its_owner_only(world):
    (mine,) = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo()])
    (theirs,) = attachments.do_store_drafts(actor=world.p.other_resident, uploads=[photo()])
    assert attachments.do_discard_drafts(actor=world.p.resident, ids=[mine.pk, theirs.pk]) == 1
    assert list(Attachment.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_sweep_command_removes_expired_drafts(world):
    from django.core.management import call_command

    (draft,) = attachments.do_store_drafts(actor=world.p.resident, uploads=[photo()])
    out = io.StringIO()
    with clock.frozen(clock.now() + timedelta(hours=25)):
        call_command("attachments", "sweep-drafts", stdout=out)
    assert "1" in out.getvalue() and not Attachment.objects.filter(pk=draft.pk).exists()
