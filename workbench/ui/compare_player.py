"""Videos played in step: one play/pause/seek/speed/frame-step/loop control drives every video, side by side
in a grid or, for two, one over the other with a wipe.

The clock is the longest video's (each plays to its own end); the others follow it in the browser (no round
trip to the kernel per frame): a pause or a seek sets every video to the same time (a shorter one holds its last
frame), and while playing, a video that drifts more than half a frame is nudged (its rate ±10 %) and one that
drifts far is set right. Python sets the sources and reads the mode, rate and loop range, which sync only when
they change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipyvuetify as v
import traitlets

__all__ = ["ComparePlayer", "CompareSource"]


@dataclass(frozen=True)
class CompareSource:
    """One video: its URL, a short ``label`` above it, the full ``title`` on hover, a CSS class of its own."""

    url: str
    label: str
    title: str = ""
    css: str = ""


_TEMPLATE = r"""
<template>
  <div class="wb-compare" :data-mode="mode" :data-count="sources.length">
    <div v-if="!sources.length" class="wb-compare-empty text-caption pa-6 text-center">{{ placeholder }}</div>
    <div v-else :class="['wb-compare-stage', 'wb-compare-stage-' + shownMode()]" :style="stageStyle()">
      <div v-for="(s, i) in sources" :key="s.url" class="wb-compare-cell" :style="cellStyle(i)">
        <div class="wb-compare-label text-caption text-truncate" :title="s.title || s.label"
             :style="labelStyle(i)">{{ s.label }}</div>
        <video :src="s.url" :class="['wb-compare-video', s.css]" :data-index="i" muted playsinline
               preload="auto"
               style="display:block;width:100%;max-height:360px;object-fit:contain;background:#000;border-radius:4px"
        ></video>
      </div>
      <div v-if="shownMode() === 'wipe'" class="wb-compare-divider"
           :style="{position: 'absolute', top: '1.4em', bottom: 0, width: '2px', background: '#fff',
                    boxShadow: '0 0 3px #000', pointerEvents: 'none', left: wipe + '%'}"></div>
    </div>
    <div v-if="sources.length" class="wb-compare-controls d-flex align-center flex-wrap" style="gap:2px">
      <v-btn icon size="small" variant="text" class="wb-compare-play" :title="playing ? 'Pause' : 'Play'"
             @click="toggle()"><v-icon>{{ playing ? 'mdi-pause' : 'mdi-play' }}</v-icon></v-btn>
      <v-btn icon size="small" variant="text" class="wb-compare-back" title="One frame back"
             @click="step(-1)"><v-icon>mdi-step-backward</v-icon></v-btn>
      <v-btn icon size="small" variant="text" class="wb-compare-forward" title="One frame forward"
             @click="step(1)"><v-icon>mdi-step-forward</v-icon></v-btn>
      <input type="range" class="wb-compare-seek" min="0" max="1000" step="1" value="0"
             title="Seek" style="flex:1 1 140px;min-width:100px" @input="scrub($event.target.value)" />
      <span class="wb-compare-time text-caption" style="min-width:92px;font-variant-numeric:tabular-nums"
      >0.00 s</span>
      <select class="wb-compare-rate text-caption" title="Speed" :value="rate"
              style="border:1px solid rgba(128,128,128,.5);border-radius:4px;padding:1px 2px;color:inherit"
              @change="setRate($event.target.value)">
        <option v-for="r in [0.25, 0.5, 1, 1.5, 2]" :key="r" :value="r">{{ r }}×</option>
      </select>
      <v-btn size="x-small" variant="tonal" class="wb-compare-loop-a ml-2" title="Loop from here"
             @click="markLoop('a')">A</v-btn>
      <v-btn size="x-small" variant="tonal" class="wb-compare-loop-b ml-1" title="Loop to here"
             @click="markLoop('b')">B</v-btn>
      <v-btn v-if="loop_a >= 0 || loop_b >= 0" size="x-small" variant="text" class="wb-compare-loop-clear"
             title="Play the whole clip" @click="clearLoop()">×</v-btn>
      <span class="wb-compare-loop text-caption ml-1">{{ loopText() }}</span>
      <template v-if="sources.length === 2 && allow_wipe">
        <v-btn-toggle v-model="mode" mandatory density="compact" variant="outlined" class="wb-compare-mode ml-2">
          <v-btn size="x-small" value="side" class="wb-compare-side">Side by side</v-btn>
          <v-btn size="x-small" value="wipe" class="wb-compare-wipe-mode">Wipe</v-btn>
        </v-btn-toggle>
        <input v-if="mode === 'wipe'" type="range" class="wb-compare-wipe ml-2" min="0" max="100" step="1"
               :value="wipe" title="Wipe position" @input="wipe = Number($event.target.value)" />
      </template>
    </div>
  </div>
