'use strict';
// A screen whose core is not built yet: it says so plainly instead of pretending.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function screen(titleKey, textKey) {
  return {
    async render(root) {
      root.replaceChildren(
        h('div', { class: 'screen-head' }, h('h2', {}, t(titleKey))),
        h('section', { class: 'card coming', 'data-testid': 'coming' },
          h('span', { class: 'pill' }, t('common.coming')),
          h('p', {}, t(textKey))),
      );
    },
  };
}
