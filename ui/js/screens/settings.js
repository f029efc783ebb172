'use strict';
// The Settings screen: the class's details and language, the mail server with a test
// email, the blog folder, address and theme (each folder opens in the file manager), the
// teacher PIN, and backup and restore.
import { teacher as api } from '../api.js';
import { h, showError, toast } from '../dom.js';
import { t } from '../i18n.js';

const LANGUAGES = [['en', 'English'], ['es', 'Español']];

function field(id, label, input, help) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    help ? h('span', { class: 'help' }, help) : '');
}

/** A button that opens one of the class's folders in the file manager. */
function openButton(folder, label, errBox, ctx) {
  const b = h('button', { type: 'button', class: 'btn', 'data-folder': folder }, label);
  b.addEventListener('click', async () => {
    try {
      const dir = await api.openFolder(folder);
      toast(t('settings.opened', { dir }));
    } catch (err) {
      ctx.handle(err, errBox);
    }
  });
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
function mailCard(m, klass, reload, ctx) {
  const host = h('input', { type: 'text', value: m.host || '', autocomplete: 'off', spellcheck: 'false', placeholder: 'smtp.school.org' });
  const port = h('input', { type: 'number', min: 1, max: 65535, value: m.host ? m.port : '', placeholder: '587' });
  const security = h('select', {}, SECURITY.map(([v, k]) => h('option', { value: v, selected: m.security === v }, t(k))));
  security.addEventListener('change', () => { port.placeholder = security.value === 'tls' ? '465' : '587'; });
  const user = h('input', { type: 'text', value: m.user || '', autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', autocomplete: 'new-password', placeholder: m.password.state === 'found' ? '••••••••' : '' });
  const from = h('input', { type: 'email', value: m.from || '', placeholder: m.sender || '' });
  const caFile = h('input', { type: 'text', value: m.ca_file || '', spellcheck: 'false' });
  const err = h('div', { class: 'error', role: 'alert', hidden: true });
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
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.mailServerSave({
        host: host.value, port: port.value ? Number(port.value) : null, security: security.value,
        user: user.value, password: password.value || null, from: from.value, ca_file: caFile.value,
      });
      toast(t('common.saved'));
      await reload();
    } catch (er) {
      ctx.handle(er, err);
    }
  });

  // The test email goes through the settings as saved, to the teacher by default.
  const to = h('input', { type: 'email', value: klass.teacher_email || '', autocomplete: 'email' });
  const testErr = h('div', { class: 'error', role: 'alert', hidden: true });
  const result = h('p', { class: 'notice ok', role: 'status', 'data-testid': 'mail-test-result', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn' }, t('settings.mail_test'));
  const test = h('form', { class: 'inline-form', 'aria-labelledby': 'settings-mail-test', novalidate: true },
    h('h4', { id: 'settings-mail-test' }, t('settings.mail_test_title')),
    field('set-mail-test-to', t('settings.mail_test_to'), to),
    send, testErr, result);
  test.addEventListener('submit', async (e) => {
    e.preventDefault();
    send.disabled = true;
    send.setAttribute('aria-busy', 'true');
    result.hidden = true;
    showError(testErr, null);
    try {
      const r = await api.mailTest(to.value);
      result.textContent = r.file
        ? t('settings.mail_test_file', { to: r.to, file: r.file })
        : t('settings.mail_test_sent', { to: r.to, via: r.transport });
      result.hidden = false;
    } catch (er) {
      ctx.handle(er, testErr);
    } finally {
      send.disabled = false;
      send.setAttribute('aria-busy', 'false');
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'settings-mail' },
    h('h3', { id: 'settings-mail' }, t('settings.mail')), where, form, h('hr'), test);
}

export async function render(root, ctx) {
  const [data, backups, mail] = await Promise.all([api.settings(), api.backupList(), api.mailServer()]);
  const setting = (k) => (data.settings.find((s) => s.key === k) || {}).value || '';
  // Redraws this screen only while the teacher is still on it (drawing.js).
  const reload = () => ctx.reload();

  const c = data.class;
  const inputs = {
    school: h('input', { type: 'text', value: c.school }),
    class_name: h('input', { type: 'text', value: c.class_name }),
    teacher: h('input', { type: 'text', value: c.teacher }),
    teacher_email: h('input', { type: 'email', value: c.teacher_email }),
    timezone: h('input', { type: 'text', value: c.timezone }),
  };
  const langSelect = h('select', {}, LANGUAGES.map(([v, n]) => h('option', { value: v, selected: c.language.split('-')[0] === v }, n)));
  if (!LANGUAGES.some(([v]) => c.language.split('-')[0] === v)) {
    langSelect.prepend(h('option', { value: c.language, selected: true }, c.language));
  }
  const classErr = h('div', { class: 'error', role: 'alert', hidden: true });
  const classForm = h('form', { class: 'card', 'aria-labelledby': 'settings-class' },
    h('h3', { id: 'settings-class' }, t('settings.class')),
    h('div', { class: 'grid2' },
      field('set-school', t('settings.school'), inputs.school),
      field('set-class', t('settings.class_name'), inputs.class_name),
      field('set-teacher', t('settings.teacher'), inputs.teacher),
      field('set-teacher-email', t('settings.teacher_email'), inputs.teacher_email),
      field('set-language', t('settings.language'), langSelect),
      field('set-timezone', t('settings.timezone'), inputs.timezone)),
    classErr,
    h('button', { type: 'submit', class: 'btn primary' }, t('common.save')));
  classForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const saved = await api.classSave({
        school: inputs.school.value, class_name: inputs.class_name.value, teacher: inputs.teacher.value,
        teacher_email: inputs.teacher_email.value, language: langSelect.value, timezone: inputs.timezone.value,
      });
      ctx.setLanguage(saved.language);
      ctx.setClassName(saved.class_name);
      toast(t('common.saved'));
      await reload();
    } catch (err) {
      ctx.handle(err, classErr);
    }
  });

  const blogDir = h('input', { type: 'text', value: setting('blog.dir') });
  const siteUrl = h('input', { type: 'url', value: setting('blog.site_url') });
  const blogErr = h('div', { class: 'error', role: 'alert', hidden: true });
  const blogForm = h('form', { class: 'card', 'aria-labelledby': 'settings-blog' },
    h('h3', { id: 'settings-blog' }, t('settings.blog')),
    field('set-blog-dir', t('settings.blog_dir'), blogDir, t('settings.blog_dir_help', { dir: data.blog_dir })),
    field('set-site-url', t('settings.site_url'), siteUrl, t('settings.site_url_help')),
    blogErr,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary' }, t('common.save')),
      openButton('blog', t('settings.open_blog'), blogErr, ctx)),
    h('h4', {}, t('settings.theme')),
    h('p', { class: 'muted' }, t('settings.theme_help', { dir: data.theme_dir })),
    openButton('theme', t('settings.open_theme'), blogErr, ctx));
  blogForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.settingSet('blog.dir', blogDir.value);
      await api.settingSet('blog.site_url', siteUrl.value);
      toast(t('common.saved'));
      await reload();
    } catch (err) {
      ctx.handle(err, blogErr);
    }
  });

  const pinSet = ctx.status && ctx.status.pin_set;
  const current = h('input', { type: 'password', autocomplete: 'current-password' });
  const fresh = h('input', { type: 'password', autocomplete: 'new-password', minlength: 4 });
  const pinErr = h('div', { class: 'error', role: 'alert', hidden: true });
  const pinForm = h('form', { class: 'card', 'aria-labelledby': 'settings-pin' },
    h('h3', { id: 'settings-pin' }, t('settings.pin')),
    pinSet ? '' : h('p', { class: 'notice' }, t('settings.pin_none')),
    h('div', { class: 'grid2' },
      pinSet ? field('set-pin-current', t('settings.pin_current'), current) : '',
      field('set-pin-new', t('settings.pin_new'), fresh)),
    pinErr,
    h('button', { type: 'submit', class: 'btn primary' }, t('settings.pin_set')));
  pinForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.setPin(pinSet ? current.value : null, fresh.value);
      toast(t('settings.pin_saved'));
      await ctx.refreshStatus();
      await reload();
    } catch (err) {
      ctx.handle(err, pinErr);
    }
  });

  const backupErr = h('div', { class: 'error', role: 'alert', hidden: true });
  const busy = (btn, on) => { btn.disabled = on; btn.setAttribute('aria-busy', String(on)); };
  const backupBtn = h('button', { type: 'button', class: 'btn primary' }, t('settings.backup_now'));
  backupBtn.addEventListener('click', async () => {
    busy(backupBtn, true);
    try {
      const b = await api.backupCreate();
      toast(t('settings.backup_done', { path: b.path }));
      await reload();
    } catch (err) {
      ctx.handle(err, backupErr);
    } finally {
      busy(backupBtn, false);
    }
  });
  const backupSection = h('section', { class: 'card', 'aria-labelledby': 'settings-backup' },
    h('h3', { id: 'settings-backup' }, t('settings.backup')),
    h('p', { class: 'muted' }, t('settings.data_dir', { dir: data.data_dir })),
    h('div', { class: 'actions' }, backupBtn, openButton('backups', t('settings.open_backups'), backupErr, ctx)),
    backupErr,
    backups.length
      ? h('ul', { class: 'plain backups' }, backups.map((b) => h('li', {},
        h('span', {}, b.name), h('span', { class: 'muted' }, ` ${Math.ceil(b.bytes / 1024)} KB `),
        h('button', { type: 'button', class: 'btn small danger', 'aria-label': `${t('settings.restore')} ${b.name}`,
          onclick: async () => {
            if (!window.confirm(t('settings.restore_confirm', { name: b.name }))) return;
            try {
              const r = await api.backupRestore(b.name);
              const again = (r.erased_again || []).length;
              toast([t('settings.restored', { path: r.previous_saved_to }),
                again ? t('settings.erased_again', { n: again }) : ''].filter(Boolean).join(' '));
              await reload();
            } catch (err) {
              ctx.handle(err, backupErr);
            }
          } }, t('settings.restore')))))
      : h('p', { class: 'muted' }, t('settings.backups_none')));

  root.replaceChildren(
    h('div', { class: 'screen-head' }, h('h2', {}, t('settings.title'))),
    classForm, mailCard(mail, c, reload, ctx), blogForm, pinForm, backupSection,
  );
  showError(classErr, null);
}
