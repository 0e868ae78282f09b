"""Routes of the cases REST endpoints under /api/v1/, spread into the api URLconf (namespace "api")."""

urlpatterns: list = []
