'use strict';
// The whole page: no framework, no CDN, nothing fetched but this agent's own API. Model text is
// only ever put into the page as text nodes (see markdown below), never as HTML.
const $ = (id) => document.getElementById(id);
const catalog = JSON.parse($('strings').textContent);
const languages = Object.keys(catalog);
const state = {
  // Before sign-in: the last language chosen in this browser; after: the person's own choice on the box.
  session: null, status: null, lang: pickLanguage(localStorage.getItem('appliance.language')), collections: [],
  conversation: null, scope: null, turns: [], asking: null, historyQuery: '',
};
const pages = [
  { id: 'ask', role: 'employee' },
  { id: 'documents', role: 'employee' },
  { id: 'jobs', role: 'employee', label: 'jobs.nav' },
  { id: 'admin', role: 'admin' },
  { id: 'indexing', role: 'admin' },
  { id: 'dpo', role: 'dpo' },
  { id: 'audit', role: 'dpo' },
  { id: 'security', role: 'dpo' },
  { id: 'requests', role: 'dpo' },
];

// ---- Language, numbers and dates ----

// A language chosen before, else the browser's first language the page has, else English.
function pickLanguage(chosen) {
  if (chosen && languages.includes(chosen)) return chosen;
  for (const wanted of navigator.languages || [navigator.language || 'en']) {
    const base = String(wanted).slice(0, 2).toLowerCase();
    if (languages.includes(base)) return base;
  }
  return 'en';
}

// The reader's own locale for numbers and dates (en-GB, de-CH) when it is in the page's language, else the language.
function locale() {
  return (navigator.languages || []).find((l) => String(l).slice(0, 2).toLowerCase() === state.lang) || state.lang;
}

function number(value, digits) {
  return new Intl.NumberFormat(locale(), digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

function t(key, vars) {
  const text = (catalog[state.lang] || {})[key] ?? catalog.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!vars || vars[name] === undefined || vars[name] === null) return whole;
    return typeof vars[name] === 'number' ? number(vars[name]) : String(vars[name]);
  });
}

// Times are the box's (its time zone, not UTC), written the way the reader's language writes them.
function when(iso) {
  if (!iso) return '';
  const options = { dateStyle: 'medium', timeStyle: 'short' };
  try { return new Intl.DateTimeFormat(locale(), { ...options, timeZone: state.status && state.status.time_zone }).format(new Date(iso)); }
  catch { return new Intl.DateTimeFormat(locale(), options).format(new Date(iso)); }
}

function translatePage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
  for (const node of document.querySelectorAll('[data-t-aria-label]')) node.setAttribute('aria-label', t(node.dataset.tAriaLabel));
  const select = $('language');
  select.replaceChildren(...languages.map((code) => el('option', catalog[code]['language.name'], { value: code, lang: code })));
  select.value = state.lang;
  updateCount();
}

function setLanguage(code) {
  state.lang = code;
  localStorage.setItem('appliance.language', code);
  // Remembered for the person on the box, so another computer opens in the same language.
  // Saved one after the other, so quick changes end with the last one chosen.
  if (state.session)
    state.savingLanguage = (state.savingLanguage || Promise.resolve())
      .then(() => api('PUT', '/api/session/language', { language: code })).catch((e) => console.error(e));
  translatePage();
  if (state.session) {
    renderNav();
    renderScope();
    renderExport();
    route();
  }
}

$('language').addEventListener('change', () => setLanguage($('language').value));

// ---- Small DOM helpers and the API ----

function el(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}

function button(text, attributes, onClick) {
  const node = el('button', text, { type: 'button', ...attributes });
  if (onClick) node.addEventListener('click', onClick);
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

async function api(method, path, body, raw, signal) {
  const headers = {};
  if (state.session && method !== 'GET') headers['X-CSRF-Token'] = state.session.csrf_token;
  const init = { method, headers, credentials: 'same-origin', signal };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const response = await fetch(path, init);
  if (response.status === 401 && path !== '/api/session') { showSignIn(); throw new Error('signed out'); }
  return response;
}

// A refusal in the reader's language when the box gave it a code, else the box's own words.
async function problem(response) {
  let p = {};
  try { p = await response.json(); } catch { /* no body */ }
  const error = p.error || {};
  if (p.code && (catalog.en['error.' + p.code])) {
    if (p.code === 'busy' && !p.retry_after) return t('error.busyNow');
    return t('error.' + p.code, { ...p, until: p.until ? when(p.until) : undefined });
  }
  return t('error.generic', { detail: p.detail || p.title || error.message || response.statusText || ('HTTP ' + response.status) });
}

// ---- Pages and sign-in ----

function showPage(id) {
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== 'page-' + id;
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('current', link.dataset.page === id);
  $('menu').hidden = id !== 'ask';
  const loaders = { documents: loadDocuments, jobs: loadJobs, admin: loadAdmin, indexing: loadIndexing, dpo: loadDpo, audit: loadAudit, security: loadSecurity, requests: loadRequests };
  if (loaders[id]) loaders[id]().catch((e) => console.error(e));
}

function route() {
  if (!state.session) return;
  const [wanted, ...rest] = location.hash.replace('#', '').split('/');
  if (wanted === 'view' && rest.length >= 1) { showPage('viewer'); openViewer(rest).catch((e) => console.error(e)); return; }
  const page = pages.find((p) => p.id === wanted && state.session.roles.includes(p.role)) || pages[0];
  showPage(page.id);
  if (page.id === 'ask' && rest[0] && (!state.conversation || state.conversation.id !== rest[0]))
    openConversation(rest[0]).catch((e) => console.error(e));
}

function showSignIn() {
  state.session = null;
  $('top').hidden = true;
  $('test-model-banner').hidden = true;
  showPage('sign-in');
  $('sign-in-name').focus();
}

async function start() {
  translatePage();
  const response = await fetch('/api/session', { credentials: 'same-origin' });
  if (response.status !== 200) { showSignIn(); return; }
  await enter(await response.json());
}

function renderNav() {
  const nav = $('nav');
  nav.replaceChildren();
  for (const page of pages.filter((p) => state.session.roles.includes(p.role)))
    nav.append(el('a', t(page.label || 'nav.' + page.id), { href: '#' + page.id, 'data-page': page.id }));
  $('who').textContent = state.session.display_name + ' (' + state.session.roles.map((r) => t('role.' + r)).join(', ') + ')';
}

async function enter(session) {
  state.session = session;
  state.lang = pickLanguage(session.language);
  translatePage();
  $('top').hidden = false;
  renderNav();
  const status = await (await api('GET', '/api/status')).json();
  state.status = status;
  $('appliance-name').textContent = status.appliance;
  document.title = status.appliance;
  $('test-model-banner').hidden = !status.test_model;
  state.collections = await (await api('GET', '/api/collections')).json();
  if (!document.querySelector('link[rel=manifest]'))
    document.head.append(el('link', null, { rel: 'manifest', href: '/manifest.webmanifest', crossorigin: 'use-credentials' }));
  renderScope();
  route();
  await loadHistory();
  $('question').focus();
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
  newConversation();
  showSignIn();
});

$('menu').addEventListener('click', () => {
  const open = $('sidebar').classList.toggle('open');
  $('menu').setAttribute('aria-expanded', String(open));
});

window.addEventListener('hashchange', route);

// ---- Markdown: a small renderer that builds DOM nodes (headings, lists, tables, code, emphasis,
// citation links); every piece of model text becomes a text node. ----