</template>
<script>
export default {
  mounted() {
    this.rateValue = Number(this.rate) || 1;
    this.frame = null;
    this.attached = null;
    this.attach();
  },
  updated() {
    this.attach();
  },
  beforeUnmount() {
    if (this.frame) cancelAnimationFrame(this.frame);
  },
  methods: {
    shownMode() {
      return this.sources.length === 2 && this.allow_wipe && this.mode === 'wipe' ? 'wipe' : 'side';
    },
    stageStyle() {
      if (this.shownMode() === 'wipe') return {position: 'relative'};
      const n = Math.max(1, Math.min(this.columns || this.sources.length, this.sources.length));
      return {display: 'grid', gap: '6px', gridTemplateColumns: 'repeat(' + n + ', minmax(0, 1fr))'};
    },
    cellStyle(i) {
      if (this.shownMode() !== 'wipe' || i === 0) return {minWidth: 0, position: 'relative'};
      return {position: 'absolute', top: 0, left: 0, right: 0,
              clipPath: 'inset(0 0 0 ' + this.wipe + '%)'};
    },
    labelStyle(i) {
      // in a wipe the two labels sit at either end of one line
      if (this.shownMode() !== 'wipe') return {lineHeight: 1.4};
      return {lineHeight: 1.4, textAlign: i === 0 ? 'left' : 'right'};
    },
    videos() {
      return this.$el && this.$el.querySelectorAll
        ? Array.from(this.$el.querySelectorAll('video.wb-compare-video')) : [];
    },
    master() {
      // the clock is the longest video, so every video plays to its end; the others stop at theirs
      const vs = this.videos();
      let best = vs[0];
      vs.forEach(v => { if (isFinite(v.duration) && (!isFinite(best.duration) || v.duration > best.duration)) best = v; });
      return best;
    },
    others() {
      const m = this.master();
      return this.videos().filter(v => v !== m);
    },
    attach() {
      this.videos().forEach(v => {
        if (v.wbAttached) return;
        v.wbAttached = true;
        v.playbackRate = this.rateValue;
        v.addEventListener('timeupdate', () => { if (v === this.master()) this.show(); });
        v.addEventListener('loadedmetadata', () => this.show());
        v.addEventListener('ended', () => { if (v === this.master()) this.ended(); });
      });
      this.show();
    },
    duration() {
      const m = this.master();
      return m && isFinite(m.duration) ? m.duration : 0;
    },
    show() {
      const m = this.master();
      if (!m || !this.$el) return;
      const seek = this.$el.querySelector('.wb-compare-seek');
      const label = this.$el.querySelector('.wb-compare-time');
      const d = this.duration();
      if (seek && d) seek.value = String(Math.round(1000 * m.currentTime / d));
      if (label) label.textContent = m.currentTime.toFixed(2) + ' / ' + d.toFixed(2) + ' s';
    },
    seekAll(t) {
      const d = this.duration();
      const target = Math.max(0, d ? Math.min(t, d) : t);
      this.videos().forEach(v => { v.currentTime = Math.min(target, isFinite(v.duration) ? v.duration : target); });
      this.show();
    },
    play() {
      const vs = this.videos();
      if (!vs.length) return;
      const m = this.master();
      if (m.ended || (this.duration() && m.currentTime >= this.duration() - 1e-3)) {
        this.seekAll(this.loop_a >= 0 ? this.loop_a : 0);
      }
      const t = m.currentTime;
      vs.forEach(v => {
        const end = isFinite(v.duration) ? v.duration : t;
        if (Math.abs(v.currentTime - Math.min(t, end)) > 1e-3) v.currentTime = Math.min(t, end);
        v.playbackRate = this.rateValue;
      });
      vs.forEach(v => {
        if (isFinite(v.duration) && t >= v.duration) return;  // already past its end: it shows its last frame
        const p = v.play();
        if (p && p.catch) p.catch(() => null);
      });
      this.playing = true;
      this.follow();
    },
    pause() {
      const vs = this.videos();
      vs.forEach(v => v.pause());
      if (vs.length) {
        const t = this.master().currentTime;
        this.others().forEach(v => { v.currentTime = Math.min(t, isFinite(v.duration) ? v.duration : t); });
      }
      this.playing = false;
      this.show();
    },
    toggle() {
      if (this.playing) this.pause(); else this.play();
    },
    step(direction) {
      if (this.playing) this.pause();
      const m = this.master();
      if (!m) return;
      const fps = this.fps > 0 ? this.fps : 24;
      // land inside the next frame, not on its edge, so rounding never shows the same frame twice
      const index = Math.round(m.currentTime * fps - 0.5) + direction;
      this.seekAll(Math.max(0, (index + 0.5) / fps));
    },
    scrub(value) {
      this.seekAll(this.duration() * Number(value) / 1000);
    },
    setRate(value) {
      this.rateValue = Number(value) || 1;
      this.rate = this.rateValue;
      this.videos().forEach(v => { v.playbackRate = this.rateValue; });
    },
    markLoop(which) {
      const m = this.master();
      if (!m) return;
      if (which === 'a') this.loop_a = m.currentTime; else this.loop_b = m.currentTime;
      if (this.loop_a >= 0 && this.loop_b >= 0 && this.loop_b < this.loop_a) {
        const a = this.loop_a; this.loop_a = this.loop_b; this.loop_b = a;
      }
    },
    clearLoop() {
      this.loop_a = -1;
      this.loop_b = -1;
    },
    loopText() {
      if (this.loop_a < 0 && this.loop_b < 0) return '';
      const a = this.loop_a >= 0 ? this.loop_a.toFixed(2) : '0.00';
      const b = this.loop_b >= 0 ? this.loop_b.toFixed(2) : 'end';
      return 'loop ' + a + '–' + b + ' s';
    },
    ended() {
      if (this.loop_a >= 0 || this.loop_b >= 0) {
        this.seekAll(Math.max(0, this.loop_a));
        this.play();
      } else {
        this.videos().forEach(v => v.pause());
        this.playing = false;
        this.show();
      }
    },
    follow() {
      if (this.frame) cancelAnimationFrame(this.frame);
      const tick = () => {
        this.frame = null;
        if (!this.playing) return;
        const vs = this.videos();
        if (!vs.length) return;
        const m = this.master();
        const end = this.loop_b > 0 ? this.loop_b : 0;
        if (end && m.currentTime >= end) {
          this.seekAll(Math.max(0, this.loop_a));
        }
        const fps = this.fps > 0 ? this.fps : 24;
        const t = m.currentTime;
        this.others().forEach(v => {
          if (v.ended || (isFinite(v.duration) && t >= v.duration)) return;
          const drift = v.currentTime - t;
          if (Math.abs(drift) > 0.25) {
            v.currentTime = t;
          } else if (Math.abs(drift) > 0.5 / fps) {
            v.playbackRate = this.rateValue * (drift > 0 ? 0.9 : 1.1);
          } else {
            v.playbackRate = this.rateValue;
          }
          if (v.paused && !m.paused) { const p = v.play(); if (p && p.catch) p.catch(() => null); }
        });
        this.show();
        this.frame = requestAnimationFrame(tick);
      };
      this.frame = requestAnimationFrame(tick);
    },
  },
};
</script>
"""


class ComparePlayer(v.VuetifyTemplate):
    """Synchronized players for ``sources`` (see the module docstring); ``columns`` caps the grid's width."""

    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    sources = traitlets.List(traitlets.Dict()).tag(sync=True)
    placeholder = traitlets.Unicode("No video to show.").tag(sync=True)
    mode = traitlets.Unicode("side").tag(sync=True)
    allow_wipe = traitlets.Bool(True).tag(sync=True)
    wipe = traitlets.Float(50.0).tag(sync=True)
    fps = traitlets.Float(24.0).tag(sync=True)
    columns = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    rate = traitlets.Float(1.0).tag(sync=True)
    loop_a = traitlets.Float(-1.0).tag(sync=True)
    loop_b = traitlets.Float(-1.0).tag(sync=True)

    def __init__(self, *, placeholder: str = "No video to show.", columns: int = 0, **kwargs: object) -> None:
        super().__init__(placeholder=placeholder, columns=columns, **kwargs)

    def show(self, sources: Sequence[CompareSource], *, fps: float | None = None) -> None:
        """Play ``sources`` in step from their start (the loop range is cleared when the videos change)."""
        items = [{"url": s.url, "label": s.label, "title": s.title or s.label, "css": s.css} for s in sources]
        if items == self.sources:
            return
        with self.hold_sync():
            self.sources = items
            self.playing = False
            self.loop_a = self.loop_b = -1.0
            if fps:
                self.fps = float(fps)
            if len(items) != 2 and self.mode == "wipe":
                self.mode = "side"

    @property
    def url(self) -> str | None:
        """The first video's URL (the preview's, in the preview dialog), or ``None``."""
        return self.sources[0]["url"] if self.sources else None

    @property
    def urls(self) -> list[str]:
        return [s["url"] for s in self.sources]
