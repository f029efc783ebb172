'use strict';
// The class station: name → goal → photo → words → well done, then back to the start; or
// name → a note to my family (a few words, with a friendly count of letters left) → done.
// Children use it one after another, so every step is big, every step can go back, and
// an idle station forgets the last child and returns to the names.
import { station as api } from './api.js';
import { setLanguage, t, translate } from './i18n.js';
import { h, clear, showError } from './dom.js';

const IDLE_MS = 90 * 1000; // a half-finished submission is dropped after this
const MANY = 15; // more names than this: smaller tiles, so a whole class fits one screen
const DONE_MS = 8 * 1000; // the confirmation shows this long
const STEPS = { goals: 1, photo: 2, words: 3 };
const NOTE_MAX = 140; // as core's NOTE_MAX_CHARS: a few words, not a letter

const $ = (id) => document.getElementById(id);
const state = { student: null, goal: null, photo: null, photoUrl: null, stream: null };
let idleTimer = null;

// ---- moving between steps -------------------------------------------------------------

function go(step) {
  for (const s of document.querySelectorAll('.step-screen')) s.hidden = s.dataset.step !== step;
  const n = STEPS[step];
  $('step').textContent = n ? t('station.step', { n: n + 1 }) : '';
  // Let the click that moved on finish before the camera is released.
  if (step !== 'photo') setTimeout(stopCamera, 0);
  if (step === 'names') {
    reset();
    showNames().catch((err) => showError($('fatal'), err));
  }
  if (step === 'goals' && state.student) showGoals();
  if (step === 'photo') startPhoto();
  if (step === 'words') showWords();
  if (step === 'note') showNote();
  const title = document.querySelector(`[data-step="${step}"] h1`);
  if (title) title.focus();
  armIdle(step === 'done' ? DONE_MS : IDLE_MS, step);
}

function armIdle(ms, step) {
  clearTimeout(idleTimer);
  if (step === 'names') return;
  idleTimer = setTimeout(() => go('names'), ms);
}

function reset() {
  state.student = null;
  state.goal = null;
  setPhoto(null);
  $('words').value = '';
  $('family-message').value = '';
  showError($('words-error'), null);
  $('note-text').value = '';
  showError($('note-error'), null);
}

// ---- 1. names -------------------------------------------------------------------------

async function showNames() {
  const home = await api.home();
  setLanguage(home.language);
  translate(document);
  document.title = t('station.title');
  $('class-name').textContent = home.class_name;
  const list = clear($('names'));
  list.classList.toggle('many', home.students.length > MANY);
  $('no-students').hidden = home.students.length > 0;
  for (const s of home.students) {
    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, s.initial);
    avatar.style.setProperty('--avatar', s.colour);
    list.append(h('li', {}, h('button', {
      type: 'button', class: 'name-tile', dataset: { studentId: s.id },
      onclick: () => { state.student = s; go('goals'); },
    }, avatar, h('span', { class: 'name' }, s.display_name))));
  }
}

// ---- 2. goals -------------------------------------------------------------------------

async function showGoals() {
  $('goals-title').textContent = t('station.which_goal', { name: state.student.display_name });
  const list = clear($('goals'));
  try {
    const goals = await api.goals(state.student.id);
    $('no-goals').hidden = goals.length > 0;
    for (const g of goals) {
      list.append(h('li', {}, h('button', {
        type: 'button', class: 'goal-card', dataset: { goalId: g.id },
        onclick: () => { state.goal = g; setPhoto(null); go('photo'); },
      },
      h('span', { class: 'goal-star', 'aria-hidden': 'true' }, '★'),
      h('span', { class: 'goal-title' }, g.title),
      g.subject ? h('span', { class: 'goal-subject' }, g.subject) : '',
      g.waiting ? h('span', { class: 'badge' }, t('station.waiting_badge')) : '')));
    }
  } catch (err) {
    showError($('fatal'), err);
  }
}

// ---- 3. photo -------------------------------------------------------------------------

function setPhoto(blob) {
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photo = blob;
  state.photoUrl = blob ? URL.createObjectURL(blob) : null;
}

function showPhotoButtons(mode) {
  // mode: 'live' (camera running), 'taken' (a photo to keep), 'none' (no camera)
  $('shoot').hidden = mode !== 'live';
  $('retake').hidden = mode !== 'taken';
  $('keep').hidden = mode !== 'taken';
  $('video').hidden = mode !== 'live';
  $('preview').hidden = mode !== 'taken';
  // "No camera here..." is for the empty frame; it never covers the child's photo.
  if (mode !== 'none') $('camera-note').hidden = true;
  if (mode === 'taken') {
    $('preview').src = state.photoUrl;
    $('preview').alt = t('station.photo_preview');
  }
}

async function startPhoto() {
  const note = $('camera-note');
  $('countdown').hidden = true;
  if (state.photo) {
    showPhotoButtons('taken');
    return;
  }
  note.hidden = false;
  note.textContent = t('station.camera_starting');
  showPhotoButtons('none');
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error('no camera API');
    state.stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
    });
    if ($('s-photo').hidden) { stopCamera(); return; } // the child moved on meanwhile
    $('video').srcObject = state.stream;
    note.hidden = true;
    showPhotoButtons('live');
    $('shoot').focus();
  } catch (_) {
    state.stream = null;
    note.textContent = t('station.no_camera');
    showPhotoButtons('none');
    $('choose-file').focus();
  }
}

function stopCamera() {
  if (state.stream) {
    for (const track of state.stream.getTracks()) track.stop();
    state.stream = null;
  }
  $('video').srcObject = null;
}

