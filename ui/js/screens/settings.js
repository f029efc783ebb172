'use strict';
// The Settings screen: the class's details and language, the mail server with a test
// email, how often families hear from the class, the blog folder, address and theme (each
// folder opens in the file manager), the station as a kiosk, the teacher PIN, and backup
// and restore (from the list, or from a file) with what is kept and for how long. Each
// card acts through screen.js's actor, with its own error region.
import { teacher as api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { actor, errorRegion, listOf, screenHead } from '../screen.js';

const LANGUAGES = [['en', 'English'], ['es', 'Español']];

function field(id, label, input, help) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    help ? h('span', { class: 'help' }, help) : '');
}

/** A button that opens one of the class's folders in the file manager; `act` shows a
 * failure in the error region of the card it is on. */
function openButton(folder, label, act) {
  const b = h('button', { type: 'button', class: 'btn', 'data-folder': folder }, label);
  b.addEventListener('click', () => act(() => api.openFolder(folder), (dir) => t('settings.opened', { dir }), { redraw: false }));
  return b;
}

const SECURITY = [['starttls', 'settings.mail_starttls'], ['tls', 'settings.mail_tls']];

/** What the password field says about the password the server needs. */
function passwordNote(m) {
  const p = m.password;
  if (p.state === 'found') return h('span', { class: 'help ok' }, t(`settings.mail_pw_${p.from}`));
  if (p.state === 'missing') return h('span', { class: 'help warn' }, p.message);
  return h('span', { class: 'help' }, t('settings.mail_pw_help'));
}

/** The mail server: a form a teacher can fill in from the school's instructions, and a
 * test email to see that it works before families depend on it. */
