'use strict';
// The only caller of Tauri's invoke. Every command is named here once; errors come back
// as AppError {kind, message} (and, when another operation holds the class, heldBy: what
// and since when), so screens never match strings. Tauri is reached through its
// own JavaScript API (@tauri-apps/api), which the app puts on window.__TAURI__
// (withGlobalTauri in tauri.conf.json): no bundler, and nothing of Tauri's internals.

export class AppError extends Error {
  constructor(kind, message, heldBy) {
    super(message);
    this.kind = kind;
    this.heldBy = heldBy || null;
  }
}

function toAppError(e) {
  if (e && typeof e === 'object' && typeof e.kind === 'string') {
    return new AppError(e.kind, String(e.message || ''), e.held_by);
  }
  // Tauri itself refused the call (for example a command this window may not use).
  const text = String(e && e.message ? e.message : e);
  const kind = /not allowed|denied|permission/i.test(text) ? 'forbidden' : 'ipc';
  return new AppError(kind, text);
}

/** The event the desktop shell sends to the teacher's window (src-tauri/src/state.rs). */
const SESSION_EVENT = 'goalpost://session';

/** Tauri's JavaScript API; missing when this page is opened outside the app. */
function tauri() {
  const api = window.__TAURI__;
  if (!api || !api.core || typeof api.core.invoke !== 'function') {
    throw new AppError('ipc', 'Goalpost is not running: open this page in the Goalpost app.');
  }
  return api;
}

async function call(cmd, args) {
  const { core } = tauri();
  try {
    return await core.invoke(cmd, args || {});
  } catch (e) {
    throw toAppError(e);
  }
}

/** A channel for progress from a command (Tauri's `Channel`): `onmessage` hears each
 * message in the order the Rust side sent it. */
function channel(onmessage) {
  return new (tauri().core.Channel)(onmessage);
}

/**
 * Calls `handler(payload)` whenever core tells this window about its session (the teacher
 * session locked: idle, the station took the focus, a child pressed "Teacher"). Resolves
 * to a function that stops listening.
 */
export async function onSession(handler) {
  return tauri().event.listen(SESSION_EVENT, (e) => handler(e.payload));
}

export const station = {
  home: () => call('station_home'),
  goals: (studentId) => call('station_goals', { studentId }),
  submit: (submission) => call('station_submit', { submission }),
  /** A child's own note to their family: it waits for the teacher. */
  note: (note) => call('station_note', { note }),
  callTeacher: () => call('station_call_teacher'),
};

export const teacher = {
  status: () => call('teacher_status'),
  unlock: (pin) => call('teacher_unlock', { pin }),
  lock: () => call('teacher_lock'),
  setPin: (current, pin) => call('teacher_set_pin', { current, pin }),
  openStation: () => call('open_station'),
  closeStation: () => call('close_station'),

  classOverview: () => call('class_overview'),
  studentAdd: (firstName, lastName, pseudonym) =>
    call('student_add', { firstName, lastName, pseudonym }),
  studentRemove: (id) => call('student_remove', { id }),
  contactAdd: (contact, studentId, relationship) =>
    call('contact_add', { contact, studentId, relationship }),
  contactEdit: (id, contact) => call('contact_edit', { id, contact }),
  contactRemove: (id) => call('contact_remove', { id }),
  contactLink: (contactId, studentId, relationship) =>
    call('contact_link', { contactId, studentId, relationship }),
  contactUnlink: (contactId, studentId) => call('contact_unlink', { contactId, studentId }),
  consentSet: (studentId, purpose, granted, givenBy) =>
    call('consent_set', { studentId, purpose, granted, givenBy }),
  rosterImport: (csv, fileName) => call('roster_import', { csv, fileName }),
  rosterExport: () => call('roster_export'),

  reviewList: () => call('review_list'),
  notesWaiting: () => call('notes_waiting'),
  noteApprove: (ids) => call('note_approve', { ids }),
  noteReject: (ids) => call('note_reject', { ids }),
  evidencePhoto: (id) => call('evidence_photo', { id }),
  evidenceEdit: (id, words, familyMessage) =>
    call('evidence_edit', { id, words, familyMessage }),
  approve: (ids) => call('evidence_approve', { ids }),
  approveAll: () => call('evidence_approve_all'),
  returnEvidence: (id, reason) => call('evidence_return', { id, reason }),

  goalsOverview: () => call('goals_overview'),
  goalAdd: (studentIds, title, subject) => call('goal_add', { studentIds, title, subject }),
  goalSetStatus: (id, status) => call('goal_set_status', { id, status }),
  goalAddNext: (id, title, subject) => call('goal_add_next', { id, title, subject }),
  /** Writes goal sheets (one student's, or the class's with null) and opens the file. */
  goalSheetsPrint: (studentId) => call('goal_sheets_print', { studentId }),

  syncPreview: () => call('sync_preview'),
  /** Runs the sync; `onEvent` hears its progress ({event: 'step'|'sending', ...}). */
  syncRun: (onEvent) => call('sync_run', { onProgress: channel(onEvent) }),

  familiesList: () => call('families_list'),
  familyLog: (contactId, method, note) => call('family_log', { contactId, method, note }),
  chatList: () => call('chat_list'),
  /** A chat text's photo, raw bytes (an ArrayBuffer). */
  chatPhoto: (id) => call('chat_photo', { id }),
  chatSent: (ids) => call('chat_sent', { ids }),

  sharingList: () => call('sharing_list'),
  /** `form` is {at: 'YYYY-MM-DDTHH:MM', until: 'HH:MM' or '', title, place}. */
  sharingAdd: (form) => call('sharing_add', { form }),
  sharingEdit: (id, form) => call('sharing_edit', { id, form }),
  sharingCancel: (id) => call('sharing_cancel', { id }),

  settings: () => call('settings_get'),
  classSave: (cls) => call('class_save', { class: cls }),
  settingSet: (key, value) => call('setting_set', { key, value }),
  /** Saves `[[key, value], ...]` together: all, or none with the first bad one named. */
  settingsSave: (values) => call('settings_save', { values }),
  backupCreate: () => call('backup_create'),
  backupList: () => call('backup_list'),
  backupRestore: (name) => call('backup_restore', { name }),
  mailServer: () => call('mail_server_get'),
  mailServerSave: (server) => call('mail_server_save', { server }),
  mailTest: (address) => call('mail_test', { address }),
  openFolder: (folder) => call('open_folder', { folder }),
  /** Asks for a folder (the dialog's `title`), writes the portfolio of `studentId`, or of
   * every student when it is null, into a new folder inside it; null if cancelled. */
  portfolioExport: (studentId, title) => call('portfolio_export', { studentId, title }),
  goalSuggestions: () => call('goal_suggestions'),
  /** Makes the class of a data folder that holds none yet. */
  classCreate: (cls) => call('class_create', { class: cls }),
  /** Asks for a backup file (the dialog's `title`, its file types named `filter`) and
   * restores the class from it; null if cancelled. */
  backupRestoreFile: (title, filter) => call('backup_restore_file', { title, filter }),
};