function countdown(n) {
  const el = $('countdown');
  el.hidden = false;
  return new Promise((resolve) => {
    const tick = () => {
      if (n === 0) { el.hidden = true; resolve(); return; }
      el.textContent = String(n);
      el.classList.remove('pop');
      void el.offsetWidth; // restart the animation
      el.classList.add('pop');
      n -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  });
}

async function shoot() {
  $('shoot').disabled = true;
  await countdown(3);
  $('shoot').disabled = false;
  const video = $('video');
  const canvas = $('canvas');
  canvas.width = video.videoWidth || 1280;
  canvas.height = video.videoHeight || 720;
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  setPhoto(blob);
  showPhotoButtons('taken');
  $('keep').focus();
}

function chooseFile() {
  const input = $('photo-file');
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  setPhoto(file);
  showPhotoButtons('taken');
  $('keep').focus();
}

// ---- 4. words -------------------------------------------------------------------------

function showWords() {
  const img = $('words-photo');
  img.hidden = !state.photoUrl;
  if (state.photoUrl) {
    img.src = state.photoUrl;
    img.alt = t('station.photo_preview');
  }
}

function addStarter(key) {
  const box = $('words');
  const text = t(key).replace(/\s*…$/, ' ');
  box.value = box.value && !box.value.endsWith('\n') ? `${box.value}\n${text}` : box.value + text;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

async function send(ev) {
  ev.preventDefault();
  const words = $('words').value.trim();
  if (!words && !state.photo) {
    showError($('words-error'), { message: t('station.need_words') });
    return;
  }
  const btn = $('send');
  btn.disabled = true;
  btn.textContent = t('station.sending');
  try {
    const receipt = await api.submit({
      student_id: state.student.id,
      goal_id: state.goal.id,
      photo: state.photo ? await blobToDataUrl(state.photo) : null,
      words,
      family_message: $('family-message').value.trim(),
    });
    $('done-title').textContent = t('station.done_title', { name: receipt.display_name });
    $('done-text').textContent = t('station.done_text', { goal: receipt.goal_title });
    go('done');
    window.dispatchEvent(new CustomEvent('goalpost:submitted', { detail: receipt }));
  } catch (err) {
    showError($('words-error'), err);
  } finally {
    btn.disabled = false;
    btn.textContent = t('station.send');
  }
}

// ---- a note to my family --------------------------------------------------------------

function noteCount() {
  const left = NOTE_MAX - $('note-text').value.length;
  $('note-count').textContent = t('station.note_left', { n: Math.max(left, 0) });
  $('note-count').classList.toggle('few', left <= 20);
}

function showNote() {
  $('note-title').textContent = t('station.note_title_for', { name: state.student.display_name });
  noteCount();
}

function addNoteStarter(key) {
  const box = $('note-text');
  const text = t(key).replace(/\s*…$/, ' ');
  box.value = `${box.value}${box.value && !box.value.endsWith(' ') ? ' ' : ''}${text}`.slice(0, NOTE_MAX);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  noteCount();
}

async function sendNote(ev) {
  ev.preventDefault();
  const text = $('note-text').value.trim();
  if (!text) {
    showError($('note-error'), { message: t('station.note_empty') });
    return;
  }
  const btn = $('send-note');
  btn.disabled = true;
  btn.textContent = t('station.sending');
  try {
    const receipt = await api.note({ student_id: state.student.id, text });
    $('done-title').textContent = t('station.note_done_title', { name: receipt.display_name });
    $('done-text').textContent = t('station.note_done_text');
    go('done');
    window.dispatchEvent(new CustomEvent('goalpost:noted', { detail: receipt }));
  } catch (err) {
    showError($('note-error'), err);
  } finally {
    btn.disabled = false;
    btn.textContent = t('station.send');
  }
}

// ---- start ----------------------------------------------------------------------------

function wire() {
  for (const b of document.querySelectorAll('[data-go]')) {
    b.addEventListener('click', () => go(b.dataset.go));
  }
  for (const b of document.querySelectorAll('[data-starter]')) {
    b.addEventListener('click', () => addStarter(b.dataset.starter));
  }
  $('shoot').addEventListener('click', shoot);
  $('retake').addEventListener('click', () => { setPhoto(null); startPhoto(); });
  $('keep').addEventListener('click', () => go('words'));
  $('no-photo').addEventListener('click', () => { setPhoto(null); go('words'); });
  $('choose-file').addEventListener('click', () => $('photo-file').click());
  $('photo-file').addEventListener('change', chooseFile);
  $('words-form').addEventListener('submit', send);
  $('note-form').addEventListener('submit', sendNote);
  $('note-text').addEventListener('input', noteCount);
  for (const b of document.querySelectorAll('[data-note-starter]')) {
    b.addEventListener('click', () => addNoteStarter(b.dataset.noteStarter));
  }
  // Refused (forbidden) only before the teacher chose a PIN: then the child is told to go
  // and ask. Anything else shows as any other error.
  $('call-teacher').addEventListener('click', () => api.callTeacher().catch((err) => {
    if (err && err.kind !== 'forbidden') {
      showError($('fatal'), err);
      return;
    }
    showError($('fatal'), { message: t('station.ask_teacher') });
    setTimeout(() => showError($('fatal'), null), 8000);
  }));
  // Any touch, click or key keeps the current child's session alive.
  for (const type of ['pointerdown', 'keydown', 'input']) {
    document.addEventListener(type, () => {
      const step = document.querySelector('.step-screen:not([hidden])');
      if (step && step.dataset.step !== 'done') armIdle(IDLE_MS, step.dataset.step);
    }, { passive: true });
  }
}

async function start() {
  wire();
  translate(document);
  try {
    await showNames();
    performance.mark('goalpost-ready');
  } catch (err) {
    showError($('fatal'), err);
  }
}

start();