function mailCard(m, klass, view) {
  const host = h('input', { type: 'text', value: m.host || '', autocomplete: 'off', spellcheck: 'false', placeholder: 'smtp.school.org' });
  const port = h('input', { type: 'number', min: 1, max: 65535, value: m.host ? m.port : '', placeholder: '587' });
  const security = h('select', {}, SECURITY.map(([v, k]) => h('option', { value: v, selected: m.security === v }, t(k))));
  security.addEventListener('change', () => { port.placeholder = security.value === 'tls' ? '465' : '587'; });
  const user = h('input', { type: 'text', value: m.user || '', autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'new-password', placeholder: m.password.state === 'found' ? '••••••••' : '' });
  const from = h('input', { type: 'email', value: m.from || '', placeholder: m.sender || '' });
  const caFile = h('input', { type: 'text', value: m.ca_file || '', spellcheck: 'false' });
  const err = errorRegion();
  const act = actor(view, err);
  const where = m.host
    ? h('p', { class: 'notice ok', 'data-testid': 'mail-where' }, t('settings.mail_via', { host: m.host, port: m.port }))
    : h('p', { class: 'notice', 'data-testid': 'mail-where' }, t('settings.mail_outbox', { dir: m.outbox }));
  // novalidate: the core's message names the field and the fix, in place.
  const form = h('form', { 'aria-labelledby': 'settings-mail', novalidate: true },
    h('div', { class: 'grid2' },
      field('set-smtp-host', t('settings.mail_host'), host, t('settings.mail_host_help')),
      field('set-smtp-port', t('settings.mail_port'), port),
      field('set-smtp-security', t('settings.mail_security'), security),
      field('set-smtp-user', t('settings.mail_user'), user, t('settings.mail_user_help')),
      field('set-smtp-password', t('settings.mail_password'), password, passwordNote(m)),
      field('set-smtp-from', t('settings.mail_from'), from, t('settings.mail_from_help', { email: klass.teacher_email || '—' }))),
    h('details', {}, h('summary', {}, t('settings.mail_advanced')),
      field('set-smtp-ca', t('settings.mail_ca'), caFile, t('settings.mail_ca_help'))),
    err,
    h('button', { type: 'submit', class: 'btn primary' }, t('common.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.mailServerSave({
      host: host.value, port: port.value ? Number(port.value) : null, security: security.value,
      user: user.value, password: password.value || null, from: from.value, ca_file: caFile.value,
    }), () => t('common.saved'));
  });

  // The test email goes through the settings as saved, to the teacher by default.
  const to = h('input', { type: 'email', value: klass.teacher_email || '', autocomplete: 'email' });
  const testErr = errorRegion();
  const actTest = actor(view, testErr);
  const result = h('p', { class: 'notice ok', role: 'status', 'data-testid': 'mail-test-result', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn' }, t('settings.mail_test'));
  const test = h('form', { class: 'inline-form', 'aria-labelledby': 'settings-mail-test', novalidate: true },
    h('h4', { id: 'settings-mail-test' }, t('settings.mail_test_title')),
    field('set-mail-test-to', t('settings.mail_test_to'), to),
    send, testErr, result);
  test.addEventListener('submit', (e) => {
    e.preventDefault();
    result.hidden = true;
    actTest(async () => {
      const r = await api.mailTest(to.value);
      result.textContent = r.file
        ? t('settings.mail_test_file', { to: r.to, file: r.file })
        : t('settings.mail_test_sent', { to: r.to, via: r.transport });
      result.hidden = false;
    }, null, { redraw: false, busy: send });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'settings-mail' },
    h('h3', { id: 'settings-mail' }, t('settings.mail')), where, form, h('hr'), test);
}

export async function render(root, view) {
  const [data, backups, mail] = await Promise.all([api.settings(), api.backupList(), api.mailServer()]);
  const setting = (k) => (data.settings.find((s) => s.key === k) || {}).value || '';

  root.replaceChildren(
    screenHead(t('settings.title')),
    classCard(data.class, view), mailCard(mail, data.class, view), familiesCard(setting, view),
    blogCard(data, setting, view), stationCard(setting, view), pinCard(view),
    backupCard(data, backups, setting, view),
  );
}

/** The class's details as inputs (the Class card here, and a new class on the first
 * start): `grid` to place, `read()` for the values typed. `prefix` keeps the ids apart. */
export function classFields(c, prefix = 'set') {
  const inputs = {
    school: h('input', { type: 'text', value: c.school, autocomplete: 'organization' }),
    class_name: h('input', { type: 'text', value: c.class_name }),
    teacher: h('input', { type: 'text', value: c.teacher, autocomplete: 'name' }),
    teacher_email: h('input', { type: 'email', value: c.teacher_email, autocomplete: 'email' }),
    timezone: h('input', { type: 'text', value: c.timezone, spellcheck: 'false' }),
  };
  const lang = (c.language || 'en').split('-')[0];
  const langSelect = h('select', {}, LANGUAGES.map(([v, n]) => h('option', { value: v, selected: lang === v }, n)));
  if (!LANGUAGES.some(([v]) => lang === v)) {
    langSelect.prepend(h('option', { value: c.language, selected: true }, c.language));
  }
  const grid = h('div', { class: 'grid2' },
    field(`${prefix}-school`, t('settings.school'), inputs.school),
    field(`${prefix}-class`, t('settings.class_name'), inputs.class_name),
    field(`${prefix}-teacher`, t('settings.teacher'), inputs.teacher),
    field(`${prefix}-teacher-email`, t('settings.teacher_email'), inputs.teacher_email),
    field(`${prefix}-language`, t('settings.language'), langSelect),
    field(`${prefix}-timezone`, t('settings.timezone'), inputs.timezone, t('settings.timezone_help')));
  const read = () => ({
    school: inputs.school.value, class_name: inputs.class_name.value, teacher: inputs.teacher.value,
    teacher_email: inputs.teacher_email.value, language: langSelect.value, timezone: inputs.timezone.value,
  });
  return { grid, read };
}

function classCard(c, view) {
  const fields = classFields(c);
  const err = errorRegion();
  const act = actor(view, err);
  const form = h('form', { class: 'card', 'aria-labelledby': 'settings-class' },
    h('h3', { id: 'settings-class' }, t('settings.class')),
    fields.grid,
    err,
    h('button', { type: 'submit', class: 'btn primary' }, t('common.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.classSave(fields.read()), (saved) => {
      // The window speaks the saved language at once (the toast too).
      view.setLanguage(saved.language);
      view.setClassName(saved.class_name);
      return t('common.saved');
    });
  });
  return form;
}

function blogCard(data, setting, view) {
  const blogDir = h('input', { type: 'text', value: setting('blog.dir') });
  const siteUrl = h('input', { type: 'url', value: setting('blog.site_url') });
  const err = errorRegion();
  const act = actor(view, err);
  const form = h('form', { class: 'card', 'aria-labelledby': 'settings-blog' },
    h('h3', { id: 'settings-blog' }, t('settings.blog')),
    field('set-blog-dir', t('settings.blog_dir'), blogDir, t('settings.blog_dir_help', { dir: data.blog_dir })),
    field('set-site-url', t('settings.site_url'), siteUrl, t('settings.site_url_help')),
    err,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary' }, t('common.save')),
      openButton('blog', t('settings.open_blog'), act)),
    h('h4', {}, t('settings.theme')),
    h('p', { class: 'muted' }, t('settings.theme_help', { dir: data.theme_dir })),
    openButton('theme', t('settings.open_theme'), act));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.settingsSave([['blog.dir', blogDir.value], ['blog.site_url', siteUrl.value]]),
      () => t('common.saved'));
  });
  return form;
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** A form of settings saved together, all or none (settings_save): `inputs` maps each
 * setting's key to the input that holds its value; `body` lays them out. */
