"""Front-end files come from Python packages, only those the templates use."""

from django.contrib.staticfiles import finders

from balint.staticfiles import PackageFilesFinder


def test_the_pages_bootstrap_is_found_and_the_rest_of_the_package_is_not():
    assert finders.find("bootstrap/css/bootstrap.min.css").endswith("css/bootstrap.min.css")
    assert finders.find("bootstrap/js/bootstrap.bundle.min.js")
    assert not finders.find("bootstrap/css/bootstrap.css")
    assert not finders.find("bootstrap/css/bootstrap.min.css/../bootstrap.css")


def test_collectstatic_lists_only_the_named_files():
    listed = sorted(path for path, _storage in PackageFilesFinder().list(ignore_patterns=[]))
    assert listed == [
        "css/bootstrap.min.css",
        "css/bootstrap.min.css.map",
        "js/bootstrap.bundle.min.js",
        "js/bootstrap.bundle.min.js.map",
    ]


def test_a_named_file_the_package_lacks_fails_the_system_check(settings, tmp_path):
    (tmp_path / "present.css").write_text("body {}")
    settings.PACKAGE_STATIC_FILES = {"kit": (tmp_path, ["present.css", "missing.css"])}
    errors = PackageFilesFinder().check()
    assert [(error.id, error.msg) for error in errors] == [
        ("balint.E002", f"missing.css is not in {tmp_path}")
    ]
    # Django's staticfiles checks ask each finder in use.
    assert any(isinstance(finder, PackageFilesFinder) for finder in finders.get_finders())
