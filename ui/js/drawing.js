'use strict';
// Drawing screens that read from core first, so that overlapping draws never mix.
//
// Drawing is asynchronous, so draws overlap: the teacher clicks Class then Goals before
// Class has answered, or a save on one screen redraws it after the teacher has moved on.
// Each draw therefore builds a fresh frame off the page and gets its own `view` (the
// shared ctx, plus its place in line); only the newest draw may put its frame on the page
// or call the ctx methods that change the window's shared parts. A stale draw finishes
// into a detached frame, which is dropped. No DOM lookups here: the host element and the
// screens are given, so the rules can be tested on their own (tests/e2e/suite.py).

/**
 * host: the element the screen on display lives in.
 * screens: { name: { render(root, view) } }, each drawing into `root` (a detached frame).
 * ctx: what screens share; each view inherits from it.
 * options.loading(): the element shown while a newly visited screen draws.
 * options.failed(frame, err, view): draws a failed draw's error into its frame.
 * options.guarded: names of ctx methods only the newest draw may call (others are no-ops).
 * options.started(view, name): called as each draw starts (for example to refresh a badge).
 */
export function createDrawing(host, screens, ctx, options = {}) {
  let generation = 0; // every draw takes the next number: only the newest shows its frame
  let visit = 0; // every visit to a screen: a save redraws only during its own visit

  function viewFor(gen, myVisit, name) {
    const current = () => gen === generation;
    const props = {
      current: { get: current },
      screen: { value: name },
      reload: { value: () => (myVisit === visit ? draw(name, true) : Promise.resolve(false)) },
    };
    for (const m of options.guarded || []) {
      props[m] = { value: (...args) => (current() ? ctx[m](...args) : undefined) };
    }
    return Object.create(ctx, props);
  }

  /**
   * Draws `name` into a new frame and shows it if no newer draw started meanwhile;
   * resolves to whether it was shown. `again`: a redraw of the screen on display (after a
   * save), which keeps the old frame until the new one is ready instead of "Loading…".
   */
  async function draw(name, again) {
    generation += 1;
    const view = viewFor(generation, visit, name);
    if (!again && options.loading) host.replaceChildren(options.loading());
    if (options.started) options.started(view, name);
    const frame = document.createElement('div');
    frame.className = 'screen-frame';
    frame.dataset.screen = name;
    try {
      await screens[name].render(frame, view);
    } catch (err) {
      if (!view.current) return false;
      frame.replaceChildren();
      if (options.failed) options.failed(frame, err, view);
    }
    if (!view.current) return false;
    host.replaceChildren(frame);
    return true;
  }

  return {
    /** Goes to the screen `name` (a new visit) and draws it; resolves to whether shown. */
    visit(name) {
      visit += 1;
      return draw(name, false);
    },
    /**
     * Takes the screen off the page (the session locked): the host is emptied, and every
     * draw or save still under way finishes into nothing, so no data comes back until the
     * next visit.
     */
    clear() {
      generation += 1;
      visit += 1;
      host.replaceChildren();
    },
  };
}
