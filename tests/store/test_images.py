"""Hostile and unusual starting images: refused early with a clear message, or stored as a sane 8-bit RGB
copy, never more pixels than the working limit; and loading for a render applies the same guards."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PIL import Image

from tests.conftest import snapshot
from tests.store.image_files import encode, textured, three_bars, zero_png
from workbench.domain import defaults
from workbench.domain.models import Resolution
from workbench.errors import InvalidImageError, StartingImageMissingError
from workbench.generation.local.source import load_starting_image
from workbench.jobs.actions import replace_starting_image
from workbench.store import images
from workbench.store.images import decode_rgb, read_header


def _stored(store, image) -> np.ndarray:
    with Image.open(store.media_path(image.path)) as img:
        assert img.mode == "RGB", img.mode
        return np.asarray(img)


# -- refused before decoding --------------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_from_its_header(store, lecture, monkeypatch) -> None:
    bomb = zero_png(16000, 16000)  # 768 MB of pixels in 0.75 MB
    before = snapshot(store.root)

    def never(*args, **kwargs):
        raise AssertionError("a decoder ran: the bomb was not refused from its header")

    for decoder in ("_decode_shrunk", "_decode_with_opencv", "_decode_with_pillow"):
        monkeypatch.setattr(images, decoder, never)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Pillow warning on the way either
        with pytest.raises(InvalidImageError, match=r"256 MP; the limit is 150 MP\. Scale it down") as info:
            store.import_starting_image("lec", bomb)
    assert "decompression-bomb" in info.value.detail
    assert snapshot(store.root) == before


def test_just_over_the_pixel_limit_names_the_size(store) -> None:
    with pytest.raises(InvalidImageError, match=r"13000x12000 pixels \(156 MP\); the limit is 150 MP"):
        store.import_starting_image("lec", zero_png(13000, 12000))


def test_a_12000_pixel_square_is_stored_as_a_bounded_working_copy(store) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once accepted with only Pillow's DecompressionBombWarning
        image = store.import_starting_image("lec", zero_png(12000, 12000))
    assert image.width == image.height
    assert 0.98 * defaults.WORKING_MAX_PIXELS <= image.width * image.height <= defaults.WORKING_MAX_PIXELS
    assert _stored(store, image).shape == (image.height, image.width, 3)


@pytest.mark.parametrize("size", [(1, 1), (63, 400), (400, 10)])
def test_tiny_images_are_refused(store, lecture, size) -> None:
    before = snapshot(store.root)
    with pytest.raises(
        InvalidImageError, match=f"{size[0]}x{size[1]} pixels; a starting image needs at least 64"
    ):
        store.import_starting_image("lec", encode(Image.new("RGB", size, "white")))
    assert snapshot(store.root) == before


def test_an_image_too_small_for_the_segments_resolution_is_refused(store, lecture) -> None:
    before = snapshot(store.root)
    small = encode(Image.fromarray(three_bars(150, 84)))  # the project renders 640x360: 4.3x enlargement
    with pytest.raises(InvalidImageError, match=r"enlarge it 4\.3x .* at least 160x90 pixels"):
        replace_starting_image(store, "lec", "seg-1", small)
    assert snapshot(store.root) == before
    fine = encode(Image.fromarray(three_bars(160, 90)))
    assert replace_starting_image(store, "lec", "seg-1", fine).asset("seg-1").starting_image_id != "img-1"


def test_interlaced_files_have_a_lower_limit(store, monkeypatch) -> None:
    monkeypatch.setattr(defaults, "WHOLE_DECODE_MAX_PIXELS", 100 * 100)
    import pyvips  # Pillow cannot write interlaced PNGs

    interlaced = pyvips.Image.new_from_array(textured(200, 120)).pngsave_buffer(interlace=True)
    progressive = encode(Image.fromarray(textured(200, 120)), "JPEG", progressive=True)
    for data in (interlaced, progressive):
        with pytest.raises(
            InvalidImageError, match=r"interlaced or progressive .* non-interlaced PNG or a baseline JPEG"
        ):
            store.import_starting_image("lec", data)
    store.import_starting_image("lec", encode(Image.fromarray(textured(200, 120))))  # the same, plain


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GIF89a but not really", "not an image the workbench can read"),
        (b"\x00" * 1000, "not an image the workbench can read"),
        (encode(Image.fromarray(textured(400, 300)))[:3000], "not an image the workbench can read"),
    ],
    ids=["fake-gif", "zeros", "truncated-png"],
)
def test_unreadable_files_are_refused(store, lecture, data, words) -> None:
    before = snapshot(store.root)
    with pytest.raises(InvalidImageError, match=words):
        store.import_starting_image("lec", data)
    assert snapshot(store.root) == before


def test_too_many_bytes_is_refused_before_reading(store, monkeypatch) -> None:
    monkeypatch.setattr(defaults, "MAX_IMAGE_BYTES", 1000)
    with pytest.raises(InvalidImageError, match="use one under 0 MB"):
        store.import_starting_image("lec", encode(Image.fromarray(textured(300, 200))))


# -- pixel layouts ------------------------------------------------------------------------------------------


def _layouts() -> dict[str, bytes]:
    bars = three_bars()
    rgba = np.dstack([bars, np.full(bars.shape[:2], 255, np.uint8)])
    rgba[100:, :, 3] = 0  # bottom half fully transparent
    sixteen = Image.fromarray(bars[:, :, 0].astype(np.uint16) * 257)
    palette = Image.fromarray(bars).convert("P", palette=Image.ADAPTIVE, colors=8)
    palette.info["transparency"] = palette.getpixel((250, 199))  # the white bar's index is transparent
    return {
        "cmyk-jpeg": encode(Image.fromarray(bars).convert("CMYK"), "JPEG", quality=95),
        "rgba-png": encode(Image.fromarray(rgba, "RGBA")),
        "la-png": encode(Image.fromarray(rgba, "RGBA").convert("LA")),
        "16-bit-grey-png": encode(sixteen),
        "palette-png-with-transparency": encode(palette, transparency=palette.info["transparency"]),
        "webp": encode(Image.fromarray(bars), "WEBP", lossless=True),
    }


@pytest.mark.parametrize("layout", list(_layouts()))
def test_unusual_layouts_are_stored_as_8_bit_rgb(store, layout) -> None:
    image = store.import_starting_image("lec", _layouts()[layout])
    assert image.path.endswith(".png") and (image.width, image.height) == (300, 200)
    pixels = _stored(store, image).astype(int)
    left, middle, right = pixels[50, 50], pixels[50, 150], pixels[50, 250]
    if layout == "16-bit-grey-png":
        assert abs(left[0] - 200) <= 1 and abs(middle[0] - 20) <= 1  # the high byte of each sample
        return
    if layout == "la-png":
        assert left[0] == left[1] == left[2]
    else:
        assert left[0] > left[1] + 60 and middle[1] > middle[0] + 60  # red stays red, green stays green
    assert right.min() >= 235
    if layout in ("rgba-png", "la-png"):
        assert (pixels[150, 50] == 255).all() and (pixels[150, 150] == 255).all()  # transparent → white
    if layout == "palette-png-with-transparency":
        assert (pixels[150, 250] == 255).all()


def test_plain_pngs_and_jpegs_are_stored_as_uploaded(store) -> None:
    for fmt, ext in (("PNG", "png"), ("JPEG", "jpg")):
        data = encode(Image.fromarray(textured(320, 200)), fmt)
        image = store.import_starting_image("lec", data)
        assert image.path.endswith(ext) and store.media_path(image.path).read_bytes() == data


def test_exif_rotation_is_applied_when_stored(store) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(Image.fromarray(three_bars(300, 200)), "JPEG", exif=exif, quality=95)
    image = store.import_starting_image("lec", data)
    assert (image.width, image.height) == (200, 300)
    pixels = _stored(store, image).astype(int)
    assert pixels[50, 100, 0] > 150 and pixels[250, 100].min() > 235  # red on top, white at the bottom


# -- the bounded working copy -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_shrinking_decoder_matches_a_full_decode(tmp_path, fmt) -> None:
    """Above the working limit images are decoded while shrinking (libvips); the result must look like the
    full image scaled down (checked here on a small image by lowering the limit)."""
    full = textured(1200, 800, seed=3)
    path = tmp_path / f"big.{fmt.lower()}"
    Image.fromarray(full).save(path, fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    shrunk = decode_rgb(path, max_pixels=300 * 200)
    assert shrunk.shape == (200, 300, 3)
    expected = np.asarray(Image.fromarray(full).resize((300, 200), Image.BOX)).astype(int)
    assert np.abs(shrunk.astype(int) - expected).mean() < 3.0


def test_the_shrinking_decoder_handles_rotation_alpha_and_16_bit(tmp_path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    rotated = tmp_path / "rotated.jpg"
    Image.fromarray(three_bars(600, 400)).save(rotated, "JPEG", exif=exif, quality=95)
    out = decode_rgb(rotated, max_pixels=150 * 100)
    assert out.shape[:2] == (150, 100) and out[-10, 50, 0] > 150  # 90° anticlockwise: red at the bottom
    rgba = np.dstack([three_bars(600, 400), np.zeros((400, 600), np.uint8)])
    transparent = tmp_path / "transparent.png"
    Image.fromarray(rgba, "RGBA").save(transparent)
    assert decode_rgb(transparent, max_pixels=150 * 100).min() == 255
    sixteen = tmp_path / "sixteen.png"
    Image.fromarray(np.full((400, 600), 40000, np.uint16)).save(sixteen)
    assert abs(int(decode_rgb(sixteen, max_pixels=150 * 100).mean()) - 40000 // 257) <= 1


def test_a_render_loads_a_bounded_copy_and_refuses_a_bomb(tmp_path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(zero_png(9000, 6000))  # 54 MP: over the working limit
    rgb = load_starting_image(big)
    assert rgb.shape[0] * rgb.shape[1] <= defaults.WORKING_MAX_PIXELS and rgb.shape[2] == 3
    assert abs(rgb.shape[1] / rgb.shape[0] - 1.5) < 0.01
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(zero_png(16000, 16000))
    with pytest.raises(StartingImageMissingError, match="Regenerate the starting image first") as info:
        load_starting_image(bomb)
    assert "256 MP; the limit is 150 MP" in info.value.detail


def test_header_reports_the_displayed_size() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    header = read_header(encode(Image.new("RGB", (300, 200)), "JPEG", exif=exif))
    assert (header.width, header.height, header.orientation) == (200, 300, 6)


def test_upscale_rule() -> None:
    from workbench.domain.images import check_image_covers

    check_image_covers(320, 180, Resolution(1280, 720))  # exactly 4x: allowed
    with pytest.raises(InvalidImageError, match="at least 960x540"):
        check_image_covers(320, 180, Resolution(3840, 2160))
