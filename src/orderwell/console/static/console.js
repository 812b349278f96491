// Orderwell console behaviour. No inline scripts (the pages' CSP forbids them).
(function () {
  "use strict";

  // Keyboard-wedge scanners type into whatever has focus and press Enter: keep the
  // focus in the scan field unless the person deliberately moved to another control.
  function scanField() { return document.querySelector("input[data-scan]"); }
  function focusScan() {
    var field = scanField();
    if (field && document.activeElement !== field) { field.focus(); field.select(); }
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest("input, select, textarea, button, a, label")) focusScan();
  });
  document.addEventListener("keydown", function (event) {
    if (document.activeElement === document.body || document.activeElement === null) focusScan();
  });

  // A wrong scan must be noticed by someone not looking at the screen: a low buzz.
  function buzz() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.type = "square"; osc.frequency.value = 220; gain.gain.value = 0.3;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.6);
    } catch (e) { /* no audio device: the screen still flashes */ }
  }

  function settle(root) {
    var panel = root.closest ? root.closest(".scan-panel") || root.querySelector(".scan-panel") : null;
    if (panel && panel.querySelector(".alert.error")) {
      panel.classList.add("loud");
      buzz();
      if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    }
    focusScan();
    drawCharts(root);
  }

  function drawCharts(root) {
    if (!window.Chart) return;
    (root.querySelectorAll ? root : document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, JSON.parse(source.textContent));
    });
  }

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // htmx:load names the new content (an outerHTML swap replaces the target element).
  document.addEventListener("htmx:load", function (event) { settle(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { settle(document.body); });
})();
