"""The evaluation floor's URLs: draw."""

urlpatterns = []
