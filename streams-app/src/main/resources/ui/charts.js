// Small inline SVG charts of a Service's windows.
import { svg, time, duration } from './dom.js';

const MIN_SPAN = 120_000;
const DOTS = 30;

/**
 * A line per series over [from, to): series = [{name, cls, values: [{t, v}]}] with t in ms.
 * Each point is a window; a series with one point is drawn as a dot.
 */
export function spark(series, from, to, { width = 160, height = 28, label = '', format = String } = {}) {
  // The axis starts at the first window kept (a young Service or a fresh app has less than the
  // hour), spanning at least MIN_SPAN so a few windows do not pile up at the right edge.
  const first = Math.min(...series.flatMap(s => s.values.map(p => p.t)));
  if (isFinite(first)) from = Math.max(from, Math.min(first, to - MIN_SPAN));
  const max = Math.max(1, ...series.flatMap(s => s.values.map(p => p.v || 0)));
  const x = t => to > from ? 1 + (width - 2) * (t - from) / (to - from) : width / 2;
  const y = v => height - 2 - (height - 4) * (v || 0) / max;
  const shapes = [];
  for (const s of series) {
    const pts = s.values.filter(p => p.v != null).sort((a, b) => a.t - b.t);
    if (pts.length > 1) {
      shapes.push(svg('polyline', { class: s.cls, points: pts.map(p => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
    }
    if (pts.length <= DOTS) { // few windows: each one visible
      pts.forEach(p => shapes.push(svg('circle', { class: s.cls, cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 1.8 })));
    }
  }
  const summary = series.map(s => {
    const last = s.values.length ? s.values[s.values.length - 1].v : null;
    return `${s.name} ${last == null ? '–' : format(last)}`;
  }).join(', ');
  const title = `${label}${label ? ': ' : ''}${series[0] && series[0].values.length} windows ${time(from)}–${time(to)} UTC; max ${format(max)}; last: ${summary}`;
  return svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title },
    svg('title', {}, title),
    svg('line', { class: 'axis', x1: 0, y1: height - 1, x2: width, y2: height - 1 }),
    shapes);
}

/** new / unreplied / incomplete per window. */
export function flowChart(windows, from, to, opts = {}) {
  const pts = f => windows.map(w => ({ t: Date.parse(w.windowStart), v: f(w) }));
  return spark([
    { name: 'new', cls: 's-new', values: pts(w => w.newFlows) },
    { name: 'unreplied', cls: 's-unreplied', values: pts(w => w.unreplied) },
    { name: 'incomplete', cls: 's-incomplete', values: pts(incomplete) },
  ], from, to, { label: 'new / unreplied / incomplete', ...opts });
}

/** setup latency p99 per window (windows without a replied connection have none). */
export function latencyChart(windows, from, to, opts = {}) {
  return spark([{ name: 'p99', cls: 's-p99', values: windows.map(w => ({ t: Date.parse(w.windowStart), v: w.setupP99Micros })) }],
    from, to, { label: 'setup p99', format: duration, ...opts });
}

export function incomplete(w) {
  return Object.values(w.incompleteNat || {}).reduce((a, b) => a + b, 0);
}
