'use strict';
// The app's words in the class's language (English and Spanish so far; any other
// language falls back to English). Static text comes from data-i18n attributes.
import en from './lang/en.js';
import es from './lang/es.js';

const catalogs = { en, es };
let current = en;
let currentTag = 'en';

/** Chooses the catalog for a BCP 47 tag such as "es-MX"; returns the tag used. */
export function setLanguage(tag) {
  const base = String(tag || 'en').toLowerCase().split('-')[0];
  current = catalogs[base] || en;
  currentTag = catalogs[base] ? base : 'en';
  document.documentElement.lang = currentTag;
  return currentTag;
}

export function language() {
  return currentTag;
}

/** The words for `key`, with {name} placeholders filled in. */
export function t(key, vars) {
  let s = current[key] ?? en[key] ?? key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) {
      s = s.split(`{${k}}`).join(String(v));
    }
  }
  return s;
}

/** Fills every [data-i18n], [data-i18n-placeholder], [data-i18n-label] under `root`. */
export function translate(root) {
  const scope = root || document;
  for (const el of scope.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of scope.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of scope.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  }
  for (const el of scope.querySelectorAll('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle);
  }
}
