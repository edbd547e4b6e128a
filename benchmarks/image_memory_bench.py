"""Peak memory of a render from a 12000x12000 starting image (target: ≤ 400 MB for the whole process).

Run: ``.venv/bin/python benchmarks/image_memory_bench.py``. Prints human lines, then one JSON object on the
last line. Each figure is the peak resident set (``VmHWM``) of a fresh subprocess that imports the package
and does one thing, so it counts the interpreter, numpy, OpenCV, PyAV, libvips and x264 too:

- ``render`` a 5 s 1280x720 push-in from a 12000x12000 PNG (59 MB, detailed), from the same image as a
  baseline JPEG, and from a 1920x1080 slide (what most renders use) for comparison;
- ``full decode``: the same 12000x12000 PNG decoded whole and converted to the renderer's planes, as the
  loader did before it bounded its working copy (the render would add its own buffers on top);
- ``upload``: ``import_starting_image`` of the 12000x12000 JPEG (validated, stored as a working copy; the
  PNG is over the 50 MB upload limit).

The images are generated once (libvips, streaming) and kept in ``$TMPDIR/workbench-image-bench``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import report

SIDE = 12000
TARGET_MB = 400
REPO = Path(__file__).resolve().parents[1]

_PEAK = """
def peak_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
"""

_RENDER = (
    _PEAK
    + """
import json, sys
import av, cv2, numpy  # noqa: F401  (count the libraries in the baseline)
from workbench.domain.models import Resolution, VideoSettings
from workbench.generation.local.render import render_video
before = peak_kib()
settings = VideoSettings("slow push-in on the centre", "local-camera", 5.0, Resolution(1280, 720), 24, 0)
report = render_video(sys.argv[1], sys.argv[2], settings)
print(json.dumps({"imports_kib": before, "peak_kib": peak_kib(), "load_s": report.timings["load_s"]}))
"""
)

_FULL_DECODE = (
    _PEAK
    + """
import json, sys
import av, cv2, numpy  # noqa: F401
from workbench.generation.local.source import SourcePlanes
before = peak_kib()
rgb = cv2.cvtColor(cv2.imread(sys.argv[1], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
planes = SourcePlanes.from_rgb(rgb, 3)
print(json.dumps({"imports_kib": before, "peak_kib": peak_kib()}))
"""
)

_UPLOAD = (
    _PEAK
    + """
import json, sys
from pathlib import Path
from workbench import open_store
store = open_store(Path(sys.argv[2]), create=True, user="bench")
before = peak_kib()
image = store.import_starting_image("lec", Path(sys.argv[1]).read_bytes())
print(json.dumps({"imports_kib": before, "peak_kib": peak_kib(), "stored": [image.width, image.height]}))
"""
)


def make_images(folder: Path) -> dict[str, Path]:
    import pyvips

    folder.mkdir(parents=True, exist_ok=True)
    png, jpg, slide = folder / "big.png", folder / "big.jpg", folder / "slide.png"
    if not (png.exists() and jpg.exists()):
        xy = pyvips.Image.xyz(SIDE, SIDE)
        x, y = xy[0], xy[1]
        bands = [
            (x * 0.05).sin() * 120 + 128,
            (y * 0.031).cos() * 120 + 128,
            ((x + y) * 0.013).sin() * 120 + 128,
        ]
        image = bands[0].bandjoin(bands[1:]).cast("uchar")
        image.pngsave(str(png), compression=1)
        image.jpegsave(str(jpg), Q=90)
    if not slide.exists():
        sys.path.insert(0, str(REPO))
        from workbench.demo.slides import SlideSpec, draw_slide

        draw_slide(SlideSpec("Lenses", ("focal length", "image distance"), "lens", (40, 80, 150)))[0].save(
            slide
        )
    return {"png": png, "jpg": jpg, "slide": slide}


def probe(script: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["peak_mb"] = round(data.pop("peak_kib") / 1024, 1)
    data["imports_mb"] = round(data.pop("imports_kib") / 1024, 1)
    return data


def main() -> None:
    images = make_images(Path(tempfile.gettempdir()) / "workbench-image-bench")
    work = Path(tempfile.mkdtemp(prefix="image-bench-"))
    out = work / "out.mp4"
    figures: dict = {"image": f"{SIDE}x{SIDE}", "png_mb": round(images["png"].stat().st_size / 2**20, 1)}
    for name in ("png", "jpg", "slide"):
        data = probe(_RENDER, str(images[name]), str(out))
        figures[f"render_{name}_peak_mb"] = data["peak_mb"]
        figures[f"render_{name}_load_s"] = round(data["load_s"], 2)
    figures["imports_mb"] = data["imports_mb"]
    figures["full_decode_png_peak_mb"] = probe(_FULL_DECODE, str(images["png"]))["peak_mb"]
    upload = probe(_UPLOAD, str(images["jpg"]), str(work / "store"))  # the PNG is over MAX_IMAGE_BYTES
    figures["upload_jpg_peak_mb"] = upload["peak_mb"]
    figures["upload_stored_size"] = "x".join(map(str, upload["stored"]))
    figures["render_png_vs_full_decode"] = round(
        figures["render_png_peak_mb"] / figures["full_decode_png_peak_mb"], 2
    )
    figures["render_png_vs_slide"] = round(figures["render_png_peak_mb"] / figures["render_slide_peak_mb"], 2)
    figures["target_mb"] = TARGET_MB
    figures["target_met"] = max(figures["render_png_peak_mb"], figures["render_jpg_peak_mb"]) <= TARGET_MB
    report("image_memory", figures)


if __name__ == "__main__":
    main()
