from django.urls import path

from safepassage.convoys import pages, views

app_name = "convoys"
urlpatterns = [
    path("board/", views.board_page, name="board"),
    path("<int:convoy_id>/positions/", pages.positions_page, name="positions"),
    path("<int:convoy_id>/manifest/", pages.manifest_page, name="manifest"),
    path("notifications/<int:notification_id>/", views.notification_page, name="notification"),
]
