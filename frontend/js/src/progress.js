// The figures of a long step (sealing, uploading) as a person reads them: bytes done of the
// total, the speed over the last few seconds, the time left. Pure: no DOM, no clock of its own
// (the caller passes `now`, in milliseconds).
import { gettext, interpolate } from "./i18n.js";

const UNITS = ["B", "KB", "MB", "GB"];

/** 1536 -> "1.5 KB": powers of 1024, as the pages' file sizes are written (Django's filesizeformat). */
export function formatBytes(bytes) {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as "1 h 5 min", "2 min 5 s", "8 s" (in the page's language). */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  if (s >= 3600) return interpolate(gettext("%(h)s h %(min)s min"), { h: Math.floor(s / 3600), min: Math.floor((s % 3600) / 60) });
  if (s >= 60) return interpolate(gettext("%(min)s min %(s)s s"), { min: Math.floor(s / 60), s: s % 60 });
  return interpolate(gettext("%(s)s s"), { s });
}

/**
 * The speed of a count that grows (bytes sealed, bytes sent), over the last `windowMs`: a
 * connection that slows down shows it within seconds, not after the average has caught up.
 */
export class Rate {
  constructor(windowMs = 5000) {
    this.windowMs = windowMs;
    this.samples = [];
  }

  /** The count reached `done` at `now`. */
  add(now, done) {
    this.samples.push([now, done]);
    while (this.samples.length > 2 && now - this.samples[1][0] > this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, or null before there is anything to measure. */
  perSecond() {
    if (this.samples.length < 2) return null;
    const [t0, d0] = this.samples[0];
    const [t1, d1] = this.samples[this.samples.length - 1];
    return t1 > t0 && d1 > d0 ? ((d1 - d0) * 1000) / (t1 - t0) : d1 > d0 ? null : 0;
  }
}

/**
 * The line a step shows: "1.0 MB / 2.0 MB · 512.0 KB/s · about 2 s left"; the speed and the
 * time left only once they can be measured, and only while the step runs.
 */
export function figures({ done, total, perSecond }) {
  const parts = [interpolate(gettext("%(done)s of %(total)s"), { done: formatBytes(done), total: formatBytes(total) })];
  if (done < total && perSecond) {
    parts.push(interpolate(gettext("%(speed)s/s"), { speed: formatBytes(perSecond) }));
    parts.push(interpolate(gettext("about %(time)s left"), { time: formatDuration((total - done) / perSecond) }));
  }
  return parts.join(" · ");
}