const blockStart = /^\s*(#{1,6}\s|```|~~~|>|[-*+]\s|\d+[.)]\s|\|)/;

function markdown(text, citations) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const fragment = document.createDocumentFragment();
  blocks(lines, fragment, citations || new Map());
  return fragment;
}

function blocks(lines, parent, citations) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) { i++; continue; }
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const code = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) code.push(lines[i]);
      i++;
      const pre = el('pre');
      pre.append(el('code', code.join('\n')));
      parent.append(pre);
      continue;
    }
    const heading = /^\s*(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const node = el('h' + Math.min(6, heading[1].length + 2));
      inline(heading[2], node, citations);
      parent.append(node);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) { parent.append(el('hr')); i++; continue; }
    if (line.includes('|') && i + 1 < lines.length && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      const table = el('table');
      const head = el('thead');
      const headRow = el('tr');
      for (const cell of cells(line)) { const th = el('th'); inline(cell, th, citations); headRow.append(th); }
      head.append(headRow);
      const body = el('tbody');
      for (i += 2; i < lines.length && lines[i].includes('|') && !/^\s*$/.test(lines[i]); i++) {
        const tr = el('tr');
        for (const cell of cells(lines[i])) { const td = el('td'); inline(cell, td, citations); tr.append(td); }
        body.append(tr);
      }
      table.append(head, body);
      const wrap = el('div', null, { class: 'table-wrap' });
      wrap.append(table);
      parent.append(wrap);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      for (; i < lines.length && /^\s*>/.test(lines[i]); i++) quoted.push(lines[i].replace(/^\s*>\s?/, ''));
      const quote = el('blockquote');
      blocks(quoted, quote, citations);
      parent.append(quote);
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]);
      const list = el(ordered ? 'ol' : 'ul');
      if (ordered && parseInt(item[2], 10) !== 1) list.setAttribute('start', String(parseInt(item[2], 10)));
      const indent = item[1].length;
      while (i < lines.length) {
        const next = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i]);
        if (!next || next[1].length !== indent || /\d/.test(next[2]) !== ordered) break;
        const content = [next[3]];
        for (i++; i < lines.length && !/^\s*$/.test(lines[i]); i++) {
          const deeper = /^(\s*)/.exec(lines[i])[1].length > indent;
          if (!deeper && blockStart.test(lines[i])) break;
          content.push(deeper ? lines[i].slice(Math.min(lines[i].length, indent + 2)) : lines[i]);
        }
        const li = el('li');
        if (content.length === 1) inline(content[0], li, citations); else blocks(content, li, citations);
        list.append(li);
        if (i < lines.length && /^\s*$/.test(lines[i]) && i + 1 < lines.length && /^(\s*)([-*+]|\d+[.)])\s+/.test(lines[i + 1])) i++;
      }
      parent.append(list);
      continue;
    }
    const paragraph = [];
    for (; i < lines.length && !/^\s*$/.test(lines[i]) && (paragraph.length === 0 || !blockStart.test(lines[i])); i++) paragraph.push(lines[i].trim());
    const p = el('p');
    inline(paragraph.join(' '), p, citations);
    parent.append(p);
  }
}

function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

const inlinePattern = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*([^*\s](?:[^*]*[^*\s])?)\*|(?<![\p{L}\p{N}])_([^_\s](?:[^_]*[^_\s])?)_(?![\p{L}\p{N}])|\[(\d+(?:\s*,\s*\d+)*)\]|\[([^\]]+)\]\(([^)\s]+)\)/gu;

