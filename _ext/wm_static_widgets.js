// The front end of rnnlib.widgets.static.StaticFigure: an ipywidgets 8 widget module (AMD) for
// the site's own HTML manager. It draws, on a canvas, the figure that the live widget drew at
// build time for the setting the reader picks with the controls: no kernel, no network.
//
// The payload (_static/wm-static-widgets/<name>.wmsw, gzip) holds a JSON header and binary
// arrays: the frame (axes, ticks, labels) as tiles of an atlas PNG, and per setting the list of
// drawing operations of the view's dynamic artists (paths in 1/8 pixel, texts, images).
// See rnnlib/widgets/static.py for how they are made.
define(["@jupyter-widgets/base"], function (base) {
  "use strict";

  const CAPS = { butt: "butt", round: "round", projecting: "square" };

  function rgba(c) {
    return c ? `rgba(${c[0]},${c[1]},${c[2]},${c[3]})` : null;
  }

  async function gunzip(buffer) {
    const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).arrayBuffer();
  }

  // One payload per file, shared by every view of it (a notebook may show a widget twice).
  const payloads = new Map();

  function loadPayload(url) {
    if (!payloads.has(url)) {
      payloads.set(url, (async () => {
        const response = await fetch(url);
        if (!response.ok) {
          throw new Error(`${url}: HTTP ${response.status}`);
        }
        const raw = await gunzip(await response.arrayBuffer());
        const bytes = new Uint8Array(raw);
        const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
        if (magic !== "WMSW") {
          throw new Error(`${url} is not a static-widget payload`);
        }
        const headLength = new DataView(raw).getUint32(4, true);
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headLength)));
        let bodyStart = 8 + headLength;
        bodyStart += (8 - (bodyStart % 8)) % 8;
        const body = raw.slice(bodyStart);
        const slice = (ref) => new Uint8Array(body, ref[0], ref[1]);
        const atlas = await createImageBitmap(new Blob([slice(header.atlas)], { type: "image/png" }));
        for (const font of header.fonts) {
          if (font.data) {
            const face = new FontFace(font.name, slice(font.data));
            await face.load();
            document.fonts.add(face);
          }
        }
        return { header, body, atlas, frames: new Map(), paths: new Map(), images: new Map() };
      })());
    }
    return payloads.get(url);
  }

  function typed(body, ref) {
    const [dtype, start, length] = ref;
    if (dtype === "i1") return new Int8Array(body, start, length);
    if (dtype === "i2") return new Int16Array(body, start, length / 2);
    if (dtype === "i4") return new Int32Array(body, start, length / 4);
    return new Uint8Array(body, start, length);
  }

  class StaticFigureModel extends base.DOMWidgetModel {
    defaults() {
      return {
        ...super.defaults(),
        _model_name: "StaticFigureModel",
        _view_name: "StaticFigureView",
        _model_module: "wm-static-widgets",
        _view_module: "wm-static-widgets",
        _model_module_version: "1.0.0",
        _view_module_version: "1.0.0",
        controls: [],
        names: [],
        src: "",
        frame_width: 0,
        frame_height: 0,
        description: "",
      };
    }
  }
  StaticFigureModel.serializers = {
    ...base.DOMWidgetModel.serializers,
    controls: { deserialize: base.unpack_models },
  };

  class StaticFigureView extends base.DOMWidgetView {
    render() {
      const width = this.model.get("frame_width");
      const height = this.model.get("frame_height");
      this.el.classList.add("wm-static-figure");
      this.el.dataset.src = this.model.get("src");
      this.el.style.width = "100%";
      // The figure is at most as wide as its frame's pixels (never enlarged on a 1x screen);
      // an inner box, since the widget's layout may rewrite the element's own style.
      this.inner = document.createElement("div");
      this.inner.style.cssText = `position:relative;width:100%;max-width:${width}px`;
      this.el.appendChild(this.inner);
      this.canvas = document.createElement("canvas");
      this.canvas.style.display = "block";
      this.canvas.style.width = "100%";
      this.canvas.style.aspectRatio = `${width} / ${height}`;
      this.canvas.style.background = "white";
      this.canvas.setAttribute("role", "img");
      this.canvas.setAttribute("aria-label", this.model.get("description") || "figure");
      this.message = document.createElement("div");
      this.message.className = "wm-static-message";
      this.message.style.cssText =
        "position:absolute;left:0;top:0;padding:0.5em;color:#777;font-size:0.85em";
      this.message.textContent = "loading the precomputed figure…";
      this.inner.appendChild(this.canvas);
      this.inner.appendChild(this.message);
      this.drawCount = 0;
      // Fetch the payload when the widget comes near the screen, so that the page's text and
      // first paint never wait for it.
      if ("IntersectionObserver" in window) {
        this.observer = new IntersectionObserver((entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            this.observer.disconnect();
            this.start();
          }
        }, { rootMargin: "800px 0px" });
        this.observer.observe(this.el);
      } else {
        this.start();
      }
    }

    remove() {
      if (this.observer) this.observer.disconnect();
      if (this.resizer) this.resizer.disconnect();
      super.remove();
    }

    async start() {
      try {
        const root = document.documentElement.dataset.content_root || "";
        const url = new URL(`${root}_static/wm-static-widgets/${this.model.get("src")}`,
                            document.baseURI).href;
        this.payload = await loadPayload(url);
      } catch (error) {
        this.message.textContent =
          "The precomputed figure could not be loaded: " + error.message +
          " (serve the site over http, e.g. python -m http.server -d _build/html).";
        console.error("wm-static-widgets:", error);
        return;
      }
      const header = this.payload.header;
      const names = this.model.get("names");
      const models = this.model.get("controls");
      this.controls = header.controls.map((c) => ({ ...c, model: models[names.indexOf(c.name)] }));
      for (const control of this.controls) {
        const event = control.kind === "index" ? "change:index" : "change:value";
        this.listenTo(control.model, event, () => { if (!this.adjusting) this.draw(); });
      }
      this.resizer = new ResizeObserver(() => this.draw());
      this.resizer.observe(this.canvas);
      this.message.textContent = "";
      this.draw();
    }

    // Index of the control's current value on the grid (nearest grid value: the slider's own
    // arithmetic can leave 0.8000000000000002 where the grid has 0.8).
    position(control) {
      if (control.kind === "index") return control.model.get("index");
      const value = control.model.get("value");
      const f = control.log ? (v) => Math.log(v) : (v) => v;
      let best = 0;
      let distance = Infinity;
      control.labels.forEach((label, k) => {
        const d = Math.abs(f(label) - f(value));
        if (d < distance) {
          distance = d;
          best = k;
        }
      });
      return best;
    }

    currentSetting() {
      const header = this.payload.header;
      const combo = this.controls.filter((c) => c.kind === "index").map((c) => this.position(c));
      const disabled = header.combos[combo.join(",")] || [];
      // The live widget enables only the controls that matter for this setting; so does this.
      // A slider precomputed only for some options (``when``) goes back to its initial value
      // where it is not, so that it shows the value the figure was computed with.
      this.adjusting = true;
      for (const control of this.controls) {
        const off = disabled.includes(control.name);
        if (Boolean(control.model.get("disabled")) !== off) control.model.set("disabled", off);
        if (off && control.when && control.kind === "value") {
          const initial = control.labels[control.initial];
          if (this.position(control) !== control.initial) control.model.set("value", initial);
        }
      }
      this.adjusting = false;
      const key = this.controls.map((c) => (disabled.includes(c.name) ? -1 : this.position(c)));
      return key.join(",");
    }

    frameCanvas(index) {
      const p = this.payload;
      if (!p.frames.has(index)) {
        const h = p.header;
        const [rows, cols, start, length] = h.frames[index];
        const ids = new Uint16Array(p.body.slice(start, start + length));
        const canvas = document.createElement("canvas");
        canvas.width = h.width;
        canvas.height = h.height;
        const ctx = canvas.getContext("2d");
        const t = h.tile;
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const id = ids[r * cols + c];
            const ar = Math.floor(id / h.atlas_cols);
            const ac = id % h.atlas_cols;
            ctx.drawImage(p.atlas, ac * t, ar * t, t, t, c * t, r * t, t, t);
          }
        }
        p.frames.set(index, canvas);
      }
      return p.frames.get(index);
    }

    path(id, op) {
      const p = this.payload;
      if (!p.paths.has(id)) {
        const q = p.header.quantum;
        const dx = typed(p.body, op.arrays[0]);
        const dy = typed(p.body, op.arrays[1]);
        const codes = op.arrays.length > 2 ? typed(p.body, op.arrays[2]) : null;
        const n = dx.length + 1;
        const xs = new Float64Array(n);
        const ys = new Float64Array(n);
        let x = op.p0[0];
        let y = op.p0[1];
        xs[0] = x / q;
        ys[0] = y / q;
        for (let i = 1; i < n; i++) {
          x += dx[i - 1];
          y += dy[i - 1];
          xs[i] = x / q;
          ys[i] = y / q;
        }
        const path = new Path2D();
        for (let i = 0; i < n;) {
          const code = codes ? codes[i] : (i === 0 ? 1 : 2);
          if (code === 1) {
            path.moveTo(xs[i], ys[i]);
            i += 1;
          } else if (code === 2) {
            path.lineTo(xs[i], ys[i]);
            i += 1;
          } else if (code === 3) {
            path.quadraticCurveTo(xs[i], ys[i], xs[i + 1], ys[i + 1]);
            i += 2;
          } else if (code === 4) {
            path.bezierCurveTo(xs[i], ys[i], xs[i + 1], ys[i + 1], xs[i + 2], ys[i + 2]);
            i += 3;
          } else {
            path.closePath();
            i += 1;
          }
        }
        p.paths.set(id, path);
      }
      return p.paths.get(id);
    }

    image(id, op) {
      const p = this.payload;
      if (!p.images.has(id)) {
        const [h, w] = op.shape;
        const pixels = typed(p.body, op.arrays[0]);
        const canvas = document.createElement("canvas");
        canvas.width = w;
        canvas.height = h;
        canvas.getContext("2d").putImageData(
          new ImageData(new Uint8ClampedArray(pixels), w, h), 0, 0);
        p.images.set(id, canvas);
      }
      return p.images.get(id);
    }

    draw() {
      if (!this.payload) return;
      const start = performance.now();
      const h = this.payload.header;
      const key = this.currentSetting();
      const setting = h.settings[key];
      const ratio = window.devicePixelRatio || 1;
      const cssWidth = this.canvas.clientWidth || h.width;
      const width = Math.max(1, Math.round(cssWidth * ratio));
      const height = Math.max(1, Math.round(width * h.height / h.width));
      if (this.canvas.width !== width || this.canvas.height !== height) {
        this.canvas.width = width;
        this.canvas.height = height;
      }
      const ctx = this.canvas.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "white";
      ctx.fillRect(0, 0, width, height);
      if (!setting) {
        this.message.textContent = `no precomputed figure for this setting (${key})`;
        console.error("wm-static-widgets: no setting", key);
        return;
      }
      this.message.textContent = "";
      const scale = width / h.width;
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(this.frameCanvas(setting[0]), 0, 0, h.width, h.height);
      for (const id of setting[1]) {
        const op = h.ops[id];
        ctx.save();
        if (op.clip) {
          ctx.beginPath();
          ctx.rect(op.clip[0], op.clip[1], op.clip[2], op.clip[3]);
          ctx.clip();
        }
        if (op.t === "path") {
          const path = this.path(id, op);
          if (op.fill) {
            ctx.fillStyle = rgba(op.fill);
            ctx.fill(path);
          }
          if (op.stroke && op.lw > 0) {
            ctx.strokeStyle = rgba(op.stroke);
            ctx.lineWidth = op.lw;
            ctx.lineCap = CAPS[op.cap] || "butt";
            ctx.lineJoin = op.join || "round";
            ctx.setLineDash(op.dash || []);
            ctx.lineDashOffset = op.dash_offset || 0;
            ctx.stroke(path);
          }
        } else if (op.t === "text") {
          const font = h.fonts.find((f) => f.name === op.font);
          const family = font && font.family ? `, "${font.family}"` : "";
          ctx.font = `${op.style} ${op.weight} ${op.size}px "${op.font}"${family}, sans-serif`;
          ctx.fillStyle = rgba(op.color);
          ctx.textAlign = op.align;
          ctx.textBaseline = "alphabetic";
          for (const [text, x, y] of op.lines) ctx.fillText(text, x, y);
        } else if (op.t === "image") {
          ctx.imageSmoothingEnabled = Boolean(op.smooth);
          if (op.alpha !== null && op.alpha !== undefined) ctx.globalAlpha = op.alpha;
          const [x, y, w, hh] = op.box;
          ctx.drawImage(this.image(id, op), x, y, w, hh);
        }
        ctx.restore();
      }
      this.drawCount += 1;
      this.el.dataset.setting = key;
      this.el.dataset.draws = String(this.drawCount);
      const detail = { key, ms: performance.now() - start, at: performance.now(), painted: null };
      // When the browser has shown the new canvas (the frame after this one started).
      requestAnimationFrame(() => { detail.painted = performance.now(); });
      (window.__wmStaticDraws = window.__wmStaticDraws || []).push(detail);
      this.el.dispatchEvent(new CustomEvent("wm-static-drawn", { bubbles: true, detail }));
    }
  }

  return { StaticFigureModel, StaticFigureView };
});
