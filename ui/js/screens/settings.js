'use strict';
// The Settings screen: the class's details and language, the blog folder and address,
// the teacher PIN, and backup and restore. Mail and theme arrive with their features.
import { teacher as api } from '../api.js';
import { h, showError, toast } from '../dom.js';
import { t } from '../i18n.js';

const LANGUAGES = [['en', 'English'], ['es', 'Español']];

function field(id, label, input, help) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    help ? h('span', { class: 'help' }, help) : '');
}

export async function render(root, ctx) {
  const data = await api.settings();
  const backups = await api.backupList();
  const setting = (k) => (data.settings.find((s) => s.key === k) || {}).value || '';
  const reload = () => render(root, ctx);

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
    h('p', { class: 'muted' }, t('settings.theme_coming')),
    h('button', { type: 'submit', class: 'btn primary' }, t('common.save')));
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
    backupBtn,
    backupErr,
    backups.length
      ? h('ul', { class: 'plain backups' }, backups.map((b) => h('li', {},
        h('span', {}, b.name), h('span', { class: 'muted' }, ` ${Math.ceil(b.bytes / 1024)} KB `),
        h('button', { type: 'button', class: 'btn small danger', 'aria-label': `${t('settings.restore')} ${b.name}`,
          onclick: async () => {
            if (!window.confirm(t('settings.restore_confirm', { name: b.name }))) return;
            try {
              const r = await api.backupRestore(b.name);
              toast(t('settings.restored', { path: r.previous_saved_to }));
              await reload();
            } catch (err) {
              ctx.handle(err, backupErr);
            }
          } }, t('settings.restore')))))
      : h('p', { class: 'muted' }, t('settings.backups_none')));

  root.replaceChildren(
    h('div', { class: 'screen-head' }, h('h2', {}, t('settings.title'))),
    classForm, blogForm, pinForm, backupSection,
    h('section', { class: 'card coming' },
      h('h3', {}, t('settings.mail')), h('span', { class: 'pill' }, t('common.coming')),
      h('p', {}, t('settings.mail_coming'))),
  );
  showError(classErr, null);
}