function inline(text, parent, citations) {
  let last = 0;
  for (const match of text.matchAll(inlinePattern)) {
    if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
    last = match.index + match[0].length;
    if (match[1]) parent.append(el('code', match[2]));
    else if (match[3] || match[4]) { const strong = el('strong'); inline(match[3] || match[4], strong, citations); parent.append(strong); }
    else if (match[5] || match[6]) { const em = el('em'); inline(match[5] || match[6], em, citations); parent.append(em); }
    else if (match[7]) {
      for (const n of match[7].split(',').map((x) => Number(x.trim()))) {
        const citation = citations.get(n);
        parent.append(citation
          ? el('a', '[' + n + ']', { href: viewerLink(citation), class: 'marker', title: citation.title, ...(isPdf(citation) ? { target: '_blank', rel: 'noopener' } : {}) })
          : document.createTextNode('[' + n + ']'));
      }
    } else {
      // Links a model writes could point anywhere: shown as text with their address, never followed silently.
      parent.append(document.createTextNode(match[8] + ' (' + match[9] + ')'));
    }
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

// ---- Citations open on the page, at the cited span (PDFs in the browser's viewer at the page) ----

function isPdf(citation) { return /\.pdf$/i.test(citation.path); }

// The box links a citation to its place: a PDF at its page, anything else to this page's viewer.
function viewerLink(citation) { return citation.link; }

async function openViewer([documentId, start, end]) {
  const id = decodeURIComponent(documentId);
  $('viewer-title').textContent = '';
  $('viewer-where').textContent = '';
  $('viewer-text').replaceChildren();
  $('viewer-download').href = '/api/documents/' + encodeURIComponent(id) + '/content';
  const response = await api('GET', '/api/documents/' + encodeURIComponent(id) + '/text');
  if (!response.ok) { $('viewer-text').textContent = await problem(response); return; }
  const doc = await response.json();
  $('viewer-title').textContent = doc.title;
  $('viewer-download').setAttribute('download', doc.path.split('/').pop());
  const from = Math.max(0, Math.min(doc.text.length, Number(start) || 0));
  const to = Math.max(from, Math.min(doc.text.length, Number(end) || from));
  const section = doc.passages.find((p) => p.start_char <= from && from < p.end_char);
  $('viewer-where').textContent = [doc.path, section && section.page ? t('source.page', { page: section.page }) : null, section && section.section].filter(Boolean).join(' · ');
  const mark = el('mark', doc.text.slice(from, to), { id: 'viewer-mark' });
  $('viewer-text').replaceChildren(document.createTextNode(doc.text.slice(0, from)), mark, document.createTextNode(doc.text.slice(to)));
  mark.scrollIntoView({ block: 'center' });
  $('viewer-back').href = state.conversation ? '#ask/' + state.conversation.id : '#ask';
}

// ---- Ask: a conversation of turns, each streamed in as server-sent events over a POST ----

function noticeOf(done) {
  if (done.outcome === 'stopped') return t('ask.stopped');
  if (done.test_model) return t('ask.testModelNotice');
  if (done.extractive) return t('ask.extractive');
  return t('ask.aiNotice');
}

function sourceItem(citation) {
  const li = el('li', null, { class: 'source', 'data-number': citation.number });
  li.append(el('a', citation.title, { href: viewerLink(citation), class: 'source-link', ...(isPdf(citation) ? { target: '_blank', rel: 'noopener' } : {}) }));
  const where = [citation.page ? t('source.page', { page: citation.page }) : null, citation.recognised ? t('source.recognised') : null,
    citation.section || null, citation.path].filter(Boolean).join(' · ');
  li.append(document.createTextNode(' — ' + where));
  li.append(el('span', citation.snippet, { class: 'snippet' }));
  return li;
}

// Sentences are announced to screen readers as they complete, not token by token.
function announcer() {
  let said = 0;
  return (text, final) => {
    const rest = text.slice(said);
    const end = final ? rest.length : Math.max(rest.lastIndexOf('. '), rest.lastIndexOf('! '), rest.lastIndexOf('? '), rest.lastIndexOf('\n')) + 1;
    if (end <= 0) return;
    const sentence = rest.slice(0, end).trim();
    said += end;
    if (sentence) $('announcer').textContent = sentence.replace(/\[\d+\]/g, '');
  };
}

function turnView(question) {
  const article = el('article', null, { class: 'turn' });
  article.append(el('p', question, { class: 'question' }));
  const card = el('div', null, { class: 'card answer' });
  const sourcesTitle = el('h3', t('ask.sources'), { class: 'sources-title', hidden: '' });
  const sources = el('ol', null, { class: 'sources' });
  const searched = el('p', null, { class: 'searched meta', hidden: '' });
  const text = el('div', null, { class: 'answer-text' });
  const meta = el('p', t('ask.searching'), { class: 'meta answer-meta' });
  const actions = el('div', null, { class: 'actions', hidden: '' });
  card.append(searched, text, meta, actions, sourcesTitle, sources);
  article.append(card);
  // Only the newest answer can be regenerated.
  for (const earlier of document.querySelectorAll('#turns .regenerate')) earlier.remove();
  $('turns').append(article);
  const view = {
    article, question, answer: '', citations: [], byNumber: new Map(), turnId: null, pending: false, say: announcer(),
    setSources(list, query) {
      view.citations = list;
      view.byNumber = new Map(list.map((c) => [c.number, c]));
      sources.replaceChildren(...list.map(sourceItem));
      sourcesTitle.hidden = list.length === 0;
      if (query && query !== question.trim()) { searched.textContent = t('ask.searched', { query }); searched.hidden = false; }
      meta.textContent = t('ask.writing');
    },
    render() {
      view.pending = false;
      text.replaceChildren(markdown(view.answer, view.byNumber));
    },
    append(piece) {
      view.answer += piece;
      view.say(view.answer, false);
      if (!view.pending) { view.pending = true; requestAnimationFrame(view.render); }
    },
    finish(done, timing) {
      view.answer = done.answer;
      view.turnId = done.turn_id ?? done.id ?? null;
      if (!view.citations.length && done.citations) view.setSources(done.sources || done.citations, done.searched);
      view.render();
      view.say(view.answer, true);
      for (const cited of done.citations || []) { const item = sources.querySelector('[data-number="' + cited.number + '"]'); if (item) item.classList.add('cited'); }
      const parts = [noticeOf(done)];
      if (timing) {
        parts.push(t('ask.firstWords', { ms: Math.round(timing.first_token_ms) }));
        if (timing.tokens_per_second) parts.push(t('ask.speed', { rate: number(timing.tokens_per_second, 1) }));
      } else if (done.asked_at) parts.push(when(done.asked_at));
      meta.textContent = parts.join(' — ');
      article.classList.toggle('stopped', done.outcome === 'stopped');
      view.showActions(done.rating);
    },
    stopped() {
      view.render();
      article.classList.add('stopped');
      meta.textContent = t('ask.stopped');
      view.showActions(null);
    },
    showActions(rating) {
      actions.replaceChildren();
      const copied = el('span', null, { role: 'status', class: 'meta' });
      actions.append(button(t('ask.copy'), { class: 'small secondary copy' }, async () => {
        await navigator.clipboard.writeText(copyText(view));
        copied.textContent = t('ask.copied');
      }));
      if (view.article === $('turns').lastElementChild)
        actions.append(button(t('ask.regenerate'), { class: 'small secondary regenerate' }, () => regenerate(view)));
      if (view.turnId !== null) {
        const up = button('▲ ' + t('ask.helpful'), { class: 'small secondary thumb-up', 'aria-pressed': String(rating === 'up') });
        const down = button('▼ ' + t('ask.notHelpful'), { class: 'small secondary thumb-down', 'aria-pressed': String(rating === 'down') });
        up.addEventListener('click', () => rate(view, 'up', null, up, down, copied));
        down.addEventListener('click', () => rate(view, 'down', null, up, down, copied));
        actions.append(up, down);
      }
      actions.append(copied);
      actions.hidden = false;
    },
  };
  return view;
}

function copyText(view) {
  const lines = [view.answer.trim(), '', t('ask.sources') + ':'];
  for (const c of view.citations)
    lines.push('[' + c.number + '] ' + [c.title, c.page ? t('source.page', { page: c.page }) : null, c.recognised ? t('source.recognised') : null,
      c.section || null, c.path].filter(Boolean).join(', '));
  return lines.join('\n');
}

async function rate(view, rating, comment, up, down, status) {
  const response = await api('POST', '/api/turns/' + view.turnId + '/rating', { rating, comment });
  if (!response.ok) { status.textContent = await problem(response); return; }
  up.setAttribute('aria-pressed', String(rating === 'up'));
  down.setAttribute('aria-pressed', String(rating === 'down'));
  status.textContent = t('ask.thanks');
  if (rating === 'down' && comment === null && !view.article.querySelector('.feedback-form')) {
    const form = el('form', null, { class: 'feedback-form' });
    const input = el('input', null, { maxlength: '2000', 'aria-label': t('ask.comment'), placeholder: t('ask.comment'), class: 'feedback-comment' });
    form.append(input, el('button', t('ask.sendComment'), { type: 'submit', class: 'small' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      await rate(view, 'down', input.value, up, down, status);
      form.remove();
    });
    view.article.querySelector('.actions').append(form);
  }
}

function updateCount() {
  const limit = state.status ? state.status.max_question_chars : 4000;
  const length = $('question').value.length;
  $('question-count').textContent = length > limit * 0.8 ? t('ask.count', { length, limit }) : '';
  $('question-count').classList.toggle('over', length > limit);
}

$('question').addEventListener('input', updateCount);
$('question').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('ask-form').requestSubmit();
  }
});

$('ask-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = $('question').value;
  if (state.asking) return;
  if (!question.trim()) { $('ask-error').textContent = t('error.question_empty'); $('question').focus(); return; }
  const limit = state.status.max_question_chars;
  if (question.trim().length > limit) { $('ask-error').textContent = t('error.question_too_long', { limit, length: question.trim().length }); return; }
  if (await ask(question.trim(), false)) { $('question').value = ''; updateCount(); }
});

$('stop-button').addEventListener('click', () => { if (state.asking) state.asking.abort(); });

function regenerate(view) {
  if (state.asking) return;
  view.article.remove();
  state.turns.pop();
  ask(view.question, true);
}

function showRetry(message, question, regenerating) {
  const box = $('ask-error');
  box.replaceChildren(el('span', message + ' '));
  box.append(button(t('error.tryAgain'), { class: 'small retry' }, () => { box.replaceChildren(); ask(question, regenerating); }));
}

