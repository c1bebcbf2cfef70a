// Drawing the timeline on its canvas: drawTimeline paints a TimelineView (static/timeline-view.js)
// and returns the hit regions; below it the primitives (marks, rounded spans, clipped labels, the
// time axis). tickStep and tickLabel are pure.

import { LANES } from "./event-view.js";
import { AXIS, GUTTER, RIGHT_PAD } from "./timeline-view.js";
import { deriveShapes } from "./timeline-shapes.js";

const TICK_STEPS = [
  10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000,
  900000, 1800000, 3600000,
];

/** The smallest "round" tick step (ms) that puts at least ``minPx`` pixels between ticks. */
export function tickStep(spanMs, widthPx, minPx = 84) {
  return TICK_STEPS.find((s) => (s / spanMs) * widthPx >= minPx) || TICK_STEPS[TICK_STEPS.length - 1];
}

/** One mark: ``hole`` is the background colour used to cut into filled shapes. */
export function drawMark(ctx, shape, px, cy, laneH, color, hole) {
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  switch (shape) {
    case "dot":
      ctx.beginPath();
      ctx.arc(px, cy, 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = hole;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      break;
    case "ring":
      ctx.beginPath();
      ctx.arc(px, cy, 3.5, 0, Math.PI * 2);
      ctx.fillStyle = hole;
      ctx.fill();
      ctx.stroke();
      break;
    case "audio":
      ctx.beginPath();
      ctx.moveTo(px, cy - laneH * 0.36);
      ctx.lineTo(px + 4, cy - laneH * 0.36 - 5);
      ctx.lineTo(px - 4, cy - laneH * 0.36 - 5);
      ctx.closePath();
      ctx.fill();
      break;
    case "small":
      ctx.fillRect(px - 1, cy - laneH * 0.3, 2, laneH * 0.16);
      break;
    case "chunk":
      ctx.globalAlpha = 0.8;
      ctx.fillRect(px - 0.75, cy + laneH * 0.1, 1.5, laneH * 0.26);
      ctx.globalAlpha = 1;
      break;
    case "tick":
      ctx.fillRect(px - 1, cy - laneH * 0.3, 2, laneH * 0.6);
      break;
    case "diamond":
      ctx.beginPath();
      ctx.moveTo(px, cy - 5);
      ctx.lineTo(px + 5, cy);
      ctx.lineTo(px, cy + 5);
      ctx.lineTo(px - 5, cy);
      ctx.closePath();
      ctx.fill();
      break;
    case "error":
      ctx.beginPath();
      ctx.moveTo(px, cy - 7);
      ctx.lineTo(px + 7, cy + 5);
      ctx.lineTo(px - 7, cy + 5);
      ctx.closePath();
      ctx.fill();
      ctx.fillStyle = hole;
      ctx.fillRect(px - 0.75, cy - 3, 1.5, 4);
      ctx.fillRect(px - 0.75, cy + 2, 1.5, 1.5);
      break;
    default:
      ctx.beginPath();
      ctx.arc(px, cy, 3, 0, Math.PI * 2);
      ctx.fill();
  }
}

export function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  if (ctx.roundRect) ctx.roundRect(x, y, Math.max(0, w), Math.max(0, h), Math.min(r, w / 2, h / 2));
  else ctx.rect(x, y, w, h);
}

/** fillText, shortened with an ellipsis to fit ``maxWidth`` (canvas text: never HTML). */
export function clippedText(ctx, text, px, py, maxWidth) {
  let value = String(text).replace(/\s+/g, " ");
  if (ctx.measureText(value).width > maxWidth) {
    let lo = 0;
    let hi = value.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(`${value.slice(0, mid)}…`).width <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    if (lo < 2) return;
    value = `${value.slice(0, lo)}…`;
  }
  ctx.fillText(value, px, py);
}

