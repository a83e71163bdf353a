"""The home page: a section for each role the person holds (attendance.home)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from attendance.home import home_for
from groups.context_processors import roles


@login_required
def home(request):
    return render(request, "home/home.html", {"home": home_for(request.user, roles(request))})
