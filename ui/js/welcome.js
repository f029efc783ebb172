'use strict';
// The teacher's window on a data folder that holds no class yet: the first day, or a new
// PC after the old one died. Two ways on: bring the class from the backup file made on
// the old computer (a USB stick, a school share), or start a new class. A class kept on a
// stick or a share that is not connected yet is not lost: connect it and look again.
import { teacher as api } from './api.js';
import { h, showError } from './dom.js';
import { t } from './i18n.js';
import { actor, errorRegion } from './screen.js';
import { classFields, restoreSummary } from './screens/settings.js';

/** What the new class starts from: this computer's time zone and language. */
function guesses() {
  let timezone = 'UTC';
  try {
    timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch (_) { /* an old WebView: the teacher types it */ }
  // A language tag (not a locale name such as "C" from a bare system).
  const tag = (navigator.language || '').split('-')[0].toLowerCase();
  const language = /^[a-z]{2,3}$/.test(tag) ? tag : 'en';
  return { school: '', class_name: '', teacher: '', teacher_email: '', language, timezone };
}

/**
 * Draws the welcome into `root` for the data folder `folder`; `done()` reads the class
 * again once one is there (made, restored, or connected).
 */
export function render(root, folder, done) {
  // The screens' way to act, with no screen to redraw: the class arriving is `done`.
  const view = { reload: async () => {}, handle: (err, box) => showError(box, err) };
  const restoreErr = errorRegion();
  const restoreBtn = h('button', { type: 'button', class: 'btn primary', 'data-action': 'restore-file' }, t('welcome.restore_button'));
  restoreBtn.addEventListener('click', () => actor(view, restoreErr)(async () => {
    const r = await api.backupRestoreFile(t('welcome.restore_title'), t('settings.backup_files'));
    if (r) await done(); // else the dialog was cancelled
    return r;
  }, (r) => (r ? restoreSummary(r) : null), { redraw: false, busy: restoreBtn }));

  const fields = classFields(guesses(), 'new');
  const createErr = errorRegion();
  const createBtn = h('button', { type: 'submit', class: 'btn primary' }, t('welcome.create'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'welcome-new', novalidate: true },
    h('h3', { id: 'welcome-new' }, t('welcome.new_heading')),
    h('p', { class: 'muted' }, t('welcome.new_text')),
    fields.grid, createErr, createBtn);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    actor(view, createErr)(async () => {
      await api.classCreate(fields.read());
      await done();
    }, null, { redraw: false, busy: createBtn });
  });

  const again = h('button', { type: 'button', class: 'btn quiet', 'data-action': 'look-again' }, t('welcome.look_again'));
  again.addEventListener('click', () => done());

  root.replaceChildren(h('div', { class: 'welcome-inner' },
    h('h2', { id: 'welcome-title' }, t('welcome.title')),
    h('p', { 'data-testid': 'welcome-folder' }, t('welcome.no_class', { dir: folder })),
    h('section', { class: 'card', 'aria-labelledby': 'welcome-restore' },
      h('h3', { id: 'welcome-restore' }, t('welcome.restore_heading')),
      h('p', { class: 'muted' }, t('welcome.restore_text')),
      restoreErr, restoreBtn),
    form,
    h('p', { class: 'muted' }, t('welcome.elsewhere'), ' ', again)));
}
