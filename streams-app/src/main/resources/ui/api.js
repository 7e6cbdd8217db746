// The HTTP API, as the page uses it. Every call goes to this instance, which gathers lists from
// every instance and forwards keys to their owner. Newer endpoints (history, backends, nodes)
// answer 404 on an older app: those calls return null and the page shows what it can without them.

const PAGES = 10;

async function get(path) {
  const r = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (r.status === 404) return { body: null, next: null, missing: null };
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  const link = r.headers.get('Link') || '';
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  return { body: await r.json(), next: m ? m[1] : null, missing: r.headers.get('X-Ctflow-Missing') };
}

/** A list endpoint with its rel="next" pages; null when the endpoint does not exist. */
async function list(path) {
  const items = [];
  const missing = new Set();
  let next = path;
  for (let i = 0; next && i < PAGES; i++) {
    const r = await get(next);
    if (r.body == null) return i === 0 ? null : { items, missing: [...missing] };
    if (r.missing) r.missing.split(',').forEach(h => missing.add(h.trim()));
    for (const x of Array.isArray(r.body) ? r.body : []) {
      if (x && x.error) missing.add(x.error); // an older app lists an instance that did not answer as {error}
      else items.push(x);
    }
    next = r.next;
  }
  return { items, missing: [...missing] };
}

export async function health() {
  const r = await fetch('/health', { cache: 'no-store' });
  return r.json().catch(() => ({ status: 'DOWN', state: `HTTP ${r.status}` }));
}

export async function anomalies() {
  return (await list('/anomalies?limit=1000')) || { items: [], missing: [] };
}

/** Latest window of every Service. */
export async function services() {
  return (await list('/services')) || { items: [], missing: [] };
}

/** Every Service's windows starting in [from, to) (ms); on an older app, whatever /services answers. */
export async function serviceWindows(from, to) {
  return list(`/services?from=${Math.floor(from)}&to=${Math.ceil(to)}&limit=5000`);
}

const id = s => encodeURIComponent(s);

/** One Service's windows in [from, to), or null when the app keeps no history. */
export async function serviceHistory(service, from, to) {
  const r = await list(`/services/${id(service)}/history?from=${Math.floor(from)}&to=${Math.ceil(to)}&limit=5000`);
  return r && r.items;
}

/** The Service's dataplane entries with endpoints, or null. */
export async function serviceBackends(service) {
  const r = await get(`/services/${id(service)}/backends`);
  return r.body;
}

/** Every node's facts, table use, loss and heartbeat, or null on an app without /nodes. */
export async function nodes() {
  return list('/nodes');
}
