"""Dashboard routes (see the views they import)."""

urlpatterns: list = []
