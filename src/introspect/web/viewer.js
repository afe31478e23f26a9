// The web route viewer (GET /): routing instances, a page of one table's
// routes with every path, BGP neighbours and XMPP agents, read from the JSON
// API of the same server and re-read when /api/events says something changed.
//
// - Paging: /api/routes returns at most `limit` routes and a `next` cursor;
//   the page keeps the cursors it has followed, so Previous and First need
//   no offsets and no page ever asks for a whole table.
// - Escaping: every value from routes and peers goes into the page as a text
//   node (textContent); nothing is ever parsed as HTML.
// - State (table, prefix, page size) lives in the URL's fragment, so a view
//   can be bookmarked and survives a reload.

const MAX_ROWS = 500; // instances and neighbours shown before "narrow the filter"

const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `title`, `data-*`, ...) and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

const dash = (v) => (v === undefined || v === null || v === '' ? '–' : v);
const lines = (list) => (list && list.length > 0 ? list.map((x) => el('div', {}, x)) : '–');
const time = (iso) => (iso ? String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  // The node's token changed (or the browser's session ended): log in again at /?token=.
  if (res.status === 401) throw new Error('not authorized: open /?token=<token> again to log in');
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Runs `load` so that only the latest call's result is applied (live updates may overlap). */
function latest(load) {
  let generation = 0;
  return async (...args) => {
    const mine = ++generation;
    const apply = await load(...args);
    if (mine === generation) apply();
  };
}

// ------------------------------------------------------------------ state

const state = {
  table: '',
  prefix: '',
  limit: 100,
  /** The `after` cursor of each page followed so far; the last is the current page's. */
  cursors: [''],
  /** The cursor of the page after the one shown (from the last answer). */
  next: undefined,
  /** The versions of the last change event. */
  versions: undefined,
  knownTables: new Map(),
};

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  state.table = h.get('table') ?? '';
  state.prefix = h.get('prefix') ?? '';
  const limit = Number(h.get('limit'));
  if ([25, 100, 500, 1000].includes(limit)) state.limit = limit;
}

function writeHash() {
  const h = new URLSearchParams({ table: state.table, prefix: state.prefix, limit: String(state.limit) });
  history.replaceState(null, '', `#${h}`);
}

// ------------------------------------------------------------------ summary and tables

const loadSummary = latest(async () => {
  const s = await api('/api/summary');
  return () => {
    $('summary').textContent =
      `${s.tables.length} tables · BGP peers up ${s.bgpPeersUp} of ${s.bgpPeers} · XMPP agents ${s.xmppAgents}`;
    state.knownTables = new Map(s.tables.map((t) => [t.name, t.prefixes]));
    $('table-names').replaceChildren(...s.tables.map((t) => el('option', { value: t.name }, `${t.prefixes} prefixes`)));
    if (state.table === '') {
      const first = s.tables.find((t) => t.prefixes > 0 && t.name.includes(':')) ?? s.tables.find((t) => t.prefixes > 0);
      selectTable(first ? first.name : 'bgp.l3vpn.0');
    }
  };
});

function selectTable(name) {
  state.table = name;
  state.cursors = [''];
  $('table').value = name;
  writeHash();
  loadRoutes();
}

// ------------------------------------------------------------------ routes

function selection(path, route) {
  const marks = [];
  if (path.best) marks.push(el('span', { class: 'badge best' }, 'best'));
  if (path.ecmp && route.paths.filter((p) => p.ecmp).length > 1) {
    marks.push(el('span', { class: 'badge ecmp', title: path.lostAt ? `ECMP; ordered after the best at ${path.lostAt}` : 'ECMP' }, 'ECMP'));
  }
  if (!path.ecmp && path.lostAt) marks.push(el('span', { class: 'lost' }, `lost at ${path.lostAt}`));
  if (path.infeasible) marks.push(el('span', { class: 'badge infeasible' }, `infeasible: ${path.infeasible}`));
  return marks;
}

