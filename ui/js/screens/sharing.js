'use strict';
// The Sharing screen: informal times for families to come in and see the learning. Adding
// one invites every family at the next sync (by email with a calendar file, on a slip or
// as a chat text, in their language); a change sends them an update, a cancellation tells
// them; each family gets one reminder the day before. The place is told to families only,
// never on the blog.
import { teacher as api } from '../api.js';
import { h } from '../dom.js';
import { language, t } from '../i18n.js';
import { actor, errorRegion, listOf, screenHead } from '../screen.js';

export async function render(root, view) {
  const rows = await api.sharingList();
  const errorBox = errorRegion();
  const act = actor(view, errorBox);
  root.replaceChildren(
    screenHead(t('sharing.title'), { sub: h('p', { class: 'muted' }, t('sharing.intro')) }),
    errorBox,
    sharingForm('new', { at: '', until: '', title: '', place: '' }, t('sharing.add'),
      (form) => act(() => api.sharingAdd(form), () => t('sharing.added'))),
    listOf(rows, { class: 'sharing-list', 'data-testid': 'sharing' }, (s) => sharingRow(s, act),
      h('p', { class: 'muted', 'data-testid': 'sharing-none' }, t('sharing.none'))),
  );
}

/** The when of a sharing time in the app's language: "Thu 10 Dec, 14:00–15:00". */
function when(s) {
  let text = s.at.replace('T', ' ');
  try {
    const [d, time] = s.at.split('T');
    const [y, m, day] = d.split('-').map(Number);
    const date = new Date(Date.UTC(y, m - 1, day)).toLocaleDateString(language(),
      { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    text = `${date}, ${time}`;
  } catch (_) { /* the plain time */ }
  return s.until ? `${text}–${s.until}` : text;
}

/**
 * A form for a sharing time (`key` keeps its fields' ids apart), filled from `s`; `save`
 * gets {at, until, title, place}.
 */
function sharingForm(key, s, label, save, extra) {
  const id = (f) => `sharing-${f}-${key}`;
  const title = h('input', { type: 'text', id: id('title'), required: true, maxlength: 200, value: s.title });
  const at = h('input', { type: 'datetime-local', id: id('at'), required: true, value: s.at });
  const until = h('input', { type: 'time', id: id('until'), value: s.until || '' });
  const place = h('input', { type: 'text', id: id('place'), maxlength: 200, value: s.place,
    'aria-describedby': id('place-hint') });
  const form = h('form', { class: key === 'new' ? 'card' : 'sharing-edit', 'aria-label': label,
    'data-testid': `sharing-form-${key}` },
  key === 'new' ? h('h3', {}, label) : '',
  h('div', { class: 'grid2' },
    h('div', { class: 'field' }, h('label', { for: id('title') }, t('sharing.what')), title),
    h('div', { class: 'field' }, h('label', { for: id('place') }, t('sharing.place')), place,
      h('p', { class: 'muted small', id: id('place-hint') }, t('sharing.place_hint'))),
    h('div', { class: 'field' }, h('label', { for: id('at') }, t('sharing.at')), at),
    h('div', { class: 'field' }, h('label', { for: id('until') }, t('sharing.until')), until)),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'btn primary' }, key === 'new' ? t('sharing.add') : t('common.save')),
    extra || ''));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save({ at: at.value, until: until.value, title: title.value, place: place.value });
  });
  return form;
}

function sharingRow(s, act) {
  const edit = sharingForm(String(s.id), s, t('sharing.edit_label', { title: s.title }),
    (form) => act(() => api.sharingEdit(s.id, form), () => t('sharing.saved')),
    h('button', { type: 'button', class: 'btn quiet', onclick: () => { edit.hidden = true; } }, t('common.close')));
  edit.hidden = true;
  const confirm = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': t('sharing.cancel') },
    h('p', {}, t('sharing.cancel_confirm', { title: s.title })),
    h('button', { type: 'button', class: 'btn danger', 'data-testid': `sharing-cancel-yes-${s.id}`,
      onclick: () => act(() => api.sharingCancel(s.id), () => t('sharing.cancelled', { title: s.title })) },
    t('sharing.cancel_yes')),
    h('button', { type: 'button', class: 'btn quiet', onclick: () => { confirm.hidden = true; } }, t('sharing.cancel_no')));
  return h('li', { class: 'card sharing-time', 'data-sharing-id': s.id },
    h('div', { class: 'goal-line' },
      h('span', { class: 'pill' }, '📅'),
      h('span', { class: 'goal-title' }, h('strong', {}, s.title)),
      h('span', { class: 'muted' }, ` · ${when(s)}`),
      s.place ? h('span', { class: 'muted' }, ` · ${s.place}`) : '',
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn small', 'data-testid': `sharing-edit-${s.id}`,
        onclick: () => { edit.hidden = !edit.hidden; if (!edit.hidden) edit.querySelector('input').focus(); } },
      t('common.edit')),
      h('button', { type: 'button', class: 'btn small quiet', 'data-testid': `sharing-cancel-${s.id}`,
        onclick: () => { confirm.hidden = false; } }, t('sharing.cancel'))),
    edit, confirm);
}
