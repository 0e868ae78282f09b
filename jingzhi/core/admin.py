"""Admin pages for core: the audit log (read-only), the calendar tables and working hours.

Edits made here go through `jingzhi.core.actions`, so they are audited and drop the calendar cache like
any other write. The "已载入年度" list carries an upload page for the State Council's yearly notice.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core import actions, workcalendar
from jingzhi.core.errors import ApplicationError
from jingzhi.core.holidayfile import HolidayFileError, HolidayRow, parse_holiday_file, validate_rows
from jingzhi.core.models import AuditEvent, CalendarYear, Holiday, WorkSchedule

MAX_UPLOAD_BYTES = 256 * 1024  # a year's notice is a few hundred bytes


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "actor_label", "verb", "target_type", "target_id")
    list_filter = ("verb", "target_type")
    search_fields = ("=target_id", "actor_label", "verb", "note")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_select_related = False
    show_full_result_count = False  # counting millions of rows on every page view is wasteful

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ("date", "is_workday", "name")

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        if day:
            problems = validate_rows(
                [HolidayRow(day, cleaned.get("name") or "", bool(cleaned.get("is_workday")))], year=day.year
            )
            if problems:
                raise forms.ValidationError(problems[0].split("：", 1)[-1])
        return cleaned


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    form = HolidayForm
    list_display = ("date", "weekday", "name", "is_workday")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @admin.display(description=gettext_lazy("星期"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        try:
            actions.do_save_holiday(actor=request.user, holiday=obj)
        except ApplicationError as exc:
            # The form has passed; the rule failed: tell the person instead of a 500.
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_model(self, request, obj):
        actions.do_delete_holiday(actor=request.user, holiday=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.do_delete_holiday(actor=request.user, holiday=obj)


class WorkScheduleForm(forms.ModelForm):
    class Meta:
        model = WorkSchedule
        fields = ("key", "name", "periods")


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin):
    form = WorkScheduleForm
    list_display = ("key", "name", "periods_text", "updated_at")
    search_fields = ("key", "name")

    @admin.display(description=gettext_lazy("工作时段"))
    def periods_text(self, obj):
        return "，".join(f"{a}–{b}" for a, b in obj.periods) if isinstance(obj.periods, list) else obj.periods

    def save_model(self, request, obj, form, change):
        try:
            actions.do_save_work_schedule(actor=request.user, schedule=obj)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_model(self, request, obj):
        actions.do_delete_work_schedule(actor=request.user, schedule=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.do_delete_work_schedule(actor=request.user, schedule=obj)


class HolidayUploadForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=gettext_lazy("节假日文件"),
        help_text=gettext_lazy(
            "CSV（表头 date,name,is_workday）或简写格式；整份文件全部正确才会导入，并替换该年已有的数据。"
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("来源"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("例如通知文号“国办发明电〔2026〕×号”；留空则用文件名。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(kb)d KB），一年的节假日文件通常不到 1 KB。") % {"kb": upload.size // 1024}
            )
        return upload


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "loaded_at", "day_count")
    readonly_fields = ("year", "source", "loaded_at")
    change_list_template = "admin/core/calendaryear/change_list.html"

    @admin.display(description=gettext_lazy("天数"))
    def day_count(self, obj):
        return Holiday.objects.filter(date__year=obj.year).count()

    def has_add_permission(self, request):
        return False  # a year is loaded only by uploading its notice

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        actions.do_delete_calendar_year(actor=request.user, calendar_year=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.do_delete_calendar_year(actor=request.user, calendar_year=obj)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="core_calendaryear_upload"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        this_year = workcalendar.today().year
        extra_context = {
            **(extra_context or {}),
            "calendar_status": workcalendar.calendar_status(range(this_year - 1, this_year + 2)),
            "can_upload": self._can_upload(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    @staticmethod
    def _can_upload(request) -> bool:
        return request.user.has_perm("core.add_holiday") and request.user.has_perm("core.delete_holiday")

    def upload_view(self, request):
        if not self._can_upload(request):
            raise PermissionDenied
        problems: list[str] = []
        if request.method == "POST":
            form = HolidayUploadForm(request.POST, request.FILES)
            if form.is_valid():
                year = form.cleaned_data["year"]
                upload = form.cleaned_data["file"]
                try:
                    rows = parse_holiday_file(upload.read(), year=year)
                    actions.do_import_holidays(
                        actor=request.user,
                        year=year,
                        rows=rows,
                        source=form.cleaned_data["source"] or upload.name,
                    )
                except HolidayFileError as exc:
                    problems = exc.problems
                except ApplicationError as exc:
                    problems = [exc.message]
                else:
                    holidays = sum(1 for r in rows if not r.is_workday)
                    self.message_user(
                        request,
                        _("已导入 %(year)d 年：放假 %(h)d 天，调休上班 %(w)d 天。")
                        % {"year": year, "h": holidays, "w": len(rows) - holidays},
                    )
                    return redirect(reverse("admin:core_calendaryear_changelist"))
        else:
            form = HolidayUploadForm(initial={"year": workcalendar.today().year + 1})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("上传节假日文件"),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/core/calendaryear/upload.html", context)


# Read-only pages for attachments and notifications live beside this file.
from jingzhi.core import admin_messaging  # noqa: E402, F401
