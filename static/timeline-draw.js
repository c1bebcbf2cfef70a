// Canvas primitives of the timeline: marks, rounded spans, clipped labels and the time axis.

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
