"""QR codes of links, for a desktop visitor to open them on a phone."""

import base64
import io
from functools import lru_cache

import qrcode
import qrcode.image.svg


@lru_cache(maxsize=64)
def qr_svg(url):
    """QR code of ``url`` as an SVG document (error correction M)."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg_data_uri(url):
    """QR code of ``url`` as an SVG data URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode()
