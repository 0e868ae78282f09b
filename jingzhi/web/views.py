from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def home(request):
    return HttpResponse("精治")


login_view = auth_views.LoginView.as_view()
