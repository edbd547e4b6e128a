"""Noticing in the browser that the kernel behind a workbench is gone, whatever the reason.

ipywidgets marks an output ``jupyter-widgets-disconnected`` only when its kernel *restarts*; a kernel that was
shut down or stopped answering leaves widgets that look alive and do nothing. This invisible widget pings the
kernel every few seconds while the page is visible; after two unanswered pings it marks its workbench
``wb-kernel-gone`` (the workbench's CSS then shows the disconnected state), and clears it when answers resume
(a kernel that was only busy running a cell).
"""

from __future__ import annotations

import ipyvuetify as v
import traitlets

__all__ = ["KernelWatch"]

_TEMPLATE = """
<template>
  <span class="wb-kernel-watch" style="display: none"></span>
</template>
<script>
export default {
  mounted() {
    this.sent = 0;
    this.answered = 0;
    this.timer = setInterval(() => this.beat(), this.interval_ms);
  },
  beforeUnmount() {
    clearInterval(this.timer);
  },
  methods: {
    beat() {
      if (document.hidden) return;
      if (this.sent - this.answered >= 2) this.mark(true);
      this.sent += 1;
      try { this.ping(this.sent); } catch (error) { this.mark(true); }
    },
    jupyter_pong(n) {
      this.answered = Math.max(this.answered, n);
      this.mark(false);
    },
    mark(gone) {
      const root = this.$el && this.$el.closest && this.$el.closest('.wb-workbench');
      if (root) root.classList.toggle('wb-kernel-gone', gone);
    },
  },
};
</script>
"""


class KernelWatch(v.VuetifyTemplate):
    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    interval_ms = traitlets.Int(4000).tag(sync=True)

    def vue_ping(self, n: int) -> None:
        self.send({"method": "pong", "args": [n]})
