'use strict';
// The whole page: no framework, no CDN, nothing fetched but this agent's own API.
const $ = (id) => document.getElementById(id);
const state = { session: null, status: null };
const pages = [
  { id: 'ask', title: 'Ask', role: 'employee' },
  { id: 'documents', title: 'Documents', role: 'employee' },
  { id: 'admin', title: 'Users & tokens', role: 'admin' },
  { id: 'dpo', title: 'Privacy log', role: 'dpo' },
  { id: 'audit', title: 'Audit', role: 'dpo' },
];

function el(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}

function row(cells) {
  const tr = el('tr');
  for (const cell of cells) {
    const td = el('td');
    if (cell instanceof Node) td.append(cell); else td.textContent = cell === null || cell === undefined ? '' : String(cell);
    tr.append(td);
  }
  return tr;
}

async function api(method, path, body, raw) {
  const headers = {};
  if (state.session && method !== 'GET') headers['X-CSRF-Token'] = state.session.csrf_token;
  const init = { method, headers, credentials: 'same-origin' };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const response = await fetch(path, init);
  if (response.status === 401 && path !== '/api/session') { showSignIn(); throw new Error('signed out'); }
  return response;
}

async function problem(response) {
  try { const p = await response.json(); return p.detail || p.title || (p.error && p.error.message) || response.statusText; }
  catch { return response.statusText || ('HTTP ' + response.status); }
}

function showPage(id) {
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== 'page-' + id;
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('current', link.dataset.page === id);
  const loaders = { documents: loadDocuments, admin: loadAdmin, dpo: loadDpo, audit: loadAudit };
  if (loaders[id]) loaders[id]().catch((e) => console.error(e));
}

function route() {
  if (!state.session) return;
  const wanted = location.hash.replace('#', '') || 'ask';
  const page = pages.find((p) => p.id === wanted && state.session.roles.includes(p.role)) || pages[0];
  showPage(page.id);
}

function showSignIn() {
  state.session = null;
  $('top').hidden = true;
  $('test-model-banner').hidden = true;
  showPage('sign-in');
  $('sign-in-name').focus();
}

async function start() {
  const response = await fetch('/api/session', { credentials: 'same-origin' });
  if (response.status !== 200) { showSignIn(); return; }
  await enter(await response.json());
}

async function enter(session) {
  state.session = session;
  $('top').hidden = false;
  $('who').textContent = session.display_name + ' (' + session.roles.join(', ') + ')';
  const nav = $('nav');
  nav.replaceChildren();
  for (const page of pages.filter((p) => session.roles.includes(p.role)))
    nav.append(el('a', page.title, { href: '#' + page.id, 'data-page': page.id }));
  const status = await (await api('GET', '/api/status')).json();
  state.status = status;
  $('appliance-name').textContent = status.appliance;
  document.title = status.appliance;
  $('test-model-banner').hidden = !status.test_model;
  route();
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').textContent = '';
  const response = await api('POST', '/api/session', { name: $('sign-in-name').value, password: $('sign-in-password').value });
  if (response.status !== 200) { $('sign-in-error').textContent = await problem(response); return; }
  $('sign-in-password').value = '';
  await enter(await response.json());
});

$('sign-out').addEventListener('click', async () => {
  await api('DELETE', '/api/session');
  location.hash = '';
  showSignIn();
});

window.addEventListener('hashchange', route);

// ---- Ask: the answer streams in as server-sent events over a POST ----

function sourceItem(citation) {
  const li = el('li', null, { id: 'source-' + citation.number });
  const link = el('a', citation.title, { href: citation.link, target: '_blank', rel: 'noopener', class: 'source-link' });
  li.append(link);
  const where = [citation.page ? 'page ' + citation.page : null, citation.section || null, citation.path].filter(Boolean).join(' · ');
  li.append(document.createTextNode(' — ' + where));
  li.append(el('span', citation.snippet, { class: 'snippet' }));
  return li;
}

function renderAnswer(text, citations) {
  // [n] markers become links to the place in the source they cite.
  const target = $('answer-text');
  target.replaceChildren();
  const byNumber = new Map(citations.map((c) => [c.number, c]));
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    target.append(document.createTextNode(text.slice(last, match.index)));
    const citation = byNumber.get(Number(match[1]));
    target.append(citation
      ? el('a', match[0], { href: citation.link, target: '_blank', rel: 'noopener', class: 'marker', title: citation.title })
      : document.createTextNode(match[0]));
    last = match.index + match[0].length;
  }
  target.append(document.createTextNode(text.slice(last)));
}

