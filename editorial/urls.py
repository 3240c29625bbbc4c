from django.urls import path

from editorial import views

app_name = "editorial"

urlpatterns = [
    path("", views.home, name="home"),
    path("z/<slug:zone_slug>/", views.zone_dashboard, name="zone_dashboard"),
]
