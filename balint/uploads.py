"""Uploads Django refuses before any view runs get a page that says why.

Django's multipart parser refuses a file part whose headers pass 1,024 bytes
(django.http.multipartparser.MAX_TOTAL_HEADER_SIZE, not a setting): a file name
of about 950 bytes. CsrfViewMiddleware reads the form first, so the person got a
bare "Bad Request (400)". This middleware, before it, reads the form itself.
"""

from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render


class UploadRefusedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 - parsing is the point: it raises here, not in CSRF
            except MultiPartParserError:
                return render(request, "upload_refused.html", status=400)
        return self.get_response(request)
