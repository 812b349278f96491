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

  // A fast scanner sends the next barcode before the answer to the last one has swapped
  // the panel in: keys typed meanwhile would land in a field about to be replaced (or be
  // split between the old field and the new one) and be lost. So while a scan is in
  // flight, what is typed into a scan field is kept here instead, Enter queues it, and
  // when the new panel has settled its field sends the queue one by one, in order, and
  // then takes whatever was half-typed.
  var inFlight = null, queued = [], typed = "";
  function isScanForm(elt) { return elt && elt.querySelector && elt.querySelector("input[data-scan]"); }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!isScanForm(form)) return;
    var field = form.querySelector("input[data-scan]");
    inFlight = { sent: field.value };
    field.value = "";  // htmx has already taken the value it sends
  });
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!inFlight || !field.matches || !field.matches("input[data-scan]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter") {
      if (typed.trim()) queued.push(typed.trim());
      typed = "";
    } else if (event.key === "Backspace") {
      typed = typed.slice(0, -1);
    } else if (event.key.length === 1) {
      typed += event.key;
    } else {
      return;  // Tab, arrows...: the person moves on, as usual
    }
    event.preventDefault();
  }, true);
  document.addEventListener("htmx:sendError", function () {
    // Nothing reached the server: put the scan back so it is not lost silently.
    var field = scanField();
    if (inFlight && field) field.value = inFlight.sent + typed;
    inFlight = null; queued = []; typed = "";
  });
  function nextScan() {
    if (!inFlight) return;
    inFlight = null;
    var field = scanField();
    if (!field) { queued = []; typed = ""; return; }
    if (queued.length && field.form) {
      field.value = queued.shift();
      field.form.requestSubmit();  // in flight again: what is typed stays kept
    } else {
      field.value = typed; typed = "";
    }
  }

  // htmx:load names the new content (an outerHTML swap replaces the target element).
  document.addEventListener("htmx:load", function (event) { settle(event.detail.elt); });
  document.addEventListener("htmx:afterSettle", nextScan);
  document.addEventListener("DOMContentLoaded", function () { settle(document.body); });
})();
