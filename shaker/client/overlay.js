// @ts-check
/**
 * The error overlay: `<shaker-error-overlay>`, a custom element with a shadow root that shows a
 * server error (message, file:line:col, code frame, stack) on top of the page.
 *
 * The client (`client.js`) creates one when an `error` payload arrives and removes it on the next
 * successful update. The user closes it with Esc or a click outside the panel. Styles carry the
 * page's CSP nonce (`<meta property="csp-nonce" nonce="...">`) so that a strict
 * `style-src 'nonce-...'` policy still lets them apply.
 *
 * Text from the server is only ever written with `textContent`, never parsed as HTML.
 */

/** Tag name of the overlay element. */
export const OVERLAY_TAG = 'shaker-error-overlay';

/**
 * What the overlay shows: the `err` field of an `error` payload.
 * @typedef {object} OverlayError
 * @property {string} message
 * @property {string} [stack]
 * @property {string} [id] module URL the error belongs to
 * @property {string} [frame] code frame, already rendered as text
 * @property {string} [plugin] name of the plugin that raised it
 * @property {{file?: string, line: number, column: number}} [loc]
 */

/**
 * The nonce of `<meta property="csp-nonce">`, if the page has one.
 * Read through the `nonce` property: browsers hide the attribute once a CSP applies.
 * @returns {string | undefined}
 */
export function cspNonce() {
  if (typeof document === 'undefined') return undefined;
  /** @type {HTMLMetaElement | null} */
  const meta = document.querySelector('meta[property=csp-nonce]');
  return meta?.nonce || meta?.getAttribute('nonce') || undefined;
}

const STYLE = `
:host {
  position: fixed; inset: 0; z-index: 99999;
  display: flex; align-items: flex-start; justify-content: center;
  overflow-y: auto; background: rgba(0, 0, 0, 0.66);
  --red: #ff5555; --yellow: #e2aa53; --dim: #c9c9c9;
}
.panel {
  box-sizing: border-box; width: min(960px, calc(100% - 32px)); margin: 48px 0; padding: 24px 28px;
  background: #181818; color: #d8d8d8; border-top: 6px solid var(--red); border-radius: 6px;
  box-shadow: 0 19px 38px rgba(0, 0, 0, 0.3);
  font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; text-align: left;
}
pre { margin: 0 0 16px; padding: 0; white-space: pre-wrap; overflow-x: auto; }
.plugin { color: var(--dim); }
.message { color: var(--red); font-weight: 600; }
.file { color: var(--yellow); }
.frame { padding: 12px; background: #0f0f0f; border-radius: 4px; color: #eee; }
.stack { color: var(--dim); font-size: 13px; }
.tip { color: var(--dim); font-size: 12px; border-top: 1px dotted #555; padding-top: 12px; }
[hidden] { display: none; }
`;

const TEMPLATE = `
<div class="panel" role="alertdialog" aria-label="Server error">
  <pre class="plugin" hidden></pre>
  <pre class="message"></pre>
  <pre class="file" hidden></pre>
  <pre class="frame" hidden></pre>
  <pre class="stack" hidden></pre>
  <div class="tip">Click outside, press Esc, or fix the code to dismiss.</div>
</div>
`;

// A worker has no HTMLElement: the class is then inert and never defined as an element.
const Base = /** @type {typeof HTMLElement} */ (globalThis.HTMLElement || class {});

/** `<shaker-error-overlay>`. Construct it with the error to show and append it to the body. */
export class ErrorOverlay extends Base {
  /** @param {OverlayError} err */
  constructor(err) {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    const nonce = cspNonce();
    if (nonce) style.setAttribute('nonce', nonce);
    style.textContent = STYLE;
    root.appendChild(style);
    const holder = document.createElement('div');
    holder.innerHTML = TEMPLATE; // constant markup; server text goes in with textContent
    root.append(...holder.childNodes);

    const loc = err.loc;
    const file = loc ? `${loc.file || err.id || ''}:${loc.line}:${loc.column}` : err.id;
    this.fill('.plugin', err.plugin && `[plugin:${err.plugin}]`);
    this.fill('.message', err.message);
    this.fill('.file', file);
    this.fill('.frame', err.frame && err.frame.trim());
    this.fill('.stack', err.stack);

    this.onKeydown = this.onKeydown.bind(this);
    this.addEventListener('click', () => this.close());
    root.querySelector('.panel')?.addEventListener('click', (e) => e.stopPropagation());
  }

  /**
   * Put `text` in the part matching `selector`, or leave that part hidden when empty.
   * @param {string} selector
   * @param {string | undefined} text
   */
  fill(selector, text) {
    const el = /** @type {HTMLElement} */ (this.shadowRoot?.querySelector(selector));
    if (!text) return;
    el.textContent = text;
    el.hidden = false;
  }

  connectedCallback() {
    document.addEventListener('keydown', this.onKeydown);
  }

  disconnectedCallback() {
    document.removeEventListener('keydown', this.onKeydown);
  }

  /** @param {KeyboardEvent} e */
  onKeydown(e) {
    if (e.key === 'Escape') this.close();
  }

  close() {
    this.remove();
  }
}

if (globalThis.customElements && !customElements.get(OVERLAY_TAG)) {
  customElements.define(OVERLAY_TAG, ErrorOverlay);
}
