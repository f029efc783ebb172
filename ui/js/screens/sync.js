'use strict';
// The Sync screen: a preview of what each family would receive and what the blog would
// change (a dry run), the sync itself with live progress, and its summary: counts,
// failures with their reasons, and the families who could not be reached.
//
// The sync runs in core on a worker thread; its progress arrives through a channel that
// only this window hears. The state lives in this module, so leaving the screen and coming
// back while a sync runs shows the same progress.
import { teacher as api } from '../api.js';
import { h, showError } from '../dom.js';
import { coded, languageName, t } from '../i18n.js';
import { errorRegion, screenHead } from '../screen.js';

const STEPS = ['plan', 'photos', 'blog', 'publish', 'mail', 'record'];

const state = {
  running: false,
  step: null, // {step, index, of}
  sending: null, // {done, total}
  backup: false, // the day's automatic backup is being written
  result: null, // {kind: 'preview'|'run', data}
  error: null,
};
let view = null; // the elements of the newest draw of the screen, or null

export async function render(root, ctx) {
  const preview = h('button', { type: 'button', class: 'btn', id: 'sync-preview', 'data-action': 'sync-preview' },
    t('sync.preview'));
  const run = h('button', { type: 'button', class: 'btn primary', id: 'sync-run', 'data-action': 'sync-run' },
    t('sync.run'));
  const errorBox = errorRegion({ 'data-testid': 'sync-error' });
  const progress = h('section', { class: 'card sync-progress', 'aria-labelledby': 'sync-progress-title', 'data-testid': 'sync-progress', hidden: true });
  const result = h('div', { 'data-testid': 'sync-result' });
  root.replaceChildren(
    screenHead(t('sync.title'), { actions: [preview, run] }),
    h('p', { class: 'muted intro' }, t('sync.intro')),
    errorBox,
    progress,
    result,
  );
  view = { root, ctx, preview, run, errorBox, progress, result };
  preview.addEventListener('click', () => start('preview'));
  run.addEventListener('click', () => start('run'));
  draw();
}

/**
 * Starts a preview or a sync. While one runs here, the buttons still answer: core refuses
 * the second with a "busy" error (the class lock, shared with the CLI, scheduled syncs and
 * every other writer of the blog and the mail) that says what holds the class and since
 * when; it is shown while the first goes on.
 */
async function start(what) {
  const mine = !state.running;
  if (mine) {
    state.running = what;
    state.step = null;
    state.sending = null;
    state.backup = false;
    state.result = null;
  }
  state.error = null;
  draw();
  try {
    const data = what === 'preview' ? await api.syncPreview() : await api.syncRun(onEvent);
    state.result = { kind: what, data };
    state.error = null;
  } catch (err) {
    state.error = err;
  } finally {
    if (mine) state.running = false;
  }
  draw();
}

function onEvent(e) {
  if (e.event === 'step') {
    state.step = e;
    if (e.step !== 'mail') state.sending = null;
  } else if (e.event === 'sending') {
    state.sending = e;
  } else if (e.event === 'backup') {
    state.sending = null;
    state.backup = true;
  }
  drawProgress();
}

function draw() {
  if (!view || !view.ctx.current) {
    view = null;
    return;
  }
  const busy = Boolean(state.running);
  view.run.textContent = state.running === 'run' ? t('sync.running_button') : t('sync.run');
  view.run.setAttribute('aria-busy', String(state.running === 'run'));
  view.preview.setAttribute('aria-busy', String(state.running === 'preview'));
  if (state.error) {
    view.ctx.handle(state.error, view.errorBox);
  } else {
    showError(view.errorBox, null);
  }
  drawProgress();
  view.result.replaceChildren();
  if (!busy && state.result) {
    view.result.append(state.result.kind === 'preview' ? previewView(state.result.data) : summaryView(state.result.data));
  } else if (!busy && !state.error) {
    view.result.append(h('section', { class: 'card empty' }, h('p', {}, t('sync.hint'))));
  }
}

