'use strict';
// The Class screen: students with their contacts and consents, contacts and their links,
// roster import (every bad row shown) and export, year-end portfolios (one student or all).
import { teacher as api } from '../api.js';
import { h, showError } from '../dom.js';
import { languageName, t } from '../i18n.js';
import { actor, errorRegion, listOf, screenHead } from '../screen.js';

const PURPOSES = ['blog', 'name_on_blog', 'photo_on_blog', 'email_family'];
const CHANNELS = ['email', 'weekly', 'paper', 'chat', 'none'];

export async function render(root, view) {
  const data = await api.classOverview();
  if (!view.current) return; // an older read must not set the window's language
  view.setLanguage(data.class.language);
  view.setClassName(data.class.class_name);
  const errorBox = errorRegion();
  const act = actor(view, errorBox);
  const exported = h('p', { class: 'muted', role: 'status', 'data-testid': 'portfolio-result' });
  const exportPortfolio = portfolioExporter(act, exported);

  root.replaceChildren(
    screenHead(t('class.title'), {
      sub: h('p', { class: 'muted', 'data-testid': 'student-count' }, t('class.count', { n: data.students.length })),
      actions: [
        importButton(act, errorBox),
        h('button', { type: 'button', class: 'btn', onclick: () =>
          act(() => api.rosterExport(), (p) => t('class.exported', { path: p })) }, t('class.export')),
        h('button', { type: 'button', class: 'btn', 'data-action': 'export-portfolios',
          onclick: (e) => exportPortfolio(null, e.currentTarget) }, t('class.portfolios_all')),
      ],
    }),
    errorBox,
    exported,
    studentsTable(data, act, exportPortfolio),
    addStudentForm(act),
    contactsSection(data, act),
  );
}

/**
 * Year-end portfolios: the app asks for a folder (a USB stick, say), writes into a new
 * folder inside it and shows it in the file manager; the path stays on the screen.
 */
function portfolioExporter(act, out) {
  return (student, button) => act(() => api.portfolioExport(student ? student.id : null,
    t('class.portfolio_pick')), (r) => {
    if (!r) return t('class.portfolio_cancelled');
    const text = student
      ? t('class.portfolio_done', { name: student.display_name, dir: r.dir })
      : t('class.portfolios_done', { n: r.report.students.length, dir: r.dir });
    out.textContent = text;
    return text;
  }, { redraw: false, busy: button });
}

function importButton(act, errorBox) {
  const input = h('input', { type: 'file', accept: '.csv,text/csv', id: 'roster-file', class: 'visually-hidden',
    tabindex: '-1', 'aria-labelledby': 'roster-import' });
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const text = await file.text();
    input.value = '';
    await act(() => api.rosterImport(text, file.name), (r) =>
      (r.students_added + r.students_updated + r.contacts_added + r.contacts_updated +
        r.links_changed + r.consents_changed)
        ? t('class.imported', {
          rows: t('class.imported_rows', { n: r.rows }),
          added: t('class.imported_added', { n: r.students_added }),
          updated: t('class.imported_updated', { n: r.students_updated }),
          contacts: t('class.imported_contacts', { n: r.contacts_added }),
        })
        : t('class.import_nothing', { rows: t('class.imported_rows', { n: r.rows }) }));
    showError(errorBox, null);
  });
  return h('span', {},
    input,
    h('button', { type: 'button', id: 'roster-import', class: 'btn primary', onclick: () => input.click() },
      t('class.import')));
}

