// DOM building from text nodes and attribute values only: no piece of data is ever parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** el('td', {class: 'num', title: t}, 'text', child, [more]) */
export function el(tag, props, ...children) {
  return fill(document.createElement(tag), props, children);
}

/** The same for SVG elements. */
export function svg(tag, props, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), props, children);
}

function fill(e, props, children) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** Replaces the children of parent. */
export function replace(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter(c => c != null && c !== false));
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** 2026-11-30 16:47:49 (UTC), or '' */
export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time(iso)}`;
}

/** 16:47:49 (UTC) */
export function time(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** 16:47:49.123456 from an ISO-8601 text with micro- or nanoseconds (Date keeps only milliseconds). */
export function preciseTime(iso) {
  const m = /T(\d\d:\d\d:\d\d)(\.\d+)?/.exec(iso || '');
  return m ? m[1] + (m[2] || '') : '';
}

/** Microseconds since the epoch from an ISO-8601 text (for ordering and offsets). */
export function micros(iso) {
  const ms = Date.parse(iso);
  if (isNaN(ms)) return 0;
  const frac = /\.(\d+)Z?$/.exec(iso || '');
  const extra = frac ? Number((frac[1] + '000000').slice(3, 6)) : 0;
  return ms * 1000 + extra;
}

/** 31us, 4.2ms, 1.3s */
export function duration(us) {
  if (us == null) return '–';
  if (us < 1000) return `${us}us`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)}ms`;
  return `${(us / 1e6).toFixed(1)}s`;
}

/** 3 s ago, 5 min ago, relative to now */
export function ago(iso, now = Date.now()) {
  const ms = now - Date.parse(iso);
  if (isNaN(ms)) return '';
  if (ms < 0) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}
