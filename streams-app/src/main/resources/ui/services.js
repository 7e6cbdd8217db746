// The Services table (last hour of windows as small charts, sortable) and one Service's page.
import { el, dateTime, time, duration } from './dom.js';
import { flowChart, latencyChart, incomplete } from './charts.js';
import { anomaliesSection } from './anomalies.js';

export const HOUR = 3_600_000;

/** Sums a Service's windows: the table's figures. */
export function summary(id, windows) {
  const last = windows[windows.length - 1] || {};
  const sum = f => windows.reduce((a, w) => a + (f(w) || 0), 0);
  return {
    service: id, serviceAddress: last.serviceAddress || '', windows,
    newFlows: sum(w => w.newFlows), replied: sum(w => w.replied), unreplied: sum(w => w.unreplied), incomplete: sum(incomplete),
    active: last.active, clients: last.clients, lastWindow: last.windowEnd,
    // a percentile does not add up over windows: the worst window's
    p50: worst(windows, w => w.setupP50Micros), p99: worst(windows, w => w.setupP99Micros),
  };
}

const COLUMNS = [
  ['service', 'Service', r => r.service],
  ['newFlows', 'new', r => r.newFlows, 'num'],
  ['replied', 'replied', r => r.replied, 'num'],
  ['unreplied', 'unreplied', r => r.unreplied, 'num'],
  ['incomplete', 'incomplete NAT', r => r.incomplete, 'num'],
  ['active', 'active', r => r.active, 'num'],
  ['clients', 'clients', r => r.clients, 'num'],
  ['p99', 'setup p99 (worst window)', r => r.p99, 'num', duration],
];

/** The Services table over [from, to); click a heading to sort by it, again to reverse. */
export function servicesSection(rows, from, to, state, onChange) {
  const [key, dir] = state.sort;
  const col = COLUMNS.find(c => c[0] === key) || COLUMNS[0];
  const sorted = [...rows].sort((a, b) => {
    const x = col[2](a), y = col[2](b);
    const c = typeof x === 'string' ? String(x).localeCompare(String(y)) : (x ?? -1) - (y ?? -1);
    return (dir === 'asc' ? c : -c) || a.service.localeCompare(b.service);
  });
  const sortBy = k => () => {
    state.sort = state.sort[0] === k ? [k, state.sort[1] === 'asc' ? 'desc' : 'asc'] : [k, k === 'service' ? 'asc' : 'desc'];
    onChange();
  };
  const head = COLUMNS.map(([k, label, , cls]) => el('th', { class: cls, 'aria-sort': k === key ? (dir === 'asc' ? 'ascending' : 'descending') : null },
    el('button', { class: 'sort', onclick: sortBy(k) }, label, k === key ? (dir === 'asc' ? ' ▴' : ' ▾') : '')));
  return el('section', { id: 'services' },
    el('h2', {}, 'Services ', el('span', { class: 'count' },
      rows.length ? `${rows.length}, windows ${time(from)}–${time(to)} UTC (the last hour of event time)` : '')),
    rows.length === 0 ? el('p', { class: 'empty' }, 'No Service window has closed yet.') :
      el('table', { class: 'services' },
        el('thead', {}, el('tr', {}, head, el('th', {}, 'new / unreplied / incomplete'), el('th', {}, 'setup p99'))),
        el('tbody', {}, sorted.map(r => el('tr', { class: 'service-row', 'data-service': r.service },
          COLUMNS.map(([k, , f, cls, fmt]) => el('td', { class: cls },
            k === 'service' ? [el('a', { href: `#/service/${encodeURIComponent(r.service)}` }, r.service),
              el('small', {}, r.serviceAddress)] : (fmt ? fmt(f(r)) : f(r) ?? '–'))),
          el('td', {}, flowChart(r.windows, from, to)),
          el('td', {}, latencyChart(r.windows, from, to)))))),
    el('p', { class: 'legend' }, el('span', { class: 'key s-new' }, 'new'), el('span', { class: 'key s-unreplied' }, 'unreplied'),
      el('span', { class: 'key s-incomplete' }, 'incomplete NAT'), ' per window. new, replied, unreplied and incomplete NAT are sums over the hour; active and clients are the last window\'s.'));
}

