'use strict';
// The app's words in the class's language (English and Spanish so far; any other
// language falls back to English). Static text comes from data-i18n attributes.
//
// The catalogs are JSON files in ui/lang/ (one per language), read here when the page
// starts and by src-tauri/tests/catalogs.rs with a real JSON parser. A value is either a
// string or, for words that depend on a count, an object of plural forms chosen by the `n`
// variable with Intl.PluralRules:
//   "class.count": { "one": "{n} student", "other": "{n} students" }
// A sentence with several counts is built from separately counted pieces, each its own
// key, so that every piece agrees with its own number. The test checks that every catalog
// has the same keys, plural forms and placeholders as English. ui/lang/README.md says more.

/** Reads ui/lang/<tag>.json (the app's own files: the CSP allows `connect-src 'self'`). */
async function load(tag) {
  const res = await fetch(new URL(`../lang/${tag}.json`, import.meta.url));
  if (!res.ok) throw new Error(`the ${tag} words could not be read (${res.status})`);
  return res.json();
}

// Top-level await: a module that imports this one runs once the words are here, so t()
// stays synchronous everywhere.
const [en, es] = await Promise.all([load('en'), load('es')]);
const catalogs = { en, es };
let current = en;
let currentTag = 'en';
const pluralRules = new Map();

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

function rules(tag) {
  if (!pluralRules.has(tag)) pluralRules.set(tag, new Intl.PluralRules(tag));
  return pluralRules.get(tag);
}

/** The plural form of `forms` for the count `n` in the language `tag`. */
function plural(forms, n, tag) {
  const count = Number(n);
  const category = Number.isFinite(count) ? rules(tag).select(count) : 'other';
  return forms[category] ?? forms.other;
}

/**
 * The words for `key`, with {name} placeholders filled in. A plural entry is chosen by
 * `vars.n`; a key missing from the class's language comes from English, with English
 * plural rules.
 */
export function t(key, vars) {
  let tag = currentTag;
  let s = current[key];
  if (s === undefined) {
    s = en[key];
    tag = 'en';
  }
  if (s === undefined) return key;
  if (typeof s === 'object') s = plural(s, vars ? vars.n : undefined, tag);
  if (!vars) return s;
  // One pass, so that a value holding braces (a child's words) is never filled in again.
  return s.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(vars, name) ? String(vars[name]) : whole));
}

const languageNames = new Map();

/**
 * The name of the language `tag` in the app's language ("mi" is "Māori" in English and
 * "maorí" in Spanish), or the tag itself when it is not a language tag this engine knows.
 */
export function languageName(tag) {
  if (!tag) return '';
  try {
    if (!languageNames.has(currentTag)) {
      languageNames.set(currentTag, new Intl.DisplayNames([currentTag], { type: 'language', fallback: 'code' }));
    }
    return languageNames.get(currentTag).of(tag) || tag;
  } catch {
    return tag; // not a well-formed tag, or an engine without Intl.DisplayNames
  }
}

/** True when the catalog of the current language (or English) has `key`. */
export function has(key) {
  return key in current || key in en;
}

/**
 * The words for a code core sends beside its English words (`{code, reason}`): the
 * catalog's `prefix.code` in the class's language, or core's own English `fallback` for a
 * code this window does not know yet.
 */
export function coded(prefix, code, fallback) {
  const key = `${prefix}.${code}`;
  return code && has(key) ? t(key) : fallback;
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
