// The page: polls the API, keeps the last hour of Service windows, renders the view the URL's hash names.
import * as api from './api.js';
import { el, replace, time } from './dom.js';
import { anomaliesSection, anomalyPage } from './anomalies.js';
import { servicesSection, servicePage, summary, HOUR } from './services.js';
import { nodeRows, nodesSection } from './nodes.js';

const POLL_MS = 2000;
const RETRY_MS = 5000;

const state = {
  filters: { service: '', node: '', cause: '', status: '' },
  expanded: new Set(),
  sort: ['incomplete', 'desc'],
  windows: new Map(), // Service id -> windowStart -> ServiceStats
  newestStart: 0, // ms: the newest window fetched; the next poll asks from there
  anomalies: [],
  nodes: null,
  health: null,
  missing: [],
  error: null,
  service: null, // the Service page's extras: {id, history, entries}
  servicePage: { filters: { service: '', node: '', cause: '', status: '' }, expanded: new Set() },
  loaded: false,
};
let lastSignature = '';

function route() {
  const m = /^#\/(service|anomaly)\/(.+)$/.exec(location.hash);
  return m ? { page: m[1], id: decodeURIComponent(m[2]) } : { page: 'home' };
}

function keep(w) {
  const byStart = state.windows.get(w.service) || state.windows.set(w.service, new Map()).get(w.service);
  const t = Date.parse(w.windowStart);
  byStart.set(t, w);
  state.newestStart = Math.max(state.newestStart, t);
}

/** [from, to): the hour of event time up to the newest closed window. */
function range() {
  let to = 0;
  for (const m of state.windows.values()) for (const w of m.values()) to = Math.max(to, Date.parse(w.windowEnd));
  return [to - HOUR, to];
}

function prune(from) {
  for (const [id, m] of state.windows) {
    for (const t of m.keys()) if (t < from) m.delete(t);
    if (m.size === 0) state.windows.delete(id);
  }
}

function windowsOf(id, from, to) {
  return [...(state.windows.get(id) || new Map()).values()]
    .filter(w => Date.parse(w.windowStart) >= from && Date.parse(w.windowStart) < to)
    .sort((a, b) => a.windowStart.localeCompare(b.windowStart));
}

async function refresh() {
  const r = route();
  try {
    const first = state.newestStart === 0;
    const [health, anomalies, latest, nodes] = await Promise.all([api.health(), api.anomalies(), api.services(), api.nodes()]);
    latest.items.forEach(keep);
    // the hour before the newest window on the first poll, then only what closed since
    const [from0, to0] = range();
    const since = first ? from0 : state.newestStart;
    const history = to0 ? await api.serviceWindows(since, to0 + 1) : null;
    if (history) history.items.forEach(keep);
    const [from] = range();
    prune(from);
    state.health = health;
    state.anomalies = anomalies.items;
    state.nodes = nodes ? nodes.items : null;
    state.missing = [...new Set([...anomalies.missing, ...latest.missing, ...(nodes ? nodes.missing : [])])];
    if (r.page === 'service') {
      const [f, t] = range();
      const [hist, entries] = await Promise.all([api.serviceHistory(r.id, f, t + 1), api.serviceBackends(r.id)]);
      (hist || []).forEach(keep);
      state.service = { id: r.id, entries: entries ? entries.entries : null };
    }
    state.error = null;
    state.loaded = true;
  } catch (e) {
    state.error = String(e.message || e);
  }
  render();
  return state.error ? RETRY_MS : POLL_MS;
}

function signature() {
  const ws = [...state.windows.values()].map(m => m.size).join(',');
  return JSON.stringify([location.hash, state.error, state.health, state.missing, state.newestStart, ws,
    state.anomalies.map(a => [a.id || a.flowKey || a.type, a.node, a.status, a.detectedAt]), state.nodes, state.service]);
}

function render(force = false) {
  const live = document.getElementById('live');
  live.textContent = state.error ? `API unreachable: ${state.error}` : `live · updated ${time(new Date().toISOString())}`;
  live.className = `live ${state.error ? 'down' : state.health && state.health.status === 'UP' ? 'up' : 'down'}`;
  if (!state.loaded) return;
  const sig = signature();
  if (!force && sig === lastSignature) return;
  lastSignature = sig;
  const r = route();
  const [from, to] = range();
  const main = document.getElementById('main');
  const rerender = () => render(true);
  const notes = [
    state.health && state.health.status !== 'UP' ? el('p', { class: 'warn' }, `The streams app is ${state.health.state}.`) : null,
    state.missing.length ? el('p', { class: 'warn' }, `Missing from these lists (instances that did not answer): ${state.missing.join(', ')}`) : null,
  ];
  if (r.page === 'anomaly') {
    replace(main, notes, anomalyPage(r.id, state.anomalies, state, rerender));
  } else if (r.page === 'service') {
    state.servicePage.filters.service = r.id;
    replace(main, notes, servicePage(r.id, windowsOf(r.id, from, to), state.service && state.service.id === r.id ? state.service.entries : null,
      state.anomalies, from, to, state.servicePage, rerender));
  } else {
    const rows = [...state.windows.keys()].sort().map(id => summary(id, windowsOf(id, from, to)));
    replace(main, notes,
      anomaliesSection(state.anomalies, state, rerender),
      servicesSection(rows, from, to, state, rerender),
      nodesSection(nodeRows(state.nodes, state.anomalies), state.anomalies));
  }
  document.body.dataset.state = 'ready';
  document.body.dataset.anomalies = String(state.anomalies.length);
  document.body.dataset.services = String(state.windows.size);
}

async function loop() {
  const wait = await refresh();
  setTimeout(loop, wait);
}

window.addEventListener('hashchange', () => { state.service = null; render(true); refresh(); });
loop();