// Returns whether the question was taken (the box will have it in the conversation).
async function ask(question, regenerating) {
  $('ask-error').replaceChildren();
  const view = turnView(question);
  view.article.scrollIntoView({ block: 'end' });
  const controller = new AbortController();
  state.asking = controller;
  $('ask-button').disabled = true;
  $('stop-button').hidden = false;
  const body = { question };
  if (state.conversation) body.conversation_id = state.conversation.id;
  else if (state.scope) body.collections = state.scope;
  if (regenerating && state.conversation) body.regenerate = true;
  if (!state.status.history) body.earlier = state.turns;
  let finished = false;
  try {
    const response = await api('POST', '/api/ask', body, undefined, controller.signal);
    if (response.status === 429) {
      view.article.remove();
      showRetry(await problem(response), question, regenerating);
      return false;
    }
    if (!response.ok) {
      view.article.remove();
      $('ask-error').textContent = await problem(response);
      // Deleted meanwhile (another tab, the DPO): the next question starts a new conversation.
      if (response.status === 404 && state.conversation) { state.conversation = null; state.turns = []; renderExport(); }
      return false;
    }
    for await (const { name, data } of serverSentEvents(response)) {
      if (name === 'sources') {
        view.setSources(data.citations, data.searched);
        if (data.conversation && (!state.conversation || state.conversation.id !== data.conversation.id)) {
          state.conversation = data.conversation;
          history.replaceState(null, '', '#ask/' + data.conversation.id);
          renderExport();
        }
      } else if (name === 'delta') view.append(data.text);
      else if (name === 'done') {
        view.finish(data, data.timing);
        finished = true;
      }
    }
    state.turns.push({ question, answer: view.answer });
    return true;
  } catch (e) {
    if (e.name === 'AbortError') {
      view.stopped();
      state.turns.push({ question, answer: view.answer });
      return true;
    }
    if (e.message !== 'signed out') $('ask-error').textContent = t('error.generic', { detail: e.message });
    if (!finished) view.article.remove();
    return false;
  } finally {
    state.asking = null;
    $('ask-button').disabled = false;
    $('stop-button').hidden = true;
    loadHistory().catch((e) => console.error(e));
  }
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

// ---- Conversations: history, scope ----

function newConversation() {
  if (state.asking) state.asking.abort();
  state.conversation = null;
  state.turns = [];
  state.attachments = [];
  renderAttachments([]);
  $('attach-status').textContent = '';
  $('turns').replaceChildren();
  $('ask-error').replaceChildren();
  if (location.hash.startsWith('#ask/')) history.replaceState(null, '', '#ask');
  renderScope();
  markCurrent();
}

$('new-conversation').addEventListener('click', () => { newConversation(); $('question').focus(); });

async function openConversation(id) {
  const response = await api('GET', '/api/conversations/' + encodeURIComponent(id));
  if (!response.ok) { $('ask-error').textContent = await problem(response); return; }
  const conversation = await response.json();
  newConversation();
  state.conversation = conversation.summary;
  state.scope = conversation.summary.collections;
  state.attachments = conversation.attachments;
  renderAttachments(state.attachments);
  history.replaceState(null, '', '#ask/' + conversation.summary.id);
  for (const turn of conversation.turns) {
    const view = turnView(turn.question);
    view.setSources(turn.sources, turn.searched);
    view.finish({ ...turn, id: turn.id }, null);
    state.turns.push({ question: turn.question, answer: turn.answer });
  }
  renderScope();
  markCurrent();
  $('sidebar').classList.remove('open');
}

function renderAttachments(list) {
  $('attachments').replaceChildren(...(list || []).map((a) => el('li', a.name, { title: a.title })));
}

// A file attached to the conversation is read for it alone (never the office's index) and cited in its answers.
$('attach-file').addEventListener('change', async () => {
  const file = $('attach-file').files[0];
  if (!file) return;
  $('ask-error').replaceChildren();
  $('attach-status').textContent = t('attach.reading', { name: file.name });
  try {
    if (!state.conversation) {
      const created = await api('POST', '/api/conversations', { title: file.name });
      if (!created.ok) { $('ask-error').textContent = await problem(created); return; }
      state.conversation = await created.json();
      history.replaceState(null, '', '#ask/' + state.conversation.id);
      renderExport();
    }
    const response = await api('POST', '/api/conversations/' + encodeURIComponent(state.conversation.id) + '/attachments?name=' + encodeURIComponent(file.name), undefined, file);
    if (!response.ok) { $('ask-error').textContent = await problem(response); return; }
    const attachment = await response.json();
    state.attachments = [...(state.attachments || []), attachment];
    renderAttachments(state.attachments);
    $('attach-status').textContent = t('attach.attached', { name: attachment.name });
    await loadHistory();
  } finally {
    $('attach-file').value = '';
  }
});

function renderExport() {
  const conversation = state.conversation;
  $('export').hidden = !conversation || !state.status || !state.status.history;
  if (!conversation) return;
  const base = '/api/conversations/' + encodeURIComponent(conversation.id) + '/export?lang=' + state.lang + '&format=';
  $('export-markdown').href = base + 'markdown';
  $('export-pdf').href = base + 'pdf';
}

function markCurrent() {
  renderExport();
  for (const item of document.querySelectorAll('#conversations li'))
    item.classList.toggle('current', !!state.conversation && item.dataset.id === state.conversation.id);
}

let searchTimer = 0;
$('history-search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => loadHistory(true).catch((e) => console.error(e)), 250);
});

// A list refreshed on its own (after an answer) leaves a title being renamed or deleted alone.
async function loadHistory(force) {
  if (!state.status) return;
  if (!force && $('conversations').querySelector('form')) return;
  if (!state.status.history) {
    $('history-note').textContent = t('history.off');
    $('history-search').hidden = true;
    $('conversations').replaceChildren();
    return;
  }
  const query = $('history-search').value.trim();
  const list = await (await api('GET', '/api/conversations' + (query ? '?q=' + encodeURIComponent(query) : ''))).json();
  $('history-note').textContent = list.length ? t('history.kept', { days: state.status.history_days }) : t(query ? 'history.noMatch' : 'history.empty');
  $('conversations').replaceChildren(...list.map(historyItem));
  markCurrent();
}

function historyItem(conversation) {
  const li = el('li', null, { 'data-id': conversation.id });
  const show = () => {
    li.replaceChildren(
      button(conversation.title, { class: 'open-conversation', title: conversation.title + ' — ' + when(conversation.updated_at) }, () => openConversation(conversation.id)),
      button('✎', { class: 'small link rename', 'aria-label': t('history.rename'), title: t('history.rename') }, rename),
      button('✕', { class: 'small link delete', 'aria-label': t('history.delete'), title: t('history.delete') }, confirmDelete));
  };
  const rename = () => {
    const form = el('form');
    const input = el('input', null, { value: conversation.title, maxlength: '120', 'aria-label': t('history.renameTitle'), required: '' });
    form.append(input, el('button', t('history.save'), { type: 'submit', class: 'small' }), button(t('history.cancel'), { class: 'small secondary' }, show));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const response = await api('PATCH', '/api/conversations/' + encodeURIComponent(conversation.id), { title: input.value });
      if (response.ok) Object.assign(conversation, await response.json());
      show();
    });
    li.replaceChildren(form);
    input.focus();
  };
  const confirmDelete = () => {
    const form = el('form');
    form.append(el('span', t('history.confirmDelete')),
      el('button', t('history.yesDelete'), { type: 'submit', class: 'small confirm-delete' }), button(t('history.cancel'), { class: 'small secondary' }, show));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      await api('DELETE', '/api/conversations/' + encodeURIComponent(conversation.id));
      if (state.conversation && state.conversation.id === conversation.id) newConversation();
      await loadHistory(true);
    });
    li.replaceChildren(form);
  };
  show();
  return li;
}

function renderScope() {
  const all = state.collections;
  const chosen = state.scope && state.scope.length ? state.scope : null;
  $('scope-summary').textContent = chosen ? t('scope.some', { count: chosen.length, total: all.length }) : t('scope.all');
  $('scope-choices').replaceChildren(...all.map((c) => {
    const label = el('label');
    const box = el('input', null, { type: 'checkbox', value: c.id, class: 'scope-choice' });
    box.checked = !chosen || chosen.includes(c.id);
    box.addEventListener('change', changeScope);
    label.append(box, document.createTextNode(c.title));
    return label;
  }));
  $('scope').hidden = all.length < 2;
}

