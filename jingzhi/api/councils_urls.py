"""Routes of the 多元共治 REST endpoints under /api/v1/councils/, spread into the api URLconf (namespace "api")."""

from django.urls import path, re_path

from jingzhi.api import councils as views

P = "v1/councils/"

urlpatterns: list = [
    path(P, views.CouncilCollectionView.as_view(), name="councils"),
    path(f"{P}<int:pk>/", views.CouncilDetailView.as_view(), name="council"),
    path(f"{P}<int:pk>/members/", views.CouncilMembersView.as_view(), name="council-members"),
    path(f"{P}<int:pk>/rosters/", views.RosterCollectionView.as_view(), name="council-rosters"),
    re_path(
        rf"^{P}(?P<pk>\d+)/rosters/(?P<month>\d{{4}}-\d{{2}})/$",
        views.RosterMonthView.as_view(),
        name="council-roster",
    ),
    path(f"{P}<int:pk>/completion/", views.CompletionView.as_view(), name="council-completion"),
    path(f"{P}members/<int:pk>/unavailable/", views.UnavailableView.as_view(), name="council-unavailable"),
    path(f"{P}rosters/<int:pk>/publish/", views.RosterPublishView.as_view(), name="council-roster-publish"),
    path(f"{P}shifts/mine/", views.MyShiftsView.as_view(), name="council-my-shifts"),
    path(f"{P}shifts/<int:pk>/check-in/", views.CheckInView.as_view(), name="council-check-in"),
    path(f"{P}shifts/<int:pk>/check-out/", views.CheckOutView.as_view(), name="council-check-out"),
    path(f"{P}shifts/<int:pk>/findings/", views.FindingView.as_view(), name="council-findings"),
    path(f"{P}shifts/<int:pk>/swaps/", views.SwapRequestView.as_view(), name="council-swap"),
    path(f"{P}swaps/<int:pk>/decide/", views.SwapDecideView.as_view(), name="council-swap-decide"),
    path(f"{P}meetings/", views.MeetingCollectionView.as_view(), name="council-meetings"),
    path(f"{P}meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="council-meeting"),
    path(
        f"{P}meetings/<int:pk>/action-items/", views.ActionItemCreateView.as_view(), name="council-action-add"
    ),
    path(f"{P}action-items/", views.ActionItemListView.as_view(), name="council-action-items"),
    path(f"{P}action-items/<int:pk>/done/", views.ActionItemDoneView.as_view(), name="council-action-done"),
    path(f"{P}party-members/", views.PartyMemberView.as_view(), name="council-party-members"),
    path(f"{P}property-companies/", views.PropertyCompanyView.as_view(), name="council-property-companies"),
    path(f"{P}tasks/", views.TaskBoardView.as_view(), name="council-tasks"),
    path(f"{P}tasks/<int:pk>/signup/", views.SignUpView.as_view(), name="council-task-signup"),
    path(f"{P}signups/<int:pk>/check-in/", views.SignupCheckView.as_view(), name="council-signup-in"),
    path(f"{P}signups/<int:pk>/check-out/", views.SignupCheckOutView.as_view(), name="council-signup-out"),
]
