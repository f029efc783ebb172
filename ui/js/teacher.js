'use strict';
// The teacher's window: the lock screen, the navigation, and one module per screen.
// Every screen is a function render(root, ctx) that draws into `root`.
import { teacher as api } from './api.js';
import { setLanguage, t, translate } from './i18n.js';
import { errorHeadline, h, showError, toast } from './dom.js';
import * as review from './screens/review.js';
import * as klass from './screens/class.js';
import * as goals from './screens/goals.js';
import * as settings from './screens/settings.js';
import * as sync from './screens/sync.js';
import * as families from './screens/families.js';

const screens = {
  review,
  class: klass,
  goals,
  sync,
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
    else toast([errorHeadline(err), err.message].filter(Boolean).join(' '));
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

async function render() {
  const name = currentScreen();
  for (const a of document.querySelectorAll('.sidebar a')) {
    if (a.dataset.screen === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const root = $('screen');
  root.replaceChildren(h('p', { class: 'muted', 'data-loading': '' }, t('common.loading')));
  if (name !== 'review') {
    api.reviewList().then((l) => ctx.setReviewCount(l.length)).catch(() => {});
  }
  try {
    await screens[name].render(root, ctx);
  } catch (err) {
    root.replaceChildren();
    const box = h('div', { class: 'error', role: 'alert' });
    root.append(box);
    ctx.handle(err, box);
  }
}

function show() {
  const unlocked = status && status.unlocked;
  $('lock-screen').hidden = unlocked;
  $('app').hidden = !unlocked;
  $('topbar-actions').hidden = !unlocked;
  if (!unlocked) {
    const wait = status ? status.retry_after_secs : 0;
    showError($('unlock-error'), wait ? { message: t('teacher.wait', { n: wait }) } : null);
    $('pin').focus();
  }
}

async function unlock(ev) {
  ev.preventDefault();
  const pin = $('pin');
  try {
    status = await api.unlock(pin.value);
    pin.value = '';
    show();
    await render();
  } catch (err) {
    pin.select();
    showError($('unlock-error'), err);
  }
}

async function openStation() {
  try {
    status = await api.openStation();
    show();
  } catch (err) {
    if (err.kind === 'invalid') toast(t('teacher.need_pin'));
    else ctx.handle(err);
  }
}

async function start() {
  $('unlock-form').addEventListener('submit', unlock);
  $('lock').addEventListener('click', async () => {
    status = await api.lock();
    show();
  });
  $('open-station').addEventListener('click', openStation);
  window.addEventListener('hashchange', render);
  // Coming back to the window after the station: ask again whether we are locked.
  window.addEventListener('focus', () => ctx.refreshStatus().catch(() => {}));
  try {
    status = await api.status();
    ctx.setLanguage(status.language);
    ctx.setClassName(status.class_name);
    show();
    if (status.unlocked) await render();
    // For scripts/bench-app: when the first screen became usable.
    performance.mark('goalpost-ready');
  } catch (err) {
    showError($('fatal'), err);
  }
}

ctx.setLanguage('en');
start();
