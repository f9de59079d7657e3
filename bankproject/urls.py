from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from infrastructure.metrics import metrics_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="account_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("requests/", include("sagas.urls")),
    path("audit/", include("audit.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
]
