// parlabot sandbox: a Telegram-like web chat played against the fake Bot API.
// Messages arrive as trees of formatting nodes (see render.go) and are built
// with createElement and text nodes only: nothing received is parsed as HTML.
'use strict';

(() => {
  const body = document.body;
  const BOT = body.dataset.botName || 'parlabot';
  const ADMIN = Number(body.dataset.adminId) || 0;
  const KEY = { citizen: 'parlabot.sandbox.citizen', persona: 'parlabot.sandbox.persona', lang: 'parlabot.sandbox.lang' };
  const LANGS = ['es', 'pt-BR', 'en', 'fr'];
  const MAX_DOCUMENT = 2 << 20; // bytes, the server's limit

  // The page's own words, in the persona's app language.
  const UI = {
    es: {
      start: 'Iniciar', hint: 'Pruebe {bot} como lo vería la ciudadanía en Telegram.', placeholder: 'Mensaje',
      send: 'Enviar', edited: 'editado', bot: 'bot', citizen: 'Ciudadano/a', clerk: 'Funcionario/a (admin)',
      as: 'usted: {who} {id}', menu: 'Menú', commands: 'Comandos del bot', messages: 'Mensajes', persona: 'Persona',
      language: 'Idioma de la app de Telegram', options: 'Opciones', photo: 'Foto', download: 'Descargar',
      spoiler: 'Texto oculto: pulse para mostrar', opens: 'abre una pestaña nueva', connecting: 'conectando…',
      you: 'Usted', failed: 'No se envió: {err}', ok: 'Aceptar', attach: 'Adjuntar archivo',
      tooBig: 'el archivo pasa de 2 MB',
    },
    pt: {
      start: 'Iniciar', hint: 'Experimente o {bot} como um cidadão o veria no Telegram.', placeholder: 'Mensagem',
      send: 'Enviar', edited: 'editada', bot: 'bot', citizen: 'Cidadão/ã', clerk: 'Servidor/a (admin)',
      as: 'você: {who} {id}', menu: 'Menu', commands: 'Comandos do bot', messages: 'Mensagens', persona: 'Persona',
      language: 'Idioma do app do Telegram', options: 'Opções', photo: 'Foto', download: 'Baixar',
      spoiler: 'Texto oculto: toque para mostrar', opens: 'abre uma nova aba', connecting: 'conectando…',
      you: 'Você', failed: 'Não enviada: {err}', ok: 'OK', attach: 'Anexar arquivo',
      tooBig: 'o arquivo passa de 2 MB',
    },
    en: {
      start: 'Start', hint: 'Try {bot} as a citizen would see it in Telegram.', placeholder: 'Message',
      send: 'Send', edited: 'edited', bot: 'bot', citizen: 'Citizen', clerk: 'Clerk (admin)',
      as: 'you: {who} {id}', menu: 'Menu', commands: 'Bot commands', messages: 'Messages', persona: 'Persona',
      language: 'Telegram app language', options: 'Options', photo: 'Photo', download: 'Download',
      spoiler: 'Hidden text: activate to show', opens: 'opens a new tab', connecting: 'connecting…',
      you: 'You', failed: 'Not sent: {err}', ok: 'OK', attach: 'Attach file',
      tooBig: 'the file is over 2 MB',
    },
    fr: {
      start: 'Démarrer', hint: 'Essayez {bot} comme un citoyen le verrait dans Telegram.', placeholder: 'Message',
      send: 'Envoyer', edited: 'modifié', bot: 'bot', citizen: 'Citoyen·ne', clerk: 'Agent·e (admin)',
      as: 'vous : {who} {id}', menu: 'Menu', commands: 'Commandes du bot', messages: 'Messages', persona: 'Persona',
      language: 'Langue de l’app Telegram', options: 'Options', photo: 'Photo', download: 'Télécharger',
      spoiler: 'Texte masqué : activez pour afficher', opens: 'ouvre un nouvel onglet', connecting: 'connexion…',
      you: 'Vous', failed: 'Non envoyé : {err}', ok: 'OK', attach: 'Joindre un fichier',
      tooBig: 'le fichier dépasse 2 Mo',
    },
  };

  const $ = (id) => document.getElementById(id);
  const chat = $('chat');
  const list = $('messages');
  const input = $('input');
  const commandsBox = $('commands');
  const menuBtn = $('menu-btn');
  const attach = $('attach');
  const fileInput = $('file');

  const state = {
    persona: sessionStorage.getItem(KEY.persona) === 'clerk' && ADMIN ? 'clerk' : 'citizen',
    lang: LANGS.includes(sessionStorage.getItem(KEY.lang)) ? sessionStorage.getItem(KEY.lang) : defaultLang(),
    user: 0,
    msgs: new Map(), // id -> message, as last rendered
    gone: new Set(), // ids of deleted messages
    loaded: false,
    source: null, // the EventSource of the current persona
    version: 0, // counts rendered changes, for tests and observers
    pending: new Map(), // message id -> timer of a tap awaiting its answer
  };

  function defaultLang() {
    const nav = (navigator.language || 'es').toLowerCase();
    return LANGS.find((l) => nav.startsWith(l.slice(0, 2))) || 'es';
  }

  function t(key, vars) {
    const words = UI[state.lang.slice(0, 2)] || UI.es;
    return (words[key] || UI.en[key] || key).replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ''));
  }

  // Each tab is its own citizen: a random id kept for the tab's life.
  function citizenId() {
    let id = Number(sessionStorage.getItem(KEY.citizen));
    if (!Number.isSafeInteger(id) || id <= 0) {
      id = 100000000 + (crypto.getRandomValues(new Uint32Array(1))[0] % 900000000);
      sessionStorage.setItem(KEY.citizen, String(id));
    }
    return id;
  }

  // ---- talking to the server ------------------------------------------------

  // post sends payload as JSON, or a FormData as multipart/form-data.
  async function post(path, payload) {
    const form = payload instanceof FormData;
    const res = await fetch(path, {
      method: 'POST',
      headers: form ? {} : { 'Content-Type': 'application/json' },
      body: form ? payload : JSON.stringify(payload),
    });
    const out = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(out.error || res.statusText);
    return out;
  }

  // Actions run one after another, so a message typed while the persona
  // changes goes out as the new persona, in order.
  let queue = Promise.resolve();
  function enqueue(action) {
    const run = queue.then(action);
    queue = run.catch((err) => toast(t('failed', { err: err.message })));
    return run;
  }

  async function activate() {
    if (state.source) state.source.close();
    state.user = state.persona === 'clerk' ? ADMIN : citizenId();
    state.msgs.clear();
    state.gone.clear();
    state.loaded = false;
    list.replaceChildren();
    body.dataset.state = 'loading';
    applyUI();
    await post('persona', { user: state.user, language: state.lang });
    connect();
  }

  function connect() {
    if (state.source) state.source.close();
    const src = new EventSource('events?user=' + state.user);
    state.source = src;
    const mine = (fn) => (e) => { if (src === state.source) fn(e); };
    src.addEventListener('open', mine(() => loadChat().catch((err) => toast(err.message))));
    src.addEventListener('error', mine(() => setStatus(t('connecting'))));
    for (const kind of ['new', 'edit']) {
      src.addEventListener(kind, mine((e) => {
        const m = JSON.parse(e.data).message;
        upsert(m, true);
        if (m.from_bot) announce(m);
      }));
    }
    src.addEventListener('delete', mine((e) => remove(JSON.parse(e.data).message.id)));
    src.addEventListener('callback_answer', mine((e) => {
      const ev = JSON.parse(e.data);
      clearPending(ev.message.id);
      if (ev.text) (ev.show_alert ? showAlert : toast)(ev.text);
    }));
  }

  // loadChat reads the whole chat, as events may have been missed while the
  // stream was closed.
  async function loadChat() {
    const user = state.user;
    const res = await fetch('chat?user=' + user);
    const st = await res.json();
    if (!res.ok) throw new Error(st.error || res.statusText);
    if (user !== state.user) return;
    const ids = new Set(st.messages.map((m) => m.id));
    const newest = Math.max(0, ...ids);
    for (const id of [...state.msgs.keys()]) if (id <= newest && !ids.has(id)) remove(id);
    for (const m of st.messages) upsert(m, false);
    renderCommands(st.commands);
    state.loaded = true;
    updateEmpty();
    scrollToBottom();
    setStatus();
    Object.assign(body.dataset, { state: 'ready', user: String(user), lang: st.language });
  }

  function sendText(text) {
    if (!text.trim()) return Promise.resolve();
    return enqueue(() => post('send', { user: state.user, text }));
  }

  // sendDocument sends a file as the citizen, as Telegram's attach button
  // does; the bot sees a document it can download.
  function sendDocument(file) {
    if (file.size > MAX_DOCUMENT) {
      toast(t('failed', { err: t('tooBig') }));
      return Promise.resolve();
    }
    return enqueue(async () => {
      const form = new FormData();
      form.append('user', String(state.user));
      form.append('file', file, file.name);
      attach.setAttribute('aria-busy', 'true');
      try {
        await post('document', form);
      } finally {
        attach.removeAttribute('aria-busy');
      }
    });
  }

  function tap(id, data, btn) {
    markPending(id, btn);
    enqueue(() => post('tap', { user: state.user, message_id: id, data })).catch(() => clearPending(id));
  }

  // ---- rendering messages -----------------------------------------------------

  function el(tag, className) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  }

  const TAGS = { b: 'strong', i: 'em', u: 'u', s: 's', code: 'code', blockquote: 'blockquote', mention: 'span' };
  const SAFE_HREF = /^(https?:\/\/|mailto:|tel:|tg:)/i;

  function textOf(n) {
    return n.t === 'text' ? n.text || '' : (n.c || []).map(textOf).join('');
  }

  // renderNodes builds formatted text from the server's node tree, creating
  // only the elements it knows and text nodes for all text.
  function renderNodes(nodes, parent) {
    for (const n of nodes || []) {
      if (n.t === 'text') {
        parent.append(document.createTextNode(n.text || ''));
        continue;
      }
      let e;
      if (n.t === 'pre') {
        e = el('pre');
        const code = el('code');
        if (n.lang) code.dataset.lang = n.lang;
        renderNodes(n.c, code);
        e.append(code);
        parent.append(e);
        continue;
      } else if (n.t === 'a' && SAFE_HREF.test(n.href || '')) {
        e = el('a');
        e.href = n.href;
        e.target = '_blank';
        e.rel = 'noopener noreferrer';
      } else if (n.t === 'spoiler') {
        e = spoiler();
      } else if (n.t === 'cmd') {
        e = el('button', 'cmd');
        e.type = 'button';
        e.addEventListener('click', () => sendText(textOf(n)));
      } else {
        e = el(TAGS[n.t] || 'span', n.t === 'mention' ? 'mention' : '');
      }
      renderNodes(n.c, e);
      parent.append(e);
    }
  }

  function spoiler() {
    const e = el('span', 'spoiler');
    e.tabIndex = 0;
    e.setAttribute('role', 'button');
    e.setAttribute('aria-label', t('spoiler'));
    const reveal = () => {
      e.classList.add('revealed');
      e.removeAttribute('role');
      e.removeAttribute('aria-label');
      e.removeAttribute('tabindex');
    };
    e.addEventListener('click', reveal);
    e.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); reveal(); } });
    return e;
  }

  const timeFormat = () => new Intl.DateTimeFormat(state.lang, { hour: '2-digit', minute: '2-digit' });

  function renderMessage(m) {
    const li = el('li', 'msg ' + (m.from_bot ? 'in' : 'out'));
    li.id = 'm-' + m.id;
    Object.assign(li.dataset, { id: m.id, edits: m.edits, date: m.date });
    const wrap = el('div', 'msg-body');
    const bubble = el('div', 'bubble');
    const who = el('span', 'sr-only');
    who.textContent = (m.from_bot ? BOT : t('you')) + ': ';
    bubble.append(who);
    if (m.photo) {
      const img = el('img', 'photo');
      img.src = m.photo.url;
      img.alt = m.plain || t('photo');
      img.addEventListener('load', () => { if (nearBottom(200)) scrollToBottom(); });
      bubble.append(img);
      bubble.classList.add('has-photo');
    }
    if (m.document) bubble.append(documentLink(m.document));
    const text = el('div', 'text');
    const content = m.content || [];
    renderNodes(content, text);
    text.append(meta(m));
    if (!content.length) text.classList.add('meta-only');
    bubble.append(text);
    wrap.append(bubble);
    if (m.keyboard && m.keyboard.length) wrap.append(keyboard(m));
    li.append(wrap);
    return li;
  }

  function meta(m) {
    const span = el('span', 'meta');
    if (m.edit_date || m.edits) {
      const ed = el('span', 'edited');
      ed.textContent = t('edited');
      span.append(ed);
    }
    if (m.date) {
      const time = el('time');
      const d = new Date(m.date * 1000);
      time.dateTime = d.toISOString();
      time.textContent = timeFormat().format(d);
      span.append(time);
    }
    if (!m.from_bot) {
      const ticks = el('span', 'ticks');
      ticks.setAttribute('aria-hidden', 'true');
      ticks.textContent = '✓✓';
      span.append(ticks);
    }
    return span;
  }

  function documentLink(doc) {
    const a = el('a', 'doc');
    a.href = doc.url;
    a.download = doc.name;
    const icon = el('span', 'doc-icon');
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = (doc.name.split('.').pop() || '').slice(0, 4).toUpperCase();
    const name = el('span', 'doc-name');
    name.textContent = doc.name;
    const size = el('span', 'doc-size');
    size.textContent = t('download') + ' · ' + humanSize(doc.size);
    const text = el('span', 'doc-text');
    text.append(name, size);
    a.append(icon, text);
    return a;
  }

  function humanSize(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  function keyboard(m) {
    const kb = el('div', 'keyboard');
    kb.setAttribute('role', 'group');
    kb.setAttribute('aria-label', t('options'));
    m.keyboard.forEach((row, r) => {
      const rowEl = el('div', 'kb-row');
      row.forEach((b, c) => {
        let btn;
        if (b.url) {
          btn = el('a', 'kb-btn kb-url');
          btn.href = b.url;
          btn.target = '_blank';
          btn.rel = 'noopener noreferrer';
          btn.setAttribute('aria-label', b.text + ' (' + t('opens') + ')');
        } else if (b.data) {
          btn = el('button', 'kb-btn');
          btn.type = 'button';
          btn.addEventListener('click', () => tap(m.id, b.data, btn));
        } else {
          return;
        }
        btn.dataset.kb = r + ':' + c;
        const label = el('span', 'kb-label');
        label.textContent = b.text;
        btn.append(label);
        rowEl.append(btn);
      });
      kb.append(rowEl);
    });
    return kb;
  }

  // upsert shows m, replacing an older version of it in place.
  function upsert(m, live) {
    if (state.gone.has(m.id)) return;
    const old = state.msgs.get(m.id);
    if (old && (old.edits > m.edits || JSON.stringify(old) === JSON.stringify(m))) return;
    state.msgs.set(m.id, m);
    const stick = nearBottom(120);
    const e = renderMessage(m);
    const prev = $('m-' + m.id);
    if (prev) {
      const focused = prev.contains(document.activeElement) ? document.activeElement.dataset.kb || '' : null;
      clearPending(m.id);
      prev.replaceWith(e);
      if (focused !== null) {
        const next = e.querySelector(`[data-kb="${focused}"]`) || e.querySelector('.kb-btn') || input;
        next.focus({ preventScroll: true });
      }
    } else {
      const after = [...list.children].find((li) => Number(li.dataset.id) > m.id);
      list.insertBefore(e, after || null);
    }
    updateDays();
    updateEmpty();
    if (live && (stick || !m.from_bot)) scrollToBottom();
    state.version++;
    body.dataset.version = String(state.version);
  }

  function remove(id) {
    state.gone.add(id);
    state.msgs.delete(id);
    const e = $('m-' + id);
    if (e) e.remove();
    updateDays();
    updateEmpty();
    state.version++;
    body.dataset.version = String(state.version);
  }

  // updateDays puts a date chip above the first message of each day.
  function updateDays() {
    let last = '';
    const today = new Date().toDateString();
    for (const li of list.children) {
      const d = new Date(Number(li.dataset.date) * 1000);
      const day = d.toDateString();
      let chip = li.querySelector(':scope > .day');
      if (day === last || !Number(li.dataset.date)) {
        if (chip) chip.remove();
        continue;
      }
      last = day;
      if (!chip) {
        chip = el('div', 'day');
        li.prepend(chip);
      }
      chip.textContent = day === today
        ? capitalize(new Intl.RelativeTimeFormat(state.lang, { numeric: 'auto' }).format(0, 'day'))
        : new Intl.DateTimeFormat(state.lang, { day: 'numeric', month: 'long' }).format(d);
    }
  }

  const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

  function markPending(id, btn) {
    clearPending(id);
    btn.classList.add('pending');
    btn.setAttribute('aria-busy', 'true');
    state.pending.set(id, setTimeout(() => clearPending(id), 8000));
  }

  function clearPending(id) {
    clearTimeout(state.pending.get(id));
    state.pending.delete(id);
    const e = $('m-' + id);
    if (!e) return;
    for (const b of e.querySelectorAll('.pending')) {
      b.classList.remove('pending');
      b.removeAttribute('aria-busy');
    }
  }

  function nearBottom(slack) {
    return chat.scrollHeight - chat.scrollTop - chat.clientHeight < slack;
  }

  function scrollToBottom() {
    chat.scrollTop = chat.scrollHeight;
  }

  function updateEmpty() {
    $('empty').hidden = !(state.loaded && state.msgs.size === 0);
  }

  // ---- the rest of the page -------------------------------------------------

  function announce(m) {
    const box = $('announcer');
    box.textContent = '';
    setTimeout(() => { box.textContent = BOT + ': ' + (m.plain || (m.photo ? t('photo') : m.document ? m.document.name : '')); }, 50);
  }

  let toastTimer = 0;
  function toast(text) {
    const box = $('toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 2800);
  }

  function showAlert(text) {
    const dialog = $('alert');
    $('alert-text').textContent = text;
    if (!dialog.open) dialog.showModal();
  }

  function setStatus(text) {
    const who = state.persona === 'clerk' ? t('clerk') : t('citizen');
    $('status').textContent = text || t('bot') + ' · ' + t('as', { who, id: state.user });
  }

  function renderCommands(commands) {
    const ul = $('command-list');
    ul.replaceChildren();
    for (const c of commands) {
      const li = el('li');
      const b = el('button', 'command');
      b.type = 'button';
      const name = el('span', 'command-name');
      name.textContent = '/' + c.command;
      const desc = el('span', 'command-desc');
      desc.textContent = c.description;
      b.append(name, desc);
      b.addEventListener('click', () => { toggleCommands(false); sendText('/' + c.command); input.focus(); });
      li.append(b);
      ul.append(li);
    }
    menuBtn.hidden = commands.length === 0;
    if (!commands.length) toggleCommands(false);
  }

  function toggleCommands(open) {
    commandsBox.hidden = !open;
    menuBtn.setAttribute('aria-expanded', String(open));
  }

  // startCommand is /start, with the deep-link payload of ?start=SLUG.
  function startCommand() {
    const slug = new URLSearchParams(location.search).get('start') || '';
    return /^[A-Za-z0-9_-]{1,64}$/.test(slug) ? '/start ' + slug : '/start';
  }

  function applyUI() {
    document.documentElement.lang = state.lang;
    $('persona').value = state.persona;
    $('lang').value = state.lang;
    $('persona').options[0].textContent = t('citizen');
    $('persona').options[1].textContent = t('clerk');
    $('persona').closest('.pill').hidden = !ADMIN;
    $('persona-label').textContent = t('persona');
    $('lang-label').textContent = t('language');
    $('start').textContent = t('start');
    $('empty-text').textContent = t('hint', { bot: BOT });
    input.placeholder = t('placeholder');
    $('input-label').textContent = t('placeholder');
    $('send').setAttribute('aria-label', t('send'));
    attach.setAttribute('aria-label', t('attach'));
    attach.title = t('attach');
    $('menu-label').textContent = t('menu');
    menuBtn.setAttribute('aria-label', t('menu'));
    $('command-list').setAttribute('aria-label', t('commands'));
    list.setAttribute('aria-label', t('messages'));
    $('alert-ok').textContent = t('ok');
    setStatus();
    for (const m of state.msgs.values()) {
      const e = $('m-' + m.id);
      if (e) e.replaceWith(renderMessage(m));
    }
    updateDays();
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 160) + 'px';
  }

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autosize();
    sendText(text).catch(() => { if (!input.value) { input.value = text; autosize(); } });
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });
  // Some keyboards (and automation) deliver Enter as a separate keypress;
  // without this it would leave a line break in the emptied box.
  input.addEventListener('keypress', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) e.preventDefault();
  });
  input.addEventListener('input', autosize);
  attach.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const file = fileInput.files[0];
    fileInput.value = ''; // so that picking the same file again sends it again
    if (file) sendDocument(file).catch(() => {});
  });
  $('start').addEventListener('click', () => { sendText(startCommand()); input.focus(); });
  menuBtn.addEventListener('click', () => toggleCommands(commandsBox.hidden));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !commandsBox.hidden) { toggleCommands(false); menuBtn.focus(); }
  });
  $('alert-ok').addEventListener('click', () => $('alert').close());
  $('persona').addEventListener('change', (e) => {
    state.persona = e.target.value === 'clerk' && ADMIN ? 'clerk' : 'citizen';
    sessionStorage.setItem(KEY.persona, state.persona);
    enqueue(activate);
  });
  $('lang').addEventListener('change', (e) => {
    if (!LANGS.includes(e.target.value)) return;
    state.lang = e.target.value;
    sessionStorage.setItem(KEY.lang, state.lang);
    body.dataset.state = 'loading';
    applyUI();
    enqueue(async () => {
      await post('persona', { user: state.user, language: state.lang });
      await loadChat();
    });
  });

  // A browser keeps about six connections per server, and each open event
  // stream holds one: a tab hidden for a while lets its stream go, so many
  // tabs (many citizens) can share one sandbox. It catches up on return.
  let hiddenTimer = 0;
  document.addEventListener('visibilitychange', () => {
    clearTimeout(hiddenTimer);
    if (document.hidden) {
      hiddenTimer = setTimeout(() => {
        if (state.source) state.source.close();
        state.source = null;
      }, 5000);
    } else if (!state.source && state.user) {
      connect();
    }
  });

  enqueue(activate);
})();
