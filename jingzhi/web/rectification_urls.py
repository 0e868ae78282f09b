"""Routes of the rectification pages, spread into the web URLconf (namespace "web")."""

urlpatterns: list = []
