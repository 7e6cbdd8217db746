// Nodes: the facts that decide causes, table use, loss and the last heartbeat.
import { el, dateTime } from './dom.js';

const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';

/**
 * The nodes from /nodes; on an app without it (nodes == null), what the anomalies tell: each
 * node that appears in them, with the facts a cause was decided on.
 */
export function nodeRows(nodes, anomalies) {
  if (nodes) return nodes.map(n => ({ ...n, derived: false }));
  const byNode = new Map();
  const get = name => byNode.get(name) || byNode.set(name, { node: name, bridgeNfCallIptables: null, proxyMode: null, table: null,
    stats: null, lastHeartbeat: null, lastGap: null, openAnomalies: [], derived: true }).get(name);
  for (const a of anomalies) {
    const n = get(a.node);
    if (a.facts && a.facts[BRIDGE_NF] != null) n.bridgeNfCallIptables = a.facts[BRIDGE_NF];
    if (!a.cause && a.status === 'OPEN') n.openAnomalies.push(a);
    if (a.type === 'EVENT_LOSS') n.lastGap = [n.lastGap, a.detectedAt].filter(Boolean).sort().pop();
    for (const e of a.evidence || []) get(e.node);
  }
  return [...byNode.values()].sort((a, b) => a.node.localeCompare(b.node));
}

export function nodesSection(rows, anomalies) {
  const newest = rows.map(n => n.lastHeartbeat).filter(Boolean).sort().pop();
  const derived = rows.some(n => n.derived);
  return el('section', { id: 'nodes' },
    el('h2', {}, 'Nodes ', el('span', { class: 'count' }, rows.length ? `${rows.length}` : '')),
    derived ? el('p', { class: 'note' }, 'This app has no /nodes endpoint: nodes and facts come from the anomalies.') : null,
    rows.length === 0 ? el('p', { class: 'empty' }, 'No node has reported yet.') :
      el('table', { class: 'nodes' },
        el('thead', {}, el('tr', {}, ['node', 'bridge-nf-call-iptables', 'hairpin mode', 'conntrack table', 'proxy mode', 'last heartbeat',
          'lost events', 'open anomalies'].map(h => el('th', {}, h)))),
        el('tbody', {}, rows.map(n => {
          const flows = anomalies.filter(a => a.node === n.node && a.cause && a.status === 'OPEN').length;
          return el('tr', { class: 'node', 'data-node': n.node },
            el('td', {}, el('strong', {}, n.node)),
            el('td', {}, n.bridgeNfCallIptables == null ? '?' : el('span', { class: `badge ${n.bridgeNfCallIptables === '0' ? 'bad' : 'good'}`,
              title: n.bridgeNfCallIptables === '0' ? 'bridged replies skip conntrack: same-bridge Service traffic breaks' : null },
              n.bridgeNfCallIptables === '0' ? '0 (off)' : n.bridgeNfCallIptables)),
            el('td', {}, n.bridgePorts == null ? '?' : `${n.hairpinPorts} of ${n.bridgePorts} ports on`),
            el('td', {}, table(n.table)),
            el('td', {}, n.proxyMode || '?'),
            el('td', { class: 'when' }, n.lastHeartbeat ? [dateTime(n.lastHeartbeat), behind(n.lastHeartbeat, newest)] : '?'),
            el('td', {}, loss(n)),
            el('td', {}, [flows ? `${flows} incomplete NAT` : null, ...n.openAnomalies.map(a => el('span', { class: 'badge bad' }, a.type))]
              .filter(Boolean).flatMap((x, i) => i ? [' ', x] : [x]), flows || n.openAnomalies.length ? null : 'none'));
        }))));
}

function table(t) {
  if (!t || (t.count == null && t.max == null)) return '?';
  if (t.count == null) return `max ${t.max} (use unknown)`;
  if (t.max == null || t.use == null) return `${t.count} entries`;
  const pct = Math.round(t.use * 1000) / 10;
  return el('span', { class: t.use >= 0.9 ? 'badge bad' : '' }, `${t.count} / ${t.max} (${pct} %)`);
}

/** Event time behind the node that reported last: a silent node stands out. */
function behind(t, newest) {
  const s = (Date.parse(newest) - Date.parse(t)) / 1000;
  return s >= 5 ? el('span', { class: 'badge bad' }, ` ${Math.round(s)} s behind`) : null;
}

function loss(n) {
  const s = n.stats;
  if (!s) return n.lastGap ? `events lost (last ${dateTime(n.lastGap)})` : '?';
  const text = `${s.lostEvents} lost, ${s.gaps} gaps`;
  return s.lostEvents || s.gaps ? el('span', { class: 'badge bad', title: n.lastGap ? `last gap ${dateTime(n.lastGap)}` : null }, text) : text;
}
