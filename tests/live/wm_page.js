// In-page helpers of the live widget tests (tests/live). Injected into a Voila page by
// live_harness.py; everything lives on window.__wm. Timing is measured here, in the page, with
// performance.now(): t0 is the first input event (keydown, pointerdown, input, change) after
// arm(), t1 the moment the watched output's content differs from what it was at arm().
(() => {
  if (window.__wm) return;
  const wm = {};
  window.__wm = wm;

  // Control kinds, in the order they are looked for. Each selector matches one element per
  // control (the element a reader acts on, or the group for toggle/radio buttons).
  const KINDS = [
    ["slider", ".widget-slider .noUi-handle"],
    ["dropdown", ".widget-dropdown select"],
    ["select", ".widget-select select, .widget-select-multiple select"],
    ["checkbox", ".widget-checkbox input[type=checkbox]"],
    ["togglebuttons", ".widget-toggle-buttons"],
    ["togglebutton", "button.widget-toggle-button"],
    ["radio", ".widget-radio-box"],
    ["button", "button.widget-button"],
    ["play", ".widget-play"],
    ["text", ".widget-text input, .widget-textarea textarea"],
  ];
  // Widget views that only show things: never "controls".
  const DISPLAY_ONLY = [
    "widget-box", "widget-output", "widget-html", "widget-htmlmath", "widget-label",
    "widget-image", "widget-valid", "widget-hprogress", "widget-vprogress", "widget-tab",
    "widget-accordion", "widget-gridbox", "widget-readout",
  ];

  // What a control can drive: an Output widget (matplotlib PNG shown by interactive_output) or
  // an Image widget (rnnlib.widgets.LiveWidget sends its PNG to one).
  const FIGURES = ".widget-output, img.widget-image, .widget-image";
  let nextId = 1;
  const idOf = (el, attr) => {
    if (!el.hasAttribute(attr)) el.setAttribute(attr, String(nextId++));
    return el.getAttribute(attr);
  };
  const visible = (el) => {
    if (!el.isConnected) return false;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const st = getComputedStyle(el);
    return st.visibility !== "hidden" && st.display !== "none";
  };
  const cellOf = (el) => {
    const c = el.closest("[cell-index]");
    return c ? c.getAttribute("cell-index") : "?";
  };
  const cellEl = (el) => el.closest("[cell-index]") || document.body;

  // The description a reader sees next to the control.
  const labelOf = (el, kind) => {
    const box = el.closest(".widget-inline-hbox, .widget-toggle-buttons, .widget-radio, .widget-play")
      || el.parentElement;
    let text = "";
    if (kind === "checkbox") {
      const span = el.parentElement && el.parentElement.querySelector("span");
      text = span ? span.textContent : "";
    } else if (kind === "togglebutton" || kind === "button") {
      text = el.textContent || el.getAttribute("title") || "";
    } else if (box) {
      const lab = box.querySelector(":scope > .widget-label");
      text = lab ? lab.textContent : "";
    }
    text = (text || "").replace(/\u200b/g, "").trim();
    if (kind === "slider" && el.classList.contains("noUi-handle-upper")) text += " (upper)";
    return text;
  };

  // The Output widget a control drives: the first Output widget after it in the same cell,
  // else the last one before it in the same cell, else none.
  const targetOf = (el) => {
    const outs = Array.from(cellEl(el).querySelectorAll(FIGURES))
      .filter((o) => !o.contains(el));
    const after = outs.filter((o) => el.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (after.length) return after[0];
    return outs.length ? outs[outs.length - 1] : null;
  };

  const valueOf = (el, kind) => {
    switch (kind) {
      case "slider": {
        // aria-valuenow is rounded to one decimal (and is the exponent for a log slider): the
        // readout, when shown, says what the reader sees.
        const ro = el.closest(".widget-slider").querySelector(".widget-readout");
        const shown = ro && visible(ro) ? ro.textContent.trim() : "";
        return shown ? `${shown}` : el.getAttribute("aria-valuenow");
      }
      case "dropdown": case "select": return Array.from(el.selectedOptions).map((o) => o.value).join(",");
      case "checkbox": return String(el.checked);
      case "togglebuttons": {
        const b = el.querySelector("button.mod-active");
        return b ? b.getAttribute("data-value") || b.textContent : "";
      }
      case "togglebutton": return String(el.classList.contains("mod-active"));
      case "radio": {
        const r = el.querySelector("input[type=radio]:checked");
        return r ? r.value : "";
      }
      case "text": return el.value;
      default: return "";
    }
  };

  wm.scan = () => {
    const seen = new Set();
    const controls = [];
    const perKey = {};
    const all = [];
    for (const [kind, sel] of KINDS) {
      for (const el of document.querySelectorAll(sel)) {
        if (seen.has(el)) continue;
        if (kind === "togglebutton" && el.closest(".widget-toggle-buttons")) continue;
        if (kind === "button" && (el.closest(".widget-play") || el.classList.contains("widget-toggle-button"))) continue;
        seen.add(el);
        all.push([kind, el]);
      }
    }
    // document order, so that the table reads like the page
    all.sort((a, b) => (a[1].compareDocumentPosition(b[1]) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    for (const [kind, el] of all) {
      const cell = cellOf(el);
      const label = labelOf(el, kind);
      const base = `cell ${cell} ${kind} ${label || "(no label)"}`;
      perKey[base] = (perKey[base] || 0) + 1;
      const key = perKey[base] > 1 ? `${base} #${perKey[base]}` : base;
      const target = targetOf(el);
      const info = {
        id: idOf(el, "data-wm-id"), kind, label, cell, key, visible: visible(el),
        // a disabled slider marks the noUiSlider element around its handle
        disabled: !!(el.disabled || el.closest(".mod-disabled") || el.closest("[disabled]")),
        value: valueOf(el, kind),
        target: target ? idOf(target, "data-wm-out") : null,
      };
      if (kind === "dropdown" || kind === "select") {
        info.options = Array.from(el.options).map((o) => o.value);
      }
      if (kind === "togglebuttons") {
        info.options = Array.from(el.querySelectorAll("button.widget-toggle-button")).map((b) => b.getAttribute("data-value") || b.textContent);
      }
      if (kind === "radio") {
        info.options = Array.from(el.querySelectorAll("input[type=radio]")).map((r) => r.value);
      }
      if (kind === "slider") {
        const ro = el.closest(".widget-slider").querySelector(".widget-readout[contenteditable=true]");
        info.readout = !!ro && visible(ro);
        info.readout_text = ro ? ro.textContent.trim() : null;
        info.min = el.getAttribute("aria-valuemin");
        info.max = el.getAttribute("aria-valuemax");
      }
      controls.push(info);
    }
    // Widgets that take input but that these tests do not know how to drive.
    const unknown = [];
    for (const el of document.querySelectorAll(".jupyter-widgets")) {
      if (DISPLAY_ONLY.some((c) => el.classList.contains(c))) continue;
      if (!el.classList.contains("widget-inline-hbox") && !el.classList.contains("widget-inline-vbox")) continue;
      if (all.some(([, c]) => el.contains(c) || c.contains(el))) continue;
      if (!el.querySelector("input, select, textarea, button, [role=slider], [contenteditable]")) continue;
      unknown.push({ cell: cellOf(el), cls: el.className, text: (el.innerText || "").slice(0, 80) });
    }
    return { controls, unknown, outputs: document.querySelectorAll(FIGURES).length };
  };

  wm.value = (id, kind) => {
    const el = document.querySelector(`[data-wm-id="${id}"]`);
    return el ? valueOf(el, kind) : null;
  };

  // What a reader sees in an Output widget: its images (data URLs), SVGs and text.
  const signature = (out) => {
    if (!out || !out.isConnected) return { img: "", all: "" };
    const imgs = out.tagName === "IMG" ? [out] : Array.from(out.querySelectorAll("img"));
    const img = imgs.map((i) => i.getAttribute("src") || "").join("|");
    const svg = Array.from(out.querySelectorAll("svg")).map((s) => s.outerHTML.length + ":" + s.outerHTML.slice(0, 2000)).join("|");
    const text = out.innerText || "";
    return { img: img + svg, all: img + svg + "\u0000" + text };
  };
  const outputs = () => Array.from(document.querySelectorAll(FIGURES))
    .map((o) => [idOf(o, "data-wm-out"), o]);

  // Problems a reader would see: stderr outputs, tracebacks, exception lines, widget errors.
  wm.problems = () => {
    const found = [];
    for (const el of document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
      if (!visible(el) && !el.isConnected) continue;
      found.push("stderr output: " + (el.innerText || "").trim().slice(0, 600));
    }
    const texts = Array.from(document.querySelectorAll(".jp-OutputArea-output"))
      .filter((el) => el.getAttribute("data-mime-type") !== "application/vnd.jupyter.stderr")
      .filter((el) => !el.querySelector(".jp-OutputArea-output"));
    const pats = [
      /Traceback \(most recent call last\)/,
      /^\s*[A-Z]\w*(Error|Exception|Warning): /m,
      /Error (displaying|rendering|creating) widget/i,
      /There was an error when executing cell/,
      /Cell execution timed out/,
    ];
    for (const el of texts) {
      const t = el.innerText || "";
      const inWidget = !!el.closest(".widget-output");
      for (const p of pats) {
        if (p.test(t)) { found.push("error text in an output: " + t.trim().slice(0, 600)); break; }
      }
      if (inWidget && /\bError\b/.test(t) && !pats.some((p) => p.test(t))) {
        found.push("'Error' in a widget's output: " + t.trim().slice(0, 600));
      }
    }
    for (const el of document.querySelectorAll(".widget-html, .widget-htmlmath, .widget-label")) {
      const t = el.innerText || "";
      if (/\bError\b|Traceback|Exception\b/.test(t)) found.push("error text in a widget: " + t.trim().slice(0, 600));
    }
    return found;
  };

  // SHA-256 of the bytes of every image in a figure container (data: or blob: URLs alike), so
  // that "the figure changed" means its image data differ, not just that a new URL was made.
  const digestOf = async (out) => {
    if (!out || !out.isConnected) return "";
    const imgs = out.tagName === "IMG" ? [out] : Array.from(out.querySelectorAll("img"));
    const parts = [];
    for (const i of imgs) {
      const src = i.getAttribute("src") || "";
      if (!src) { parts.push(""); continue; }
      try {
        const buf = await (await fetch(src)).arrayBuffer();
        const h = await crypto.subtle.digest("SHA-256", buf);
        parts.push(Array.from(new Uint8Array(h)).map((b) => b.toString(16).padStart(2, "0")).join(""));
      } catch (e) {
        parts.push("unreadable:" + src.slice(0, 64));
      }
    }
    return parts.join("|");
  };
  wm.digest = async (id) => digestOf(document.querySelector(`[data-wm-out="${id}"]`));

  // ---- one measured input -------------------------------------------------------------
  let state = null;
  let observer = null;
  let lastMutation = performance.now();
  const onInput = (ev) => {
    if (state && state.t0 === null && state.armed) state.t0 = performance.now();
  };
  for (const ev of ["keydown", "pointerdown", "mousedown", "input", "change"]) {
    document.addEventListener(ev, onInput, true);
  }
  const check = () => {
    lastMutation = performance.now();
    if (!state || state.t1 !== null) return;
    const now = performance.now();
    const changed = [];
    for (const [id, o] of outputs()) {
      const before = state.before[id];
      const sig = signature(o);
      if (before === undefined) { changed.push(id); continue; }   // a new Output appeared
      if (sig.all !== before.all) changed.push(id);
    }
    state.changed = changed;
    let hit;
    if (state.target !== null) {
      const o = document.querySelector(`[data-wm-out="${state.target}"]`);
      const sig = signature(o);
      const b = state.before[state.target];
      // A figure counts as updated when its image data differ and it is not empty (an Output
      // cleared with clear_output(wait=False) is empty for a moment before the new image).
      hit = b.img !== "" ? (sig.img !== b.img && sig.img !== "") : (sig.all !== b.all && sig.all !== "\u0000");
    } else {
      hit = changed.length > 0;
    }
    if (hit) { state.t1 = now; state.changedAtHit = changed.slice(); }
  };
  observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });

  wm.arm = (target) => {
    const before = {};
    for (const [id, o] of outputs()) before[id] = signature(o);
    state = { target, before, t0: null, t1: null, armed: true, armAt: performance.now(), changed: [] };
    return true;
  };
  wm.done = () => state !== null && state.t1 !== null;
  wm.result = () => {
    if (!state) return null;
    if (state.t1 === null) check();
    const t0 = state.t0 !== null ? state.t0 : state.armAt;
    const tgt = state.target !== null ? document.querySelector(`[data-wm-out="${state.target}"]`) : null;
    const sig = signature(tgt);
    const b = state.target !== null ? state.before[state.target] : null;
    return {
      ms: state.t1 !== null ? state.t1 - t0 : null,
      t0_from_event: state.t0 !== null,
      changed: state.changedAtHit || state.changed,
      target_img_before: b ? b.img.length > 0 : null,
      target_img_after: tgt ? sig.img.length > 0 : null,
      target_exists: state.target === null ? null : !!tgt,
    };
  };
  // Resolves once nothing in the page changed for `ms` milliseconds (or after `max` ms).
  wm.quiet = (ms, max) => new Promise((resolve) => {
    const start = performance.now();
    lastMutation = Math.max(lastMutation, start);
    const tick = () => {
      const now = performance.now();
      if (now - lastMutation >= ms || now - start >= max) resolve(now - start);
      else setTimeout(tick, 25);
    };
    tick();
  });
})();