function settingsForm(view, { id, title, heading = 'h3', card = true }, inputs, ...body) {
  const err = errorRegion();
  const act = actor(view, err);
  const form = h('form', { class: card ? 'card' : null, 'aria-labelledby': id, novalidate: true },
    h(heading, { id }, title), ...body, err,
    h('button', { type: 'submit', class: 'btn primary' }, t('common.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.settingsSave(Object.entries(inputs).map(([key, input]) => [key, input.value])),
      () => t('common.saved'));
  });
  return form;
}

/** How often families hear from the class: the day of the weekly digest and the most
 * messages a family gets in a week (issue 16). */
function familiesCard(setting, view) {
  const day = h('select', {}, WEEKDAYS.map((d) => h('option', { value: d, selected: setting('mail.weekly_day') === d }, t(`settings.day_${d}`))));
  const most = h('input', { type: 'number', min: 1, max: 50, value: setting('mail.max_per_week'), inputmode: 'numeric' });
  return settingsForm(view, { id: 'settings-families', title: t('settings.families') },
    { 'mail.max_per_week': most, 'mail.weekly_day': day },
    h('div', { class: 'grid2' },
      field('set-max-per-week', t('settings.max_per_week'), most, t('settings.max_per_week_help')),
      field('set-weekly-day', t('settings.weekly_day'), day, t('settings.weekly_day_help'))));
}

/** What is kept and for how long: where automatic backups go and how many are kept, and
 * how long photo originals are kept once their web copies exist (issue 15). */
function keepingForm(setting, view) {
  const number = (key, max) => h('input', { type: 'number', min: 0, max, value: setting(key), inputmode: 'numeric' });
  const inputs = {
    'backup.dir': h('input', { type: 'text', value: setting('backup.dir'), spellcheck: 'false' }),
    'backup.keep_daily': number('backup.keep_daily', 366),
    'backup.keep_weekly': number('backup.keep_weekly', 366),
    'photo.keep_originals_days': number('photo.keep_originals_days', 36500),
  };
  return settingsForm(view, { id: 'settings-keeping', title: t('settings.keeping'), heading: 'h4', card: false },
    inputs,
    field('set-backup-dir', t('settings.backup_dir'), inputs['backup.dir'], t('settings.backup_dir_help')),
    h('div', { class: 'grid2' },
      field('set-keep-daily', t('settings.keep_daily'), inputs['backup.keep_daily'], t('settings.keep_daily_help')),
      field('set-keep-weekly', t('settings.keep_weekly'), inputs['backup.keep_weekly'], t('settings.keep_weekly_help')),
      field('set-keep-originals', t('settings.keep_originals'), inputs['photo.keep_originals_days'], t('settings.keep_originals_help'))));
}

/** The station as a kiosk: full screen without a window frame, left only through the
 * teacher's window (station.fullscreen). */
function stationCard(setting, view) {
  const box = h('input', { type: 'checkbox', id: 'set-station-fullscreen', checked: setting('station.fullscreen') === 'yes' });
  const err = errorRegion();
  const act = actor(view, err);
  box.addEventListener('change', () => act(() => api.settingSet('station.fullscreen', box.checked ? 'yes' : 'no'), () => t('common.saved')));
  return h('section', { class: 'card', 'aria-labelledby': 'settings-station' },
    h('h3', { id: 'settings-station' }, t('settings.station')),
    h('span', { class: 'check' }, box, h('label', { for: box.id }, t('settings.station_fullscreen'))),
    h('p', { class: 'help' }, t('settings.station_fullscreen_help')),
    err);
}

function pinCard(view) {
  const pinSet = view.status && view.status.pin_set;
  const current = h('input', { type: 'password', autocomplete: 'current-password' });
  const fresh = h('input', { type: 'password', autocomplete: 'new-password', minlength: 4 });
  const err = errorRegion();
  const act = actor(view, err);
  const form = h('form', { class: 'card', 'aria-labelledby': 'settings-pin' },
    h('h3', { id: 'settings-pin' }, t('settings.pin')),
    pinSet ? '' : h('p', { class: 'notice' }, t('settings.pin_none')),
    h('div', { class: 'grid2' },
      pinSet ? field('set-pin-current', t('settings.pin_current'), current) : '',
      field('set-pin-new', t('settings.pin_new'), fresh)),
    err,
    h('button', { type: 'submit', class: 'btn primary' }, t('settings.pin_set')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => {
      await api.setPin(pinSet ? current.value : null, fresh.value);
      await view.refreshStatus();
    }, () => t('settings.pin_saved'));
  });
  return form;
}