function routeBody(route) {
  const body = el('tbody', { class: 'route', 'data-prefix': route.prefix });
  route.paths.forEach((p, i) => {
    const cls = ['path', p.best && 'best', p.ecmp && 'ecmp', !p.ecmp && p.lostAt && 'lost', p.infeasible && 'infeasible'];
    const row = el('tr', { class: cls.filter(Boolean).join(' '), 'data-source': p.source });
    if (i === 0) row.append(el('th', { scope: 'rowgroup', rowspan: route.paths.length, class: 'prefix' }, route.prefix));
    row.append(
      el('td', { class: 'selection' }, selection(p, route)),
      el('td', {}, p.protocol),
      el('td', {}, p.source),
      el('td', { class: 'mono' }, dash(p.nextHop)),
      el('td', { class: 'num' }, dash((p.labels ?? []).join(' '))),
      el('td', { class: 'num' }, dash(p.localPref)),
      el('td', { class: 'num' }, dash(p.med)),
      el('td', { class: 'mono' }, dash(p.asPath)),
      el('td', { class: 'mono small' }, lines(p.communities)),
      el('td', { class: 'small' }, dash(p.replicatedFrom)),
      el('td', { class: 'small' }, time(p.lastModified)),
    );
    body.append(row);
  });
  return body;
}

function routesQuery() {
  const q = new URLSearchParams({ table: state.table, limit: String(state.limit) });
  if (state.prefix) q.set('prefix', state.prefix);
  const after = state.cursors[state.cursors.length - 1];
  if (after) q.set('after', after);
  return `/api/routes?${q}`;
}

const loadRoutes = latest(async () => {
  if (!state.table) return () => {};
  let view;
  try {
    view = await api(routesQuery());
  } catch (err) {
    return () => showRoutes(undefined, err.message);
  }
  return () => showRoutes(view);
});

function showRoutes(view, error) {
  const table = $('routes');
  table.querySelectorAll('tbody').forEach((b) => b.remove());
  const page = state.cursors.length;
  state.next = view?.next;
  $('first').disabled = page === 1;
  $('prev').disabled = page === 1;
  $('next').disabled = !view || !view.next;
  $('page').textContent = `page ${page}`;
  if (!view) {
    $('route-status').textContent = error;
    return;
  }
  table.append(...view.routes.map(routeBody));
  const filter = state.prefix ? ` matching “${state.prefix}”` : '';
  let status = `${view.table}: ${view.prefixes} prefixes, ${view.paths} paths · ${view.routes.length} routes${filter} on this page`;
  if (view.routes.length === 0) status += view.more ? ' (none yet; Next page searches further)' : '';
  $('route-status').textContent = status;
}

// ------------------------------------------------------------------ instances

let instances = [];

const loadInstances = latest(async () => {
  const list = await api('/api/instances');
  return () => {
    instances = list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    showInstances();
  };
});

function showInstances() {
  const f = $('instance-filter').value.trim();
  const match = instances.filter((i) => !f || i.name.includes(f) || i.tables.some((t) => t.name.includes(f)));
  const rows = match.slice(0, MAX_ROWS).map((i) =>
    el('tr', { 'data-instance': i.name },
      el('th', { scope: 'row' }, i.name),
      el('td', {}, dash(i.virtualNetwork)),
      el('td', { class: 'num' }, i.vnIndex),
      el('td', { class: 'mono small' }, lines(i.importTargets)),
      el('td', { class: 'mono small' }, lines(i.exportTargets)),
      el('td', { class: 'num' }, i.subscribers),
      el('td', {}, i.tables.map((t) => el('button', { type: 'button', class: 'table-link', 'data-table': t.name }, `${t.name} (${t.prefixes})`))),
    ));
  $('instances').tBodies[0].replaceChildren(...rows);
  $('instances-note').textContent = match.length > MAX_ROWS ? `${match.length - MAX_ROWS} more; narrow the filter` : '';
}

// ------------------------------------------------------------------ neighbours