/** A time-axis label, as precise as the tick step needs. */
export function tickLabel(t, step) {
  const d = new Date(t);
  const p = (n, w = 2) => String(n).padStart(w, "0");
  if (step >= 60000) return `${p(d.getHours())}:${p(d.getMinutes())}`;
  if (step >= 1000) return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/**
 * Paint ``view`` with ``style`` ({colors, font}: theme colours by name and lane key, the monospace
 * font). Returns {hits, drawn}: hit regions topmost first ({x0, x1, y0, y1, open: event, span? or
 * mark?}) and what was drawn ({id, type, session, lane, kind: "span" or the mark's shape}).
 */
export function drawTimeline(ctx, view, { colors: c, font }) {
  const W = view.width;
  const H = view.height;
  if (W < 2 || H < 2) return { hits: [], drawn: [] };
  const { start, end, plotW, top, laneH, x, laneY } = view.layout();
  const span = view.span;

  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = c.bg;
  ctx.fillRect(0, 0, W, H);
  LANES.forEach((lane, i) => {
    if (i % 2 === 0) {
      ctx.fillStyle = c.lane;
      ctx.fillRect(GUTTER, top + i * laneH, plotW + RIGHT_PAD, laneH);
    }
  });

  // time grid
  const step = tickStep(span, plotW);
  ctx.font = `10.5px ${font}`;
  ctx.textBaseline = "middle";
  ctx.strokeStyle = c.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = c.text;
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    const px = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, AXIS - 4);
    ctx.lineTo(px, H);
    ctx.stroke();
    ctx.fillText(tickLabel(t, step), px + 4, AXIS / 2);
  }
  ctx.strokeStyle = c.border;
  ctx.beginPath();
  ctx.moveTo(0, AXIS + 0.5);
  ctx.lineTo(W, AXIS + 0.5);
  ctx.stroke();

  const edge = view.liveEdge();
  const { spans, marks } = deriveShapes(view.items, edge);
  const hits = [];
  const drawn = [];
  const visible = (t0, t1) => t1 >= start && t0 <= end;

  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, top, plotW + RIGHT_PAD, H - top);
  ctx.clip();

  // spans: speech segments and syntheses
  for (const s of spans) {
    if (!visible(s.t0, s.t1)) continue;
    const color = s.failed ? c.error : c[s.lane];
    const y = laneY(s.lane) + laneH * 0.22;
    const hgt = laneH * 0.56;
    const x0 = x(s.t0);
    const x1 = Math.max(x0 + 2, x(s.t1));
    ctx.globalAlpha = s.open ? 0.16 : 0.24;
    ctx.fillStyle = color;
    roundRect(ctx, x0, y, x1 - x0, hgt, 3);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.2;
    if (s.open) ctx.setLineDash([4, 3]);
    roundRect(ctx, x0 + 0.5, y + 0.5, x1 - x0 - 1, hgt - 1, 3);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.fillRect(x0, y, 2, hgt);
    if (s.label && x1 - x0 > 34) {
      ctx.fillStyle = c.strong;
      ctx.font = `11px ${font}`;
      clippedText(ctx, s.label, x0 + 7, y + hgt / 2, x1 - x0 - 12);
    }
    const open = s.end ? s.end.ev : s.start.ev;
    hits.push({ x0, x1, y0: y, y1: y + hgt, span: s, open, priority: 0 });
    drawn.push({ id: open.event_id, type: open.event_type, session: open.session_id, lane: s.lane, kind: "span" });
  }

  // marks, then their labels (each label stops where the next one in its lane begins)
  const labels = [];
  for (const mark of marks) {
    if (!visible(mark.t, mark.t)) continue;
    const px = x(mark.t);
    const cy = laneY(mark.lane) + laneH / 2;
    const ev = mark.item.ev;
    const color = mark.shape === "error" ? c.error : c[mark.lane];
    drawMark(ctx, mark.shape, px, cy, laneH, color, c.elev);
    const r = mark.shape === "error" ? 7 : 5;
    hits.push({ x0: px - r, x1: px + r, y0: cy - laneH / 2, y1: cy + laneH / 2, mark, open: ev, priority: mark.shape === "error" ? 2 : 1 });
    drawn.push({ id: ev.event_id, type: ev.event_type, session: ev.session_id, lane: mark.lane, kind: mark.shape });
    if (mark.label) labels.push({ px, cy, mark });
  }
  ctx.font = `11px ${font}`;
  for (let i = 0; i < labels.length; i += 1) {
    const { px, cy, mark } = labels[i];
    let limit = GUTTER + plotW - px - 8;
    for (let j = i + 1; j < labels.length; j += 1) {
      if (labels[j].mark.lane === mark.lane) {
        limit = labels[j].px - px - 12;
        break;
      }
    }
    if (limit < 24) continue;
    ctx.fillStyle = mark.partial ? c.text : c.strong;
    clippedText(ctx, mark.label, px + 8, cy, limit);
  }

  // the live edge
  if (view.session && edge >= start && edge <= end && view.isLive()) {
    const px = Math.round(x(edge)) + 0.5;
    ctx.strokeStyle = c.now;
    ctx.globalAlpha = 0.85;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, H);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }
  ctx.restore();

  // gutter with lane names, drawn last so nothing spills into it
  ctx.fillStyle = c.bg;
  ctx.fillRect(0, 0, GUTTER, H);
  ctx.strokeStyle = c.border;
  ctx.beginPath();
  ctx.moveTo(GUTTER - 0.5, 0);
  ctx.lineTo(GUTTER - 0.5, H);
  ctx.stroke();
  ctx.font = `600 11px ${font}`;
  LANES.forEach((lane, i) => {
    const cy = top + i * laneH + laneH / 2;
    ctx.fillStyle = c[lane.key];
    ctx.fillRect(10, cy - 4, 3, 8);
    ctx.fillStyle = c.text;
    ctx.fillText(lane.label, 18, cy);
  });

  return { hits: sortHits(hits), drawn };
}

/** Topmost first: errors, then marks, then spans; among equals, what was drawn last (on top) first. */
export function sortHits(hits) {
  hits.forEach((hit, index) => {
    hit.order = index;
  });
  return hits.sort((a, b) => b.priority - a.priority || b.order - a.order);
}
