"""The scheme's mark (attendance/certificate_services.py): untrusted uploads, read with Pillow
only within bounds, stored as a fresh PNG with no metadata, or refused saying why.

Real files are made here by Pillow in the modes other tools write (a logo with alpha, a
palette PNG, a print shop's CMYK JPEG, a 16-bit scan); hostile ones by hand (a header that
declares a giant picture, truncated and corrupted data); and Hypothesis throws arbitrary
bytes, and mutations of a valid PNG, at the service.
"""

import io
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from attendance.certificate_services import (
    MARK_MAX_BYTES,
    MARK_MAX_SIDE,
    certificate_design_update,
    mark_png,
)
from attendance.models import Requirement


def encoded(picture: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height`: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            png_chunk(b"IHDR", header),
            png_chunk(b"IDAT", zlib.compress(b"\0" * 64)),
            png_chunk(b"IEND", b""),
        )
    )


def opened(png: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG"
    picture.load()
    return picture


LOGO = Image.new("RGBA", (800, 300), (31, 59, 87, 200))
VALID_PNG = encoded(LOGO, "PNG")


# --- Real pictures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "mode"),
    [
        (encoded(LOGO, "PNG"), "RGBA"),
        (encoded(Image.new("P", (120, 80), 3), "PNG", transparency=3), "RGBA"),
        (encoded(Image.new("P", (120, 80), 3), "PNG"), "RGB"),
        (encoded(Image.new("RGB", (640, 480), (200, 10, 10)), "JPEG", quality=90), "RGB"),
        (encoded(Image.new("CMYK", (200, 100), (0, 100, 200, 0)), "JPEG"), "RGB"),
        (encoded(Image.new("L", (64, 64), 90), "JPEG"), "L"),
        (encoded(Image.new("LA", (64, 64), (90, 128)), "PNG"), "LA"),
        (encoded(Image.new("1", (64, 64), 1), "PNG"), "L"),
        (encoded(Image.new("I;16", (64, 64), 40_000), "PNG"), "L"),
    ],
    ids=[
        "rgba",
        "palette-transparent",
        "palette",
        "jpeg",
        "cmyk-jpeg",
        "grey-jpeg",
        "la",
        "1-bit",
        "16-bit",
    ],
)
def test_real_pictures_become_plain_pngs(upload, mode):
    picture = opened(mark_png(upload))

    assert picture.mode == mode
    assert max(picture.size) <= MARK_MAX_SIDE


def test_colours_survive_the_conversions():
    # Scaled down with the alpha premultiplied: within a step of rounding.
    red, green, blue, alpha = opened(mark_png(encoded(LOGO, "PNG"))).getpixel((5, 5))
    assert abs(red - 31) <= 1 and abs(green - 59) <= 1 and abs(blue - 87) <= 1
    assert alpha == 200
    # CMYK (0, 100, 200, 0): no cyan, some magenta, more yellow.
    cmyk = encoded(Image.new("CMYK", (64, 64), (0, 100, 200, 0)), "JPEG", quality=100)
    red, green, blue = opened(mark_png(cmyk)).getpixel((5, 5))
    assert red > 245 and 140 < green < 170 and 40 < blue < 70
    # 16-bit grey is scaled down to 8 bits, not clipped to white.
    deep = encoded(Image.new("I;16", (64, 64), 40_000), "PNG")
    assert opened(mark_png(deep)).getpixel((5, 5)) == 40_000 // 256


def test_a_large_picture_is_scaled_down_keeping_its_shape():
    picture = opened(mark_png(encoded(Image.new("RGB", (3000, 1000), "white"), "PNG")))

    assert picture.size == (MARK_MAX_SIDE, MARK_MAX_SIDE // 3)


def test_nothing_of_the_uploads_metadata_is_kept():
    exif = Image.Exif()
    exif[0x010E] = "Taken at Mercy Hospital, patient 12345"  # ImageDescription
    exif[0x0112] = 6  # rotated: applied to the pixels, then dropped
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg = encoded(Image.new("RGB", (200, 100), "navy"), "JPEG", exif=exif, icc_profile=srgb)
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "patient 12345")
    png = encoded(Image.new("RGB", (200, 100), "navy"), "PNG", pnginfo=text, dpi=(300, 300))

    for upload in (jpeg, png):
        clean = mark_png(upload)
        assert b"12345" not in clean
        assert b"Exif" not in clean and b"tEXt" not in clean and b"iCCP" not in clean
        assert opened(clean).info == {}
    assert opened(mark_png(jpeg)).size == (100, 200)  # the EXIF rotation, applied


# --- Refused, saying why -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (b"", "not_an_image", "not a PNG or JPEG"),
        (b"GIF89a" + bytes(100), "not_an_image", "not a PNG or JPEG"),
        (encoded(Image.new("RGB", (64, 64)), "GIF"), "not_an_image", "not a PNG or JPEG"),
        (encoded(Image.new("RGB", (64, 64)), "WEBP"), "not_an_image", "not a PNG or JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not_an_image", "not a PNG or JPEG"),
        (png_declaring(6000, 6000), "too_many_pixels", "6000 x 6000 pixels"),
        (png_declaring(100_000, 100_000), "too_many_pixels", "far too large"),
        (png_declaring(2**31 - 1, 1), "too_many_pixels", "at most 25 million"),
        (encoded(Image.new("RGB", (20, 400)), "PNG"), "too_small", "20 x 400 pixels"),
        (VALID_PNG[: len(VALID_PNG) // 2], "damaged", "damaged"),
        (encoded(Image.new("RGB", (400, 400), "red"), "JPEG")[:200], "damaged", "damaged"),
        (VALID_PNG[:40] + b"\xff" * 40 + VALID_PNG[80:], "damaged", "damaged"),
        (bytes(MARK_MAX_BYTES + 1), "too_large", "at most 1 MB"),
    ],
    ids=[
        "empty",
        "gif-header",
        "gif",
        "webp",
        "svg",
        "36-megapixels",
        "bomb",
        "absurd-width",
        "too-small",
        "truncated-png",
        "truncated-jpeg",
        "corrupt-chunk",
        "over-1-mb",
    ],
)
def test_what_is_not_a_usable_mark_is_refused_saying_why(upload, code, message):
    with pytest.raises(ValidationError) as refused:
        mark_png(upload)

    assert refused.value.code == code
    assert message in refused.value.messages[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_a_png_or_a_clear_refusal(data):
    try:
        png = mark_png(data)
    except ValidationError as refused:
        assert refused.code in {"not_an_image", "damaged", "too_small", "too_many_pixels"}
    else:
        assert max(opened(png).size) <= MARK_MAX_SIDE


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_damaged_png_gives_a_png_or_a_clear_refusal(data):
    """Bytes flipped, cut or inserted anywhere in a valid PNG: past the signature, so
    Pillow's parsers and decoders are what meet them."""
    png = bytearray(VALID_PNG)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(png) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            png[at] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del png[at : at + data.draw(st.integers(1, 64))]
        else:
            png[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    try:
        clean = mark_png(bytes(png))
    except ValidationError as refused:
        assert refused.messages
    else:
        assert opened(clean).mode in {"L", "LA", "RGB", "RGBA"}


# --- The service -------------------------------------------------------------------------------


@pytest.fixture
def requirement(scheme):
    return Requirement.objects.get(scheme=scheme)


def test_an_organiser_sets_and_removes_the_mark(organiser, scheme, requirement):
    certificate_design_update(actor=organiser, scheme=scheme, leader_signs=True, mark=VALID_PNG)

    requirement.refresh_from_db()
    assert opened(bytes(requirement.certificate_mark)).size == (MARK_MAX_SIDE, 225)
    assert requirement.certificate_leader_signs is True

    certificate_design_update(actor=organiser, scheme=scheme, leader_signs=False, remove_mark=True)

    requirement.refresh_from_db()
    assert bytes(requirement.certificate_mark) == b""
    assert requirement.certificate_leader_signs is False


def test_a_refused_upload_changes_nothing(organiser, scheme, requirement):
    certificate_design_update(actor=organiser, scheme=scheme, leader_signs=False, mark=VALID_PNG)
    kept = bytes(Requirement.objects.get(scheme=scheme).certificate_mark)

    with pytest.raises(ValidationError):
        certificate_design_update(
            actor=organiser, scheme=scheme, leader_signs=True, mark=b"not a picture"
        )

    requirement.refresh_from_db()
    assert bytes(requirement.certificate_mark) == kept
    assert requirement.certificate_leader_signs is False


@pytest.mark.parametrize("role", ["leader", "trainee", "other_scheme_organiser", "stranger"])
def test_only_the_schemes_organisers_design_its_certificates(request, scheme, role, requirement):
    with pytest.raises(PermissionDenied):
        certificate_design_update(
            actor=request.getfixturevalue(role), scheme=scheme, leader_signs=True, mark=VALID_PNG
        )

    requirement.refresh_from_db()
    assert bytes(requirement.certificate_mark) == b""