function studentsTable(data, act, exportPortfolio) {
  const givenBy = `${data.class.teacher} (Goalpost app)`;
  const rows = data.students.map((s) => h('tr', { dataset: { studentId: s.id } },
    h('th', { scope: 'row' }, `${s.first_name} ${s.last_name}`.trim()),
    h('td', {}, s.display_name),
    h('td', {}, s.contacts.length
      ? h('ul', { class: 'plain' }, s.contacts.map((c) => h('li', {},
        h('strong', {}, c.name),
        c.relationship ? ` (${c.relationship})` : '',
        h('span', { class: 'muted' }, ` · ${languageName(c.language)} · ${t('channel.' + c.channel)}`))))
      : h('span', { class: 'muted' }, t('class.no_contact'))),
    h('td', {}, h('div', { class: 'consents' }, s.consents.map((c) => {
      const id = `consent-${s.id}-${c.purpose}`;
      const box = h('input', { type: 'checkbox', id, checked: c.granted === true,
        title: c.given_by ? `${t('class.consent_given_by')}: ${c.given_by}` : t('common.not_asked') });
      box.addEventListener('change', () =>
        act(() => api.consentSet(s.id, c.purpose, box.checked, givenBy), () => t('common.saved')));
      return h('span', { class: 'consent' }, box, h('label', { for: id }, t('purpose.' + c.purpose)));
    }))),
    h('td', {}, h('button', { type: 'button', class: 'btn quiet danger small',
      'aria-label': `${t('common.remove')} ${s.display_name}`,
      onclick: () => {
        if (window.confirm(t('class.remove_confirm', { name: `${s.first_name} ${s.last_name}`.trim() }))) {
          act(() => api.studentRemove(s.id), (r) => [t('class.removed', { name: s.display_name }),
            ...(r.backup_folders_missing || []).map((dir) => t('class.removed_backups_waiting', { dir, name: s.display_name }))]
            .join(' '));
        }
      } }, '✕')),
    h('td', {}, h('button', { type: 'button', class: 'btn quiet small', 'data-action': 'export-portfolio',
      'aria-label': t('class.portfolio_of', { name: s.display_name }),
      onclick: (e) => exportPortfolio(s, e.currentTarget) }, t('class.portfolio'))),
  ));
  return h('section', { class: 'card' },
    h('h3', {}, t('class.students')),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table', 'data-testid': 'students' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('class.col.name')),
          h('th', { scope: 'col' }, t('class.col.shown_as')),
          h('th', { scope: 'col' }, t('class.col.contacts')),
          h('th', { scope: 'col' }, t('class.col.consents')),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.remove'))),
          h('th', { scope: 'col' }, t('class.col.portfolio')))),
        h('tbody', {}, rows))));
}

function field(id, labelKey, input) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input);
}

function addStudentForm(act) {
  const first = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const last = h('input', { type: 'text', autocomplete: 'off' });
  const pseudo = h('input', { type: 'text', autocomplete: 'off' });
  const form = h('form', { class: 'card form-row', 'aria-labelledby': 'add-student-title' },
    h('h3', { id: 'add-student-title' }, t('class.add_student')),
    h('div', { class: 'grid3' },
      field('new-first', 'class.first_name', first),
      field('new-last', 'class.last_name', last),
      field('new-pseudonym', 'class.pseudonym', pseudo)),
    h('button', { type: 'submit', class: 'btn primary' }, t('common.add')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.studentAdd(first.value, last.value, pseudo.value || null), (s) => `${s.display_name} ✓`);
  });
  return form;
}

function studentSelect(students, id) {
  return h('select', { id },
    h('option', { value: '' }, '—'),
    students.map((s) => h('option', { value: s.id }, `${s.first_name} ${s.last_name}`.trim())));
}

/**
 * The contact's details to change, hidden until asked for. A corrected address sends what
 * the mail server refused again; the teacher is told how many.
 */
