// Open and recent anomalies: filters, one row each, and the evidence timeline per node on demand.
import { el, svg, dateTime, preciseTime, micros } from './dom.js';

export function anomalyId(a) {
  return a.id || (a.flowKey ? `${a.flowKey}@${a.node}` : `${a.node}|${a.type}|${a.firstSeen}`);
}

/** The cause of a flow anomaly, the type of a node anomaly. */
export const what = a => a.cause || a.type;

/** Open first, then the most recently detected. */
export function ordered(list) {
  return [...list].sort((a, b) => (a.status === 'OPEN' ? 0 : 1) - (b.status === 'OPEN' ? 0 : 1)
    || String(b.detectedAt).localeCompare(String(a.detectedAt)) || anomalyId(a).localeCompare(anomalyId(b)));
}

const FILTERS = [
  ['service', 'Service', a => a.service],
  ['node', 'node', a => a.node],
  ['cause', 'cause', what],
  ['status', 'status', a => a.status],
];

export function matches(a, filters) {
  return FILTERS.every(([k, , f]) => !filters[k] || f(a) === filters[k]);
}

/** The anomalies section; onChange() re-renders after a filter or an expansion changed. */
export function anomaliesSection(list, state, onChange) {
  const shown = ordered(list.filter(a => matches(a, state.filters)));
  const open = list.filter(a => a.status === 'OPEN').length;
  const filters = el('div', { class: 'filters' }, FILTERS.map(([k, label, f]) => {
    const values = [...new Set(list.map(f).filter(v => v))].sort();
    if (state.filters[k] && !values.includes(state.filters[k])) values.push(state.filters[k]);
    const select = el('select', { id: `filter-${k}`, 'aria-label': `filter by ${label}`,
      onchange: e => { state.filters[k] = e.target.value; onChange(); } },
      el('option', { value: '' }, `every ${label}`),
      values.map(v => el('option', { value: v, selected: state.filters[k] === v }, v)));
    return el('label', {}, label, ' ', select);
  }));
  const rows = shown.flatMap(a => anomalyRows(a, state, onChange));
  return el('section', { id: 'anomalies' },
    el('h2', {}, 'Anomalies ', el('span', { class: 'count' }, `${open} open, ${list.length} in all`)),
    filters,
    shown.length === 0
      ? el('p', { class: 'empty' }, list.length === 0 ? 'No anomaly so far.' : 'No anomaly matches the filters.')
      : el('table', { class: 'anomalies' },
        el('thead', {}, el('tr', {}, ['', 'status', 'what', 'node', 'client → Service → backend, and what to do', 'first seen', 'detected']
          .map(h => el('th', {}, h)))),
        el('tbody', {}, rows)));
}

/** One anomaly on its own page (a link to share), its evidence shown. */
export function anomalyPage(id, list, state, onChange) {
  const a = list.find(x => anomalyId(x) === id);
  state.expanded.add(id);
  return el('section', { id: 'anomaly', 'data-id': id },
    el('p', {}, el('a', { href: '#/' }, '← all anomalies')),
    el('h2', {}, 'Anomaly ', el('small', {}, id)),
    a ? el('table', { class: 'anomalies' }, el('tbody', {}, anomalyRows(a, state, onChange)))
      : el('p', { class: 'empty' }, 'No such anomaly (yet): it may have been compacted away or belong to an instance that did not answer.'));
}

function anomalyRows(a, state, onChange) {
  const id = anomalyId(a);
  const open = state.expanded.has(id);
  const toggle = () => { if (open) state.expanded.delete(id); else state.expanded.add(id); onChange(); };
  const row = el('tr', { class: `anomaly ${a.status === 'OPEN' ? 'open' : 'resolved'}`, 'data-id': id, 'data-type': a.type,
    'data-cause': a.cause || '', 'data-service': a.service || '', 'data-node': a.node, 'data-status': a.status },
    el('td', {}, el('button', { class: 'expand', 'aria-expanded': open ? 'true' : 'false', title: 'evidence', onclick: toggle }, open ? '▾' : '▸')),
    el('td', {}, el('span', { class: `badge ${a.status === 'OPEN' ? 'bad' : 'good'}` }, a.status)),
    el('td', { class: 'what' }, el('a', { href: `#/anomaly/${encodeURIComponent(id)}`, title: 'this anomaly on its own page' },
      el('strong', {}, what(a))), a.cause ? el('small', {}, a.type) : null),
    el('td', {}, a.node),
    el('td', { class: 'path' }, el('div', {}, path(a)), el('div', { class: 'hint' }, a.hint)),
    el('td', { class: 'when' }, dateTime(a.firstSeen)),
    el('td', { class: 'when' }, dateTime(a.detectedAt)));
  if (!open) return [row];
  return [row, el('tr', { class: 'evidence-row' }, el('td', { colspan: 7 }, evidence(a)))];
}

