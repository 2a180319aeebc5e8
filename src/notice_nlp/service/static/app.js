// notice_nlp page. Rule of this file: every piece of data (message text, rule descriptions, file
// contents, server errors) reaches the DOM through textContent / createTextNode / setAttribute —
// never innerHTML — so a message such as <img src=x onerror=…> is shown as the characters it is.
'use strict';
(function () {
  const KEY = 'notice_nlp.api_key';
  const LABELS = ['legitimate', 'threatening', 'fraudulent'];
  const CHUNK = 200;
  const $ = (id) => document.getElementById(id);

  let meta = null;          // GET /v1/labels
  let tagById = {};
  let batchRows = [];       // one per input record
  let keyWaiters = null;    // promise while the key form is open
  let pinned = null;        // mark whose tooltip was opened by click

  // ------------------------------------------------------------------ DOM helpers (text only)

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function cell(tr, text, cls) { const td = el('td', cls, text); tr.appendChild(td); return td; }
  function showError(msg) { const e = $('error'); e.textContent = msg; e.hidden = !msg; }

  // ------------------------------------------------------------------ API with optional key

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || ('HTTP ' + status));
      this.status = status; this.body = body;
    }
  }

  function askKey(message) {
    if (!keyWaiters) {
      keyWaiters = new Promise((resolve) => {
        $('key-message').textContent = message;
        $('key-panel').hidden = false;
        $('api-key').value = '';
        $('api-key').focus();
        const form = $('key-form');
        const done = (ev) => {
          ev.preventDefault();
          const v = $('api-key').value.trim();
          if (!v) return;
          sessionStorage.setItem(KEY, v);
          form.removeEventListener('submit', done);
          $('key-panel').hidden = true;
          keyWaiters = null;
          resolve();
        };
        form.addEventListener('submit', done);
      });
    }
    return keyWaiters;
  }

  async function api(method, path, body) {
    for (;;) {
      const headers = { 'Accept': 'application/json' };
      const key = sessionStorage.getItem(KEY);
      if (key) headers['X-API-Key'] = key;
      const init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
      if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
      const res = await fetch(path, init);
      if (res.status === 401) {
        if (key) sessionStorage.removeItem(KEY);
        await askKey(key ? 'The key was not accepted; enter it again.' : 'This server needs an API key (X-API-Key).');
        continue;
      }
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    }
  }

  function describeError(err) {
    if (err instanceof ApiError) {
      let msg = 'Error ' + err.status + ': ' + err.message;
      const d = err.body && err.body.detail;
      if (Array.isArray(d) && d.length) msg += ' (' + d.map((x) => (x.loc || []).join('.') + ': ' + x.msg).join('; ') + ')';
      return msg;
    }
    return 'Network error: ' + (err && err.message ? err.message : String(err));
  }

  // ------------------------------------------------------------------ start-up

  async function loadMeta() {
    meta = await api('GET', '/v1/labels');
    tagById = {};
    for (const t of meta.tags) tagById[t.id] = t;
    $('model-version').textContent = meta.model_version;
    $('rules-version').textContent = meta.rules_version;
    const sel = $('filter-label');
    for (const l of meta.labels) {
      const o = el('option', null, l.id + ' · ' + l.zh);
      o.value = l.id;
      sel.appendChild(o);
    }
  }

  function labelInfo(id) {
    const l = meta && meta.labels.find((x) => x.id === id);
    return l || { id: id, zh: '', en: id };
  }

  function tagLabel(tag) {
    if (!tag) return '';
    const t = tagById[tag];
    return t ? tag + ' (' + t.zh + ' / ' + t.en + ')' : tag;
  }

  function reasonClass(r) {
    if (!r.tag) return 'hl';
    if (r.tag.indexOf('legit.') === 0) return 'hl hl-legitimate';
    const t = tagById[r.tag];
    return 'hl hl-' + (t ? t.label : 'threatening');
  }

  // ------------------------------------------------------------------ one message

  function renderScores(scores) {
    const box = $('scores'); clear(box);
    for (const lab of LABELS) {
      const v = Number(scores[lab] || 0);
      box.appendChild(el('span', null, lab));
      const m = el('progress'); m.max = 1; m.value = v; m.setAttribute('aria-label', lab);
      box.appendChild(m);
      box.appendChild(el('span', 'score', v.toFixed(3)));
    }
  }

  // Offsets from the server count Unicode code points; JS strings count UTF-16 units, so the
  // text is split into code points first (an emoji before a reason must not shift the mark).
  function renderOriginal(text, reasons) {
    const box = $('original'); clear(box);
    const cps = Array.from(text);
    const spans = [];
    reasons.forEach((r, i) => {
      if (r.end > r.start && r.start >= 0 && r.end <= cps.length) spans.push({ r: r, i: i });
    });
    const bounds = new Set([0, cps.length]);
    for (const s of spans) { bounds.add(s.r.start); bounds.add(s.r.end); }
    const pts = Array.from(bounds).sort((a, b) => a - b);
    for (let k = 0; k + 1 < pts.length; k++) {
      const a = pts[k], b = pts[k + 1];
      const seg = cps.slice(a, b).join('');
      const cover = spans.filter((s) => s.r.start <= a && s.r.end >= b);
      if (!cover.length) { box.appendChild(document.createTextNode(seg)); continue; }
      const mark = el('mark', reasonClass(cover[cover.length - 1].r), seg);
      mark.tabIndex = 0;
      mark.dataset.reasons = cover.map((s) => s.i).join(',');
      mark.setAttribute('title', cover.map((s) => s.r.rule_id + (s.r.tag ? ' · ' + s.r.tag : '')).join('\n'));
      box.appendChild(mark);
    }
  }

  let current = null;  // verdict shown in the result panel

  function showTip(mark) {
    const tip = $('tip'); clear(tip);
    const ids = (mark.dataset.reasons || '').split(',').filter(Boolean).map(Number);
    for (const i of ids) {
      const r = current.reasons[i];
      const item = el('div', 'tip-item');
      const head = el('div');
      head.appendChild(el('code', 'tip-rule', r.rule_id));
      if (r.tag) head.appendChild(document.createTextNode(' · ' + tagLabel(r.tag)));
      item.appendChild(head);
      if (r.description) item.appendChild(el('div', 'tip-desc', r.description));
      if (r.citation) item.appendChild(el('div', 'tip-cite', 'may breach: ' + r.citation));
      tip.appendChild(item);
    }
    tip.hidden = false;
    const rect = mark.getBoundingClientRect();
    const top = rect.bottom + 6;
    tip.style.left = Math.max(8, Math.min(rect.left, window.innerWidth - 430)) + 'px';
    tip.style.top = (top + tip.offsetHeight > window.innerHeight ? Math.max(8, rect.top - tip.offsetHeight - 6) : top) + 'px';
    for (const m of document.querySelectorAll('mark.hl.active')) m.classList.remove('active');
    mark.classList.add('active');
  }
  function hideTip() {
    $('tip').hidden = true;
    for (const m of document.querySelectorAll('mark.hl.active')) m.classList.remove('active');
  }

  function renderVerdict(v, text) {
    current = v;
    pinned = null; hideTip();
    $('result').hidden = false;
    const li = labelInfo(v.label);
    const lab = $('label');
    lab.className = 'label label-' + v.label;
    lab.textContent = v.label + ' · ' + li.zh;
    lab.dataset.label = v.label;
    $('review-badge').hidden = !v.needs_review;
    const rr = $('review-reasons'); clear(rr);
    for (const r of v.review_reasons || []) rr.appendChild(el('li', null, r));
    renderScores(v.scores || {});
    renderOriginal(text, v.reasons || []);

    const rb = $('reasons').tBodies[0]; clear(rb);
    for (const r of v.reasons || []) {
      const tr = el('tr');
      cell(tr, r.rule_id); cell(tr, tagLabel(r.tag)); cell(tr, r.text); cell(tr, r.description); cell(tr, r.citation);
      rb.appendChild(tr);
    }
    const eb = $('entities').tBodies[0]; clear(eb);
    for (const e of v.entities || []) {
      const tr = el('tr');
      cell(tr, e.type); cell(tr, e.text);
      cell(tr, e.value === null || e.value === undefined ? '' : (typeof e.value === 'object' ? JSON.stringify(e.value) : String(e.value)));
      cell(tr, (e.flags || []).join(', '));
      eb.appendChild(tr);
    }
    if (!(v.entities || []).length) { const tr = el('tr'); const td = cell(tr, 'none found'); td.colSpan = 4; eb.appendChild(tr); }
    const ad = $('advice'); clear(ad);
    for (const a of v.advice || []) {
      const item = el('li', null, a.zh);
      item.appendChild(el('span', 'en', a.en));
      ad.appendChild(item);
    }
  }

  async function onScreen(ev) {
    ev.preventDefault();
    showError('');
    const text = $('text').value;
    const body = { text: text };
    const sender = $('sender').value.trim(), when = $('received-at').value.trim(), role = $('role').value;
    if (sender) body.sender = sender;
    if (when) body.received_at = when;
    if (role) body.recipient_role = role;
    const btn = $('screen-btn');
    btn.disabled = true; $('screen-status').textContent = 'screening…';
    try {
      const v = await api('POST', '/v1/screen', body);
      renderVerdict(v, text);
      $('screen-status').textContent = '';
    } catch (err) {
      showError(describeError(err));
      $('screen-status').textContent = '';
    } finally {
      btn.disabled = false;
    }
  }

  // ------------------------------------------------------------------ files (parsed here)

  function parseCSV(src) {
    const rows = [];
    let row = [], field = '', q = false, i = 0;
    const n = src.length;
    while (i < n) {
      const c = src[i];
      if (q) {
        if (c === '"') {
          if (src[i + 1] === '"') { field += '"'; i += 2; continue; }
          q = false; i++; continue;
        }
        field += c; i++; continue;
      }
      if (c === '"') { q = true; i++; continue; }
      if (c === ',') { row.push(field); field = ''; i++; continue; }
      if (c === '\r' || c === '\n') {
        i += (c === '\r' && src[i + 1] === '\n') ? 2 : 1;
        row.push(field); rows.push(row); row = []; field = ''; continue;
      }
      field += c; i++;
    }
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  const META_FIELDS = ['sender', 'received_at', 'recipient_role'];

  function recordFrom(obj, line) {
    const rec = { line: line, id: null, text: null, meta: {}, error: null };
    if (obj.id !== undefined && obj.id !== null && obj.id !== '') {
      rec.id = (typeof obj.id === 'number' || typeof obj.id === 'string') ? obj.id : JSON.stringify(obj.id);
    }
    if (typeof obj.text !== 'string') { rec.error = 'line ' + line + ': no text'; return rec; }
    rec.text = obj.text;
    for (const f of META_FIELDS) {
      const v = obj[f];
      if (v !== undefined && v !== null && String(v).trim() !== '') rec.meta[f] = String(v).trim();
    }
    return rec;
  }

  function parseFile(name, content) {
    if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    const lower = name.toLowerCase();
    const out = [];
    if (lower.endsWith('.csv')) {
      const rows = parseCSV(content);
      if (!rows.length) throw new Error('empty CSV file');
      const header = rows[0].map((h) => h.trim().toLowerCase());
      if (header.indexOf('text') < 0) throw new Error('the CSV file has no "text" column');
      for (let r = 1; r < rows.length; r++) {
        const row = rows[r];
        if (row.every((x) => x.trim() === '')) continue;
        const obj = {};
        header.forEach((h, j) => { if (h && row[j] !== undefined) obj[h] = row[j]; });
        out.push(recordFrom(obj, r + 1));
      }
    } else if (lower.endsWith('.txt')) {
      content.split(/\r\n|\r|\n/).forEach((ln, j) => { if (ln.trim()) out.push(recordFrom({ text: ln }, j + 1)); });
    } else {
      content.split(/\r\n|\r|\n/).forEach((ln, j) => {
        if (!ln.trim()) return;
        let obj;
        try { obj = JSON.parse(ln); } catch (e) { out.push({ line: j + 1, id: null, text: null, meta: {}, error: 'line ' + (j + 1) + ': invalid JSON' }); return; }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) { out.push({ line: j + 1, id: null, text: null, meta: {}, error: 'line ' + (j + 1) + ': not a JSON object' }); return; }
        out.push(recordFrom(obj, j + 1));
      });
    }
    return out;
  }

  function payload(rec) {
    const m = { text: rec.text };
    if (rec.id !== null) m.id = rec.id;
    for (const f of META_FIELDS) if (rec.meta[f]) m[f] = rec.meta[f];
    return m;
  }

  async function screenChunk(recs) {
    try {
      const res = await api('POST', '/v1/screen/batch', { messages: recs.map(payload) });
      res.results.forEach((v, j) => { recs[j].verdict = v; });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 422 || err.status === 413) && recs.length > 1) {
        for (const r of recs) await screenChunk([r]);  // find the record at fault
      } else {
        for (const r of recs) r.error = describeError(err);
      }
    }
  }

  async function onFile() {
    const input = $('file');
    const file = input.files && input.files[0];
    if (!file) return;
    showError('');
    const status = $('batch-status');
    let recs;
    try {
      recs = parseFile(file.name, await file.text());
    } catch (err) {
      showError('Cannot read ' + file.name + ': ' + err.message);
      return;
    }
    const limit = meta ? meta.limits.max_message_chars : 10000;
    for (const r of recs) {
      if (!r.error && Array.from(r.text).length > limit) r.error = 'over the ' + limit + '-character limit';
    }
    batchRows = recs;
    const todo = recs.filter((r) => !r.error);
    const size = Math.max(1, Math.min(CHUNK, meta ? meta.limits.max_batch : CHUNK));
    input.disabled = true;
    try {
      for (let k = 0; k < todo.length; k += size) {
        status.textContent = 'screening ' + Math.min(k + size, todo.length) + ' of ' + todo.length + '…';
        await screenChunk(todo.slice(k, k + size));
      }
    } finally {
      input.disabled = false;
    }
    const failed = recs.filter((r) => r.error).length;
    status.textContent = file.name + ': ' + recs.length + ' records, ' + (recs.length - failed) + ' screened' + (failed ? ', ' + failed + ' failed' : '');
    fillTagFilter();
    $('batch-controls').hidden = false;
    $('batch-table').hidden = false;
    renderBatch();
  }

  function fillTagFilter() {
    const sel = $('filter-tag');
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    const seen = new Set();
    for (const r of batchRows) if (r.verdict) for (const t of r.verdict.tags) seen.add(t.id);
    for (const t of Array.from(seen).sort()) {
      const o = el('option', null, tagLabel(t)); o.value = t; sel.appendChild(o);
    }
    sel.value = seen.has(keep) ? keep : '';
  }

  function visibleRows() {
    const lab = $('filter-label').value, tag = $('filter-tag').value, rev = $('filter-review').value;
    return batchRows.filter((r) => {
      const v = r.verdict;
      if (lab && (!v || v.label !== lab)) return false;
      if (tag && (!v || !v.tags.some((t) => t.id === tag))) return false;
      if (rev && (!v || v.needs_review !== (rev === 'yes'))) return false;
      return true;
    });
  }

  function renderBatch() {
    const tb = $('batch-table').tBodies[0]; clear(tb);
    const rows = visibleRows();
    for (const r of rows) {
      const v = r.verdict;
      const tr = el('tr');
      tr.dataset.label = v ? v.label : 'error';
      cell(tr, r.line); cell(tr, r.id === null ? '' : r.id);
      if (v) {
        cell(tr, null, 'label-cell').appendChild(el('span', 'cell-' + v.label, v.label));
        cell(tr, LABELS.map((l) => l[0].toUpperCase() + ' ' + Number(v.scores[l] || 0).toFixed(2)).join('  '));
        cell(tr, v.tags.map((t) => t.id).join(', '));
        cell(tr, v.needs_review ? 'yes' : '');
      } else {
        cell(tr, 'error', 'err'); cell(tr, ''); cell(tr, r.error || '', 'err'); cell(tr, '');
      }
      cell(tr, r.text === null ? '' : r.text, 'text-cell');
      const act = el('td');
      if (v) {
        const b = el('button', 'link', 'details'); b.type = 'button';
        b.addEventListener('click', () => { renderVerdict(v, r.text); $('result').scrollIntoView(); });
        act.appendChild(b);
      }
      tr.appendChild(act);
      tb.appendChild(tr);
    }
    $('batch-count').textContent = rows.length + ' of ' + batchRows.length + ' shown';
  }

  // A cell that starts with = + - @ (or a control character) is a formula to a spreadsheet:
  // prefix it with ' so opening the CSV cannot run anything.
  function csvField(value) {
    let s = value === null || value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function onDownload() {
    const head = ['row', 'id', 'label', 'score_legitimate', 'score_threatening', 'score_fraudulent', 'tags', 'needs_review', 'review_reasons', 'error', 'text'];
    const lines = [head.join(',')];
    for (const r of visibleRows()) {
      const v = r.verdict;
      lines.push([
        r.line, r.id, v ? v.label : '',
        v ? v.scores.legitimate : '', v ? v.scores.threatening : '', v ? v.scores.fraudulent : '',
        v ? v.tags.map((t) => t.id).join(';') : '', v ? (v.needs_review ? 'yes' : 'no') : '',
        v ? v.review_reasons.join('; ') : '', r.error || '', r.text,
      ].map(csvField).join(','));
    }
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = el('a'); a.href = url; a.download = 'notice_nlp_results.csv';
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    $('screen-form').addEventListener('submit', onScreen);
    $('file').addEventListener('change', onFile);
    for (const id of ['filter-label', 'filter-tag', 'filter-review']) $(id).addEventListener('change', renderBatch);
    $('download-csv').addEventListener('click', onDownload);
    const orig = $('original');
    orig.addEventListener('mouseover', (ev) => { const m = ev.target.closest('mark.hl'); if (m && !pinned) showTip(m); });
    orig.addEventListener('mouseout', (ev) => { const m = ev.target.closest('mark.hl'); if (m && !pinned) hideTip(); });
    orig.addEventListener('focusin', (ev) => { const m = ev.target.closest('mark.hl'); if (m) showTip(m); });
    orig.addEventListener('click', (ev) => {
      const m = ev.target.closest('mark.hl');
      if (!m) return;
      ev.stopPropagation();
      if (pinned === m) { pinned = null; hideTip(); } else { pinned = m; showTip(m); }
    });
    document.addEventListener('click', () => { if (pinned) { pinned = null; hideTip(); } });
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { pinned = null; hideTip(); } });
    loadMeta().then(() => { document.body.dataset.ready = '1'; }, (err) => showError(describeError(err)));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