// The kinds of backups the list names (see `BackupFile::kind`), as catalog keys.
const BACKUP_KINDS = {
  manual: 'settings.backup_kind_manual',
  automatic: 'settings.backup_kind_automatic',
  before_restore: 'settings.backup_kind_before_restore',
  before_migration: 'settings.backup_kind_before_migration',
  database: 'settings.backup_kind_database',
};

/** What a restore did, in a sentence or a few: where the replaced class was kept (or the
 * file restored into a folder that held none), and what the teacher should know. */
export function restoreSummary(r) {
  const again = (r.erased_again || []).length;
  const off = r.settings_off || [];
  const refused = (r.settings_refused || []).map((x) => x.key);
  const missing = (r.missing_photos || []).length;
  return [r.previous_saved_to
    ? t('settings.restored', { path: r.previous_saved_to })
    : t('settings.restored_new', { file: r.restored_from || '' }),
  again ? t('settings.erased_again', { n: again }) : '',
  missing ? t('settings.restore_missing', { n: missing }) : '',
  off.length ? t('settings.restore_off', { keys: off.join(', ') }) : '',
  refused.length ? t('settings.restore_refused', { keys: refused.join(', ') }) : '']
    .filter(Boolean).join(' ');
}

// The latest automatic backup: when and where, or why it failed (never hidden).
function autoBackupLine(data) {
  const last = data.last_auto_backup;
  if (!last) return h('p', { class: 'muted', 'data-auto-backup': 'none' }, t('settings.auto_backup_none', { dir: data.backup_dir }));
  const when = new Date(last.at).toLocaleString();
  if (last.ok) {
    return h('p', { class: 'muted', 'data-auto-backup': 'ok' }, t('settings.auto_backup_ok', { when, path: last.file || '' }));
  }
  return h('p', { class: 'error', role: 'alert', 'data-auto-backup': 'failed' },
    t('settings.auto_backup_failed', { when, error: last.error || '' }));
}

function backupCard(data, backups, setting, view) {
  const err = errorRegion();
  const act = actor(view, err);
  const backupBtn = h('button', { type: 'button', class: 'btn primary' }, t('settings.backup_now'));
  backupBtn.addEventListener('click', () => act(() => api.backupCreate(),
    (b) => t('settings.backup_done', { path: b.path }), { busy: backupBtn }));
  const restore = (b) => {
    if (!window.confirm(t('settings.restore_confirm', { name: b.name }))) return;
    act(() => api.backupRestore(b.name), restoreSummary);
  };
  // A backup file from elsewhere: a USB stick, a school share, another PC.
  const fileBtn = h('button', { type: 'button', class: 'btn', 'data-action': 'restore-file' }, t('settings.restore_file'));
  fileBtn.addEventListener('click', () => {
    if (!window.confirm(t('settings.restore_file_confirm'))) return;
    act(() => api.backupRestoreFile(t('settings.restore_file_title'), t('settings.backup_files')),
      (r) => (r ? restoreSummary(r) : null), { busy: fileBtn });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'settings-backup' },
    h('h3', { id: 'settings-backup' }, t('settings.backup')),
    h('p', { class: 'muted' }, t('settings.backup_hint')),
    h('p', { class: 'muted' }, t('settings.data_dir', { dir: data.data_dir })),
    autoBackupLine(data),
    h('div', { class: 'actions' }, backupBtn, fileBtn, openButton('backups', t('settings.open_backups'), act)),
    err,
    listOf(backups, { class: 'backups' }, (b) => h('li', { 'data-backup-kind': b.kind },
      h('span', {}, b.name),
      h('span', { class: 'muted' }, ` ${t(BACKUP_KINDS[b.kind] || BACKUP_KINDS.manual)}, ${Math.ceil(b.bytes / 1024)} KB `),
      h('button', { type: 'button', class: 'btn small danger', 'aria-label': `${t('settings.restore')} ${b.name}`,
        onclick: () => restore(b) }, t('settings.restore'))),
    h('p', { class: 'muted' }, t('settings.backups_none'))),
    h('hr'), keepingForm(setting, view));
}