async function* serverSentEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { name, data: JSON.parse(data.join('\n')) };
    }
  }
}

$('ask-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = $('question').value.trim();
  if (!question) return;
  $('ask-error').textContent = '';
  $('ask-button').disabled = true;
  $('answer').hidden = false;
  $('answer-text').textContent = '';
  $('answer-meta').textContent = 'Searching your documents…';
  $('sources').replaceChildren();
  let text = '';
  let sources = [];
  try {
    const response = await api('POST', '/api/ask', { question });
    if (response.status === 429) throw new Error('The appliance is busy; try again in ' + (response.headers.get('Retry-After') || 'a few') + ' seconds.');
    if (!response.ok) throw new Error(await problem(response));
    for await (const { name, data } of serverSentEvents(response)) {
      if (name === 'sources') {
        sources = data.citations;
        $('sources').replaceChildren(...sources.map(sourceItem));
        $('answer-meta').textContent = 'Writing…';
      } else if (name === 'delta') {
        text += data.text;
        $('answer-text').textContent = text;
      } else if (name === 'done') {
        renderAnswer(data.answer, sources.length ? sources : data.citations);
        for (const cited of data.citations) { const item = $('source-' + cited.number); if (item) item.classList.add('cited'); }
        const t = data.timing;
        $('answer-meta').textContent = data.notice + ' — first words after ' + Math.round(t.first_token_ms) + ' ms'
          + (t.tokens_per_second ? ', ' + t.tokens_per_second.toFixed(1) + ' tokens/s' : '');
      }
    }
  } catch (e) {
    if (e.message !== 'signed out') $('ask-error').textContent = e.message;
    $('answer-meta').textContent = '';
  } finally {
    $('ask-button').disabled = false;
  }
});

// ---- Documents ----

async function loadDocuments() {
  const collections = await (await api('GET', '/api/collections')).json();
  const uploadable = collections.filter((c) => c.uploads);
  $('upload-collection').replaceChildren(...uploadable.map((c) => el('option', c.title, { value: c.id })));
  $('upload-form').hidden = uploadable.length === 0;
  if (!uploadable.length) $('upload-result').textContent = 'None of your collections accepts uploads.';
  const titles = new Map(collections.map((c) => [c.id, c.title]));
  const documents = await (await api('GET', '/api/documents')).json();
  $('documents').replaceChildren(...documents.map((d) => row([
    el('a', d.title, { href: '/api/documents/' + encodeURIComponent(d.id) + '/content', target: '_blank', rel: 'noopener' }),
    titles.get(d.collection_id) || d.collection_id, d.path, d.chunks, d.status + (d.error ? ': ' + d.error : '')])));
}

$('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('upload-file').files[0];
  if (!file) return;
  $('upload-result').textContent = 'Uploading ' + file.name + '…';
  const query = '?collection=' + encodeURIComponent($('upload-collection').value) + '&name=' + encodeURIComponent(file.name);
  const response = await api('POST', '/api/documents' + query, undefined, file);
  $('upload-result').textContent = response.status === 201
    ? 'Uploaded and indexed: ' + file.name
    : 'Not uploaded: ' + await problem(response);
  $('upload-file').value = '';
  await loadDocuments();
});

// ---- Admin: users and tokens ----

