/* Site script of Written Memories (added to every page by _ext/wm_site_fixes.py, deferred).
 *
 * 1. Figure viewer: a tap or click on a notebook figure (a link to its image file, made by the
 *    build) opens the image at full resolution in a dialog that scrolls (and pinch-zooms on a
 *    phone); the button, Escape or a tap on the dark margin closes it. Without JavaScript the
 *    link opens the image file itself.
 * 2. Keyboard and screen readers outside widgets: a formula too wide for its box (it scrolls)
 *    is a Tab stop, so a keyboard can scroll it (others are not: MathJax's inTabOrder is off in
 *    _config.yml); the theme's search button is named by the text it shows ("Search Ctrl+K").
 * 3. Widget controls for assistive technology, once the widget manager has drawn them (the
 *    ipywidgets 8 front end leaves them unnamed): every slider handle and readout is named by
 *    its label; a log slider announces the value it shows (1.0e-1), not its exponent; icon-only
 *    buttons (Play, Stop, Repeat) get a name; `title="null"` tooltips are removed; a widget
 *    image without alt text takes its tooltip (the widget's `tooltip`) as alt text.
 */
(function () {
  "use strict";

  // 1. Figure viewer ---------------------------------------------------------------------------
  var dialog = null;

  function viewer() {
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.className = "wm-lightbox";
    dialog.setAttribute("aria-label", "Figure at full size");
    dialog.innerHTML =
      '<div class="wm-lightbox-scroll"><img alt=""></div>' +
      '<button type="button" class="wm-lightbox-close">Close</button>';
    dialog.querySelector(".wm-lightbox-close").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("click", function (event) {
      // A tap on the margin around the image closes the viewer.
      if (event.target === dialog || event.target.classList.contains("wm-lightbox-scroll")) {
        dialog.close();
      }
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function openFigure(link, image) {
    var d = viewer();
    var big = d.querySelector("img");
    big.alt = image.alt || "";
    big.src = link.href;
    // The image at its full pixel size (the build's figures have twice the pixels they are
    // shown with in the text).
    big.removeAttribute("width");
    d.showModal();
    d.querySelector(".wm-lightbox-close").focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("div.cell_output a.image-reference");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    var image = link.querySelector("img");
    if (!image || typeof HTMLDialogElement === "undefined") return;
    event.preventDefault();
    openFigure(link, image);
  });

  // 2. Formulas and the search button ---------------------------------------------------------
  function wideFormulas() {
    document.querySelectorAll("span.math, div.math mjx-container").forEach(function (box) {
      var math = box.querySelector("mjx-math");
      if (!math) return;
      var wide = math.getBoundingClientRect().width > box.clientWidth + 1;
      if (wide && box.getAttribute("tabindex") !== "0") {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-wm-scrolls", "");
      } else if (!wide && box.hasAttribute("data-wm-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-wm-scrolls");
      }
    });
  }

  function whenTypeset(callback) {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(callback);
    } else if (document.querySelector("span.math, div.math")) {
      setTimeout(function () { whenTypeset(callback); }, 200);
    }
  }

  function keyboard() {
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      if (button.textContent.trim()) button.removeAttribute("aria-label");
    });
    whenTypeset(wideFormulas);
    var resized = null;
    window.addEventListener("resize", function () {
      clearTimeout(resized);
      resized = setTimeout(wideFormulas, 200);
    });
  }

  // 3. Widget controls ------------------------------------------------------------------------
  var ICON_NAMES = {
    "fa-play": "Play", "fa-pause": "Pause", "fa-stop": "Stop", "fa-retweet": "Repeat",
    "fa-repeat": "Repeat", "fa-refresh": "Reset", "fa-undo": "Undo",
  };

  function labelText(widget) {
    var label = widget.querySelector(":scope > label.widget-label");
    var text = label ? label.textContent.trim() : "";
    return text || (widget.getAttribute("aria-label") || "").trim();
  }

  function nameControls(root) {
    root.querySelectorAll('[title="null"]').forEach(function (e) { e.removeAttribute("title"); });
    root.querySelectorAll(".widget-slider").forEach(function (widget) {
      var name = labelText(widget);
      var handle = widget.querySelector('[role="slider"]');
      var readout = widget.querySelector(".widget-readout");
      if (handle) {
        if (name && handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
        // Announce what the reader sees: the readout (a log slider's handle holds the exponent).
        var shown = readout ? readout.textContent.trim() : "";
        if (shown && handle.getAttribute("aria-valuetext") !== shown) {
          handle.setAttribute("aria-valuetext", shown);
        }
      }
      if (readout && name && readout.getAttribute("aria-label") !== name + " (value)") {
        readout.setAttribute("aria-label", name + " (value)");
        readout.setAttribute("role", "textbox");
      }
    });
    root.querySelectorAll(".widget-dropdown, .widget-text, .widget-inline-hbox").forEach(function (widget) {
      var name = labelText(widget);
      var field = widget.querySelector(":scope > select, :scope > input");
      if (field && name && !field.getAttribute("aria-label")) field.setAttribute("aria-label", name);
    });
    root.querySelectorAll("img").forEach(function (image) {
      var tip = image.getAttribute("title");
      if (!image.hasAttribute("alt") && tip) image.setAttribute("alt", tip);
    });
    root.querySelectorAll("button.jupyter-button").forEach(function (button) {
      if (button.textContent.trim() || button.getAttribute("aria-label")) return;
      var icon = button.querySelector("i.fa, i[class*='fa-']");
      var name = null;
      if (icon) {
        icon.classList.forEach(function (c) { if (ICON_NAMES[c]) name = ICON_NAMES[c]; });
        icon.setAttribute("aria-hidden", "true");
      }
      name = name || button.getAttribute("title");
      if (name) button.setAttribute("aria-label", name);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      document.querySelectorAll(".widget-subarea, .jupyter-widgets").forEach(function (area) {
        if (!area.parentElement || !area.parentElement.closest(".widget-subarea")) nameControls(area);
      });
    });
  }

  function watch() {
    if (!document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]')) return;
    new MutationObserver(schedule).observe(document.body, {
      childList: true, subtree: true, characterData: true,
    });
    schedule();
  }

  function start() {
    keyboard();
    watch();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