function editContactForm(c, act) {
  const id = (what) => `edit-contact-${what}-${c.id}`;
  const name = h('input', { type: 'text', required: true, value: c.name });
  const email = h('input', { type: 'email', value: c.email || '' });
  const lang = h('input', { type: 'text', value: c.language });
  const channel = h('select', {}, CHANNELS.map((ch) => h('option', { value: ch, selected: ch === c.channel }, t('channel.' + ch))));
  const form = h('form', { class: 'edit-contact', hidden: true, 'aria-label': `${t('class.edit_contact')}: ${c.name}` },
    h('div', { class: 'grid3' },
      field(id('name'), 'class.contact_name', name),
      field(id('email'), 'class.contact_email', email),
      field(id('language'), 'class.contact_language', lang),
      field(id('channel'), 'class.contact_channel', channel)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn primary small' }, t('common.save')),
      h('button', { type: 'button', class: 'btn quiet danger small',
        onclick: () => {
          if (window.confirm(t('class.remove_contact_confirm', { name: c.name }))) {
            act(() => api.contactRemove(c.id), () => t('class.contact_removed', { name: c.name }));
          }
        } }, t('class.remove_contact'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.contactEdit(c.id, { name: name.value, email: email.value, language: lang.value, channel: channel.value }),
      (r) => (r.emails_queued_again
        ? t('class.contact_saved_requeued', { n: r.emails_queued_again })
        : t('common.saved')));
  });
  const open = (focus) => {
    form.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    focus.focus();
  };
  const toggle = h('button', { type: 'button', class: 'btn quiet small', 'aria-expanded': 'false',
    'aria-label': `${t('class.edit_contact')}: ${c.name}`,
    onclick: () => {
      if (form.hidden) open(name);
      else {
        form.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
      }
    } }, t('common.edit'));
  const fixAddress = h('button', { type: 'button', class: 'btn small', 'data-action': 'fix-address',
    onclick: () => open(email) }, t('class.fix_address'));
  return { form, toggle, fixAddress };
}

function contactsSection(data, act) {
  const contactItem = (c) => {
    const sel = studentSelect(data.students, `link-student-${c.id}`);
    const rel = h('input', { type: 'text', id: `link-rel-${c.id}`, placeholder: t('class.relationship') });
    const edit = editContactForm(c, act);
    return h('li', { class: 'contact', dataset: { contactId: c.id } },
      h('div', { class: 'contact-main' },
        h('strong', {}, c.name),
        h('span', { class: 'muted' }, ` ${c.email || ''} · ${languageName(c.language)} · ${t('channel.' + c.channel)}`),
        ' ', edit.toggle,
        c.email_error ? h('span', {}, ' ', h('span', { class: 'pill warn' }, t('class.address_refused')),
          h('span', { class: 'muted small' }, ' ', t('reason.server_said', { detail: c.email_error })),
          ' ', edit.fixAddress) : ''),
      edit.form,
      h('ul', { class: 'plain links' }, c.students.map((l) => h('li', {},
        `${l.display_name}${l.relationship ? ` (${l.relationship})` : ''} `,
        h('button', { type: 'button', class: 'btn quiet small',
          'aria-label': `${t('class.unlink')} ${c.name} – ${l.display_name}`,
          onclick: () => act(() => api.contactUnlink(c.id, l.student_id), () => t('common.saved')) },
        t('class.unlink'))))),
      h('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        if (sel.value) act(() => api.contactLink(c.id, Number(sel.value), rel.value), () => t('common.saved'));
      } },
      h('label', { for: sel.id, class: 'visually-hidden' }, `${t('class.link')}: ${c.name}`), sel,
      h('label', { for: rel.id, class: 'visually-hidden' }, t('class.relationship')), rel,
      h('button', { type: 'submit', class: 'btn small' }, t('class.link'))));
  };

  const name = h('input', { type: 'text', required: true });
  const email = h('input', { type: 'email' });
  const lang = h('input', { type: 'text', value: data.class.language });
  const channel = h('select', {}, CHANNELS.map((c) => h('option', { value: c }, t('channel.' + c))));
  const student = studentSelect(data.students, 'new-contact-student');
  const rel = h('input', { type: 'text' });
  const form = h('form', { class: 'add-contact', 'aria-labelledby': 'add-contact-title' },
    h('h4', { id: 'add-contact-title' }, t('class.add_contact')),
    h('div', { class: 'grid3' },
      field('new-contact-name', 'class.contact_name', name),
      field('new-contact-email', 'class.contact_email', email),
      field('new-contact-language', 'class.contact_language', lang),
      field('new-contact-channel', 'class.contact_channel', channel),
      h('div', { class: 'field' }, h('label', { for: student.id }, t('class.for_student')), student),
      field('new-contact-rel', 'class.relationship', rel)),
    h('button', { type: 'submit', class: 'btn primary' }, t('common.add')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.contactAdd(
      { name: name.value, email: email.value || null, language: lang.value || null, channel: channel.value },
      student.value ? Number(student.value) : null, rel.value), (c) => `${c.name} ✓`);
  });
  return h('section', { class: 'card' },
    h('h3', {}, t('class.contacts')),
    listOf(data.contacts, { class: 'contacts', 'data-testid': 'contacts' }, contactItem),
    form);
}
