"""The evaluation floor's URLs: pool."""

urlpatterns = []
