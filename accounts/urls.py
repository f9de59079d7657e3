from django.urls import path

from accounts import views
from accounts.requestpages import REQUEST_PAGES

urlpatterns = [
    path("", views.account_list, name="account_list"),
    *(
        path(page.path, views.REQUEST_VIEWS[page.url_name], name=page.url_name)
        for page in REQUEST_PAGES
        if not page.about_an_account
    ),
    path("<str:number>/", views.account_detail, name="account_detail"),
    path("<str:number>/statement.csv", views.statement_csv, name="statement_csv"),
    *(
        path(f"<str:number>/{page.path}", views.REQUEST_VIEWS[page.url_name], name=page.url_name)
        for page in REQUEST_PAGES
        if page.about_an_account
    ),
]
