"""Routes of the rectification REST endpoints under /api/v1/, spread into the api URLconf (namespace "api")."""

urlpatterns: list = []
