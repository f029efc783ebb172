'use strict';
// The Goals screen: a goal for one student or many at once (with ideas to start from, and
// the goal titles kept from earlier years),
// each student's goals, marking a goal achieved by hand, setting the next goal, and
// printing goal sheets to send home (one student's, or the whole class's, a page each).
import { teacher as api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { actor, errorRegion, listOf, screenHead } from '../screen.js';

const TEMPLATES = [1, 2, 3, 4, 5].map((n) => `goals.template.${n}`);

export async function render(root, view) {
  const [data, kept] = await Promise.all([api.goalsOverview(), api.goalSuggestions()]);
  const errorBox = errorRegion();
  const act = actor(view, errorBox);

  const printAll = h('button', { type: 'button', class: 'btn', 'data-testid': 'goal-sheets-print-all' },
    t('goals.print_all'));
  printAll.addEventListener('click', () => print(act, null, printAll));
  root.replaceChildren(
    screenHead(t('goals.title'), { actions: data.length ? printAll : '' }),
    errorBox,
    addForm(data, act, kept),
    listOf(data, { class: 'goal-students', 'data-testid': 'goals' }, (s) => studentGoals(s, act)),
  );
}

/** Writes goal sheets (a student's, or everyone's for null) and says where they are. */
function print(act, studentId, button) {
  act(() => api.goalSheetsPrint(studentId),
    (r) => t(r.opened ? 'goals.printed' : 'goals.printed_not_opened', { file: r.file }),
    { redraw: false, busy: button });
}

// `kept`: goal titles kept from earlier years (`class archive`), offered first.
function addForm(data, act, kept) {
  const title = h('input', { type: 'text', id: 'goal-title', required: true, list: 'goal-templates' });
  const subject = h('input', { type: 'text', id: 'goal-subject' });
  const templates = h('datalist', { id: 'goal-templates', 'data-testid': 'goal-suggestions' },
    kept.map((k) => h('option', { value: k.title, label: k.subject || k.title })),
    TEMPLATES.map((k) => h('option', { value: t(k) })));
  title.addEventListener('change', () => {
    const k = kept.find((x) => x.title === title.value);
    if (k && k.subject && !subject.value) subject.value = k.subject;
  });
  const all = h('input', { type: 'checkbox', id: 'goal-all' });
  const boxes = data.map((s) => h('input', { type: 'checkbox', id: `goal-for-${s.student_id}`, value: s.student_id }));
  all.addEventListener('change', () => boxes.forEach((b) => { b.checked = all.checked; }));
  const form = h('form', { class: 'card', 'aria-labelledby': 'add-goal-title' },
    h('h3', { id: 'add-goal-title' }, t('goals.add')),
    h('div', { class: 'grid2' },
      h('div', { class: 'field' }, h('label', { for: 'goal-title' }, t('goals.goal_title')), title, templates),
      h('div', { class: 'field' }, h('label', { for: 'goal-subject' }, t('goals.subject')), subject)),
    h('div', { class: 'chips', role: 'group', 'aria-label': t('goals.templates') },
      TEMPLATES.map((k) => h('button', { type: 'button', class: 'chip',
        onclick: () => { title.value = t(k); title.focus(); } }, t(k)))),
    h('fieldset', { class: 'for-students' },
      h('legend', {}, t('goals.for')),
      h('span', { class: 'check' }, all, h('label', { for: 'goal-all' }, t('goals.select_all'))),
      data.map((s, i) => h('span', { class: 'check' }, boxes[i], h('label', { for: boxes[i].id }, s.display_name)))),
    h('button', { type: 'submit', class: 'btn primary' }, t('goals.add')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = boxes.filter((b) => b.checked).map((b) => Number(b.value));
    act(() => api.goalAdd(ids, title.value, subject.value), (r) => t('goals.added', { n: r.length }));
  });
  return form;
}

function studentGoals(s, act) {
  const printOne = h('button', { type: 'button', class: 'btn small quiet',
    'aria-label': t('goals.print_one_for', { name: s.display_name }) }, t('goals.print_one'));
  printOne.addEventListener('click', () => print(act, s.student_id, printOne));
  return h('li', { class: 'card goal-student' },
    h('div', { class: 'goal-line' }, h('h3', {}, s.display_name), h('span', { class: 'spacer' }), printOne),
    listOf(s.goals, { class: 'goal-list' }, (g) => goalRow(g, act), h('p', { class: 'muted' }, t('goals.none'))));
}

function goalRow(g, act) {
  const achieved = g.status === 'achieved';
  const nextId = `next-${g.id}`;
  const next = h('input', { type: 'text', id: nextId, list: 'goal-templates' });
  const nextForm = h('form', { class: 'inline', hidden: true },
    h('label', { for: nextId }, t('goals.next_title')), next,
    h('button', { type: 'submit', class: 'btn small primary' }, t('common.add')));
  nextForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(() => api.goalAddNext(g.id, next.value, g.subject), () => t('common.saved'));
  });
  return h('li', { class: `goal ${achieved ? 'achieved' : ''}` },
    h('div', { class: 'goal-line' },
      h('span', { class: `pill ${achieved ? 'ok' : ''}` }, achieved ? t('goals.achieved') : t('goals.current')),
      h('span', { class: 'goal-title' }, g.title),
      g.subject ? h('span', { class: 'muted' }, ` · ${g.subject}`) : '',
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn small',
        onclick: () => act(() => api.goalSetStatus(g.id, achieved ? 'current' : 'achieved'), () => t('common.saved')) },
      achieved ? t('goals.mark_current') : t('goals.mark_achieved')),
      g.next_goal_id ? '' : h('button', { type: 'button', class: 'btn small quiet',
        onclick: () => { nextForm.hidden = !nextForm.hidden; if (!nextForm.hidden) next.focus(); } }, t('goals.next'))),
    nextForm);
}
