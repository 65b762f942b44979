/* gait_preview library page: coverage plot, table of motions and a player (viz/library_page.py).
 *
 * data.library.rows: {name, preset, command [dx, dy, dtheta] per step, commanded and achieved
 * [vx, vy, yaw rate] or null, status, reasons [], clip: index into data.clips or -1}.
 * Clicking a point of the plot or a row of the table plays that clip; its payload is decoded
 * on the first click. URL hash: clip=<file name> selects a clip at load (see player.js).
 */
"use strict";
(function () {
  const {Player, unpack, buildClip, element, hashOptions, applyHash, start} = window.GaitPlayer;
  const SVG = "http://www.w3.org/2000/svg";
  const PANELS = [["vx", "m/s"], ["vy", "m/s"], ["yaw rate", "rad/s"]];
  const COLUMNS = [
    {key: "name", label: "clip", value: (r) => r.name},
    {key: "preset", label: "preset", value: (r) => r.preset},
    {key: "dx", label: "dx (m)", value: (r) => r.command[0], digits: 3},
    {key: "dy", label: "dy (m)", value: (r) => r.command[1], digits: 3},
    {key: "dtheta", label: "d\u03b8 (rad)", value: (r) => r.command[2], digits: 3},
    {key: "vx", label: "vx (m/s)", value: (r) => (r.achieved ? r.achieved[0] : null), digits: 3},
    {key: "vy", label: "vy (m/s)", value: (r) => (r.achieved ? r.achieved[1] : null), digits: 3},
    {key: "wz", label: "yaw rate (rad/s)", value: (r) => (r.achieved ? r.achieved[2] : null), digits: 3},
    {key: "status", label: "status", value: (r) => r.status},
    {key: "reasons", label: "reasons", value: (r) => r.reasons.join("; ")},
  ];

  function svg(tag, attributes, parent) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  class Library {
    constructor(data, player) {
      this.data = data;
      this.lib = data.library;
      this.player = player;
      this.decoded = {};
      this.selected = -1;
      this.sort = {key: null, order: 1};
      this.pointsByRow = {};
    }

    colour(status) { return this.lib.colours[status] || "#555"; }

    build(side) {
      const rows = this.lib.rows, clips = rows.filter((r) => r.clip >= 0).length;
      element("h1", {text: this.lib.title}, side);
      const counts = {};
      for (const r of rows) counts[r.status] = (counts[r.status] || 0) + 1;
      const parts = Object.keys(counts).sort().map((s) => counts[s] + " " + s);
      const skipped = this.lib.skipped.length ? "; " + this.lib.skipped.length + " skipped commands drawn" : "";
      element("div", {class: "gp-summary", text: rows.length + " motions, " + clips + " with a clip: " + parts.join(", ") + skipped}, side);
      this.buildPlot(element("div", {class: "gp-plot"}, side));
      const filters = element("div", {class: "gp-filters"}, side);
      this.filterText = element("input", {id: "gp-filter", type: "search", placeholder: "filter: name, preset, status, reason"}, filters);
      this.filterStatus = element("select", {id: "gp-filter-status"}, filters);
      element("option", {value: "", text: "every status"}, this.filterStatus);
      for (const s of Object.keys(counts).sort()) element("option", {value: s, text: s}, this.filterStatus);
      this.filterText.addEventListener("input", () => this.renderRows());
      this.filterStatus.addEventListener("change", () => this.renderRows());
      this.shown = element("span", {class: "gp-shown"}, filters);
      const table = element("table", {id: "gp-table"}, element("div", {class: "gp-table"}, side));
      const head = element("tr", {}, element("thead", {}, table));
      this.headers = COLUMNS.map((column) => {
        const th = element("th", {"data-key": column.key, text: column.label}, head);
        th.addEventListener("click", () => this.sortBy(column.key));
        return th;
      });
      this.body = element("tbody", {}, table);
      this.renderRows();
    }

    /* Three panels: commanded (x) against achieved (y); rows without a motion and skipped commands on y = 0. */
    buildPlot(parent) {
      const W = 240, H = 210, M = 34, rows = this.lib.rows;
      const root = svg("svg", {viewBox: "0 0 " + 3 * W + " " + H, id: "gp-coverage"}, parent);
      PANELS.forEach(([label, unit], c) => {
        const g = svg("g", {transform: "translate(" + c * W + ",0)"}, root);
        const values = [0];
        for (const r of rows) {
          if (r.commanded) values.push(r.commanded[c]);
          if (r.achieved) values.push(r.achieved[c]);
        }
        for (const s of this.lib.skipped) values.push(s[c]);
        let lo = Math.min(...values), hi = Math.max(...values);
        const pad = (hi - lo) * 0.08 || 0.1;
        lo -= pad; hi += pad;
        const x = (v) => M + ((v - lo) / (hi - lo)) * (W - M - 8);
        const y = (v) => H - M + 8 - ((v - lo) / (hi - lo)) * (H - M - 4);
        svg("rect", {x: M, y: 4, width: W - M - 8, height: H - M - 4, fill: "#fff", stroke: "#bbb"}, g);
        svg("line", {x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi), stroke: "#444", "stroke-dasharray": "4 3"}, g);
        svg("line", {x1: x(0), y1: 4, x2: x(0), y2: H - M, stroke: "#ddd"}, g);
        svg("line", {x1: M, y1: y(0), x2: W - 8, y2: y(0), stroke: "#ddd"}, g);
        const text = (t, at) => { svg("text", {...at, "font-size": 10, fill: "#333"}, g).textContent = t; };
        text(label + " (" + unit + ")", {x: M + 4, y: 16});
        text("commanded", {x: W / 2 - 20, y: H - 4});
        text("achieved", {x: 0, y: 0, transform: "translate(12," + (H / 2 + 10) + ") rotate(-90)"});
        text(lo.toFixed(2), {x: M, y: H - M + 12});
        text(hi.toFixed(2), {x: W - 38, y: H - M + 12});
        text(hi.toFixed(2), {x: 2, y: 14});
        text(lo.toFixed(2), {x: 2, y: H - M});
        for (const s of this.lib.skipped) this.cross(g, x(s[c]), y(0), "#9a9a9a", 2.5);
        rows.forEach((r, i) => {
          if (!r.commanded) return;
          let mark;
          if (r.achieved) {
            mark = svg("circle", {cx: x(r.commanded[c]), cy: y(r.achieved[c]), r: 4, fill: this.colour(r.status),
              "fill-opacity": 0.85, class: "gp-point", "data-row": i}, g);
          } else {
            mark = this.cross(g, x(r.commanded[c]), y(0), this.colour(r.status), 4);
          }
          svg("title", {}, mark).textContent = r.name + " (" + r.status + ")";
          if (r.clip >= 0) mark.addEventListener("click", () => this.select(i));
          (this.pointsByRow[i] = this.pointsByRow[i] || []).push(mark);
        });
      });
    }

    cross(parent, cx, cy, colour, size) {
      const d = "M" + (cx - size) + " " + (cy - size) + "L" + (cx + size) + " " + (cy + size) +
        "M" + (cx - size) + " " + (cy + size) + "L" + (cx + size) + " " + (cy - size);
      return svg("path", {d, stroke: colour, "stroke-width": 1.5, fill: "none"}, parent);
    }

    sortBy(key) {
      this.sort = {key, order: this.sort.key === key ? -this.sort.order : 1};
      for (const th of this.headers) {
        if (th.dataset.key === key) th.dataset.order = this.sort.order > 0 ? "asc" : "desc";
        else delete th.dataset.order;
      }
      this.renderRows();
    }

    visibleRows() {
      const text = this.filterText.value.trim().toLowerCase(), status = this.filterStatus.value;
      const rows = this.lib.rows.map((r, i) => i).filter((i) => {
        const r = this.lib.rows[i];
        if (status && r.status !== status) return false;
        if (!text) return true;
        return [r.name, r.preset, r.status, ...r.reasons].join(" ").toLowerCase().includes(text);
      });
      const column = COLUMNS.find((c) => c.key === this.sort.key);
      if (column) {
        rows.sort((a, b) => {
          const va = column.value(this.lib.rows[a]), vb = column.value(this.lib.rows[b]);
          if (va === null || vb === null) return (va === null) - (vb === null);  // no value: last
          return (va < vb ? -1 : va > vb ? 1 : a - b) * this.sort.order;
        });
      }
      return rows;
    }

    renderRows() {
      this.body.textContent = "";
      const shown = this.visibleRows();
      for (const i of shown) {
        const r = this.lib.rows[i];
        const tr = element("tr", {"data-row": String(i), "data-name": r.name, class: r.clip >= 0 ? "gp-clip" : ""}, this.body);
        if (i === this.selected) tr.classList.add("gp-selected");
        for (const column of COLUMNS) {
          const value = column.value(r);
          const td = element("td", {class: column.key === "reasons" ? "gp-reasons" : ""}, tr);
          if (column.key === "status") {
            element("span", {class: "gp-status", style: "background:" + this.colour(r.status)}, td);
          }
          td.appendChild(document.createTextNode(value === null ? "" : column.digits ? value.toFixed(column.digits) : value));
        }
        if (r.clip >= 0) tr.addEventListener("click", () => this.select(i));
      }
      this.shown.textContent = shown.length + " of " + this.lib.rows.length;
    }

    /* Play the clip of row i (decoded on first use). */
    async select(i) {
      const row = this.lib.rows[i];
      if (row.clip < 0) return;
      this.selected = i;
      for (const tr of this.body.querySelectorAll("tr")) tr.classList.toggle("gp-selected", tr.dataset.row === String(i));
      for (const marks of Object.values(this.pointsByRow)) for (const m of marks) m.classList.remove("gp-selected");
      for (const m of this.pointsByRow[i] || []) m.classList.add("gp-selected");
      if (!this.decoded[row.clip]) this.decoded[row.clip] = buildClip(await unpack(this.data.clips[row.clip].payload));
      if (this.selected !== i) return;  // another click came first
      this.player.setClip(this.decoded[row.clip]);
      this.player.play();
      window.gaitPreview.clip = row.name;
    }
  }

  async function startLibraryPage(data) {
    const root = document.getElementById("gp-root");
    const side = element("div", {class: "gp-side"}, root);
    const player = new Player(element("div", {class: "gp-view"}, root), data.options);
    for (const text of Object.values(data.robots)) await player.addRobot(text);
    const library = new Library(data, player);
    library.build(side);
    window.gaitPreview.player = player;
    window.gaitPreview.library = library;
    const options = hashOptions(), rows = data.library.rows;
    const wanted = rows.findIndex((r) => r.name === options.clip && r.clip >= 0);
    const first = wanted >= 0 ? wanted : rows.findIndex((r) => r.clip >= 0);
    if (first >= 0) {
      await library.select(first);
      applyHash(player, options);
    }
    window.gaitPreview.ready = true;
  }

  start("library", startLibraryPage);
})();