async function changeScope() {
  const checked = [...document.querySelectorAll('.scope-choice:checked')].map((b) => b.value);
  state.scope = checked.length === 0 || checked.length === state.collections.length ? null : checked;
  if (state.conversation) {
    const response = await api('PATCH', '/api/conversations/' + encodeURIComponent(state.conversation.id), { collections: state.scope || [] });
    if (response.ok) state.conversation = await response.json();
  }
  renderScope();
}

// ---- Documents ----

async function loadDocuments() {
  const collections = await (await api('GET', '/api/collections')).json();
  const uploadable = collections.filter((c) => c.uploads);
  $('upload-collection').replaceChildren(...uploadable.map((c) => el('option', c.title, { value: c.id })));
  $('upload-form').hidden = uploadable.length === 0;
  $('upload-limit').textContent = t('documents.uploadLimit', { limit: state.status.max_upload_mb });
  if (!uploadable.length) $('upload-result').textContent = t('documents.noUploads');
  const titles = new Map(collections.map((c) => [c.id, c.title]));
  const documents = await (await api('GET', '/api/documents')).json();
  // Admins and the DPO erase documents (an Art. 17 request, a file filed by mistake); employees only read.
  const mayErase = state.session.roles.includes('admin') || state.session.roles.includes('dpo');
  $('documents').replaceChildren(...documents.map((d) => row([
    el('a', d.title, { href: '/api/documents/' + encodeURIComponent(d.id) + '/content', target: '_blank', rel: 'noopener' }),
    titles.get(d.collection_id) || d.collection_id, d.path, number(d.chunks),
    t('status.' + d.status) + (d.error ? ': ' + d.error : ''), when(d.added_at),
    mayErase ? button(t('documents.erase'), { class: 'small erase' }, () => {
      erasing = d;
      $('erase-what').textContent = t('documents.eraseWhat', { title: d.title, path: d.path });
      $('erase-form').hidden = false;
      $('erase-result').textContent = '';
      $('erase-reason').focus();
    }) : '',
  ])));
}

let erasing = null;

$('erase-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const response = await api('DELETE', '/api/documents/' + encodeURIComponent(erasing.id) + '?reason=' + encodeURIComponent($('erase-reason').value.trim()));
  if (response.ok) {
    const record = await response.json();
    $('erase-result').textContent = t('documents.erased', { path: record.path, chunks: record.chunks });
    $('erase-form').hidden = true;
    $('erase-form').reset();
    await loadDocuments();
  } else $('erase-result').textContent = await problem(response);
});
$('erase-cancel').addEventListener('click', () => { $('erase-form').hidden = true; $('erase-form').reset(); });

$('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('upload-file').files[0];
  if (!file) return;
  $('upload-result').textContent = t('documents.uploading', { name: file.name });
  const query = '?collection=' + encodeURIComponent($('upload-collection').value) + '&name=' + encodeURIComponent(file.name);
  const response = await api('POST', '/api/documents' + query, undefined, file);
  $('upload-result').textContent = response.status === 201
    ? t('documents.uploaded', { name: file.name })
    : t('documents.notUploaded', { detail: await problem(response) });
  $('upload-file').value = '';
  await loadDocuments();
});

// ---- Jobs: named tasks over the person's documents, run while nobody waits; their results are the person's own documents ----

let jobsPoll = null;

function jobWhen(job) {
  if (job.state === 'scheduled') return job.next_run_at ? when(job.next_run_at) : '';
  return job.finished_at ? when(job.finished_at) : when(job.started_at);
}

function jobResultItem(job) {
  const result = job.result;
  const item = el('li', null, { 'data-job': job.id });
  item.append(el('a', result.title, { href: '#view/' + encodeURIComponent(result.document_id), class: 'job-result' }),
    ' — ' + t('jobs.readyAt', { when: when(result.written_at) }) + ' ');
  // Model text from a generated test model is labelled where it is listed, as answers are.
  if (result.test_model) item.append(el('span', t('jobs.testModel'), { class: 'test-model-label' }), ' ');
  item.append(button(t('jobs.eraseResult'), { class: 'small secondary erase-result' }, async () => {
    const response = await api('DELETE', '/api/jobs/' + encodeURIComponent(job.id) + '/result');
    $('job-status').textContent = response.ok ? t('jobs.erased', { title: result.title }) : await problem(response);
    await loadJobs();
  }));
  return item;
}

async function loadJobs() {
  clearTimeout(jobsPoll);
  const collections = state.collections.filter((c) => !c.id.includes(':'));
  const chosen = $('job-collection').value;
  $('job-collection').replaceChildren(el('option', t('jobs.allCollections'), { value: '' }), ...collections.map((c) => el('option', c.title, { value: c.id })));
  $('job-collection').value = chosen;
  const response = await api('GET', '/api/jobs');
  if (!response.ok) { $('job-status').textContent = await problem(response); return; }
  const jobs = await response.json();
  const ready = jobs.filter((j) => j.result).sort((a, b) => b.result.written_at.localeCompare(a.result.written_at));
  $('jobs-ready').replaceChildren(...ready.map(jobResultItem));
  $('jobs-ready-none').hidden = ready.length > 0;
  $('jobs-none').hidden = jobs.length > 0;
  $('jobs').replaceChildren(...jobs.map((j) => row([j.name, t('jobs.task.' + j.task), t('jobs.schedule.' + j.schedule),
    el('span', t('jobs.state.' + j.state) + (j.error ? ': ' + j.error : ''), { class: 'job-state' }),
    j.documents_total ? t('jobs.progressOf', { done: j.documents_done, total: j.documents_total }) : '', jobWhen(j),
    j.state === 'scheduled' || j.state === 'running'
      ? button(t('jobs.cancel'), { class: 'small secondary cancel-job' }, async () => {
        const cancelled = await api('DELETE', '/api/jobs/' + encodeURIComponent(j.id));
        if (!cancelled.ok) $('job-status').textContent = await problem(cancelled);
        await loadJobs();
      }) : '',
  ])));
  // A job running now is followed while its owner looks at the page.
  if (jobs.some((j) => j.state === 'running' || (j.state === 'scheduled' && j.schedule === 'now')) && !$('page-jobs').hidden)
    jobsPoll = setTimeout(() => loadJobs().catch((e) => console.error(e)), 1500);
}

$('job-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const days = Number($('job-since').value);
  const body = {
    name: $('job-name').value.trim(), task: $('job-task').value, schedule: $('job-schedule').value, prompt: $('job-prompt').value.trim(),
    collections: $('job-collection').value ? [$('job-collection').value] : [],
    since: days ? new Date(Date.now() - days * 86400000).toISOString() : null,
  };
  const response = await api('POST', '/api/jobs', body);
  if (response.status !== 201) { $('job-status').textContent = await problem(response); return; }
  const job = await response.json();
  $('job-status').textContent = t('jobs.created', { name: job.name, state: t('jobs.state.' + job.state) });
  $('job-form').reset();
  await loadJobs();
});

// ---- Admin: users, tokens, feedback ----

let passwordUser = null;