function drawProgress() {
  if (!view || !view.ctx.current) return;
  const p = view.progress;
  p.hidden = !state.running;
  if (!state.running) return;
  const s = state.step;
  const index = s ? s.index : 0;
  const of = s ? s.of : STEPS.length;
  const label = s ? t(`sync.step.${s.step}`) : t('sync.starting');
  const bar = h('progress', { max: of, value: index, 'aria-labelledby': 'sync-progress-title' });
  p.replaceChildren(
    h('h3', { id: 'sync-progress-title' }, state.running === 'preview' ? t('sync.previewing') : t('sync.running')),
    bar,
    h('p', { class: 'step', 'data-testid': 'sync-step' }, s ? t('sync.step_n', { n: index, of, label }) : label),
    state.sending
      ? h('p', { 'data-testid': 'sync-sending' }, t('sync.sending', { n: state.sending.done + 1, total: state.sending.total }))
      : '',
    state.backup ? h('p', { 'data-testid': 'sync-backup' }, t('sync.backing_up')) : '',
    h('p', { class: 'muted' }, t('sync.keep_working')),
  );
}

// ---- preview ----------------------------------------------------------------------------

function channelName(c) {
  return t(`channel.${c}`);
}

/** The family's language by name (its tag on hover), and the one used if it differs. */
function languageCell(f) {
  const name = h('span', { title: f.language }, languageName(f.language));
  if (f.language_used && f.language_used !== f.language) {
    return h('span', {}, name, ' ',
      h('span', { class: 'pill warn' }, t('sync.fallback', { used: languageName(f.language_used) })));
  }
  return name;
}

function itemsList(deliveries) {
  return h('ul', { class: 'plain items' }, deliveries.flatMap((d) => (d.sharing
    // A sharing time's own message (invitation, reminder, update), by its channel.
    ? [h('li', { 'data-kind': d.kind },
      h('span', { class: 'pill' }, t(`sync.kind.${d.kind}`)), ' ',
      h('strong', {}, d.sharing.title), ' · ', t(`sync.channel.${d.channel}`))]
    : [
      ...d.items.map((i) =>
        h('li', {},
          h('span', { class: 'pill' }, t(`sync.kind.${d.kind}`)), ' ',
          h('strong', {}, i.student), ' · ', i.goal,
          i.with_photo ? h('span', { class: 'muted' }, ` (${t('sync.with_photo')})`) : '')),
      // A child's own note to their family (issue 16, part 2).
      ...(d.notes || []).map((n) =>
        h('li', { 'data-note-id': n.note_id },
          h('span', { class: 'pill' }, t(`sync.kind.${d.kind}`)), ' ',
          h('strong', {}, n.student), ' · ', t('sync.note', { text: n.text }))),
    ])));
}

function blogCard(b, newPosts, dry) {
  const files = [...b.written.map((f) => ['+', f]), ...b.removed.map((f) => ['−', f])];
  return h('section', { class: 'card', 'aria-labelledby': 'sync-blog-title', 'data-testid': 'sync-blog' },
    h('h3', { id: 'sync-blog-title' }, t('sync.blog')),
    h('p', {}, dry
      ? t('sync.blog_would', {
        posts: t('sync.blog_posts', { n: newPosts }),
        written: t('sync.blog_would_write', { n: b.written.length }),
        removed: t('sync.blog_would_remove', { n: b.removed.length }),
        unchanged: t('sync.blog_would_keep', { n: b.unchanged }),
      })
      : t('sync.blog_did', {
        posts: t('sync.blog_posts', { n: newPosts }),
        written: t('sync.blog_wrote', { n: b.written.length }),
        removed: t('sync.blog_removed', { n: b.removed.length }),
        unchanged: t('sync.blog_kept', { n: b.unchanged }),
      })),
    h('p', { class: 'muted' }, t('sync.blog_dir', { dir: b.dir })),
    files.length
      ? h('details', {}, h('summary', {}, t('sync.blog_files', { n: files.length })),
        h('ul', { class: 'files' }, files.map(([sign, f]) => h('li', {}, h('code', {}, `${sign} ${f}`)))))
      : '',
    b.warnings.length
      ? h('ul', { class: 'notice' }, b.warnings.map((w) => h('li', {}, w)))
      : '');
}

