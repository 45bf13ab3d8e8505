// Every page's clock (base.html): the server's time, in Beijing time, ticking from the page's
// load, and each [data-deadline] countdown. The server's clock rules; the visitor's clock is
// shown only as an offset, never trusted.
import { beijingTime } from "../formats.js";
import { gettext, interpolate } from "../i18n.js";

const serverAtLoad = Date.parse(document.body.dataset.serverNow);
if (!Number.isNaN(serverAtLoad)) start();

function start() {
  const offsetMs = Date.now() - serverAtLoad; // includes network delay: an estimate, for display
  const clock = document.getElementById("server-clock");
  const offsetEl = document.getElementById("clock-offset");
  const serverNow = () => Date.now() - offsetMs;
  const pad = (n) => String(n).padStart(2, "0");
  function tick() {
    if (clock) clock.textContent = beijingTime(serverNow());
    document.querySelectorAll("[data-deadline]").forEach((el) => {
      const left = Date.parse(el.dataset.deadline) - serverNow();
      if (Number.isNaN(left)) return;
      if (left <= 0) {
        el.textContent = el.dataset.closedText || "—";
        return;
      }
      const s = Math.floor(left / 1000);
      const d = Math.floor(s / 86400);
      el.textContent = `${d ? `${d} ${el.dataset.daysText || "d"} ` : ""}${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
      // the countdown's target, in Beijing time, for whoever points at it
      el.title = interpolate(gettext("until %(time)s"), { time: beijingTime(Date.parse(el.dataset.deadline), { zone: true }) });
    });
  }
  if (offsetEl && Math.abs(offsetMs) > 1000) {
    offsetEl.textContent = interpolate(gettext("(your clock %(offset)s s)"), { offset: `${offsetMs > 0 ? "+" : ""}${(offsetMs / 1000).toFixed(1)}` });
  }
  tick();
  setInterval(tick, 1000);
}
