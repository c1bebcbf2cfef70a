// The timeline's input: wheel zooms (shift or a sideways wheel pans), drag pans, a click opens the
// event under the pointer, hovering shows its tooltip, and the scrollbar thumb and track scroll.
// Every change goes through the Timeline controller (static/timeline.js), which redraws.

const DRAG_THRESHOLD_PX = 3; // a press that moves less than this is a click
const WHEEL_ZOOM = 0.0015; // zoom factor per wheel delta unit (exponential)

/** Bind the pointer, wheel and scrollbar of ``timeline`` (a Timeline). */
export function bindTimelineInput(timeline) {
  const { root, canvas, thumb, scrollbar, view } = timeline;
  const local = (ev) => {
    const rect = canvas.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  };

  root.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      const delta = ev.shiftKey ? ev.deltaY : ev.deltaX;
      timeline.update(() => view.panBy((delta * view.span) / view.plotWidth()));
    } else {
      timeline.update(() => view.zoomBy(Math.exp(ev.deltaY * WHEEL_ZOOM), local(ev)[0]));
    }
  }, { passive: false });

  let drag = null;
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, end: view.viewEnd(), moved: false };
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drag) {
      timeline.hover(...local(ev));
      return;
    }
    const dx = ev.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) > DRAG_THRESHOLD_PX) {
      drag.moved = true;
      root.classList.add("is-dragging");
      timeline.hideTooltip();
    }
    if (drag.moved) timeline.update(() => view.panTo(drag.end - (dx * view.span) / view.plotWidth()));
  });
  const finish = (ev) => {
    if (!drag) return;
    const wasClick = !drag.moved;
    root.classList.remove("is-dragging");
    drag = null;
    if (wasClick && ev.type === "pointerup") timeline.openAt(...local(ev));
    else timeline.update(() => view.settle());
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  canvas.addEventListener("pointerleave", () => {
    if (!drag) timeline.hideTooltip();
  });

  // The scrollbar: the thumb is the view within the session's extent.
  let thumbDrag = null;
  thumb.addEventListener("pointerdown", (ev) => {
    ev.stopPropagation();
    thumbDrag = { x: ev.clientX, end: view.viewEnd() };
    thumb.setPointerCapture(ev.pointerId);
    thumb.classList.add("is-dragging");
  });
  thumb.addEventListener("pointermove", (ev) => {
    if (!thumbDrag) return;
    const frac = (ev.clientX - thumbDrag.x) / (scrollbar.clientWidth || 1);
    timeline.update(() => view.scrollThumb(thumbDrag.end, frac));
  });
  const endThumb = () => {
    if (!thumbDrag) return;
    thumbDrag = null;
    thumb.classList.remove("is-dragging");
    timeline.update(() => view.settle());
  };
  thumb.addEventListener("pointerup", endThumb);
  thumb.addEventListener("pointercancel", endThumb);
  scrollbar.addEventListener("pointerdown", (ev) => {
    if (ev.target === thumb) return;
    const rect = scrollbar.getBoundingClientRect();
    timeline.update(() => view.scrollTrack((ev.clientX - rect.left) / (rect.width || 1)));
  });
}
