"""A "Replace image…" button that sends the picked file's bytes to the kernel (one comm message).

ipywidgets' ``FileUpload`` always labels itself with a count ("Replace image (0)") and keeps the file in its
state; this button reads the file in the browser and hands the bytes over once. Files over the comm's
message limit are refused in the browser, in words, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipyvuetify as v
import traitlets

__all__ = ["MAX_UPLOAD_BYTES", "ImageUpload"]

#: Jupyter's websocket refuses browser→kernel messages over 10 MiB; stay below it with the message around.
MAX_UPLOAD_BYTES = 9 * 1024 * 1024

_TEMPLATE = """
<template>
  <span class="wb-upload">
    <input ref="file" type="file" :accept="accept" class="wb-upload-input" style="display: none"
      @change="picked">
    <v-btn size="small" variant="tonal" prepend-icon="mdi-image-plus" class="wb-upload-btn"
      :disabled="disabled" @click="$refs.file.click()">{{ label }}</v-btn>
  </span>
</template>
<script>
export default {
  methods: {
    async picked(event) {
      const file = event.target.files && event.target.files[0];
      event.target.value = "";
      if (!file) return;
      const info = {name: file.name, type: file.type, size: file.size};
      if (file.size > this.max_bytes) { this.too_big(info); return; }
      const buffer = await file.arrayBuffer();
      this.upload(info, [buffer]);
    },
  },
};
</script>
"""


class ImageUpload(v.VuetifyTemplate):
    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("Replace image…").tag(sync=True)
    accept = traitlets.Unicode("image/png,image/jpeg").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)

    def __init__(
        self,
        *,
        on_upload: Callable[[str, bytes], None],
        on_refused: Callable[[str], None],
        **kwargs: object,
    ) -> None:
        self._on_upload = on_upload
        self._on_refused = on_refused
        super().__init__(**kwargs)

    def vue_upload(self, info: dict, buffers: Sequence[bytes | memoryview] | None = None) -> None:
        if not buffers:
            self._on_refused(f"{info.get('name', 'The file')} arrived empty; pick it again.")
            return
        self._on_upload(str(info.get("name", "image")), bytes(buffers[0]))

    def vue_too_big(self, info: dict) -> None:
        size = int(info.get("size", 0))
        self._on_refused(
            f"{info.get('name', 'The image')} is {size / 2**20:.1f} MB; the browser can send at most "
            f"{self.max_bytes / 2**20:.0f} MB here. Save it smaller (a PNG or JPEG around 1920 px wide is plenty)."
        )
