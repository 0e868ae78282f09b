"""Routes of the cases pages, spread into the web URLconf (namespace "web")."""

urlpatterns: list = []
