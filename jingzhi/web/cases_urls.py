"""Routes of the cases pages, spread into the web URLconf (namespace "web").

`case_detail` takes a case number (JZ…) or an id: the notification code reverses it with the id."""

from django.urls import path

from jingzhi.web.casepages import detail, help, hotline, resident, workbench

urlpatterns: list = [
    path("cases/", workbench.workbench, name="cases_workbench"),
    path("cases/hotline/import/", hotline.hotline_import, name="hotline_import"),
    path("cases/hotline/import/<str:token>/", hotline.hotline_import_status, name="hotline_import_status"),
    path("cases/summons/<int:pk>/report-in/", detail.report_in, name="case_report_in"),
    path("cases/summons/<int:pk>/rate/", detail.rate_whistle, name="case_rate_whistle"),
    path("cases/<str:ref>/", detail.case_detail, name="case_detail"),
    path("cases/<str:ref>/act/<str:action>/", detail.case_act, name="case_act"),
    path("cases/<str:ref>/whistle/", detail.case_whistle, name="case_whistle"),
    path("report/", resident.report, name="case_report"),
    path("report/assist/", resident.report_assist, name="case_report_assist"),
    path("report/places/", resident.report_places, name="case_report_places"),
    path("my/reports/", resident.my_reports, name="my_reports"),
    path("help/loop/", help.loop_help, name="loop_help"),
]