async function loadAdmin() {
  const users = await (await api('GET', '/api/admin/users')).json();
  $('users').replaceChildren(...users.map((u) => {
    const actions = el('span');
    if (u.source === 'config') actions.append(button(t('admin.setPassword'), { class: 'small set-password' }, () => {
      passwordUser = u.name;
      $('password-for').textContent = u.display_name + ' (' + u.name + ')';
      $('password-form').hidden = false;
      $('password-result').textContent = '';
      $('password-new').focus();
    }));
    if (u.locked_until) actions.append(button(t('admin.unlock'), { class: 'small' }, async () => {
      await api('POST', '/api/admin/users/' + encodeURIComponent(u.name) + '/unlock');
      await loadAdmin();
    }));
    return row([u.display_name + ' (' + u.name + ')', u.roles.map((r) => t('role.' + r)).join(', '), u.groups.join(', '), u.source,
      t(u.has_password ? 'admin.passwordSet' : 'admin.passwordNone'), when(u.locked_until), actions]);
  }));
  $('token-user').replaceChildren(...users.map((u) => el('option', u.name, { value: u.name })));
  const tokens = await (await api('GET', '/api/admin/tokens')).json();
  $('tokens').replaceChildren(...tokens.map((token) => {
    const revoke = button(t('admin.revoke'), { class: 'small' }, async () => {
      await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(token.id));
      await loadAdmin();
    });
    revoke.disabled = !!token.revoked;
    return row([el('code', token.id), token.user, token.name, when(token.created), token.last_used ? when(token.last_used) : t('admin.never'), when(token.revoked), revoke]);
  }));
  const feedback = await (await api('GET', '/api/admin/feedback')).json();
  const titles = new Map(state.collections.map((c) => [c.id, c.title]));
  $('feedback').replaceChildren(...feedback.map((f) => row([titles.get(f.collection) || f.collection, number(f.up), number(f.down), number(f.comments)])));
}

// ---- Indexing: the agent keeps the collections in step with their folders by itself; this shows how far it is ----

let indexingPoll = null;

async function loadIndexing() {
  clearTimeout(indexingPoll);
  const response = await api('GET', '/api/ingest');
  if (!response.ok) { $('indexing-run').textContent = await problem(response); return; }
  const s = await response.json();
  const auto = s.automatic;
  $('indexing-automatic').textContent = auto.enabled
    ? t('indexing.automaticOn', { folders: auto.watched_folders, seconds: auto.settle_seconds, minutes: auto.interval_minutes, next: when(auto.next_full_sync) })
      + (auto.unwatched_folders.length ? ' ' + t('indexing.unwatched', { folders: auto.unwatched_folders.join(', ') }) : '')
    : t('indexing.automaticOff');
  const running = s.state === 'running';
  const p = s.progress;
  $('indexing-run').textContent = running
    ? t('indexing.running', { done: p ? p.files_done : 0, total: p ? p.files_total : 0, collection: s.collection || t('indexing.every') })
      + (s.queued.length ? ' ' + t('indexing.queued', { count: s.queued.length }) : '')
    : s.finished ? t('indexing.last.' + s.state, { when: when(s.finished), trigger: t('indexing.trigger.' + (s.trigger || 'admin')) }) + (s.error ? ' ' + s.error : '')
    : t('indexing.idle');
  $('indexing-collections').replaceChildren(...s.collections.map((c) => row([c.title, number(c.documents), number(c.unreadable), number(c.chunks),
    c.last_sync ? when(c.last_sync.finished) + ' · ' + t('indexing.trigger.' + c.last_sync.trigger) : t('admin.never')])));
  const titles = new Map(s.collections.map((c) => [c.id, c.title]));
  const skipped = s.collections.flatMap((c) => (c.last_sync ? c.last_sync.skipped : []));
  $('indexing-skipped').replaceChildren(...skipped.map((f) => row([titles.get(f.collection_id) || f.collection_id, f.path, f.reason])));
  $('indexing-none').hidden = skipped.length > 0;
  $('indexing-skipped-table').hidden = skipped.length === 0;
  // While a sync runs the page follows it; it stops looking once the admin leaves the page.
  if ((running || s.queued.length) && !$('page-indexing').hidden)
    indexingPoll = setTimeout(() => loadIndexing().catch((e) => console.error(e)), 1500);
}

$('indexing-sync').addEventListener('click', async () => {
  const response = await api('POST', '/api/ingest', {});
  if (response.status !== 202) { $('indexing-run').textContent = await problem(response); return; }
  await loadIndexing();
});

$('password-cancel').addEventListener('click', () => { $('password-form').hidden = true; $('password-form').reset(); });

$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if ($('password-new').value !== $('password-confirm').value) { $('password-result').textContent = t('admin.passwordsDiffer'); return; }
  const response = await api('PUT', '/api/admin/users/' + encodeURIComponent(passwordUser) + '/password', { password: $('password-new').value });
  $('password-result').textContent = response.status === 204 ? t('admin.passwordDone', { name: passwordUser }) : await problem(response);
  if (response.status === 204) { $('password-form').reset(); $('password-form').hidden = true; await loadAdmin(); }
});

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('token-error').textContent = '';
  const response = await api('POST', '/api/admin/tokens', { user: $('token-user').value, name: $('token-name').value });
  if (response.status !== 201) { $('token-error').textContent = await problem(response); return; }
  const issued = await response.json();
  $('token-secret').textContent = issued.secret;
  $('token-copied').textContent = '';
  $('token-issued').hidden = false;
  $('token-name').value = '';
  await loadAdmin();
});

$('token-copy').addEventListener('click', async () => {
  await navigator.clipboard.writeText($('token-secret').textContent);
  $('token-copied').textContent = t('admin.copiedToken');
});

// ---- DPO: query log and erasures ----

// The DPO's filter as query parameters: the same for the table, its next pages and the CSV export.
function logFilter() {
  const query = new URLSearchParams();
  for (const [name, id] of [['user', 'log-user'], ['route', 'log-route'], ['collection', 'log-collection'], ['outcome', 'log-outcome'], ['from', 'log-from'], ['to', 'log-to']])
    if ($(id).value.trim()) query.set(name, $(id).value.trim());
  return query;
}

let logNext = null;

async function loadLog(older) {
  const query = logFilter();
  $('log-csv').href = '/api/audit/log.csv' + (query.size ? '?' + query : '');
  $('log-excerpt').href = '/api/audit/log.excerpt' + (query.size ? '?' + query : '');
  query.set('limit', '200');
  if (older && logNext) query.set('before', logNext);
  const response = await api('GET', '/api/audit/log?' + query);
  if (!response.ok) { $('log-count').textContent = await problem(response); return; }
  const page = await response.json();
  const chain = page.chain;
  $('chain').textContent = chain.intact
    ? t('dpo.chainIntact', { count: chain.entries_checked, mode: page.question_mode })
    : t('dpo.chainBroken', { seq: chain.first_broken_seq, problem: chain.problem });
  $('chain').className = 'banner ' + (chain.intact ? 'ok' : 'bad');
  const rows = page.rows.map(({ entry: e, documents, other_documents: others }) => {
    const names = el('span');
    for (const d of documents) names.append(el('span', d.path, { class: 'log-document', title: d.title + ' · ' + d.collection_id }), ' ');
    if (others) names.append(el('span', t('dpo.otherDocuments', { count: others }), { class: 'meta' }));
    return row([e.seq, when(e.at), e.user || '', e.route || e.kind,
      e.kind === 'purge' ? t('dpo.purge', { seq: e.purged_through_seq }) : (e.question || '—'),
      names, number(e.prompt_tokens) + ' / ' + number(e.completion_tokens), number(e.latency_ms), e.status]);
  });
  if (older) $('log').append(...rows); else $('log').replaceChildren(...rows);
  logNext = page.next_before;
  $('log-older').hidden = logNext === null || logNext === undefined;
  $('log-count').textContent = t('dpo.showing', { shown: $('log').children.length, matching: page.matching, total: page.total });
}

