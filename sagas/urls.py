from django.urls import path

from sagas import views

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("requests.csv", views.request_list_csv, name="request_list_csv"),
    path("<uuid:saga_id>/", views.request_detail, name="request_detail"),
    path("<uuid:saga_id>/status.json", views.request_status, name="request_status"),
]
