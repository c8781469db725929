// payterm dashboard, the Scenario tab: the served scenario (rules, orders, script steps with
// where the script stands), loading a scenario file, stepping a paused clock to the script's
// next timed event, and the sequence diagram. Helpers come from dashboard.js (`window.payterm`).
'use strict';
(() => {
  const { $, el, api, say, refreshSoon, keepFocus, hooks } = window.payterm;
  const BADGE = { done: 'done', current: 'now', pending: 'pending' };
  let shown = '';    // the view last drawn, as JSON: redrawn only when it changes
  let orderIds = ''; // the orders in the transcript's order filter

  /** `ms` as 1d 2h 3m 4s (at least a second's precision; `500ms` below a second). */
  function span(ms) {
    if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
    const parts = [];
    let s = Math.round(ms / 1000);
    for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
      if (s >= n) { parts.push(`${Math.floor(s / n)}${unit}`); s %= n; }
    }
    return parts.join(' ');
  }
  const clockText = (t) => (t ? t.replace('T', ' ').replace('Z', ' UTC') : '');

  async function loadScenario(force) {
    const view = await api('GET', '/dashboard/scenario');
    const sig = JSON.stringify(view);
    if (!force && sig === shown) return;
    shown = sig;
    draw(view.scenario);
  }
  const reload = () => loadScenario().catch((e) => say(e.message, true));

  function draw(s) {
    const ids = s ? s.orders.map((o) => o.id).join('\n') : '';
    if (ids !== orderIds) {
      orderIds = ids;
      const sel = $('f-order');
      sel.replaceChildren(el('option', { value: '' }, 'any'), ...(s ? s.orders.map((o) => el('option', { value: o.id }, o.id)) : []));
      sel.dispatchEvent(new Event('input'));
    }
    drawNext(s);
    $('scn-unload').disabled = !s;
    const host = $('scn');
    keepFocus(host, () => host.replaceChildren(...(s ? scenario(s) : [
      el('h2', { text: 'No scenario served' }),
      el('p', { class: 'muted', text: 'Load a scenario file above, or start the server with `payterm serve --scenario FILE`, to see its orders, script and rules here.' }),
    ])));
  }

  /** Where the script stands, what it does next, and whether the step button can take it there. */
  function drawNext(s) {
    const button = $('scn-step');
    const p = s && s.progress;
    let text;
    if (!p) text = 'No scenario is served: nothing is scripted.';
    else if (!p.next) text = `Virtual time ${clockText(p.now)}. Nothing in the script is due by time alone: what comes next waits for the integration's requests or the customer.`;
    else {
      const what = p.next.what.length ? p.next.what.join('; ') : 'a scripted step';
      text = `Virtual time ${clockText(p.now)}. Next, at ${clockText(p.next.at)} (in ${span(Date.parse(p.next.at) - Date.parse(p.now))}): ${what}.`;
      if (!p.paused) text += ' Pause the clock to step to it.';
    }
    $('scn-next').textContent = text;
    button.disabled = !p || !p.next || !p.paused;
  }

  function scenario(s) {
    const p = s.progress;
    const cols = ['id', 'operation', 'surface', 'tid', 'amount', 'reference', 'at'];
    const when = (o) => (o.reached ? 'its time has come' : `in ${span(Date.parse(o.due) - Date.parse(p.now))}`);
    const untracked = s.steps.some((st) => st.state === null);
    return [el('div', { class: 'scn' },
      el('h2', { id: 'scn-name', text: `Scenario: ${s.name}` }), s.description ? el('p', { text: s.description }) : null,
      el('dl', { class: 'facts' }, el('dt', { text: 'Surfaces' }), el('dd', { text: s.surfaces.join(', ') }),
        el('dt', { text: 'Seed' }), el('dd', { text: s.seed === null ? 'the server\'s' : String(s.seed) }),
        el('dt', { text: 'Terminals' }), el('dd', { text: s.terminals.map((t) => `${t.tid} (${t.mode}, ${t.currency})`).join('; ') || 'the default' }),
        el('dt', { text: 'Script began' }), el('dd', { text: clockText(p.start) }),
        el('dt', { text: 'Customer' }), el('dd', { text: s.customer })),
      el('h3', { text: `Rules it targets (${s.rules.length})` }),
      el('ul', { class: 'rules' }, ...s.rules.map((r) => el('li', {}, el('code', { text: r.id }), ` (${r.area}) — ${r.row}`))),
      el('h3', { text: `Orders (${s.orders.length})` }),
      el('p', { class: 'small muted', text: 'An order is the integration\'s to give at its time (`at` counts from when the script began); the dashboard does not give it.' }),
      el('table', {}, el('thead', {}, el('tr', {}, ...[...cols, 'time'].map((c) => el('th', { scope: 'col', text: c })))),
        el('tbody', {}, ...s.orders.map((o) => el('tr', { 'data-order': o.id },
          ...cols.map((c) => el('td', { text: o[c] === undefined ? '' : String(o[c]) })), el('td', { text: when(o) }))))),
      p.invoices.length ? el('h3', { text: 'The customer plan at work' }) : null,
      p.invoices.length ? el('ul', {}, ...p.invoices.map((v) => el('li', { 'data-invoice': v.identifier },
        `${v.order || v.identifier}: ${v.status || 'unknown'}`,
        v.next ? `; next ${v.next.text} at ${clockText(v.next.at)}` : '; nothing more planned'))) : null,
      el('h3', { text: `Script steps (${s.steps.length})` }),
      s.steps.length ? el('ol', { class: 'steps' }, ...s.steps.map((st, i) => el('li', { 'data-step': i, 'data-state': st.state || 'untracked' },
        el('span', { class: `badge ${st.state || ''}`, text: st.state ? BADGE[st.state] : 'not tracked' }), ' ',
        el('b', { text: st.kind }), ` ${st.text}`,
        st.due ? el('span', { class: 'muted small', text: ` — due at ${clockText(st.due)}` }) : null)))
        : el('p', { class: 'muted', text: 'No script: the emulator answers as the World decides.' }),
      untracked ? el('p', { class: 'small muted', text: 'Card outcomes and request faults are not tracked here: the live transcript shows when they strike (faults are marked FAULT).' }) : null)];
  }

  function diagnostics(name, err) {
    const list = (err && err.diagnostics) || [];
    if (!list.length) return [el('p', { class: 'bad', text: `${name} was not loaded: ${err ? err.message : 'no answer'}` })];
    return [
      el('p', { class: 'bad', text: `${name} is not a valid scenario (${list.length} problem${list.length === 1 ? '' : 's'}); the served scenario is unchanged.` }),
      el('ol', { class: 'diags' }, ...list.map((d) => el('li', { 'data-line': d.line },
        el('b', { text: `Line ${d.line}, column ${d.column}` }), `: ${d.message}`,
        d.help ? el('span', { class: 'muted', text: ` (${d.help})` }) : null))),
      err.rendered ? el('pre', { class: 'rendered', 'aria-label': 'The problems drawn in the file', text: err.rendered }) : null,
    ];
  }

  $('scn-file').addEventListener('change', async () => {
    const input = $('scn-file');
    const file = input.files && input.files[0];
    if (!file) return;
    const out = $('scn-load-result');
    out.replaceChildren(el('p', { text: `Loading ${file.name}…` }));
    try {
      const resp = await fetch(`/scenario?name=${encodeURIComponent(file.name)}`,
        { method: 'POST', headers: { 'content-type': 'application/toml' }, body: await file.text() });
      const data = await resp.json().catch(() => null);
      if (resp.ok && data && data.scenario) {
        out.replaceChildren(el('p', { class: 'ok', text: `Loaded ${file.name}: ${data.scenario.name}. The World started again from its setup.` }));
        say(`Done: loaded scenario ${data.scenario.name}.`);
        shown = JSON.stringify(data);
        draw(data.scenario);
      } else {
        out.replaceChildren(...diagnostics(file.name, data && data.error));
        say(`Failed: ${file.name} was not loaded; the served scenario is unchanged.`, true);
      }
    } catch (e) {
      out.replaceChildren(el('p', { class: 'bad', text: `${file.name} was not loaded: ${e.message}` }));
    }
    input.value = ''; // the same file can be chosen again after an edit
    refreshSoon();
  });

  $('scn-unload').addEventListener('click', async () => {
    try {
      await api('DELETE', '/scenario');
      $('scn-load-result').replaceChildren(el('p', { text: 'Back to the plain World: no scenario is served.' }));
      say('Done: back to the plain World.');
    } catch (e) { say(`Failed: back to the plain World: ${e.message}`, true); }
    reload();
    refreshSoon();
  });

  $('scn-step').addEventListener('click', async () => {
    const out = $('scn-step-result');
    try {
      const r = await api('POST', '/clock/step', {});
      const fired = r.fired.length ? r.fired.join('; ') : 'a scripted step';
      const jumped = r.now !== r.at ? ` The clock is now at ${clockText(r.now)}.` : '';
      const moved = r.events.length ? ` ${r.events.length} World transition${r.events.length === 1 ? '' : 's'} followed (see the transcript).`
        : ' No World transition followed.';
      out.textContent = `Stepped to ${clockText(r.at)}: ${fired}.${jumped}${moved}`;
      say(`Done: stepped to the next scripted event.`);
    } catch (e) {
      out.textContent = e.message;
    }
    reload();
    refreshSoon();
  });

  async function drawDiagram() {
    const resp = await fetch('/dashboard/diagram.svg');
    const doc = new DOMParser().parseFromString(await resp.text(), 'image/svg+xml');
    const svg = doc.documentElement;
    $('diagram').replaceChildren(svg.nodeName === 'svg' ? document.importNode(svg, true) : el('p', { text: 'The diagram could not be read.' }));
  }
  $('diagram-draw').addEventListener('click', () => drawDiagram().catch((e) => say(e.message, true)));

  hooks.tab.push((id) => {
    if (id !== 'tab-scenario') return;
    drawDiagram().catch(() => {});
    reload();
  });
  hooks.reset.push(reload);
  hooks.refresh.push(() => ($('panel-scenario').hidden ? Promise.resolve() : loadScenario()));
  reload();
})();
