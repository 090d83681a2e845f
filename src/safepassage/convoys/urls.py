from django.urls import path

from safepassage.convoys import views

app_name = "convoys"
urlpatterns = [
    path("board/", views.board_page, name="board"),
    path("notifications/<int:notification_id>/", views.notification_page, name="notification"),
]
