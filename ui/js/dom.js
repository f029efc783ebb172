'use strict';
// Small helpers to build elements without innerHTML (no markup from data, ever).
import { coded, t, language } from './i18n.js';

/** h('button', {class: 'x', dataset: {id: 1}, onclick: f}, 'text', child) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * A one-line headline for an error's kind in the app's language, or '' in English (core's
 * messages are English and say it already) and for errors without a kind (the window's
 * own messages, already in the app's language).
 */
export function errorHeadline(err) {
  if (!err || !err.kind || language() === 'en') return '';
  return coded('error.kind', err.kind, t('error.title'));
}

/**
 * Shows an error {kind, message} in plain words inside `el` (a role=alert region): in a
 * language other than English, a headline in that language above core's English detail.
 */
export function showError(el, err) {
  clear(el);
  if (!err) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  const headline = errorHeadline(err);
  const lines = String(err.message || err).split('\n');
  // Core's own words are English: say so, for screen readers and translators.
  const detailLang = headline ? 'en' : undefined;
  if (headline) el.append(h('p', { class: 'error-headline', 'data-testid': 'error-headline' }, headline));
  el.append(h('p', { class: headline ? 'error-main error-detail' : 'error-main', lang: detailLang }, lines[0]));
  if (lines.length > 1) {
    el.append(h('ul', { class: 'error-rows', lang: detailLang }, lines.slice(1).map((l) => h('li', {}, l.trim()))));
  }
}

/** Takes a short message off the screen at once (the session locked: it may name someone). */
export function clearToast() {
  const region = document.getElementById('toast');
  if (!region) return;
  clearTimeout(region._timer);
  region.textContent = '';
  region.classList.remove('show');
}

/** A short message that disappears by itself; announced to screen readers. */
export function toast(text) {
  let region = document.getElementById('toast');
  if (!region) {
    region = h('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  region.textContent = text;
  region.classList.add('show');
  clearTimeout(region._timer);
  region._timer = setTimeout(() => region.classList.remove('show'), 4000);
}
