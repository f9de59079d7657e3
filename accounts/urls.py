from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("open/", views.open_account, name="open_account"),
    path("<str:number>/", views.account_detail, name="account_detail"),
    path("<str:number>/statement.csv", views.statement_csv, name="statement_csv"),
    path("<str:number>/deposit/", views.deposit, name="deposit"),
    path("<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:number>/transfer/", views.transfer, name="transfer"),
    path("<str:number>/overdraft-limit/", views.set_overdraft_limit, name="set_overdraft_limit"),
    path("<str:number>/close/", views.close_account, name="close_account"),
]
