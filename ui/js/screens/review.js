'use strict';
// The Review screen: each waiting evidence with its photo and the student's words; the
// teacher edits the words, approves, returns with a reason, or approves everything.
// Words that name someone the blog must not show (a last name, a classmate without
// consent) are pointed out on the card, and "Approve all" leaves that evidence for a look.
// The children's own notes to their families wait here too: approve or reject each.
import { teacher as api } from '../api.js';
import { h } from '../dom.js';
import { t, language } from '../i18n.js';
import { actor, errorRegion, listOf, screenHead } from '../screen.js';

const photoUrls = [];

function when(iso) {
  try {
    return new Date(iso).toLocaleString(language(), { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  } catch (_) {
    return iso;
  }
}

export async function render(root, view) {
  const [list, notes] = await Promise.all([api.reviewList(), api.notesWaiting()]);
  if (!view.current) return; // a newer draw owns the photos and the badge
  while (photoUrls.length) URL.revokeObjectURL(photoUrls.pop());
  view.setReviewCount(list.length + notes.length);
  const errorBox = errorRegion();
  const act = actor(view, errorBox);

  // Core's approve_all approves exactly the evidence without mentions; the counts here
  // only label the button.
  const flagged = list.filter((e) => (e.mentions || []).length).length;
  const ready = list.length - flagged;
  root.replaceChildren(
    screenHead(t('review.title'), {
      actions: ready > 1
        ? h('button', { type: 'button', class: 'btn primary', 'data-action': 'approve-all',
          onclick: () => act(() => api.approveAll(), (r) => t('review.approved_n', { n: r.length })) },
        flagged ? t('review.approve_ready', { n: ready }) : t('review.approve_all', { n: ready }))
        : null,
    }),
    flagged ? h('p', { class: 'notice', 'data-testid': 'review-flagged' }, t('review.flagged_n', { n: flagged })) : '',
    errorBox,
    notes.length ? notesSection(notes, act) : '',
    listOf(list, { class: 'review-list', 'data-testid': 'review-list' }, (e) => card(e, act),
      notes.length ? null : h('section', { class: 'card empty' }, h('p', {}, t('review.empty')))),
  );
}

/** The children's notes to their families: the words as written, approve or reject. */
function notesSection(notes, act) {
  return h('section', { class: 'card', 'aria-labelledby': 'notes-title', 'data-testid': 'review-notes' },
    h('h3', { id: 'notes-title' }, t('review.notes_title')),
    h('p', { class: 'muted' }, t('review.notes_intro')),
    h('ul', { class: 'plain note-list' }, notes.map((n) => {
      const textId = `note-${n.id}`;
      return h('li', { class: 'note-item', dataset: { noteId: n.id } },
        h('p', { class: 'note-from' }, h('strong', {}, n.display_name), ' · ',
          h('span', { class: 'muted' }, `${when(n.submitted_at)} · ${t('review.note_reaches', { n: n.contacts })}`)),
        h('blockquote', { id: textId, class: 'note-text', dir: 'auto' }, n.text),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'btn primary', 'data-action': 'note-approve', 'aria-describedby': textId,
            onclick: () => act(() => api.noteApprove([n.id]), () => t('review.note_approved')) },
          t('review.approve')),
          h('button', { type: 'button', class: 'btn', 'data-action': 'note-reject', 'aria-describedby': textId,
            onclick: () => act(() => api.noteReject([n.id]), () => t('review.note_rejected')) },
          t('review.note_reject'))));
    })));
}

/** What in the words the blog must not show, and what to do about it. */
function mentionsNote(e) {
  const mentions = e.mentions || [];
  if (!mentions.length) return '';
  return h('div', { class: 'notice', role: 'note', 'data-testid': 'mentions' },
    h('ul', { class: 'plain' }, mentions.map((m) =>
      h('li', {}, t(`review.mention.${m.reason}`, { found: m.found, name: m.name })))),
    h('p', {}, t('review.mention_fix')));
}

function card(e, act) {
  const photo = h('div', { class: 'photo' }, h('span', { class: 'muted' }, e.photo_hash ? t('common.loading') : t('review.no_photo')));
  if (e.photo_hash) {
    api.evidencePhoto(e.id).then((bytes) => {
      const url = URL.createObjectURL(new Blob([bytes]));
      photoUrls.push(url);
      photo.replaceChildren(h('img', { src: url, alt: t('review.photo_of', { name: e.display_name, goal: e.goal_title }) }));
    }).catch((err) => photo.replaceChildren(h('span', { class: 'muted' }, err.message)));
  }
  const wordsId = `words-${e.id}`;
  const msgId = `message-${e.id}`;
  const reasonId = `reason-${e.id}`;
  const words = h('textarea', { id: wordsId, rows: 3 }, e.words);
  const message = h('textarea', { id: msgId, rows: 2 }, e.family_message);
  const reason = h('input', { type: 'text', id: reasonId });
  const returnForm = h('form', { class: 'return-form', hidden: true },
    h('label', { for: reasonId }, t('review.return_reason')), reason,
    h('button', { type: 'submit', class: 'btn danger' }, t('review.return_send')));
  returnForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api.returnEvidence(e.id, reason.value), () => t('review.returned'));
  });
  const changed = () => words.value !== e.words || message.value !== e.family_message;
  const saveText = () => (changed() ? api.evidenceEdit(e.id, words.value, message.value) : Promise.resolve());

  return h('li', { class: 'card evidence', dataset: { evidenceId: e.id } },
    photo,
    h('div', { class: 'evidence-body' },
      h('h3', {}, h('span', { class: 'who' }, e.display_name), ' · ', e.goal_title),
      h('p', { class: 'muted' }, t('review.submitted', { when: when(e.submitted_at) })),
      mentionsNote(e),
      h('div', { class: 'field' }, h('label', { for: wordsId }, t('review.words')), words),
      h('div', { class: 'field' }, h('label', { for: msgId }, t('review.message')), message),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn primary', 'data-action': 'approve',
          onclick: () => act(async () => { await saveText(); return api.approve([e.id]); }, () => t('review.approved')) },
        t('review.approve')),
        h('button', { type: 'button', class: 'btn', 'data-action': 'save-text',
          onclick: () => act(saveText, () => t('common.saved')) }, t('review.save_text')),
        h('button', { type: 'button', class: 'btn danger', 'aria-expanded': 'false',
          onclick: (ev) => {
            returnForm.hidden = !returnForm.hidden;
            ev.currentTarget.setAttribute('aria-expanded', String(!returnForm.hidden));
            if (!returnForm.hidden) reason.focus();
          } }, t('review.return'))),
      returnForm));
}
