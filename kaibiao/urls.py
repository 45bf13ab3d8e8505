"""The site's root URLs: the language switch, admin, log-in and log-out, then the portal's, bidding's and trading's."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The browser's words (frontend/js/src/i18n.js): the djangojs catalog of the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["frontend"]), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("reporting.urls")),
    path("", include("bidding.urls")),
    path("", include("evaluation.urls")),
    path("", include("trading.urls")),
]

# The error pages in the site's layout and language (frontend/errors.py; 400.html and 500.html).
handler403 = "frontend.errors.permission_denied"
handler404 = "frontend.errors.page_not_found"
