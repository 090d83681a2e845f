from django.contrib.auth import views as auth_views
from django.urls import path

from safepassage.accounts import views as account_views
from safepassage.web import views

app_name = "web"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("audit/", views.audit_page, name="audit"),
    path("claims/", views.claims_page, name="claims"),
    path("claims/<int:claim_id>/verification", views.claim_verify, name="claim-verify"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("account/two-factor/", account_views.two_factor, name="two-factor"),
    path("account/two-factor/enrol/", account_views.enrol, name="two-factor-enrol"),
    path("account/tokens/", account_views.tokens_page, name="tokens"),
    path("healthz", views.healthz, name="healthz"),
]