const loadNeighbors = latest(async () => {
  const list = await api('/api/neighbors');
  return () => {
    const bgp = list.filter((n) => n.encoding === 'BGP').slice(0, MAX_ROWS);
    const xmpp = list.filter((n) => n.encoding === 'XMPP').slice(0, MAX_ROWS);
    $('bgp').tBodies[0].replaceChildren(...bgp.map((n) =>
      el('tr', { 'data-peer': n.name, class: n.state === 'Established' ? 'up' : 'down' },
        el('th', { scope: 'row' }, n.name),
        el('td', { class: 'mono' }, n.address),
        el('td', { class: 'num' }, n.asn),
        el('td', {}, n.type),
        el('td', { class: 'state' }, n.state),
        el('td', { class: 'small' }, dash((n.families ?? []).join(' '))),
        el('td', { class: 'num' }, n.prefixes),
        el('td', { class: 'num' }, `${n.updatesIn} / ${n.updatesOut}`),
        el('td', { class: 'num' }, `${n.notificationsIn} / ${n.notificationsOut}`),
        el('td', { class: 'num' }, n.flaps),
        el('td', { class: 'small' }, dash(n.lastDownReason)),
        el('td', { class: 'small' }, dash(n.routingInstance)),
      )));
    $('xmpp').tBodies[0].replaceChildren(...xmpp.map((n) =>
      el('tr', { 'data-agent': n.name, class: n.state === 'Established' ? 'up' : 'down' },
        el('th', { scope: 'row' }, n.name),
        el('td', { class: 'mono' }, n.address),
        el('td', { class: 'state' }, n.state),
        el('td', { class: 'small' }, lines(n.routingInstances)),
        el('td', { class: 'num' }, n.prefixes),
        el('td', { class: 'num' }, n.itemsSent),
        el('td', { class: 'num' }, n.retractsSent),
        el('td', { class: 'small' }, lines(Object.entries(n.dropped ?? {}).map(([why, count]) => `${why}: ${count}`))),
        el('td', {}, n.congested ? 'yes' : 'no'),
      )));
  };
});

// ------------------------------------------------------------------ live updates

function live() {
  const events = new EventSource('/api/events');
  const show = (s, text) => {
    $('live').dataset.state = s;
    $('live').textContent = text;
  };
  events.addEventListener('open', () => show('live', 'live'));
  events.addEventListener('error', () => show('reconnecting', 'reconnecting…'));
  events.addEventListener('change', (e) => {
    const v = JSON.parse(e.data);
    const was = state.versions;
    state.versions = v;
    show('live', 'live');
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    if (!was) return; // the first event only says where we are: the page loaded just now
    const work = [];
    if (v.rib !== was.rib) work.push(loadSummary(), loadInstances(), loadRoutes());
    if (v.peers !== was.peers) work.push(loadNeighbors(), loadInstances());
    Promise.allSettled(work);
  });
}

// ------------------------------------------------------------------ wiring

function debounce(f, ms) {
  let t;
  return () => {
    clearTimeout(t);
    t = setTimeout(f, ms);
  };
}

function wire() {
  $('route-query').addEventListener('submit', (e) => e.preventDefault());
  $('table').addEventListener('change', () => {
    const name = $('table').value.trim();
    if (name) selectTable(name);
  });
  $('prefix').addEventListener('input', debounce(() => {
    state.prefix = $('prefix').value.trim();
    state.cursors = [''];
    writeHash();
    loadRoutes();
  }, 250));
  $('limit').addEventListener('change', () => {
    state.limit = Number($('limit').value);
    state.cursors = [''];
    writeHash();
    loadRoutes();
  });
  $('first').addEventListener('click', () => {
    state.cursors = [''];
    loadRoutes();
  });
  $('prev').addEventListener('click', () => {
    if (state.cursors.length > 1) state.cursors.pop();
    loadRoutes();
  });
  $('next').addEventListener('click', () => {
    if (state.next) state.cursors.push(state.next);
    loadRoutes();
  });
  $('instance-filter').addEventListener('input', showInstances);
  $('instances').addEventListener('click', (e) => {
    const b = e.target.closest('button.table-link');
    if (b) selectTable(b.dataset.table);
  });
}

readHash();
wire();
$('prefix').value = state.prefix;
$('limit').value = String(state.limit);
$('table').value = state.table;
live();
Promise.allSettled([loadSummary(), loadInstances(), loadNeighbors(), state.table ? loadRoutes() : undefined]);