function unreachableCard(list) {
  if (!list.length) return '';
  return h('section', { class: 'card problems', 'aria-labelledby': 'sync-unreachable-title', 'data-testid': 'sync-unreachable' },
    h('h3', { id: 'sync-unreachable-title' }, t('sync.unreachable', { n: list.length })),
    h('p', { class: 'muted' }, t('sync.unreachable_help')),
    h('ul', {}, list.map((u) => h('li', { dataset: { contactId: u.contact_id, reasonCode: u.code || '' } },
      h('strong', {}, u.contact), ': ', coded('reason.unreachable', u.code, u.reason),
      serverSaid(u.code, u.detail)))));
}

/** The mail server's own words (English, or whatever the server speaks), when known. */
function serverSaid(code, detail) {
  if (!code || !detail) return '';
  return h('span', { class: 'muted detail' }, ' ', t('reason.server_said', { detail }));
}

/** A failed message: why, in the app's language, then core's English reason. */
function failureLine(f) {
  const known = coded('reason.failure', f.code, '');
  return h('li', { dataset: { contactId: f.contact_id, reasonCode: f.code || '' } },
    h('strong', {}, f.contact), ': ',
    known || `(${t(`sync.failure.${f.kind}`)}) `,
    known ? h('span', { class: 'muted detail', lang: 'en' }, ' ', f.reason) : f.reason);
}

function previewView(p) {
  const q = p.would_queue || { emails: 0, digests: 0, slips: 0 };
  const families = p.families || [];
  return h('div', { class: 'sync-preview', 'data-testid': 'sync-preview-result' },
    h('section', { class: 'card', 'aria-labelledby': 'sync-families-title' },
      h('h3', { id: 'sync-families-title' }, t('sync.preview_title')),
      h('p', {}, t('sync.would_queue', {
        emails: t('sync.n_emails', { n: q.emails }),
        digests: t('sync.n_digests', { n: q.digests }),
        slips: t('sync.n_slips', { n: q.slips }),
      })),
      families.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'sync-families' },
          h('caption', { class: 'visually-hidden' }, t('sync.preview_title')),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('sync.col.family')),
            h('th', { scope: 'col' }, t('sync.col.language')),
            h('th', { scope: 'col' }, t('sync.col.channel')),
            h('th', { scope: 'col' }, t('sync.col.items')))),
          h('tbody', {}, families.map((f) => h('tr', { dataset: { contactId: f.contact_id } },
            h('th', { scope: 'row' }, f.contact),
            h('td', {}, languageCell(f)),
            h('td', {}, channelName(f.channel)),
            h('td', {}, itemsList(f.deliveries)))))))
        : h('p', { class: 'muted' }, t('sync.nothing_to_send'))),
    blogCard(p.blog, p.new_posts, true),
    unreachableCard(p.unreachable || []),
    h('p', { class: 'muted' }, t('sync.preview_note')));
}

// ---- summary ----------------------------------------------------------------------------

/** The class's own data after the sync: the day's automatic backup (or why it failed),
 * erasures still waiting, photo originals removed by the days kept, photos gone. */
