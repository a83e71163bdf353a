"""Writes for the certificates' design: the scheme's mark and who signs.

The mark is an upload from the web: untrusted bytes. It is read with Pillow only after
its size and its declared dimensions pass (a small file can declare a picture of
billions of pixels), then drawn afresh into a new PNG, downscaled, with no metadata
(no EXIF, text chunks or colour profile) and no trace of the original encoding.
"""

import io
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from PIL import Image, ImageCms, ImageOps

from attendance.models import Requirement
from groups import permissions as group_permissions
from groups.models import Scheme, User

log = logging.getLogger(__name__)

MARK_MAX_BYTES = 1024 * 1024  # the upload, before anything reads it as a picture
MARK_MAX_PIXELS = 25_000_000  # as declared in its header: 5,000 x 5,000
MARK_MIN_SIDE = 32
# Printed at most 70 x 24 mm: 600 pixels is 217 dpi across the widest mark, and keeps
# the stored PNG small enough to read with the scheme on every certificate batch.
MARK_MAX_SIDE = 600
MARK_FORMATS = ("PNG", "JPEG")
SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _damaged() -> ValidationError:
    return ValidationError("This picture is damaged and cannot be read.", code="damaged")


def _too_many_pixels(size: str) -> ValidationError:
    return ValidationError(
        f"The picture is {size}: a mark may have at most "
        f"{MARK_MAX_PIXELS // 1_000_000} million pixels (5,000 x 5,000).",
        code="too_many_pixels",
    )


def _in_srgb(picture: Image.Image) -> Image.Image:
    """The picture's colours in sRGB when it carries a colour profile (a CMYK JPEG from a
    print shop, Adobe RGB from a camera); without the profile, as they are."""
    profile = picture.info.get("icc_profile")
    if not profile or picture.mode not in ("RGB", "RGBA", "CMYK"):
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        mode = "RGBA" if picture.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(
            picture, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture  # a broken profile: the plain conversion below still gives a mark


def _plain(picture: Image.Image) -> Image.Image:
    """In a mode a PNG keeps and WeasyPrint embeds: L, LA, RGB or RGBA, 8 bits a channel."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grey: scale down to 8 bits (a plain conversion would clip to white).
        picture = picture.convert("I").point(lambda value: value / 256).convert("L")
    elif picture.mode == "F":
        picture = picture.convert("L")
    transparent = "A" in picture.getbands() or "transparency" in picture.info
    grey = picture.mode in ("1", "L", "LA", "La")
    target = ("LA" if transparent else "L") if grey else ("RGBA" if transparent else "RGB")
    return picture if picture.mode == target else picture.convert(target)


def mark_png(data: bytes) -> bytes:
    """A clean PNG of the uploaded PNG or JPEG `data`, at most MARK_MAX_SIDE a side.

    Raises ValidationError saying what is wrong: too large, not a PNG or JPEG, too many
    pixels, too small, or not readable as a picture.
    """
    if len(data) > MARK_MAX_BYTES:
        raise ValidationError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB: a mark may be at most 1 MB.",
            code="too_large",
        )
    try:
        picture = Image.open(io.BytesIO(data), formats=MARK_FORMATS)
    except Image.UnidentifiedImageError:
        if data.startswith(SIGNATURES):  # it says it is one, but Pillow cannot parse it
            raise _damaged() from None
        raise ValidationError(
            "This file is not a PNG or JPEG picture.", code="not_an_image"
        ) from None
    except Image.DecompressionBombError:  # Pillow's own guard, far above ours
        raise _too_many_pixels("far too large") from None
    except Exception:  # a header Pillow cannot parse: a broken upload, whatever it raises
        raise _damaged() from None
    width, height = picture.size
    if width * height > MARK_MAX_PIXELS:
        raise _too_many_pixels(f"{width} x {height} pixels")
    if min(width, height) < MARK_MIN_SIDE:
        raise ValidationError(
            f"The picture is {width} x {height} pixels: a mark needs at least "
            f"{MARK_MIN_SIDE} pixels each way to print sharply.",
            code="too_small",
        )
    try:
        picture.verify()  # checks the structure (chunks, checksums) without decoding
        picture = Image.open(io.BytesIO(data), formats=MARK_FORMATS)  # verify() spent it
        picture.draft(None, (MARK_MAX_SIDE, MARK_MAX_SIDE))  # a JPEG decodes at a smaller scale
        picture.load()
        picture = _plain(_in_srgb(ImageOps.exif_transpose(picture)))
        picture.thumbnail((MARK_MAX_SIDE, MARK_MAX_SIDE), Image.Resampling.LANCZOS)
        # A new picture from the pixels alone: nothing of the upload's metadata comes along.
        clean = Image.frombytes(picture.mode, picture.size, picture.tobytes())
        out = io.BytesIO()
        clean.save(out, "PNG", optimize=True)
    except Exception:  # Pillow raises many kinds for corrupt data, from its C decoders too
        log.info("A certificate mark could not be decoded.", exc_info=True)
        raise _damaged() from None
    return out.getvalue()


def certificate_design_update(
    *,
    actor: User,
    scheme: Scheme,
    leader_signs: bool,
    mark: bytes | None = None,
    remove_mark: bool = False,
) -> Requirement:
    """Set whether the trainee's leader signs beside the organiser, and upload (`mark`,
    the file's bytes) or remove the scheme's mark. Applies to every certificate printed
    from now on, those issued earlier included: the design is not part of the snapshot."""
    if not group_permissions.is_organiser(actor, scheme):
        raise PermissionDenied("Only the scheme's organisers design its certificates.")
    png = mark_png(mark) if mark is not None else None  # before the transaction: slow
    with transaction.atomic():
        requirement, _ = Requirement.objects.select_for_update().get_or_create(scheme=scheme)
        requirement.certificate_leader_signs = leader_signs
        if png is not None:
            requirement.certificate_mark = png
        elif remove_mark:
            requirement.certificate_mark = b""
        requirement.save(update_fields=["certificate_leader_signs", "certificate_mark"])
    return requirement