$('log-filter').addEventListener('submit', (e) => { e.preventDefault(); loadLog(false).catch((x) => console.error(x)); });
$('log-older').addEventListener('click', () => loadLog(true).catch((x) => console.error(x)));

async function loadDpo() {
  fillLogCollections();
  await loadLog(false);
  const erasures = await (await api('GET', '/api/audit/erasures')).json();
  $('erasures').replaceChildren(...erasures.map((r) => row([when(r.erased_at), r.path, r.collection_id, number(r.chunks), r.erased_by, r.reason])));
  await loadPersonErasures();
}

// ---- Audit (DPO): chain status, the signed packs the nightly job shelved, the live evidence ----

function size(bytes) {
  return bytes >= 1048576 ? number(bytes / 1048576, 1) + ' MB' : number(Math.max(1, Math.round(bytes / 1024))) + ' KB';
}

function packLink(pack) {
  return el('a', pack.name, { href: '/api/audit/packs/' + encodeURIComponent(pack.name), download: pack.name, class: 'pack-link' });
}

async function loadAudit() {
  const chain = await (await api('GET', '/api/audit/log/verify')).json();
  $('audit-chain').textContent = chain.intact
    ? t('audit.chainIntact', { count: chain.entries_checked })
    : t('audit.chainBroken', { seq: chain.first_broken_seq, problem: chain.problem });
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
  summary.append(t('audit.latest') + ' ', packLink(latest), ' — ' + t('audit.latestDetails', { created: when(latest.created_at), period: latest.period, size: size(latest.bytes) }) + ', ',
    el('span', latest.verified ? t('audit.valid') : t('audit.invalid', { problems: latest.problems.join('; ') }), { class: latest.verified ? 'ok' : 'bad' }));
  $('audit-pack').replaceChildren(summary);
  $('audit-packs').replaceChildren(...packs.map((p) => row([packLink(p), when(p.created_at), p.period, size(p.bytes),
    el('code', p.sha256.slice(0, 16) + '…', { title: p.sha256 }),
    el('span', (p.verified ? '✓ ' : '✗ ') + p.key_fingerprint.slice(0, 23) + '…', { title: p.key_fingerprint, class: p.verified ? '' : 'bad' })])));
}

// ---- DPO workbench: the log's collections and signed excerpt, security events, data subject requests ----

function fillLogCollections() {
  const select = $('log-collection');
  if (select.options.length > 1) return;
  select.append(...state.collections.map((c) => el('option', c.title, { value: c.id })));
}

// A signed excerpt needs the nightly job's certificate: without it the box says why, on the page, instead of a broken download.
$('log-excerpt').addEventListener('click', async (event) => {
  event.preventDefault();
  $('log-excerpt-error').textContent = '';
  const response = await api('GET', $('log-excerpt').getAttribute('href'));
  if (!response.ok) { $('log-excerpt-error').textContent = await problem(response); return; }
  const name = /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') || '');
  const link = el('a', null, { href: URL.createObjectURL(await response.blob()), download: name ? name[1] : 'query-log-excerpt.zip' });
  link.click();
  URL.revokeObjectURL(link.href);
});

async function loadPersonErasures() {
  const records = await (await api('GET', '/api/audit/erasures/people')).json();
  $('person-erasures').replaceChildren(...records.map((r) => row([when(r.erased_at), r.person,
    r.kind === 'account' ? t('dpoDesk.erasedAccount', { tokens: r.items })
      : r.kind === 'jobs' ? t('dpoDesk.erasedJobs', { count: r.items, results: r.attachments })
        : t('dpoDesk.erasedConversations', { count: r.items, attachments: r.attachments }),
    r.erased_by, r.reason, r.remaining || ''])));
}

function securityFilter() {
  const query = new URLSearchParams();
  for (const [name, id] of [['user', 'security-user'], ['kind', 'security-kind'], ['from', 'security-from'], ['to', 'security-to']])
    if ($(id).value.trim()) query.set(name, $(id).value.trim());
  return query;
}

let securityNext = null;

async function loadSecurity(older) {
  const query = securityFilter();
  $('security-csv').href = '/api/audit/security.csv' + (query.size ? '?' + query : '');
  query.set('limit', '200');
  if (older && securityNext) query.set('before', securityNext);
  const response = await api('GET', '/api/audit/security?' + query);
  if (!response.ok) { $('security-count').textContent = await problem(response); return; }
  const page = await response.json();
  $('security-counts').replaceChildren(...page.counts.map((c) => row([t('dpoDesk.kind.' + c.kind), c.route || '', c.reason, number(c.count)])));
  const rows = page.events.map((e) => row([when(e.at), t('dpoDesk.kind.' + e.kind), e.user, e.route || '', e.reason]));
  if (older === true) $('security-events').append(...rows); else $('security-events').replaceChildren(...rows);
  securityNext = page.next_before;
  $('security-older').hidden = securityNext === null || securityNext === undefined;
  $('security-count').textContent = t('dpo.showing', { shown: $('security-events').children.length, matching: page.matching, total: page.total });
}

$('security-filter').addEventListener('submit', (e) => { e.preventDefault(); loadSecurity(false).catch((x) => console.error(x)); });
$('security-older').addEventListener('click', () => loadSecurity(true).catch((x) => console.error(x)));

// The person a report is about, as the box was asked (the exports and erasures use the same).
let request = null;

function requestQuery(format) {
  const query = new URLSearchParams();
  if (request.account) query.set('account', request.account);
  for (const v of request.variants) query.append('variant', v);
  if (format) { query.set('format', format); query.set('language', state.lang); }
  return '/api/audit/access-report?' + query;
}

async function loadRequests() {
  if (request) await runRequest();
}

async function runRequest() {
  $('request-status').textContent = t('dpoDesk.running');
  const response = await api('GET', requestQuery());
  if (!response.ok) { $('request-status').textContent = await problem(response); $('request-report').hidden = true; return; }
  renderReport(await response.json());
  $('request-status').textContent = t('dpoDesk.ran', { when: when(new Date().toISOString()) });
}

$('request-form').addEventListener('submit', (e) => {
  e.preventDefault();
  request = {
    account: $('request-account').value.trim(),
    variants: $('request-variants').value.split(/\n|;/).map((v) => v.trim()).filter((v) => v),
  };
  for (const id of ['request-conversations-result', 'request-jobs-result', 'request-documents-result', 'request-account-result']) $(id).textContent = '';
  runRequest().catch((x) => console.error(x));
});