async function loadAdmin() {
  const users = await (await api('GET', '/api/admin/users')).json();
  $('users').replaceChildren(...users.map((u) => {
    const actions = el('span');
    const password = el('button', 'Set password', { type: 'button', class: 'small' });
    password.addEventListener('click', async () => {
      const value = prompt('New password for ' + u.name + ' (at least 10 characters)');
      if (!value) return;
      const response = await api('PUT', '/api/admin/users/' + encodeURIComponent(u.name) + '/password', { password: value });
      alert(response.status === 204 ? 'Password set.' : await problem(response));
      await loadAdmin();
    });
    if (u.source === 'config') actions.append(password);
    if (u.locked_until) {
      const unlock = el('button', 'Unlock', { type: 'button', class: 'small' });
      unlock.addEventListener('click', async () => { await api('POST', '/api/admin/users/' + encodeURIComponent(u.name) + '/unlock'); await loadAdmin(); });
      actions.append(unlock);
    }
    return row([u.display_name + ' (' + u.name + ')', u.roles.join(', '), u.groups.join(', '), u.source, u.has_password ? 'set' : 'none', u.locked_until || '', actions]);
  }));
  $('token-user').replaceChildren(...users.map((u) => el('option', u.name, { value: u.name })));
  const tokens = await (await api('GET', '/api/admin/tokens')).json();
  $('tokens').replaceChildren(...tokens.map((t) => {
    const revoke = el('button', 'Revoke', { type: 'button', class: 'small' });
    revoke.disabled = !!t.revoked;
    revoke.addEventListener('click', async () => { await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(t.id)); await loadAdmin(); });
    return row([el('code', t.id), t.user, t.name, t.created, t.last_used || 'never', t.revoked || '', revoke]);
  }));
}

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await api('POST', '/api/admin/tokens', { user: $('token-user').value, name: $('token-name').value });
  if (response.status !== 201) { $('token-secret').textContent = await problem(response); return; }
  const issued = await response.json();
  $('token-secret').textContent = 'Copy this token now; it is not shown again: ' + issued.secret;
  $('token-name').value = '';
  await loadAdmin();
});

// ---- DPO: query log and erasures ----

async function loadDpo() {
  const page = await (await api('GET', '/api/audit/log?limit=200')).json();
  const chain = page.chain;
  $('chain').textContent = chain.intact
    ? 'Chain intact: ' + chain.entries_checked + ' entries verified. Questions are stored as: ' + page.question_mode + '.'
    : 'Chain BROKEN at entry #' + chain.first_broken_seq + ': ' + chain.problem;
  $('chain').className = 'banner ' + (chain.intact ? 'ok' : 'bad');
  $('log').replaceChildren(...page.entries.map((e) => row([e.seq, e.at, e.user || '', e.route || e.kind,
    e.kind === 'purge' ? 'retention purge through #' + e.purged_through_seq : (e.question || '—'),
    e.document_ids.length, e.prompt_tokens + ' / ' + e.completion_tokens, e.latency_ms, e.status])));
  const erasures = await (await api('GET', '/api/audit/erasures')).json();
  $('erasures').replaceChildren(...erasures.map((r) => row([r.erased_at, r.path, r.collection_id, r.chunks, r.erased_by, r.reason])));
}

// ---- Audit (DPO): chain status, the signed packs the nightly job shelved, the live evidence ----

function size(bytes) {
  return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(bytes / 1024)) + ' KB';
}

function when(iso) {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function packLink(pack) {
  return el('a', pack.name, { href: '/api/audit/packs/' + encodeURIComponent(pack.name), download: pack.name, class: 'pack-link' });
}

async function loadAudit() {
  const chain = await (await api('GET', '/api/audit/log/verify')).json();
  $('audit-chain').textContent = chain.intact
    ? 'Query-log chain intact: ' + chain.entries_checked + ' entries verified.'
    : 'Query-log chain BROKEN at entry #' + chain.first_broken_seq + ': ' + chain.problem;
  $('audit-chain').className = 'banner ' + (chain.intact ? 'ok' : 'bad');
  const response = await api('GET', '/api/audit/packs');
  if (response.status === 404) {
    const advice = await response.json();
    $('audit-pack').replaceChildren(el('p', advice.detail, { id: 'audit-no-pack', class: 'notice' }));
    $('audit-packs').replaceChildren();
    return;
  }
  const packs = await response.json();
  const latest = packs[0];
  const summary = el('p', null, { id: 'audit-latest' });
  summary.append('Latest: ', packLink(latest), ' — created ' + when(latest.created_at) + ', period ' + latest.period + ', ' + size(latest.bytes) + ', ',
    el('span', latest.verified ? 'signature and digests check out' : 'DOES NOT VERIFY: ' + latest.problems.join('; '),
      { class: latest.verified ? 'ok' : 'bad' }));
  $('audit-pack').replaceChildren(summary);
  $('audit-packs').replaceChildren(...packs.map((p) => row([packLink(p), when(p.created_at), p.period, size(p.bytes),
    el('code', p.sha256.slice(0, 16) + '…', { title: p.sha256 }),
    el('span', (p.verified ? 'valid · ' : 'INVALID · ') + p.key_fingerprint.slice(0, 23) + '…', { title: p.key_fingerprint, class: p.verified ? '' : 'bad' })])));
}

start().catch((e) => console.error(e));
