/* gait_preview page player: draws a robot and plays packed clips in meshcat's viewer.
 *
 * Uses only what the page inlines: meshcat's viewer bundle (MeshCat.Viewer, MeshCat.THREE)
 * and the browser's DecompressionStream. Payload formats: viz/page_codec.py (packing),
 * viz/page_robot.py (robot), viz/page_clip.py (clips). World frame z up, metres, seconds;
 * quaternions xyzw, matrices column-major (three.js).
 *
 * URL hash (for stills and tests): #t=<s> pauses at that time; clip=<name> selects a clip
 * (library page); follow=0 starts with the camera fixed; speed=<x> sets the speed.
 */
"use strict";
(function () {
  const THREE = MeshCat.THREE;
  const TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array};
  const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 4];
  const SIDE_COLOURS = [0x3b7dd8, 0xd8553b];
  const COM_COLOUR = 0x1fa34a, ZMP_COLOUR = 0xb03bd8, SUPPORT_COLOUR = 0xf2c200, GRID_COLOUR = 0x8fa8c8;
  const GRID_CELLS = 40;

  function bytesOf(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  /* A payload of viz/page_codec.pack: {header, sections: name -> typed array}. */
  async function unpack(text) {
    const stream = new Blob([bytesOf(text)]).stream().pipeThrough(new DecompressionStream("deflate"));
    const buffer = await new Response(stream).arrayBuffer();
    const n = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
    const sections = {};
    for (const [name, [code, offset, count]] of Object.entries(header.sections)) {
      const Type = TYPES[code];
      const start = 4 + n + offset;
      sections[name] = new Type(buffer.slice(start, start + count * Type.BYTES_PER_ELEMENT));
    }
    return {header, sections};
  }

  /* Second-difference residuals (channel-major) back to values, frame-major (see quantized_residuals). */
  function decodeFrames(header, residuals) {
    const frames = header.frames, width = residuals.length / frames;
    const quantum = new Float64Array(width);
    for (const [start, count, q] of Object.values(header.channels)) quantum.fill(q, start, start + count);
    const values = new Float64Array(frames * width);
    for (let c = 0; c < width; c++) {
      let slope = 0, value = 0;
      for (let t = 0; t < frames; t++) {
        slope += residuals[c * frames + t];
        value += slope;
        values[t * width + c] = value * quantum[c];
      }
    }
    return {values, width};
  }

  function meshGeometry(mesh, vertices, faces) {
    const positions = new Float32Array(vertices.length);
    for (let i = 0; i < vertices.length; i++) {
      const a = i % 3;
      positions[i] = mesh.lo[a] + (vertices[i] / 65535) * (mesh.hi[a] - mesh.lo[a]);
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
    geometry.setIndex(new THREE.BufferAttribute(faces, 1));
    geometry.computeVertexNormals();
    return geometry;
  }

  function shape(geom, material, meshes) {
    const s = geom.size;
    const node = new THREE.Group();
    node.position.fromArray(geom.pos);
    node.quaternion.fromArray(geom.quat);
    const add = (geometry) => { const m = new THREE.Mesh(geometry, material); node.add(m); return m; };
    if (geom.kind === "box") add(new THREE.BoxGeometry(2 * s[0], 2 * s[1], 2 * s[2]));
    else if (geom.kind === "sphere") add(new THREE.SphereGeometry(s[0], 24, 16));
    else if (geom.kind === "ellipsoid") add(new THREE.SphereGeometry(1, 24, 16)).scale.set(s[0], s[1], s[2]);
    else if (geom.kind === "mesh") add(meshes[geom.mesh]);
    else {  // cylinder or capsule: MuJoCo's axis is z, three.js's y; half-length s[1]
      add(new THREE.CylinderGeometry(s[0], s[0], 2 * s[1], 24)).rotation.x = Math.PI / 2;
      if (geom.kind === "capsule") {
        for (const z of [s[1], -s[1]]) add(new THREE.SphereGeometry(s[0], 24, 16)).position.set(0, 0, z);
      }
    }
    return node;
  }

  /* The robot of a viz/page_robot payload: one group per posed body, contact pads under the soles. */
  function buildRobot(robot) {
    const h = robot.header;
    const group = new THREE.Group();
    const bodies = h.bodies.map((name) => { const g = new THREE.Group(); g.name = name; group.add(g); return g; });
    const meshes = h.meshes.map((mesh, k) => meshGeometry(mesh, robot.sections["m" + k + "v"], robot.sections["m" + k + "f"]));
    for (const geom of h.geoms) {
      const material = new THREE.MeshPhongMaterial({color: geom.color, opacity: geom.opacity,
        transparent: geom.opacity < 1, flatShading: geom.kind === "mesh"});
      bodies[geom.body].add(shape(geom, material, meshes));
    }
    const pads = h.pads.map((pad) => ["contact", "swing"].map((state) => {
      const material = new THREE.MeshLambertMaterial({color: h.colours[state], opacity: 0.9, transparent: true});
      const m = new THREE.Mesh(new THREE.BoxGeometry(pad.size[0], pad.size[1], pad.size[2]), material);
      m.position.fromArray(pad.pos);
      m.quaternion.fromArray(pad.quat);
      bodies[pad.body].add(m);
      return m;
    }));
    return {group, bodies, pads};
  }

  function polygon(points, z, colour, opacity) {
    const group = new THREE.Group();
    const flat = points.flatMap((p) => [p[0], p[1], z]);
    const fill = new THREE.BufferGeometry();
    fill.setAttribute("position", new THREE.BufferAttribute(new Float32Array(flat), 3));
    const fan = [];
    for (let i = 1; i + 1 < points.length; i++) fan.push(0, i, i + 1);
    fill.setIndex(fan);
    group.add(new THREE.Mesh(fill, new THREE.MeshBasicMaterial({color: colour, opacity, transparent: true,
      side: THREE.DoubleSide, depthWrite: false})));
    const outline = new THREE.BufferGeometry();
    outline.setAttribute("position", new THREE.BufferAttribute(new Float32Array(flat), 3));
    group.add(new THREE.LineLoop(outline, new THREE.LineBasicMaterial({color: colour})));
    return group;
  }

  function line(values, width, start, count, frames, z, colour) {
    const points = new Float32Array(frames * 3);
    for (let t = 0; t < frames; t++) {
      for (let a = 0; a < count; a++) points[3 * t + a] = values[t * width + start + a];
      if (count === 2) points[3 * t + 2] = z;
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.BufferAttribute(points, 3));
    return new THREE.Line(geometry, new THREE.LineBasicMaterial({color: colour}));
  }

  /* A decoded clip: its plan drawn in a group, and the per-frame values. */
  function buildClip(payload) {
    const h = payload.header;
    const {values, width} = decodeFrames(h, payload.sections.frames);
    const plan = new THREE.Group();
    const lift = h.plan.lift;
    for (const step of h.plan.steps) plan.add(polygon(step.polygon, lift, SIDE_COLOURS[step.side], 0.25));
    plan.add(line(values, width, h.channels.com[0], 3, h.frames, 0, COM_COLOUR));
    plan.add(line(values, width, h.channels.zmp[0], 2, h.frames, 2 * lift, ZMP_COLOUR));
    const phaseOfFrame = new Int32Array(h.frames);
    const phases = h.plan.phases.map((phase, j) => {
      phaseOfFrame.fill(j, phase.start, phase.stop);
      if (phase.polygon.length < 3) return null;
      const drawn = polygon(phase.polygon, 3 * lift, SUPPORT_COLOUR, 0.45);
      drawn.visible = false;
      plan.add(drawn);
      return drawn;
    });
    const loops = h.loops.map((m) => new THREE.Matrix4().fromArray(m));
    return {header: h, name: h.name, fps: h.fps, frames: h.frames, values, width, plan, phases, phaseOfFrame, loops,
      duration: (h.frames * loops.length) / h.fps};
  }

  /* A square floor grid of GRID_CELLS x GRID_CELLS cells of `cell` m, centred on the origin, z = 0. Every line
   * is split at each cell: a line with an end behind the camera may not be drawn at all (seen in SwiftShader). */
  function floorGrid(cell) {
    const half = (GRID_CELLS / 2) * cell, points = [];
    for (let i = 0; i <= GRID_CELLS; i++) {
      const u = -half + i * cell;
      for (let j = 0; j < GRID_CELLS; j++) {
        const a = -half + j * cell, b = a + cell;
        points.push(a, u, 0, b, u, 0, u, a, 0, u, b, 0);
      }
    }
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.BufferAttribute(new Float32Array(points), 3));
    return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({color: GRID_COLOUR, transparent: true, opacity: 0.6}));
  }

  function element(tag, attributes, parent) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    if (parent) parent.appendChild(node);
    return node;
  }

  function hashOptions() {
    const options = {};
    for (const part of window.location.hash.replace(/^#/, "").split("&")) {
      const at = part.indexOf("=");
      if (at > 0) options[decodeURIComponent(part.slice(0, at))] = decodeURIComponent(part.slice(at + 1));
    }
    return options;
  }

  class Player {
    /* container: the element the viewer and its controls go in; options: {speed, loop, follow}. */
    constructor(container, options) {
      this.container = container;
      const pane = element("div", {class: "gp-pane"}, container);
      this.viewer = new MeshCat.Viewer(pane);
      this.viewer.set_property(["Grid"], "visible", false);  // meshcat's 20 m grid: too coarse for a robot
      // meshcat rotates its scene so that our z-up world is three.js's y-up one; the camera and its orbit
      // controls work in three.js's frame: toView maps world points there.
      this.viewer.scene.updateMatrix();
      this.toView = this.viewer.scene.matrix.clone();
      this.world = new THREE.Group();
      this.world.matrixAutoUpdate = false;
      this.viewer.scene.add(this.world);
      this.markerCom = new THREE.Mesh(new THREE.SphereGeometry(1, 16, 12), new THREE.MeshLambertMaterial({color: COM_COLOUR}));
      this.markerZmp = new THREE.Mesh(new THREE.CylinderGeometry(1, 1, 0.1, 16), new THREE.MeshLambertMaterial({color: ZMP_COLOUR}));
      this.markerZmp.rotation.x = Math.PI / 2;
      this.world.add(this.markerCom, this.markerZmp);
      Object.assign(this, {robots: {}, clip: null, plan: null, time: 0, playing: false, last: null,
        speed: options.speed || 1, loop: !!options.loop, follow: options.follow !== false});
      this.buildControls();
      requestAnimationFrame((now) => this.tick(now));
    }

    buildControls() {
      this.title = element("div", {id: "gp-title", class: "gp-title"}, this.container);
      const bar = element("div", {class: "gp-bar"}, this.container);
      this.playButton = element("button", {id: "gp-play", type: "button", title: "play / pause (space)"}, bar);
      this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
      this.slider = element("input", {id: "gp-time", type: "range", min: "0", max: "1", step: "any", value: "0",
        "aria-label": "time"}, bar);
      this.slider.addEventListener("input", () => { this.pause(); this.seek(parseFloat(this.slider.value)); });
      this.clock = element("span", {class: "gp-clock"}, bar);
      const speedLabel = element("label", {text: "speed "}, bar);
      this.speedSelect = element("select", {id: "gp-speed"}, speedLabel);
      const speeds = SPEEDS.includes(this.speed) ? SPEEDS : [...SPEEDS, this.speed].sort((a, b) => a - b);
      for (const s of speeds) element("option", {value: String(s), text: s + "\u00d7"}, this.speedSelect);
      this.speedSelect.value = String(this.speed);
      this.speedSelect.addEventListener("change", () => { this.speed = parseFloat(this.speedSelect.value); });
      this.followBox = this.checkbox(bar, "gp-follow", "follow", this.follow, (on) => { this.follow = on; this.show(); });
      this.loopBox = this.checkbox(bar, "gp-loop", "loop", this.loop, (on) => { this.loop = on; });
      document.addEventListener("keydown", (event) => {
        if (event.code === "Space" && !["INPUT", "SELECT", "BUTTON", "TEXTAREA"].includes(event.target.tagName)) {
          event.preventDefault();
          this.playing ? this.pause() : this.play();
        }
      });
      this.updateButton();
    }

    checkbox(parent, id, text, checked, onChange) {
      const label = element("label", {}, parent);
      const box = element("input", {id, type: "checkbox"}, label);
      box.checked = checked;
      label.appendChild(document.createTextNode(" " + text));
      box.addEventListener("change", () => onChange(box.checked));
      return box;
    }

    async addRobot(text) {
      const payload = await unpack(text);
      const robot = buildRobot(payload);
      robot.group.visible = false;
      this.world.add(robot.group);
      this.robots[payload.header.robot] = robot;
      return robot;
    }

    /* Show a decoded clip (buildClip) from its start; the camera is placed for it. */
    setClip(clip) {
      if (this.plan) this.world.remove(this.plan);
      for (const robot of Object.values(this.robots)) robot.group.visible = false;
      this.clip = clip;
      this.robot = this.robots[clip.header.robot];
      this.robot.group.visible = true;
      this.plan = clip.plan;
      this.world.add(this.plan);
      const view = clip.header.view;
      this.markerCom.scale.setScalar(view.marker);
      this.markerZmp.scale.set(view.marker, view.marker, view.marker);
      if (this.grid) this.viewer.scene.remove(this.grid);
      this.grid = floorGrid(view.grid);
      this.viewer.scene.add(this.grid);
      this.viewer.controls.target.set(0, 0, 0);
      this.viewer.camera.position.fromArray(view.offset).applyMatrix3(new THREE.Matrix3().setFromMatrix4(this.toView));
      this.slider.max = String(clip.duration);
      this.slider.step = String(1 / clip.fps);
      this.title.textContent = clip.name;
      const s = clip.header.summary, f = (v) => v.map((x) => x.toFixed(3)).join(", ");
      this.title.title = s.robot + " " + s.preset + ": command (dx, dy, d\u03b8) " + f(s.command) + " per step; achieved " +
        "(vx, vy, yaw rate) " + f(s.achieved) + "; " + s.frames + " frames at " + s.fps + " fps";
      this.seek(0, true);
    }

    play() {
      if (!this.clip) return;
      if (this.time >= this.clip.duration - 0.5 / this.clip.fps) this.time = 0;
      this.playing = true;
      this.last = null;
      this.updateButton();
    }

    pause() { this.playing = false; this.updateButton(); }

    seek(time, placeCamera) {
      this.time = Math.max(0, Math.min(time, this.clip ? this.clip.duration : 0));
      this.show(placeCamera);
    }

    updateButton() { this.playButton.textContent = this.playing ? "\u275a\u275a pause" : "\u25b6 play"; }

    tick(now) {
      requestAnimationFrame((t) => this.tick(t));
      if (!this.playing || !this.clip) { this.last = null; return; }
      const dt = this.last === null ? 0 : (now - this.last) / 1000;
      this.last = now;
      this.time += dt * this.speed;
      const duration = this.clip.duration;
      if (this.time >= duration) {
        if (this.loop) this.time %= duration;
        else { this.time = duration; this.pause(); }
      }
      this.show();
    }

    /* Pose the scene at this.time; with follow on (or placeCamera), centre the camera on the robot. */
    show(placeCamera) {
      const clip = this.clip;
      if (!clip) return;
      const frames = clip.frames, total = frames * clip.loops.length;
      const index = Math.max(0, Math.min(Math.floor(this.time * clip.fps + 1e-6), total - 1));
      const rep = Math.floor(index / frames), k = index - rep * frames;
      const offset = clip.loops[rep];
      this.world.matrix.copy(offset);
      this.world.matrixWorldNeedsUpdate = true;
      const v = clip.values, row = k * clip.width, ch = clip.header.channels;
      this.robot.bodies.forEach((body, b) => {
        const at = row + ch.pose[0] + 7 * b;
        body.position.set(v[at], v[at + 1], v[at + 2]);
        body.quaternion.set(v[at + 3], v[at + 4], v[at + 5], v[at + 6]).normalize();
      });
      this.robot.pads.forEach(([contact, swing], side) => {
        const down = v[row + ch.contact[0] + side] > 0.5;
        contact.visible = down;
        swing.visible = !down;
      });
      const phase = clip.phaseOfFrame[k];
      clip.phases.forEach((p, j) => { if (p) p.visible = j === phase; });
      this.markerCom.position.set(v[row + ch.com[0]], v[row + ch.com[0] + 1], v[row + ch.com[0] + 2]);
      this.markerZmp.position.set(v[row + ch.zmp[0]], v[row + ch.zmp[0] + 1], 2 * clip.header.plan.lift);
      if (this.follow || placeCamera) {  // move the camera with the followed point, keeping the user's orbit
        const point = new THREE.Vector3(v[row + ch.camera[0]], v[row + ch.camera[0] + 1], clip.header.view.target_z);
        point.applyMatrix4(offset);
        const cell = clip.header.view.grid;
        this.grid.position.set(Math.round(point.x / cell) * cell, Math.round(point.y / cell) * cell, 0);
        const target = point.applyMatrix4(this.toView), controls = this.viewer.controls;
        this.viewer.camera.position.add(target.clone().sub(controls.target));
        controls.target.copy(target);
        controls.update();
      }
      this.slider.value = String(this.time);
      this.clock.textContent = this.time.toFixed(2) + " / " + clip.duration.toFixed(2) + " s";
      window.gaitPreview.time = this.time;
      window.gaitPreview.frame = index;
      this.viewer.set_dirty();
    }
  }

  /* Apply the URL hash options (see the top of this file) once the page's first clip is shown. */
  function applyHash(player, options) {
    if (options.follow === "0") { player.follow = false; player.followBox.checked = false; }
    if (options.speed) { player.speed = parseFloat(options.speed); player.speedSelect.value = options.speed; }
    if (options.t !== undefined) { player.pause(); player.seek(parseFloat(options.t)); return true; }
    return false;
  }

  /* The one-clip page: data.clips holds one payload. */
  async function startClipPage(data) {
    const player = new Player(element("div", {class: "gp-view"}, document.getElementById("gp-root")), data.options);
    window.gaitPreview.player = player;
    for (const text of Object.values(data.robots)) await player.addRobot(text);
    const clip = buildClip(await unpack(data.clips[0].payload));
    player.setClip(clip);
    window.gaitPreview.clip = clip.name;
    if (!applyHash(player, hashOptions())) player.play();
    window.gaitPreview.ready = true;
  }

  /* Run a page's start function; a failure (e.g. a browser without DecompressionStream) is shown on the page. */
  function start(kind, run) {
    window.addEventListener("DOMContentLoaded", () => {
      const data = JSON.parse(document.getElementById("gait-data").textContent);
      if (data.kind !== kind) return;
      run(data).catch((error) => {
        element("pre", {class: "gp-error", text: "gait_preview: this page cannot be shown: " + error}, document.body);
        window.gaitPreview.error = String(error);
      });
    });
  }

  window.GaitPlayer = {Player, unpack, buildClip, element, hashOptions, applyHash, start};
  window.gaitPreview = {ready: false, clip: null, time: 0, frame: 0};
  start("clip", startClipPage);
})();