function renderReport(report) {
  $('request-report').hidden = false;
  $('request-json').href = requestQuery('json');
  $('request-pdf').href = requestQuery('pdf');
  const a = report.account;
  const facts = $('request-account-facts');
  if (a) {
    const list = el('dl', null, { class: 'facts' });
    for (const [key, value] of [['dpoDesk.accountName', a.display_name + ' (' + a.name + ')'], ['admin.roles', a.roles.map((r) => t('role.' + r)).join(', ')],
      ['admin.groups', a.groups.join(', ')], ['admin.source', a.source], ['dpoDesk.lastSignIn', a.last_sign_in ? when(a.last_sign_in) : t('admin.never')]])
      list.append(el('dt', t(key)), el('dd', value));
    facts.replaceChildren(list);
  } else facts.replaceChildren(el('p', t(request.account ? 'dpoDesk.noSuchAccount' : 'dpoDesk.noAccountGiven'), { class: 'meta' }));
  $('request-tokens').replaceChildren(...report.tokens.map((k) => row([k.name, when(k.created), k.last_used ? when(k.last_used) : t('admin.never'), when(k.revoked)])));
  $('request-sign-ins').replaceChildren(...report.sign_ins.map((e) => row([when(e.at), t('dpoDesk.kind.' + e.kind), e.route || '', e.reason])));
  $('request-query-mode').textContent = t('dpoDesk.queryMode', { mode: report.question_mode, days: report.retention_days });
  $('request-queries').replaceChildren(...report.queries.map((q) => row([when(q.at), q.route || '', q.question || '—',
    q.documents.map((d) => d.path).join(', ') + (q.other_documents ? ' ' + t('dpo.otherDocuments', { count: q.other_documents }) : '')])));

  $('request-conversations').replaceChildren(...report.conversations.map((c) => {
    const li = el('li', null, { class: 'request-conversation' });
    li.append(el('strong', c.summary.title), ' — ' + t('dpoDesk.conversationDates', { created: when(c.summary.created_at), updated: when(c.summary.updated_at) }));
    const inner = el('ul');
    for (const q of c.questions) inner.append(el('li', when(q.asked_at) + ': ' + q.question));
    for (const f of c.attachments) inner.append(el('li', t('dpoDesk.attachment', { name: f.name, date: when(f.added_at) }), { class: 'request-attachment' }));
    li.append(inner);
    return li;
  }));
  if (!report.conversations.length) $('request-conversations').replaceChildren(el('li', t('dpoDesk.none'), { class: 'meta' }));
  $('request-erase-conversations').hidden = !a || !report.conversations.length;

  $('request-jobs').replaceChildren(...report.jobs.map((j) => {
    const li = el('li', null, { class: 'request-job' });
    li.append(el('strong', j.name), ' — ' + t('jobs.task.' + j.task) + ', ' + t('jobs.schedule.' + j.schedule) + ', ' + t('jobs.state.' + j.state)
      + ' — ' + t('dpoDesk.jobDates', { created: when(j.created_at), done: j.documents_done, total: j.documents_total }));
    const inner = el('ul');
    inner.append(el('li', t('dpoDesk.jobPrompt', { prompt: j.prompt })));
    if (j.result) inner.append(el('li', t('dpoDesk.jobResult', { title: j.result.title, date: when(j.result.written_at) })));
    li.append(inner);
    return li;
  }));
  if (!report.jobs.length) $('request-jobs').replaceChildren(el('li', t('dpoDesk.none'), { class: 'meta' }));
  $('request-erase-jobs').hidden = !a || !report.jobs.length;

  const documents = $('request-documents');
  documents.replaceChildren();
  if (!report.subject.variants.length) documents.append(el('p', t('dpoDesk.noVariants'), { class: 'meta' }));
  else if (!report.documents.length) documents.append(el('p', t('dpoDesk.noDocuments'), { class: 'meta' }));
  for (const collection of report.documents) {
    documents.append(el('h4', collection.title));
    for (const d of collection.documents) {
      const line = el('div', null, { class: 'request-document' });
      const box = el('input', null, { type: 'checkbox', class: 'request-pick', value: d.id, id: 'pick-' + d.id });
      box.dataset.path = d.path;
      if (d.source_file) box.dataset.source = d.source_file;
      const label = el('label', null, { for: 'pick-' + d.id });
      label.append(el('strong', d.title), ' — ' + d.path);
      line.append(box, ' ', label);
      if (d.source_file) line.append(el('div', t('dpoDesk.sourceFile', { path: d.source_file }), { class: 'meta' }));
      const places = el('ul', null, { class: 'mentions' });
      for (const m of d.mentions)
        places.append(el('li', (m.page ? t('source.page', { page: m.page }) + ': ' : '') + '“' + m.snippet + '” (' + m.variants.join(', ') + ')'));
      line.append(places);
      documents.append(line);
    }
  }
  for (const c of report.not_searched) documents.append(el('p', t('dpoDesk.notSearched', { collection: c.title, groups: c.groups.join(', ') }), { class: 'notice not-searched' }));
  for (const v of report.variants_at_limit) documents.append(el('p', t('dpoDesk.atLimit', { variant: v, count: 100 }), { class: 'notice' }));
  $('request-erase-documents').hidden = !report.documents.length;

  $('request-erase-account').hidden = !a;
  if (a) $('request-account-what').textContent = t(a.in_config ? 'dpoDesk.accountInConfig' : 'dpoDesk.accountFromDirectory', { name: a.name });
}

// One kind of a person's data (conversations, jobs) erased on the DPO's word, saying what went.
function onPersonErasure(kind, say) {
  $('request-erase-' + kind).addEventListener('submit', async (e) => {
    e.preventDefault();
    const response = await api('DELETE', '/api/audit/people/' + encodeURIComponent(request.account) + '/' + kind + '?reason='
      + encodeURIComponent($('request-' + kind + '-reason').value.trim()));
    if (!response.ok) { $('request-' + kind + '-result').textContent = await problem(response); return; }
    const done = await response.json();
    $('request-erase-' + kind).reset();
    await runRequest();
    $('request-' + kind + '-result').textContent = say(done);
  });
}
onPersonErasure('conversations', (done) => t('dpoDesk.erasedConversations', { count: done.conversations_erased, attachments: done.attachments_erased }));
onPersonErasure('jobs', (done) => t('dpoDesk.erasedJobs', { count: done.jobs_erased, results: done.results_erased }));

// Each selected document is erased on its own (one erasure record each); files the office keeps are listed for deletion at their source.
$('request-erase-documents').addEventListener('submit', async (e) => {
  e.preventDefault();
  const picked = [...document.querySelectorAll('.request-pick:checked')];
  const result = $('request-documents-result');
  if (!picked.length) { result.replaceChildren(el('p', t('dpoDesk.pickDocuments'), { class: 'error' })); return; }
  const reason = $('request-documents-reason').value.trim();
  const erased = [], atSource = [], failed = [];
  for (const box of picked) {
    const response = await api('DELETE', '/api/documents/' + encodeURIComponent(box.value) + '?reason=' + encodeURIComponent(reason));
    if (response.ok) { erased.push(box.dataset.path); if (box.dataset.source) atSource.push(box.dataset.source); }
    else failed.push(box.dataset.path + ': ' + await problem(response));
  }
  $('request-erase-documents').reset();
  await runRequest();
  result.replaceChildren(el('p', t('dpoDesk.erasedDocuments', { count: erased.length, paths: erased.join(', ') })));
  if (atSource.length) {
    result.append(el('p', t('dpoDesk.deleteAtSource')));
    const list = el('ul', null, { class: 'source-files' });
    for (const path of atSource) { const li = el('li'); li.append(el('code', path)); list.append(li); }
    result.append(list);
  }
  for (const f of failed) result.append(el('p', f, { class: 'error' }));
});

$('request-erase-account').addEventListener('submit', async (e) => {
  e.preventDefault();
  const response = await api('DELETE', '/api/audit/people/' + encodeURIComponent(request.account) + '/account?reason='
    + encodeURIComponent($('request-account-reason').value.trim()));
  if (!response.ok) { $('request-account-result').textContent = await problem(response); return; }
  const done = await response.json();
  $('request-erase-account').reset();
  await runRequest();
  $('request-account-result').textContent = t('dpoDesk.erasedAccount', { tokens: done.tokens_erased })
    + (done.remaining ? ' ' + t('dpoDesk.remainingAt', { where: done.remaining }) : '');
});

start().catch((e) => console.error(e));