function classDataCard(s) {
  const a = s.auto_backup;
  const problem = (kind, text) => h('li', { class: 'problem', 'data-kind': kind }, text);
  const lines = [
    a && !a.ok ? problem('backup-failed', t('sync.backup_failed', { why: a.error || '' })) : '',
    a && a.ok ? h('li', { 'data-kind': 'backup-ok' }, t('sync.backup_ok', { file: a.file || '' })) : '',
    ...(s.erasures_unfinished || []).map((why) => problem('erasure-unfinished', t('sync.erasure_unfinished', { why }))),
    ...(s.backup_folders_to_clean || []).map((dir) => problem('backup-folder-waiting', t('sync.backup_folder_waiting', { dir }))),
    s.originals_removed ? h('li', { 'data-kind': 'originals-removed' }, t('sync.originals_removed', { n: s.originals_removed })) : '',
    (s.photos_missing || []).length
      ? h('li', { 'data-kind': 'photos-missing' }, t('sync.photos_missing', { n: s.photos_missing.length }))
      : '',
  ].filter(Boolean);
  if (!lines.length) return '';
  const problems = lines.some((l) => l.classList.contains('problem'));
  return h('section', { class: problems ? 'card problems' : 'card', 'aria-labelledby': 'sync-class-data-title', 'data-testid': 'sync-class-data' },
    h('h3', { id: 'sync-class-data-title' }, t('sync.class_data')),
    h('ul', {}, lines));
}

function summaryView(s) {
  const m = s.mail || { sent: 0, digests: 0, slips: 0, failures: [], unreachable: [], language_fallbacks: [], print_files: [] };
  const ok = m.failures.length === 0 && !m.stopped && (!s.publish || s.publish.ok)
    && (!s.auto_backup || s.auto_backup.ok) && !(s.erasures_unfinished || []).length
    && !(s.backup_folders_to_clean || []).length;
  const counts = [
    ['sync.count.posts', s.new_posts],
    ['sync.count.emails', m.sent],
    ['sync.count.digests', m.digests],
    ['sync.count.slips', m.slips],
    ['sync.count.failed', m.failures.length],
    ['sync.count.unreachable', (s.unreachable || []).length],
    ['sync.count.retrying', m.retries_waiting || 0],
  ];
  return h('div', { class: 'sync-summary', 'data-testid': 'sync-summary' },
    h('section', { class: `card status ${ok ? 'ok' : 'problem'}`, 'aria-labelledby': 'sync-status-title' },
      h('h3', { id: 'sync-status-title' }, ok ? t('sync.done_ok') : t('sync.done_problems')),
      h('dl', { class: 'counts' }, counts.map(([k, n]) => h('div', { class: 'count' }, h('dt', {}, t(k)), h('dd', {}, String(n))))),
      m.transport
        ? h('p', { class: 'muted' }, t(m.transport.startsWith('smtp') ? 'sync.transport' : 'sync.transport_folder', { to: m.transport }))
        : '',
      m.stopped ? h('p', { class: 'notice' }, t('sync.stopped', { why: m.stopped })) : '',
      (m.print_files || []).length
        ? h('div', {}, h('p', {}, t('sync.print')), h('ul', {}, m.print_files.map((f) => h('li', {}, h('code', {}, f)))))
        : ''),
    m.failures.length
      ? h('section', { class: 'card problems', 'aria-labelledby': 'sync-failures-title', 'data-testid': 'sync-failures' },
        h('h3', { id: 'sync-failures-title' }, t('sync.failures', { n: m.failures.length })),
        h('ul', {}, m.failures.map(failureLine)))
      : '',
    unreachableCard(s.unreachable || []),
    classDataCard(s),
    (m.language_fallbacks || []).length
      ? h('section', { class: 'card', 'aria-labelledby': 'sync-fallbacks-title' },
        h('h3', { id: 'sync-fallbacks-title' }, t('sync.fallbacks')),
        h('ul', {}, m.language_fallbacks.map((f) => h('li', {}, t('sync.fallback_line', { name: f.contact, wanted: languageName(f.wanted), used: languageName(f.used) })))))
      : '',
    s.publish && !s.publish.ok
      ? h('section', { class: 'card problems', 'aria-labelledby': 'sync-publish-title' },
        h('h3', { id: 'sync-publish-title' }, t('sync.publish_failed', { code: s.publish.exit_code ?? '—' })),
        h('pre', { class: 'output' }, s.publish.output))
      : '',
    blogCard(s.blog, s.new_posts, false));
}
