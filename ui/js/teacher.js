'use strict';
// The teacher's window: the lock screen, the navigation, and one module per screen.
// Every screen is a function render(root, view) that draws into `root`; drawing.js keeps
// overlapping draws apart (a slow earlier draw never covers a newer screen), and a
// screen redraws itself after a save with view.reload().
//
// Locked means nothing shows: the moment the session locks (the Lock button, the idle
// timer, the station taking the focus, a child pressing "Teacher"), core tells this window
// (api.onSession) and the screen on display is taken off the page, not merely hidden; after
// the PIN the same screen is drawn afresh.
import { onSession, teacher as api } from './api.js';
import { setLanguage, t, translate } from './i18n.js';
import { clearToast, errorHeadline, errorText, h, showError, toast } from './dom.js';
import { createDrawing } from './drawing.js';
import * as review from './screens/review.js';
import * as klass from './screens/class.js';
import * as goals from './screens/goals.js';
import * as settings from './screens/settings.js';
import * as sync from './screens/sync.js';
import * as families from './screens/families.js';
import * as sharing from './screens/sharing.js';
import * as welcome from './welcome.js';

const screens = {
  review,
  class: klass,
  goals,
  sync,
  sharing,
  families,
  settings,
};

const $ = (id) => document.getElementById(id);
let status = null;

const ctx = {
  /** Re-reads the session; a locked session shows the lock screen. */
  async refreshStatus() {
    status = await api.status();
    show();
    return status;
  },
  /** Called by screens when an error says the session is locked. */
  handle(err, where) {
    if (err && err.kind === 'forbidden' && status && status.pin_set) {
      ctx.refreshStatus().catch(() => {});
    }
    if (where) showError(where, err);
    else toast([errorHeadline(err), errorText(err)].filter(Boolean).join(' '));
  },
  setLanguage(tag) {
    setLanguage(tag);
    translate(document);
    document.title = t('teacher.title');
  },
  setClassName(name) {
    $('class-name').textContent = name;
  },
  setReviewCount(n) {
    const b = $('review-count');
    b.hidden = !n;
    b.textContent = String(n);
    b.setAttribute('aria-label', t('review.waiting_n', { n }));
  },
  get status() {
    return status;
  },
};

function currentScreen() {
  const name = location.hash.replace('#', '');
  return screens[name] ? name : 'class';
}

const drawing = createDrawing($('screen'), screens, ctx, {
  loading: () => h('p', { class: 'muted', 'data-loading': '' }, t('common.loading')),
  failed(frame, err, view) {
    const box = h('div', { class: 'error', role: 'alert' });
    frame.append(box);
    view.handle(err, box);
  },
  // The badge shows what the newest draw read. (The language and the class name are
  // not guarded: Settings sets them from what it saved, which holds even after the
  // teacher moved on; the Class screen, which sets them from what it read, checks
  // view.current itself.)
  guarded: ['setReviewCount'],
  started(view, name) {
    if (name !== 'review') {
      Promise.all([api.reviewList(), api.notesWaiting()])
        .then(([l, n]) => view.setReviewCount(l.length + n.length)).catch(() => {});
    }
  },
});

let onScreen = false; // a screen is drawn (only ever while unlocked)

/** Shows the screen named in the address (nothing while locked). */
function render() {
  if (!(status && status.unlocked)) return Promise.resolve(false);
  const name = currentScreen();
  for (const a of document.querySelectorAll('.sidebar a')) {
    if (a.dataset.screen === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  onScreen = true;
  return drawing.visit(name);
}

let welcomeFor = null; // the folder the welcome is drawn for (no class there yet)

/** Reads the class again after the welcome made or restored one (or the teacher connected
 * the stick or share it is on), in its language, and shows it as the session says. */
async function classArrived() {
  status = await api.status();
  ctx.setLanguage(status.language);
  ctx.setClassName(status.class_name);
  await show();
}

/** The welcome, while the data folder holds no class; nothing else shows meanwhile. */
function showWelcome() {
  const folder = status && status.no_class_in;
  $('welcome').hidden = !folder;
  if (!folder) {
    if (welcomeFor) $('welcome').replaceChildren();
    welcomeFor = null;
    return false;
  }
  $('lock-screen').hidden = true;
  $('app').hidden = true;
  $('topbar-actions').hidden = true;
  $('close-station').hidden = true;
  // Drawn once: a look at the status (the window regaining focus) keeps what was typed.
  if (welcomeFor !== folder) {
    welcomeFor = folder;
    welcome.render($('welcome'), folder, classArrived);
  }
  return true;
}

/** Shows the session as `status` says: the welcome when there is no class, the screens,
 * or the lock screen with nothing of the class left on the page. Resolves once a screen
 * that had to be drawn is drawn. */
function show() {
  if (showWelcome()) return Promise.resolve(false);
  const unlocked = Boolean(status && status.unlocked);
  $('lock-screen').hidden = unlocked;
  $('app').hidden = !unlocked;
  $('topbar-actions').hidden = !unlocked;
  $('close-station').hidden = !(unlocked && status.station_open);
  if (unlocked) return onScreen ? Promise.resolve(true) : render();
  if (onScreen) {
    onScreen = false;
    drawing.clear();
    clearToast();
  }
  showError($('unlock-error'), lockMessage());
  if (document.activeElement !== $('pin')) $('pin').focus();
  return Promise.resolve(false);
}

/** Why the lock screen shows besides the lock itself: the class cannot be read, or a wait
 * after wrong PINs. */
function lockMessage() {
  if (!status) return null;
  if (status.problem) return { kind: 'data_folder', message: status.problem };
  const wait = status.retry_after_secs;
  return wait ? { message: t('teacher.wait', { n: wait }) } : null;
}

async function unlock(ev) {
  ev.preventDefault();
  const pin = $('pin');
  try {
    status = { ...status, ...(await api.unlock(pin.value)) };
    pin.value = '';
    await show();
  } catch (err) {
    pin.select();
    showError($('unlock-error'), err);
  }
}

async function openStation() {
  try {
    status = { ...status, ...(await api.openStation()) };
    show();
  } catch (err) {
    if (err.kind === 'invalid') toast(t('teacher.need_pin'));
    else ctx.handle(err);
  }
}

async function closeStation() {
  try {
    status = { ...status, ...(await api.closeStation()) };
    show();
  } catch (err) {
    ctx.handle(err);
  }
}

async function start() {
  $('unlock-form').addEventListener('submit', unlock);
  $('lock').addEventListener('click', async () => {
    try {
      status = { ...status, ...(await api.lock()) };
      show();
    } catch (err) {
      ctx.handle(err);
    }
  });
  $('open-station').addEventListener('click', openStation);
  $('close-station').addEventListener('click', closeStation);
  window.addEventListener('hashchange', render);
  // The session locked under this window (idle, the station, a second launch): at once.
  onSession((e) => {
    status = { ...status, ...e };
    show();
    if (e.notice === 'need_pin') toast(t('teacher.need_pin'));
  }).catch((err) => showError($('fatal'), err));
  // Coming back to the window after the station: ask again whether we are locked.
  window.addEventListener('focus', () => ctx.refreshStatus().catch(() => {}));
  try {
    status = await api.status();
    ctx.setLanguage(status.language);
    ctx.setClassName(status.class_name);
    await show();
    // For scripts/bench-app: when the first screen became usable.
    performance.mark('goalpost-ready');
  } catch (err) {
    showError($('fatal'), err);
  }
}

ctx.setLanguage('en');
start();
