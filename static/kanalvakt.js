// Kanalvakt's only script: keyboard shortcuts and a live count in the inbox. Everything works
// without it; it only saves keystrokes for people who handle many cases a day.
(function () {
  "use strict";
  var typing = function (e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  };
  var links = Array.prototype.slice.call(document.querySelectorAll("a.case-link"));
  var current = -1;
  var focusRow = function (i) {
    if (!links.length) { return; }
    current = Math.max(0, Math.min(links.length - 1, i));
    links[current].focus();
  };
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "j") { focusRow(current + 1); e.preventDefault(); }
    else if (e.key === "k") { focusRow(current - 1); e.preventDefault(); }
    else if (e.key === "x" && current >= 0) {
      var box = links[current].closest("tr").querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
      e.preventDefault();
    } else if (e.key === "r") {
      var reply = document.getElementById("a-text");
      if (reply) { reply.focus(); e.preventDefault(); }
    }
  });
  // Live count: refresh the per-channel numbers every 30 seconds.
  var counts = document.getElementById("live-counts");
  if (counts && window.fetch) {
    setInterval(function () {
      fetch("/app/inkorg/antal.json", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          data.channels.forEach(function (c) {
            var el = counts.querySelector('[data-channel="' + c.channel_id + '"]');
            if (el && el.textContent !== String(c.open)) { el.textContent = String(c.open); }
          });
        })
        .catch(function () {});
    }, 30000);
  }
})();
