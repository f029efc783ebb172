'use strict';
// The Families screen: who was reached, when and how (from the contact log), the families
// nobody reached lately first and marked, and a form to log a contact made by hand (a
// phone call, the reading notebook, a visit). Families on the chat channel: the texts and
// photos to paste into their chat, each marked sent here. Each family's last weeks are a
// strip of marks (inline SVG, a shape per way of reaching them, each week with its words),
// in the core's order: the left out first.
import { teacher as api } from '../api.js';
import { h, toast } from '../dom.js';
import { actor, errorRegion, screenHead } from '../screen.js';
import { coded, t, language } from '../i18n.js';

function date(iso) {
  try {
    return new Date(iso).toLocaleDateString(language(), { day: 'numeric', month: 'short', year: 'numeric' });
  } catch (_) {
    return iso;
  }
}

function lastContact(f) {
  if (!f.last_at) return h('span', { class: 'pill warn' }, t('families.never'));
  const ago = f.days_since === 0 ? t('families.today') : t('families.days_ago', { n: f.days_since });
  return h('span', {}, h('time', { datetime: f.last_at }, date(f.last_at)), h('span', { class: 'muted' }, ` · ${ago}`));
}

/** Why sync cannot reach this family by email, in the app's language; the server's words. */
function reachProblem(f) {
  if (f.reach_problem) {
    return h('div', { class: 'reach-problem small', 'data-reason-code': f.reach_problem },
      coded('reason.unreachable', f.reach_problem, f.email_error || f.reach_problem),
      f.email_error ? h('span', { class: 'muted' }, ' ', t('reason.server_said', { detail: f.email_error })) : '');
  }
  return f.email_error ? h('div', { class: 'muted small' }, t('families.email_error', { why: f.email_error })) : '';
}

const photoUrls = [];

// The strip: one cell per week; in each cell a mark per way the family was reached, each a
// shape of its own in its own corner (readable without colour), or a dash for nothing.
const SVG = 'http://www.w3.org/2000/svg';
const CELL = 20;
const GAP = 3;
const KINDS = ['email', 'paper', 'chat', 'by_hand'];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

/** The mark of one way of reaching a family, drawn in a cell whose corner is at x. */
function mark(kind, x) {
  switch (kind) {
    case 'email': return svg('circle', { class: 'mark-email', cx: x + 5.5, cy: 5.5, r: 3.5 });
    case 'paper': return svg('rect', { class: 'mark-paper', x: x + 11, y: 2, width: 7, height: 7 });
    case 'chat': return svg('polygon', { class: 'mark-chat', points: `${x + 2},18 ${x + 9},18 ${x + 5.5},11` });
    default: return svg('polygon', { class: 'mark-by_hand', points: `${x + 14.5},10.5 ${x + 18.5},14.5 ${x + 14.5},18.5 ${x + 10.5},14.5` });
  }
}

function weekOf(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  try {
    return new Date(y, m - 1, d).toLocaleDateString(language(), { day: 'numeric', month: 'short' });
  } catch (_) {
    return iso;
  }
}

/** "Week of 5 Oct: email, paper" (or "…: nothing"). */
function weekText(w) {
  const how = w.kinds.length ? w.kinds.map((k) => t(`families.kind.${k}`)).join(', ') : t('families.kind.nothing');
  return t('families.week', { week: weekOf(w.week_of), how });
}

/** A family's last weeks as small marks, oldest first, with the words of each week. */
function strip(weeks) {
  const cells = weeks.map((w, i) => {
    const x = i * (CELL + GAP);
    const text = weekText(w);
    return svg('g', { class: `week${i === weeks.length - 1 ? ' this-week' : ''}`, 'data-kinds': w.kinds.join(' ') || 'nothing', 'data-week-of': w.week_of },
      svg('title', {}, document.createTextNode(text)),
      svg('rect', { class: 'cell', x: x + 0.5, y: 0.5, width: CELL - 1, height: CELL - 1, rx: 2 }),
      w.kinds.length ? w.kinds.map((k) => mark(k, x)) : svg('line', { class: 'mark-nothing', x1: x + 6, y1: 10, x2: x + 14, y2: 10 }));
  });
  const width = weeks.length * (CELL + GAP) - GAP;
  return svg('svg', { class: 'strip', role: 'img', width, height: CELL, viewBox: `0 0 ${width} ${CELL}`,
    'aria-label': weeks.map(weekText).join('; ') }, cells);
}

/** What each mark means, under the table. */
function legend() {
  return h('p', { class: 'strip-legend muted small', 'data-testid': 'strip-legend' },
    [...KINDS, 'nothing'].map((k) => h('span', { class: 'legend-item' },
      svg('svg', { class: 'strip', width: CELL, height: CELL, viewBox: `0 0 ${CELL} ${CELL}`, 'aria-hidden': 'true', focusable: 'false' },
        svg('rect', { class: 'cell', x: 0.5, y: 0.5, width: CELL - 1, height: CELL - 1, rx: 2 }),
        k === 'nothing' ? svg('line', { class: 'mark-nothing', x1: 6, y1: 10, x2: 14, y2: 10 }) : mark(k, 0)),
      ` ${t(`families.kind.${k}`)}`)));
}

