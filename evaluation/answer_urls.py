"""The evaluation floor's URLs: answer."""

urlpatterns = []
