// The labeling page: asks the server for an open pair, plays both clips from one timer (same speed, in
// step), and posts the answer. Clip images hold all frames in a grid (see SegmentStore).
"use strict";

const labeler = (() => {
  const fromUrl = new URLSearchParams(location.search).get("labeler");
  if (fromUrl) return fromUrl;
  let id = localStorage.getItem("gymbridge-labeler");
  if (!id) {
    id = "web-" + Math.random().toString(36).slice(2, 10);
    localStorage.setItem("gymbridge-labeler", id);
  }
  return id;
})();

let current = null;   // {pair, left, right}
let clips = [];       // [{canvas, image, clip}]
let frame = 0;
let timer = null;
let busy = false;

const $ = (id) => document.getElementById(id);

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function showProgress(p) {
  const closed = p.closed ? " · run closed" : "";
  $("progress").textContent = `${p.answered} of ${p.total} pairs answered · ${p.mine ?? 0} by you (${labeler})${closed}`;
  $("progress").dataset.answered = p.answered;
  $("progress").dataset.mine = p.mine ?? 0;
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? {"Content-Type": "application/json"} : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("cannot load " + url));
    image.src = url;
  });
}

function draw() {
  document.body.dataset.frame = frame;
  for (const c of clips) {
    const ctx = c.canvas.getContext("2d");
    if (!c.clip) {
      ctx.clearRect(0, 0, c.canvas.width, c.canvas.height);
      ctx.fillText("no clip (segment " + c.segment + ")", 10, 20);
      continue;
    }
    const k = frame % c.clip.frames;
    const sx = (k % c.clip.columns) * c.clip.frameWidth;
    const sy = Math.floor(k / c.clip.columns) * c.clip.frameHeight;
    ctx.drawImage(c.image, sx, sy, c.clip.frameWidth, c.clip.frameHeight, 0, 0, c.canvas.width, c.canvas.height);
  }
}

async function show(next) {
  clearInterval(timer);
  current = next.pair ? next : null;
  showProgress(next);
  const enabled = current !== null;
  for (const b of document.querySelectorAll("button[data-choice]")) b.disabled = !enabled;
  if (!current) {
    clips = [];
    $("pair").textContent = "";
    setStatus(next.closed ? "This run is closed: its training takes no more labels."
                          : "No open pairs right now. Reload later: the training adds pairs as it runs.");
    return;
  }
  $("pair").textContent = `pair ${current.pair}`;
  $("pair").dataset.pair = current.pair;
  $("left-name").textContent = current.left.segment;
  $("right-name").textContent = current.right.segment;
  clips = await Promise.all(["left", "right"].map(async (side) => {
    const s = current[side];
    const canvas = $(side);
    if (s.clip) {
      canvas.width = s.clip.frameWidth;
      canvas.height = s.clip.frameHeight;
      return {canvas, clip: s.clip, segment: s.segment, image: await loadImage(s.clip.url)};
    }
    return {canvas, clip: null, segment: s.segment};
  }));
  frame = 0;
  draw();
  const fps = Math.min(...clips.filter((c) => c.clip).map((c) => c.clip.fps), 30) || 30;
  timer = setInterval(() => { frame++; draw(); }, 1000 / fps);
  document.body.dataset.ready = current.pair;
}

async function loadNext() {
  await show(await call("GET", "/api/next?labeler=" + encodeURIComponent(labeler)));
}

async function act(action) {
  if (busy) return;
  busy = true;
  try {
    await action();
  } catch (e) {
    setStatus(e.message, true);
  } finally {
    busy = false;
  }
}

function answer(choice) {
  if (!current) return;
  const pair = current.pair;
  act(async () => {
    await call("POST", "/api/answer", {pair, choice, labeler});
    setStatus(`Saved ${pair}: ${choice.replace("_", " ")}.`, false);
    await loadNext();
  });
}

function undo() {
  act(async () => {
    const r = await call("POST", "/api/undo", {labeler});
    setStatus(`Undid your answer to ${r.undone}.`, false);
    await loadNext();
  });
}

for (const b of document.querySelectorAll("button[data-choice]")) {
  b.addEventListener("click", () => answer(b.dataset.choice));
}
$("btn-undo").addEventListener("click", undo);
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = {ArrowLeft: "left", ArrowRight: "right", ArrowDown: "equal", e: "equal", c: "cannot_tell"};
  if (keys[e.key]) { e.preventDefault(); answer(keys[e.key]); }
  else if (e.key === "u" || e.key === "Backspace") { e.preventDefault(); undo(); }
});

act(loadNext);
