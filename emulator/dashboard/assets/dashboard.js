// payterm dashboard: plain JavaScript, no framework, no build step. Every action goes through
// the control API's own routes. Lists are virtualised (only the rows in view exist), the
// terminal list fetches only the window it shows, and the transcript keeps at most MAX_LINES.
// The Scenario tab is scenario.js, which takes its helpers from `window.payterm`.
'use strict';
(() => {
  const MAX_LINES = 100000; // the transcript's bound in the page
  const DROP = 10000;       // lines let go at once when the bound is reached
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);

  /** An element with attributes (`text`, `class`, `on…` handlers) and children. */
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  }
  const money = (minor, cur) => (minor === undefined || minor === null) ? '—' : `${(minor / 100).toFixed(2)} ${cur || ''}`.trim();
  const shortId = (id) => (id && id.length > 12 ? `${id.slice(0, 8)}…` : id || '');

  // ---- HTTP and the status line -------------------------------------------------------
  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
    if (!resp.ok) {
      const err = new Error(data && data.error ? data.error.message : `${resp.status} ${resp.statusText}`);
      Object.assign(err, { status: resp.status, error: data && data.error });
      throw err;
    }
    return data;
  }
  function say(message, bad) {
    $('status').textContent = message;
    $('status').classList.toggle('bad', !!bad);
  }
  async function act(label, method, path, body) {
    try {
      await api(method, path, body);
      say(`Done: ${label}.`);
    } catch (e) {
      say(`Failed: ${label}: ${e.message}`, true);
    }
    refreshSoon();
  }

  /** Rebuilds `host` with `build()`, keeping keyboard focus on the control with the same key. */
  function keepFocus(host, build) {
    const active = document.activeElement;
    const key = active && host.contains(active) ? active.getAttribute('data-k') : null;
    build();
    if (key) {
      const again = host.querySelector(`[data-k="${CSS.escape(key)}"]`);
      if (again) again.focus();
    }
  }

  // ---- A virtualised list: a spacer gives the height, only visible rows are drawn -------
  class VList {
    constructor(host, rowHeight, render) {
      Object.assign(this, { host, rowHeight, render, count: 0, queued: false });
      this.spacer = el('div', { class: 'spacer' });
      this.rows = el('div');
      host.append(this.spacer, this.rows);
      host.addEventListener('scroll', () => { if (this.onScroll) this.onScroll(); this.draw(); });
      new ResizeObserver(() => this.draw()).observe(host);
    }
    setCount(n) {
      this.count = n;
      this.spacer.style.height = `${n * this.rowHeight}px`;
      this.draw();
    }
    visible() {
      const first = Math.floor(this.host.scrollTop / this.rowHeight);
      return { first, last: first + Math.ceil((this.host.clientHeight || 400) / this.rowHeight) + 1 };
    }
    draw() {
      if (this.queued) return;
      this.queued = true;
      requestAnimationFrame(() => { this.queued = false; this.paint(); });
    }
    paint() {
      const { first, last } = this.visible();
      const from = Math.max(0, first - 3);
      const to = Math.min(this.count, last + 3);
      keepFocus(this.rows, () => {
        const out = [];
        for (let i = from; i < to; i++) {
          const row = this.render(i);
          row.style.top = `${i * this.rowHeight}px`;
          row.setAttribute('role', 'listitem');
          row.setAttribute('aria-posinset', i + 1);
          row.setAttribute('aria-setsize', this.count);
          out.push(row);
        }
        this.rows.replaceChildren(...out);
      });
      if (this.afterPaint) this.afterPaint();
    }
    atBottom() { return this.host.scrollTop + this.host.clientHeight >= this.host.scrollHeight - 2 * this.rowHeight; }
  }

  // ---- Clock ----------------------------------------------------------------------------
  let clock = { paused: false };
  async function pollClock() {
    clock = await api('GET', '/clock');
    $('clock-now').textContent = clock.now;
    $('clock-state').textContent = clock.paused ? 'paused' : `running ×${(1 / clock.timeScale).toFixed(clock.timeScale < 1 ? 0 : 2)}`;
    $('clock-toggle').textContent = clock.paused ? 'Resume' : 'Pause';
  }
  $('clock-toggle').addEventListener('click', () =>
    act(clock.paused ? 'clock resumed' : 'clock paused', 'POST', clock.paused ? '/clock/resume' : '/clock/pause', {}));
  $('clock-advance').addEventListener('submit', (e) => {
    e.preventDefault();
    const by = $('advance-by').value.trim();
    act(`clock advanced by ${by}`, 'POST', '/clock/advance', { by });
  });
  $('clock-jump').addEventListener('submit', (e) => {
    e.preventDefault();
    const days = Math.max(1, Math.floor(Number($('jump-days').value) || 1));
    act(`clock jumped ${days} days`, 'POST', '/clock/advance', { by: `${days}d` });
  });

  // ---- Terminals: a window of the list, the selected one in detail ----------------------
  const term = { q: '', offset: 0, rows: [], total: 0, selected: null, detailSig: '' };
  const termList = new VList($('term-list'), 30, (i) => {
    const t = term.rows[i - term.offset];
    if (!t) return el('div', { class: 'vrow term term-grid' }, el('span', { class: 'muted', text: 'loading…' }));
    const current = t.current
      ? `${shortId(t.current.taskId)} ${t.current.state}${t.waitingForCard ? ', waiting for card' : ''}` : 'idle';
    const picked = t.tid === term.selected;
    return el('div', { class: `vrow term term-grid${picked ? ' selected' : ''}` },
      el('button', { type: 'button', class: 'tid', 'data-k': `tid-${t.tid}`, 'data-tid': t.tid, 'aria-pressed': picked,
        'aria-label': `Terminal ${t.tid}`, onclick: () => select(t.tid) }, t.tid),
      el('span', { text: `${t.mode} · ${t.currency}` }),
      el('span', { text: `${t.openBatch.saleCount} sales, ${money(t.openBatch.saleAmount, t.currency)}` }),
      el('span', { text: current, title: current }),
      el('span', { text: t.queueLength ? `${t.queueLength} queued` : 'empty' }));
  });
  let termBusy = false;
  async function pollTerminals() {
    if (termBusy) return;
    termBusy = true;
    try {
      const { first, last } = termList.visible();
      const offset = Math.max(0, first - 10);
      const q = encodeURIComponent(term.q);
      const d = await api('GET', `/dashboard/terminals?offset=${offset}&limit=${Math.min(200, last - first + 20)}&q=${q}`);
      Object.assign(term, { offset: d.offset, rows: d.terminals, total: d.total });
      $('term-count').textContent = `${d.total} terminal${d.total === 1 ? '' : 's'}, ${d.taskCount} tasks`;
      termList.setCount(d.total);
    } finally { termBusy = false; }
  }
  let termScroll = 0;
  termList.onScroll = () => { clearTimeout(termScroll); termScroll = setTimeout(() => pollTerminals().catch(() => {}), 60); };
  $('term-q').addEventListener('input', () => { term.q = $('term-q').value.trim(); $('term-list').scrollTop = 0; pollTerminals().catch(() => {}); });

  function select(tid) {
    term.selected = tid;
    term.detailSig = '';
    termList.draw();
    pollDetail().then(() => $('term-detail').focus()).catch((e) => say(e.message, true));
  }
  async function pollDetail() {
    if (!term.selected) return;
    const t = await api('GET', `/terminals/${encodeURIComponent(term.selected)}`);
    const sig = JSON.stringify(t);
    if (sig === term.detailSig) return; // Unchanged: keep the DOM (and the pointer's target) as it is.
    term.detailSig = sig;
    keepFocus($('term-detail'), () => $('term-detail').replaceChildren(...detail(t).filter((x) => x)));
  }
  function detail(t) {
    const tid = encodeURIComponent(t.tid);
    const assisted = t.mode === 'assisted';
    const tasks = t.tasks || [];
    const byId = new Map(tasks.map((x) => [x.taskId, x]));
    const amountOf = (x) => (x && x.request && x.request.amount !== undefined ? money(x.request.amount, t.currency) : '');
    const modeSel = el('select', { id: 'mode-select', 'data-k': 'mode-select' },
      ...['automatic', 'assisted', 'semi_integrated'].map((m) => el('option', { value: m, selected: m === t.mode }, m)));
    const b = t.openBatch;
    const cur = t.current ? byId.get(t.current) : null;
    const cards = [['approved', 'Approve'], ['declined', 'Decline'], ['timeout', 'Timeout'], ['exception', 'Exception']];
    const queue = t.queue.map((id) => {
      const x = byId.get(id) || { taskId: id, state: 'QUEUED' };
      return el('tr', { 'data-task': id, 'data-state': x.state },
        el('td', {}, el('code', { text: shortId(id), title: id })), el('td', { text: x.taskType || '' }),
        el('td', { text: amountOf(x) }), el('td', { class: `state ${x.state}`, text: x.state }),
        el('td', {},
          el('button', { type: 'button', 'data-k': `pick-${id}`, disabled: !assisted || !!t.current,
            'aria-label': `Pick task ${id}`, onclick: () => act(`picked ${shortId(id)} on ${t.tid}`, 'POST', `/terminals/${tid}/pick`, { taskId: id }) }, 'Pick'), ' ',
          el('button', { type: 'button', class: 'danger', 'data-k': `reject-${id}`, disabled: !assisted,
            'aria-label': `Reject task ${id}`, onclick: () => act(`rejected ${shortId(id)} on ${t.tid}`, 'POST', `/terminals/${tid}/reject`, { taskId: id }) }, 'Reject')));
    });
    const recent = tasks.slice(-50).reverse().map((x) =>
      el('tr', { 'data-task': x.taskId, 'data-state': x.state },
        el('td', {}, el('code', { text: shortId(x.taskId), title: x.taskId })), el('td', { text: x.taskType }),
        el('td', { text: amountOf(x) }), el('td', { class: `state ${x.state}`, text: x.state + (x.cancelledBy ? ` by ${x.cancelledBy}` : '') }),
        el('td', { text: x.updated })));
    const table = (caption, head, rows) => rows.length
      ? el('table', {}, el('caption', { class: 'vh', text: caption }),
        el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, ...rows))
      : el('p', { class: 'muted', text: `${caption}: none.` });
    return [
      el('h2', { id: 'detail-h', text: `Terminal ${t.tid}` }),
      el('p', { class: 'muted small', text: `${t.currency}, merchant ${t.merchantId}, ${t.taskCount} tasks` }),
      el('div', { class: 'row' }, el('label', { for: 'mode-select', text: 'Mode' }), modeSel,
        el('button', { type: 'button', 'data-k': 'mode-apply',
          onclick: () => act(`${t.tid} switched to ${modeSel.value}`, 'POST', `/terminals/${tid}/mode`, { mode: modeSel.value }) }, 'Switch mode')),
      el('dl', { class: 'facts' },
        el('dt', { text: `Open batch #${b.batchNumber}` }),
        el('dd', { text: `${b.saleCount} sales ${money(b.saleAmount, t.currency)}; ${b.voidCount} voids ${money(b.voidAmount, t.currency)}; total ${money(b.totalAmount, t.currency)}` }),
        el('dt', { text: 'In progress' }),
        el('dd', { id: 'in-progress', 'data-state': cur ? cur.state : 'idle' }, cur
          ? `${cur.taskId} ${cur.state}${t.waitingForCard ? ' — waiting for a card' : ''}` : 'nothing'),
        el('dt', { text: 'Cards presented in advance' }), el('dd', { text: t.nextCards.join(', ') || 'none' })),
      el('div', { class: 'row', role: 'group', 'aria-labelledby': 'card-h' },
        el('span', { id: 'card-h', text: t.waitingForCard ? 'Card for the waiting sale:' : 'Present a card:' }),
        ...cards.map(([outcome, label]) => el('button', { type: 'button', class: t.waitingForCard ? 'primary' : '', 'data-k': `card-${outcome}`,
          onclick: () => act(`card ${outcome} on ${t.tid}`, 'POST', `/terminals/${tid}/card`, { outcome }) }, label)),
        t.waitingForCard ? null : el('span', { class: 'muted small', text: 'no sale waits: kept for the next one' })),
      el('h3', { text: `Queue (${t.queue.length})` }),
      assisted ? null : el('p', { class: 'muted small', text: 'Picking and rejecting are the operator\'s: switch the terminal to assisted mode.' }),
      table('Queue', ['Task', 'Type', 'Amount', 'State', 'Operator'], queue),
      el('h3', { text: `Tasks, newest first (${Math.min(50, tasks.length)} of ${tasks.length})` }),
      table('Tasks', ['Task', 'Type', 'Amount', 'State', 'Updated'], recent),
    ];
  }

  // ---- Customer: invoices and the customer's actions ------------------------------------
  let invoices = [];
  const ACTIONS = ['open', 'pay', 'succeed', 'reject', 'refund'];
  const invList = new VList($('inv-list'), 64, (i) => {
    const v = invoices[i];
    const id = encodeURIComponent(v.identifier);
    return el('div', { class: 'vrow inv', 'data-invoice': v.identifier, 'data-status': v.status },
      el('div', {},
        el('div', {}, el('b', { text: v.invoice }), ` ${v.store} · ${money(v.total)} · `,
          el('span', { class: `state ${v.status}`, text: v.status }), ` · presented ${v.presented}×`),
        el('code', { class: 'uri', text: v.gatewayUri, title: v.gatewayUri })),
      el('div', { class: 'acts' }, ...ACTIONS.map((a) => el('button', {
        type: 'button', 'data-k': `inv-${v.identifier}-${a}`, disabled: !v.allowedActions.includes(a),
        'aria-label': `${a} invoice ${v.invoice}`, onclick: () => act(`customer ${a} on ${v.invoice}`, 'POST', `/invoices/${id}/${a}`, {}),
      }, a))));
  });
  async function pollInvoices() {
    if ($('panel-customer').hidden) return;
    invoices = (await api('GET', '/invoices')).invoices;
    $('inv-count').textContent = `${invoices.length} invoice${invoices.length === 1 ? '' : 's'}`;
    invList.setCount(invoices.length);
  }

  // Hooks scenario.js adds: on every refresh, after a reset of the World, on opening a tab.
  const hooks = { refresh: [], reset: [], tab: [] };

  // ---- Tabs -----------------------------------------------------------------------------
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  function openTab(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', on);
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (tab.id === 'tab-customer') pollInvoices().catch(() => {});
    for (const f of hooks.tab) f(tab.id);
    termList.draw();
  }
  for (const t of tabs) {
    t.addEventListener('click', () => openTab(t, false));
    t.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(t);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      openTab(tabs[(to + tabs.length) % tabs.length], true);
    });
  }

  // ---- Live transcript over server-sent events ------------------------------------------
  const tx = { lines: [], shown: [], keyOrder: new Map(), f: { tid: '', surface: '', order: '', text: '' },
    follow: true, lost: 0, last: '', sel: -1 };
  const txList = new VList($('tx-list'), 22, (i) => {
    const l = tx.shown[i];
    const status = /→ (\d{3})/.exec(l.text);
    return el('div', { class: `vrow tx tx-grid ${l.kind}${l.fault ? ' fault' : ''}${i === tx.sel ? ' selected' : ''}`,
      'aria-selected': i === tx.sel, onclick: () => pick(i) },
      el('span', { class: 'muted', text: l.seq }), el('span', { text: l.at.slice(11, 23) }), el('span', { text: l.surface }),
      el('span', { class: status && Number(status[1]) >= 400 ? 'err' : '', title: l.text, text: (l.fault ? 'FAULT ' : '') + l.text }));
  });
  const txHost = $('tx-list');
  txList.onScroll = () => { tx.follow = txList.atBottom(); $('f-follow').checked = tx.follow; };
  txList.afterPaint = () => { if (tx.follow) txHost.scrollTop = txHost.scrollHeight; };

  function inOrder(l, order) {
    if (l.orders && l.orders.includes(order)) return true;
    for (const k of l.keys || []) {
      const orders = tx.keyOrder.get(k);
      if (orders && orders.has(order)) return true;
    }
    return false;
  }
  function matches(l) {
    const f = tx.f;
    return (!f.surface || l.surface === f.surface) && (!f.tid || l.tid === f.tid)
      && (!f.order || inOrder(l, f.order)) && (!f.text || f.text.test(l.text));
  }
  /** Links the ids a line names to the orders it carries; true when a link is new. */
  function learn(l) {
    let fresh = false;
    if (!l.orders || !l.keys) return fresh;
    for (const k of l.keys) {
      let set = tx.keyOrder.get(k);
      if (!set) tx.keyOrder.set(k, set = new Set());
      for (const o of l.orders) if (!set.has(o)) { set.add(o); fresh = true; }
    }
    return fresh;
  }
  function refilter() {
    tx.shown = tx.lines.filter(matches);
    tx.sel = -1;
    showCount();
  }
  function addLines(batch) {
    let again = false;
    for (const l of batch) {
      again = learn(l) && tx.f.order !== '' || again;
      tx.lines.push(l);
    }
    if (tx.lines.length > MAX_LINES) {
      tx.lines = tx.lines.slice(tx.lines.length - MAX_LINES + DROP);
      tx.keyOrder = new Map();
      for (const l of tx.lines) learn(l);
      again = true;
    }
    if (again) refilter();
    else for (const l of batch) if (matches(l)) tx.shown.push(l);
    showCount();
  }
  function showCount() {
    const lost = tx.lost ? `; ${tx.lost} dropped by the journal's bound before this page saw them` : '';
    $('tx-count').textContent = `(${tx.shown.length} shown of ${tx.lines.length} lines${lost})`;
    txList.setCount(tx.shown.length);
  }
  async function pick(i) {
    tx.sel = i;
    txList.draw();
    const l = tx.shown[i];
    if (!l) return;
    const host = $('tx-detail');
    host.replaceChildren(el('h3', { text: `#${l.seq} ${l.text}` }));
    try {
      const e = await api('GET', `/dashboard/journal/${l.seq}`);
      const facts = el('dl', { class: 'facts' }, el('dt', { text: 'Virtual time' }), el('dd', { text: e.at || l.at }),
        el('dt', { text: 'Surface' }), el('dd', { text: l.surface }), el('dt', { text: 'Terminal' }), el('dd', { text: l.tid || '—' }));
      if (e.notes) facts.append(el('dt', { text: 'Notes' }), el('dd', { text: e.notes.join('; ') }));
      host.append(facts);
      if (e.kind === 'world') host.append(el('pre', { text: JSON.stringify(e, null, 2) }));
      if (e.request) host.append(el('h4', { text: 'Request body' }), el('pre', { text: e.request }));
      if (e.response) host.append(el('h4', { text: 'Answer body' }), el('pre', { text: e.response }));
    } catch (err) { host.append(el('p', { class: 'muted', text: err.message })); }
  }
  txHost.addEventListener('keydown', (e) => {
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20, Home: -Infinity, End: Infinity }[e.key];
    if (step === undefined || !tx.shown.length) return;
    e.preventDefault();
    const i = Math.max(0, Math.min(tx.shown.length - 1, (tx.sel < 0 ? tx.shown.length : tx.sel) + step));
    tx.follow = false;
    $('f-follow').checked = false;
    txHost.scrollTop = Math.max(0, i * 22 - txHost.clientHeight / 2);
    pick(i);
  });
  // The text filter is a case-insensitive pattern of the literal text: no copy per line tested.
  const literal = (v) => (v ? new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') : '');
  const filterInput = (id, key, pattern) => $(id).addEventListener('input', () => {
    const v = $(id).value.trim();
    tx.f[key] = pattern ? literal(v) : v;
    refilter();
  });
  filterInput('f-tid', 'tid', false);
  filterInput('f-surface', 'surface', false);
  filterInput('f-order', 'order', false);
  filterInput('f-text', 'text', true);
  $('tx-filters').addEventListener('submit', (e) => e.preventDefault());
  $('f-follow').addEventListener('change', () => { tx.follow = $('f-follow').checked; txList.draw(); });
  $('tx-clear').addEventListener('click', () => { tx.lines = []; tx.keyOrder = new Map(); refilter(); });

  function setConn(text, cls) {
    $('conn').textContent = text;
    $('conn').className = `pill ${cls}`;
  }
  function connect() {
    const es = new EventSource(`/events/stream${tx.last ? `?after=${encodeURIComponent(tx.last)}` : ''}`);
    es.addEventListener('lines', (e) => {
      tx.last = e.lastEventId;
      const { lines } = JSON.parse(e.data);
      addLines(lines);
      if (lines.some((l) => l.kind === 'world')) refreshSoon();
    });
    es.addEventListener('reset', (e) => {
      tx.last = e.lastEventId;
      Object.assign(tx, { lines: [], keyOrder: new Map(), lost: 0 });
      refilter();
      for (const f of hooks.reset) f();
      refreshSoon();
    });
    es.addEventListener('gap', (e) => { tx.lost += JSON.parse(e.data).lost; showCount(); });
    es.onopen = () => setConn('live', 'ok');
    // Each answer ends by design and the browser reconnects; only a closed source is trouble.
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED) return;
      setConn('disconnected, retrying', 'bad');
      setTimeout(connect, 2000);
    };
  }

  // ---- Refreshing -----------------------------------------------------------------------
  let soon = 0;
  function refreshSoon() { clearTimeout(soon); soon = setTimeout(refresh, 120); }
  async function refresh() {
    if (document.hidden) return;
    try {
      await Promise.all([pollClock(), pollTerminals(), pollDetail(), pollInvoices(), ...hooks.refresh.map((f) => f())]);
    } catch (e) {
      setConn('server unreachable', 'bad');
    }
  }
  window.payterm = { $, el, api, say, refreshSoon, keepFocus, hooks };
  setInterval(refresh, POLL_MS);
  refresh();
  connect();
})();