function path(a) {
  if (!a.client) return a.detail;
  return [el('span', { class: 'addr' }, a.client), ' → ',
    a.service ? el('a', { href: `#/service/${encodeURIComponent(a.service)}`, class: 'service' }, a.service) : null,
    el('span', { class: 'addr' }, a.service ? ` (${a.serviceAddress})` : a.serviceAddress), ' → ',
    el('span', { class: 'addr' }, a.backend)];
}

/** What the anomaly was decided on: the detail, the facts used, and every node's events of the flow. */
export function evidence(a) {
  const events = [...(a.evidence || [])].sort((x, y) => micros(x.timestamp) - micros(y.timestamp));
  const facts = Object.entries(a.facts || {});
  return el('div', { class: 'evidence' },
    a.detail ? el('p', {}, a.detail) : null,
    facts.length ? el('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : null,
    events.length ? timeline(events) : el('p', { class: 'empty' }, 'No events kept for this anomaly.'),
    a.flowKey ? el('p', {}, 'Flow: ', el('a', { href: `/flows/${encodeURIComponent(a.flowKey)}` }, a.flowKey)) : null);
}

/** One lane per node: a strip with a mark per event, then the events as the kernel printed them. */
function timeline(events) {
  const nodes = [...new Set(events.map(e => e.node))].sort();
  const t0 = micros(events[0].timestamp);
  const span = Math.max(1, micros(events[events.length - 1].timestamp) - t0);
  const W = 600, LANE = 18;
  const strip = svg('svg', { class: 'lanes', width: W + 90, height: nodes.length * LANE + 16, role: 'img',
    'aria-label': `events of ${nodes.length} node(s) over ${(span / 1000).toFixed(1)} ms` },
    nodes.map((n, i) => svg('text', { x: 0, y: i * LANE + 13 }, n)),
    nodes.map((n, i) => svg('line', { class: 'lane', x1: 80, y1: i * LANE + 9, x2: 80 + W, y2: i * LANE + 9 })),
    events.map(e => {
      const i = nodes.indexOf(e.node);
      return svg('circle', { class: `ev ev-${e.type}`, cx: (80 + W * (micros(e.timestamp) - t0) / span).toFixed(1), cy: i * LANE + 9, r: 4 },
        svg('title', {}, `${e.node} ${e.type} ${preciseTime(e.timestamp)} ${e.state || ''}`));
    }),
    svg('text', { x: 80, y: nodes.length * LANE + 13, class: 'scale' }, `+0 … +${(span / 1000).toFixed(1)} ms`));
  return el('div', { class: 'timeline' }, strip,
    el('div', { class: 'node-events' }, nodes.map(n => el('div', { class: 'node-lane', 'data-node': n },
      el('h4', {}, n),
      el('ol', {}, events.filter(e => e.node === n).map(e => el('li', { class: `ev-${e.type}` },
        el('span', { class: 'offset' }, `+${((micros(e.timestamp) - t0) / 1000).toFixed(3)} ms`), ' ',
        el('strong', {}, e.type), e.state ? ` ${e.state}` : '', ' ',
        el('span', { class: 'addr' }, tuple(e.original)), ' ⇄ ', el('span', { class: 'addr' }, tuple(e.reply)),
        (e.flags || []).length ? el('small', {}, ` [${e.flags.join(' ')}]`) : null,
        e.raw ? el('code', { class: 'raw', title: 'the line as conntrack printed it' }, e.raw) : null)))))));
}

function tuple(t) {
  if (!t) return '';
  if (t.srcPort != null) return `${t.src}:${t.srcPort} → ${t.dst}:${t.dstPort}`;
  if (t.icmpType != null) return `${t.src} → ${t.dst} (icmp type ${t.icmpType} code ${t.icmpCode} id ${t.icmpId})`;
  return `${t.src} → ${t.dst}`;
}
