from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def empty_page(request):
    """The base template and nothing else: the floor the benchmark compares pages with."""
    return render(request, "empty.html")
