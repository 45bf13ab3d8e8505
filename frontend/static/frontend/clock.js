// The server's clock rules; the visitor's clock is shown only as an offset, never trusted.
(function () {
  const body = document.body;
  const serverAtLoad = Date.parse(body.dataset.serverNow);
  if (Number.isNaN(serverAtLoad)) return;
  const offsetMs = Date.now() - serverAtLoad; // includes network delay: an estimate, for display
  const clock = document.getElementById("server-clock");
  const offsetEl = document.getElementById("clock-offset");
  const fmt = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const serverNow = () => Date.now() - offsetMs;
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    if (clock) clock.textContent = fmt.format(new Date(serverNow())).replace(/\//g, "-");
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      const left = Date.parse(el.dataset.deadline) - serverNow();
      if (left <= 0) { el.textContent = el.dataset.closedText || "—"; return; }
      const s = Math.floor(left / 1000);
      const d = Math.floor(s / 86400);
      el.textContent = (d ? d + " " + (el.dataset.daysText || "d") + " " : "") +
        pad(Math.floor(s % 86400 / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
    });
  }
  if (offsetEl && Math.abs(offsetMs) > 1000) {
    offsetEl.textContent = "(" + (offsetEl.dataset.label || "your clock") + " " + (offsetMs > 0 ? "+" : "") + (offsetMs / 1000).toFixed(1) + " s)";
  }
  tick();
  setInterval(tick, 1000);
})();