/** One Service: its charts, backends (dataplane endpoints and where its connections went), clients and windows. */
export function servicePage(id, windows, entries, anomalies, from, to, pageState, onChange) {
  const s = summary(id, windows);
  const endpoints = new Map(); // backend address:port -> nodes whose dataplane lists it
  for (const e of entries || []) {
    for (const ep of e.endpoints || []) {
      const k = ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
      endpoints.set(k, [...(endpoints.get(k) || []), e.node].filter(Boolean));
    }
  }
  const mine = anomalies.filter(a => a.service === id);
  const backends = new Map();
  const add = (k, f, n = 1) => { const b = backends.get(k) || { conns: 0, anomalies: 0 }; b[f] += n; backends.set(k, b); };
  for (const w of windows) for (const [b, n] of Object.entries(w.backends || {})) add(b, 'conns', n);
  for (const a of mine) if (a.backend) add(a.backend, 'anomalies');
  for (const k of endpoints.keys()) add(k, 'conns', 0);
  const clients = new Map();
  for (const a of mine) if (a.client) clients.set(a.client.replace(/:\d+$/, ''), [...(clients.get(a.client.replace(/:\d+$/, '')) || []), a]);
  return el('section', { id: 'service', 'data-service': id },
    el('p', {}, el('a', { href: '#/' }, '← all Services')),
    el('h2', {}, id, ' ', el('small', {}, s.serviceAddress)),
    windows.length === 0 ? el('p', { class: 'empty' }, 'No closed window of this Service in the last hour.') :
      el('div', { class: 'cards' },
        card('new', s.newFlows), card('replied', s.replied), card('unreplied', s.unreplied), card('incomplete NAT', s.incomplete),
        card('active', s.active ?? '–'), card('clients (last window)', s.clients ?? '–'), card('setup p50 (worst window)', duration(s.p50)),
        card('setup p99 (worst window)', duration(s.p99))),
    el('div', { class: 'charts' },
      el('figure', {}, flowChart(windows, from, to, { width: 480, height: 80 }), el('figcaption', {}, 'new / unreplied / incomplete NAT per window')),
      el('figure', {}, latencyChart(windows, from, to, { width: 480, height: 80 }), el('figcaption', {}, 'setup latency p99 per window'))),
    el('h3', {}, 'Backends'),
    backends.size === 0 ? el('p', { class: 'empty' }, 'No backend known.') :
      el('table', { class: 'backends' },
        el('thead', {}, el('tr', {}, ['backend', 'endpoint in the dataplane', 'new connections (hour)', 'anomalies'].map(h => el('th', {}, h)))),
        el('tbody', {}, [...backends.entries()].sort().map(([b, v]) => el('tr', { class: 'backend', 'data-backend': b },
          el('td', { class: 'addr' }, b),
          el('td', {}, entries == null ? '?' : endpoints.has(b) ? `yes (${endpoints.get(b).join(', ') || 'every node'})` : el('span', { class: 'badge bad' }, 'no')),
          el('td', { class: 'num' }, v.conns), el('td', { class: 'num' }, v.anomalies))))),
    el('h3', {}, 'Clients'),
    el('p', {}, `Distinct clients per window: ${windows.map(w => w.clients).join(', ') || '–'}.`),
    clients.size === 0 ? el('p', { class: 'empty' }, 'No client of this Service had an anomaly.') :
      el('table', { class: 'clients' },
        el('thead', {}, el('tr', {}, ['client', 'anomalies', 'nodes', 'last detected'].map(h => el('th', {}, h)))),
        el('tbody', {}, [...clients.entries()].sort().map(([c, as]) => el('tr', { class: 'client' },
          el('td', { class: 'addr' }, c), el('td', { class: 'num' }, as.length),
          el('td', {}, [...new Set(as.map(a => a.node))].sort().join(', ')),
          el('td', { class: 'when' }, dateTime(as.map(a => a.detectedAt).sort().pop())))))),
    anomaliesSection(mine, pageState, onChange),
    el('h3', {}, 'Windows'),
    el('table', { class: 'windows' },
      el('thead', {}, el('tr', {}, ['window (UTC)', 'new', 'replied', 'unreplied', 'incomplete', 'active', 'p50', 'p99', 'states']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, [...windows].reverse().map(w => el('tr', {},
        el('td', { class: 'when' }, `${dateTime(w.windowStart)}–${time(w.windowEnd)}`),
        [w.newFlows, w.replied, w.unreplied, incomplete(w), w.active].map(v => el('td', { class: 'num' }, v)),
        el('td', { class: 'num' }, duration(w.setupP50Micros)), el('td', { class: 'num' }, duration(w.setupP99Micros)),
        el('td', {}, Object.entries(w.states || {}).map(([k, v]) => `${k}=${v}`).join(' ')))))));
}

function worst(windows, f) {
  const v = windows.map(f).filter(x => x != null);
  return v.length ? Math.max(...v) : null;
}

function card(label, value) {
  return el('div', { class: 'card' }, el('span', { class: 'value' }, value), el('span', { class: 'label' }, label));
}
