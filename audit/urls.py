from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("accounts/<str:number>/as-at/", views.account_at, name="account_as_at"),
    path("accounts/<str:number>/history.csv", views.account_history_csv, name="account_history_csv"),
    path("verifications/", views.verification_list, name="verification_list"),
    path("verifications/request/", views.request_verification, name="request_verification"),
    path("verifications/<int:pk>/", views.verification_detail, name="verification_detail"),
    path("verifications/<int:pk>.json", views.verification_json, name="verification_json"),
    path("verifications/<int:pk>.csv", views.verification_csv, name="verification_csv"),
]
