'use strict';
// What the teacher's screens share: the head of a screen, its error region, the one way a
// screen acts on core (act, tell, redraw), and a list that says so when it is empty.
import { h, showError, toast } from './dom.js';

/** A screen's error region (role=alert), hidden until an error is shown in it. */
export function errorRegion(attrs) {
  return h('div', { class: 'error', role: 'alert', hidden: true, ...attrs });
}

/**
 * The head of a screen: its title (an h2) with an optional line under it, and actions on
 * the right.
 */
export function screenHead(title, { sub, actions } = {}) {
  return h('div', { class: 'screen-head' },
    sub ? h('div', {}, h('h2', {}, title), sub) : h('h2', {}, title),
    actions ? h('div', { class: 'actions' }, actions) : '');
}

/**
 * The one way a screen acts: `act(fn, done)` runs `fn` (a core command), tells the
 * teacher `done(result)` (if given and not empty) and redraws the screen through
 * `view.reload()` (a no-op once the teacher moved to another screen); an error is shown in `errorBox` and the
 * screen stays as it was, with what the teacher typed. `{ redraw: false }` is for an act
 * that changes nothing on the screen (opening a folder, a test email): the error region
 * is only cleared on success. While `fn` runs, `options.busy` (a button) is disabled and
 * marked aria-busy.
 */
export function actor(view, errorBox) {
  return async (fn, done, { redraw = true, busy } = {}) => {
    setBusy(busy, true);
    try {
      const r = await fn();
      const said = done ? done(r) : null;
      if (said) toast(said);
      if (redraw) await view.reload();
      else showError(errorBox, null);
    } catch (err) {
      view.handle(err, errorBox);
    } finally {
      setBusy(busy, false);
    }
  };
}

function setBusy(button, on) {
  if (!button) return;
  button.disabled = on;
  button.setAttribute('aria-busy', String(on));
}

/**
 * A list of `items`, each drawn by `item(x, i)` into an <li> of its own, or `empty`
 * (an element, or nothing) when there are none. `attrs` go on the <ul>; it is always a
 * plain list (no bullets).
 */
export function listOf(items, attrs, item, empty) {
  if (!items.length && empty) return empty;
  const { class: cls, ...rest } = attrs || {};
  return h('ul', { class: cls ? `plain ${cls}` : 'plain', ...rest }, items.map(item));
}
