from django.conf import settings


def shell(request):
    """Values every page of the web shell needs."""
    return {"JINGZHI_DEMO": settings.JINGZHI_DEMO}