export async function render(root, view) {
  while (photoUrls.length) URL.revokeObjectURL(photoUrls.pop());
  const [data, chats] = await Promise.all([api.familiesList(), api.chatList()]);
  const errorBox = errorRegion();
  const act = actor(view, errorBox);
  const families = data.families;
  const notLately = families.filter((f) => !f.reached_lately).length;
  const within = t('families.within', { n: data.lately_days });

  const rows = families.map((f) => h('tr', {
    class: f.reached_lately ? '' : 'not-lately', dataset: { contactId: f.contact_id, lately: String(f.reached_lately) },
  },
  h('th', { scope: 'row' },
    h('span', { class: 'family-name' }, f.name),
    f.reached_lately ? '' : h('span', { class: 'pill warn' }, t('families.not_lately_pill')),
    reachProblem(f)),
  h('td', {}, f.students.join(', ')),
  h('td', {}, t(`channel.${f.channel}`)),
  h('td', {}, lastContact(f)),
  h('td', {}, f.last_method ? t(`families.method.${f.last_method}`) : '—'),
  h('td', { class: 'num' }, String(f.times)),
  h('td', { class: 'weeks', 'data-testid': 'family-strip' }, strip(f.weeks))));

  root.replaceChildren(
    screenHead(t('families.title')),
    h('p', { class: 'muted intro' }, t('families.intro', { within })),
    errorBox,
    notLately
      ? h('p', { class: 'notice', 'data-testid': 'families-not-lately' }, t('families.not_lately', { n: notLately, within }))
      : h('p', { class: 'notice ok' }, t('families.all_lately', { within })),
    h('section', { class: 'card', 'aria-labelledby': 'families-table-title' },
      h('h3', { id: 'families-table-title' }, t('families.who')),
      families.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'table families', 'data-testid': 'families' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('families.col.family')),
            h('th', { scope: 'col' }, t('families.col.students')),
            h('th', { scope: 'col' }, t('families.col.channel')),
            h('th', { scope: 'col' }, t('families.col.last')),
            h('th', { scope: 'col' }, t('families.col.how')),
            h('th', { scope: 'col', class: 'num' }, t('families.col.times')),
            h('th', { scope: 'col' }, t('families.col.weeks', { n: data.strip_weeks })))),
          h('tbody', {}, rows)), legend())
        : h('p', { class: 'muted' }, t('families.none'))),
    chatList(chats, act),
    families.length ? logForm(families, data.by_hand, act) : '',
  );
}

/** Copies `text`: the Clipboard API, else the old way through a selected textarea. */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    const area = h('textarea', { class: 'visually-hidden', readonly: true }, text);
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (_) {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/** The chat texts to send: copy the text, drag or save the photo, then "Sent". */
function chatList(chats, act) {
  const items = chats.map((m) => {
    const textId = `chat-text-${m.delivery_id}`;
    const copy = h('button', { type: 'button', class: 'btn', 'data-action': 'chat-copy', 'aria-describedby': textId }, t('families.chat_copy'));
    copy.addEventListener('click', async () => {
      toast(await copyText(m.text) ? t('families.chat_copied') : t('families.chat_copy_failed'));
    });
    const sent = h('button', { type: 'button', class: 'btn primary', 'data-action': 'chat-sent' }, t('families.chat_sent'));
    sent.addEventListener('click', () => act(() => api.chatSent([m.delivery_id]), () => t('families.chat_marked'), { busy: sent }));
    const photo = h('div', { class: 'chat-photo' });
    if (m.photo) {
      photo.append(h('span', { class: 'muted' }, t('common.loading')));
      api.chatPhoto(m.delivery_id).then((bytes) => {
        const url = URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
        photoUrls.push(url);
        const alt = t('families.chat_photo_alt', { student: m.student });
        photo.replaceChildren(
          h('img', { src: url, alt, draggable: 'true' }),
          h('a', { href: url, download: `photo-${m.delivery_id}.jpg`, class: 'btn', 'data-action': 'chat-save-photo' }, t('families.chat_save_photo')));
      }).catch((err) => photo.replaceChildren(h('span', { class: 'muted' }, err.message)));
    } else if (m.photo_missing) {
      photo.append(h('span', { class: 'muted' }, t('families.chat_photo_missing')));
    }
    return h('li', { class: 'chat-item card', dataset: { deliveryId: m.delivery_id, contactId: m.contact_id } },
      h('h4', {}, t('families.chat_to', { contact: m.contact, student: m.student })),
      h('p', { id: textId, class: 'chat-text', lang: m.language }, m.text),
      photo,
      h('div', { class: 'actions' }, copy, sent));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'chat-title', 'data-testid': 'chat-list' },
    h('h3', { id: 'chat-title' }, t('families.chat_title')),
    h('p', { class: 'muted' }, t('families.chat_intro')),
    items.length ? h('ul', { class: 'plain chat-items' }, items) : h('p', { class: 'muted' }, t('families.chat_none')));
}

function logForm(families, methods, act) {
  const who = h('select', { id: 'log-contact', required: true },
    families.map((f) => h('option', { value: f.contact_id }, f.students.length ? `${f.name} (${f.students.join(', ')})` : f.name)));
  const how = h('select', { id: 'log-method' }, methods.map((m) => h('option', { value: m }, t(`families.method.${m}`))));
  const note = h('input', { type: 'text', id: 'log-note', maxlength: 500 });
  const form = h('form', { class: 'card', 'aria-labelledby': 'log-title', 'data-testid': 'family-log' },
    h('h3', { id: 'log-title' }, t('families.log_title')),
    h('div', { class: 'grid3' },
      h('div', { class: 'field' }, h('label', { for: who.id }, t('families.log_who')), who),
      h('div', { class: 'field' }, h('label', { for: how.id }, t('families.log_how')), how),
      h('div', { class: 'field' }, h('label', { for: note.id }, t('families.log_note')), note)),
    h('button', { type: 'submit', class: 'btn primary' }, t('families.log_save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.familyLog(Number(who.value), how.value, note.value), () => t('families.logged'));
  });
  return form;
}
