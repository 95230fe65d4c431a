// @ts-check
/**
 * shaker's browser client, served at `/@shaker/client`: the runtime behind `import.meta.hot`.
 *
 * The dev server prepends one line to every module that uses `import.meta.hot`:
 *
 *     import { createHotContext as __shaker_hot } from "/@shaker/client";import.meta.hot = __shaker_hot("/src/main.js");
 *
 * so each module gets a hot context for its URL. As Vite splits `client.ts` from `hmr.ts`, this
 * file is the browser glue around the core in `hot.js` (hot contexts, per-module callbacks and
 * listeners, the ordered queue, fetching and applying JavaScript updates). It holds, in order:
 *   1. the protocol vocabulary of payloads and the socket (mirrors `shaker/protocol.py`, with
 *      `hot.js`; a test checks that they agree);
 *   2. the page's `HMRClient` and `createHotContext`;
 *   3. applying payloads from the server: what needs the page (overlay, CSS `<link>` swaps,
 *      reloads) is done here, the rest by the core;
 *   4. the WebSocket: connect, queue early sends, keepalive, poll for a restart and reload;
 *   5. `updateStyle` / `removeStyle` for CSS imported from JavaScript.
 *
 * The server substitutes the config object below (JSON) when it serves this file. `hot.js` and
 * `overlay.js` are imported relatively, so they load from beside this file under any `base`.
 */
import { EVENTS, HMRClient } from './hot.js';
import { ErrorOverlay, OVERLAY_TAG, cspNonce } from './overlay.js';

/**
 * @typedef {object} ShakerClientConfig
 * @property {string} wsPath path of the hot channel's WebSocket, base included
 * @property {string} wsToken per-start token the server checks on upgrade
 * @property {string | null} hmrHost host to dial instead of this module's host
 * @property {number | null} hmrPort port to dial instead of this module's port
 * @property {'ws' | 'wss' | null} hmrProtocol protocol to dial instead of the page's
 * @property {string} base public base path, starting and ending with `/`
 * @property {number} timeout keepalive interval in ms
 * @property {boolean} overlay show the error overlay (else log server errors to the console)
 */

/** @type {ShakerClientConfig} */
const config = __SHAKER_CONFIG__;

// #region protocol — mirrors shaker/protocol.py; tests/test_client_protocol.py compares them.
// Client messages, update types and built-in events are in hot.js's protocol region.
/**
 * Every server→client payload `type` (protocol.MESSAGE_TYPES).
 * @typedef {'connected' | 'update' | 'full-reload' | 'prune' | 'error' | 'custom' | 'ping'} PayloadType
 *
 * URL of this module (protocol.CLIENT_PATH).
 * @typedef {'/@shaker/client'} ClientPath
 */
const WS_PATH = '/@shaker/ws'; // protocol.WS_PATH; the served config says where it really is
const SUBPROTOCOL = 'shaker-hmr'; // protocol.SUBPROTOCOL
const PING_SUBPROTOCOL = 'shaker-ping'; // protocol.PING_SUBPROTOCOL

/**
 * @typedef {import('./hot.js').Update} Update
 * @typedef {import('./hot.js').ClientMessage} ClientMessage
 *
 * @typedef {{type: 'connected'}} ConnectedPayload
 * @typedef {{type: 'update', updates: Update[]}} UpdatePayload
 * @typedef {{type: 'full-reload', path?: string, triggeredBy?: string, reason?: string, waitForOrigin?: number}} FullReloadPayload
 * @typedef {{type: 'prune', paths: string[]}} PrunePayload
 * @typedef {{type: 'error', err: import('./overlay.js').OverlayError, duringUpdate?: boolean}} ErrorPayload
 * @typedef {{type: 'custom', event: string, data?: any}} CustomPayload
 * @typedef {{type: 'ping'}} PingPayload
 * @typedef {ConnectedPayload | UpdatePayload | FullReloadPayload | PrunePayload | ErrorPayload | CustomPayload | PingPayload} HotPayload
 */
// #endregion protocol

const LOG = '[shaker]';
const base = config.base || '/';
const hasDocument = typeof document !== 'undefined';

// ---------------------------------------------------------------------------------------------
// 2. The page's HMRClient
// ---------------------------------------------------------------------------------------------

/**
 * The console, with `[shaker]` in front of every message.
 * @param {'debug' | 'log' | 'warn' | 'error'} level
 * @returns {(...args: any[]) => void}
 */
function logAt(level) {
  return (first, ...rest) =>
    typeof first === 'string'
      ? console[level](`${LOG} ${first}`, ...rest)
      : console[level](LOG, first, ...rest);
}

/** @type {import('./hot.js').HMRLogger} */
const logger = {
  debug: logAt('debug'),
  log: logAt('log'),
  warn: logAt('warn'),
  error: logAt('error'),
};

const hmr = new HMRClient({
  logger,
  base,
  send: sendMessage,
  importUpdatedModule: (url) => import(url),
  onUpdateError(err, update) {
    if (update.isWithinCircularImport) {
      logger.log(`${update.acceptedPath} is within a circular import: reloading the page.`);
      pageReload();
    } else if (config.overlay && hasDocument) {
      // The new version threw while running (or could not be fetched): say so on the page.
      const error = /** @type {any} */ (err);
      const path = update.acceptedPath;
      showErrorOverlay(
        {
          message: `${path} failed to run after a hot update: ${error?.message ?? error}`,
          stack: error?.stack,
          id: path,
        },
        true,
      );
    }
  },
});

/**
 * Create the hot context of the module at `ownerPath` (called by the injected preamble).
 * @param {string} ownerPath
 */
export function createHotContext(ownerPath) {
  return hmr.createHotContext(ownerPath);
}

// ---------------------------------------------------------------------------------------------
// 3. Applying payloads
// ---------------------------------------------------------------------------------------------

let isFirstUpdate = true;

/** @type {{[K in PayloadType]: (payload: any) => Promise<void>}} */
const handlers = {
  async connected() {
    logger.debug('connected.');
  },

  /** @param {UpdatePayload} payload */
  async update(payload) {
    await hmr.notifyListeners(EVENTS.beforeUpdate, payload);
    // An overlay before the first update means the page loaded with a broken module graph
    // (a module failed on the server): hot updates cannot repair that, a reload can (as Vite).
    // Errors found while checking a changed file leave the page intact: those do not count.
    if (isFirstUpdate && hasLoadErrorOverlay()) {
      location.reload();
      return;
    }
    clearErrorOverlay();
    isFirstUpdate = false;
    const js = payload.updates.filter((u) => u.type === 'js-update');
    const css = payload.updates.filter((u) => u.type === 'css-update');
    await Promise.all([hmr.applyJsUpdates(js), ...css.map(updateLink)]);
    await hmr.notifyListeners(EVENTS.afterUpdate, payload);
  },

  /** @param {FullReloadPayload} payload */
  async 'full-reload'(payload) {
    await hmr.notifyListeners(EVENTS.beforeFullReload, payload);
    if (!hasDocument || !reloadConcernsThisPage(payload.path)) return;
    if (payload.reason) logger.log(`full reload: ${payload.reason}`);
    if (payload.waitForOrigin !== undefined) await waitForOrigin(payload.waitForOrigin);
    pageReload();
  },

  /** @param {PrunePayload} payload */
  async prune(payload) {
    await hmr.notifyListeners(EVENTS.beforePrune, payload);
    await hmr.prunePaths(payload.paths);
  },

  /** @param {ErrorPayload} payload */
  async error(payload) {
    await hmr.notifyListeners(EVENTS.error, payload);
    const err = payload.err;
    if (config.overlay && hasDocument) showErrorOverlay(err, Boolean(payload.duringUpdate));
    else logger.error(`Internal Server Error\n${err.message}\n${err.stack ?? ''}`);
  },

  /** @param {CustomPayload} payload */
  async custom(payload) {
    await hmr.notifyListeners(payload.event, payload.data);
  },

  async ping() {},
};

/** @param {HotPayload} payload */
async function handlePayload(payload) {
  const handler = handlers[payload.type];
  if (handler) await handler(payload);
  else logger.debug(`ignored a payload of unknown type "${payload.type}"`);
}

/** @param {string} path a module URL starting with `/` */
function withBase(path) {
  return base + path.slice(1);
}

/** `<link>` tags being replaced: never matched again while their successor loads. */
const outdatedLinks = new WeakSet();

/**
 * Swap the stylesheet `<link>` of `update.path` for a copy with a fresh `t=` (other query
 * parameters kept), and remove the old one only once the new one has loaded: no flash of
 * unstyled content.
 * @param {Update} update
 * @returns {Promise<void>}
 */
function updateLink({ path, timestamp }) {
  if (!hasDocument) return Promise.resolve();
  const wanted = withBase(path.split('?')[0]);
  const links = /** @type {HTMLLinkElement[]} */ ([...document.querySelectorAll('link[href]')]);
  const old = links.find(
    (el) => !outdatedLinks.has(el) && decodeURI(new URL(el.href).pathname) === wanted,
  );
  if (!old) return Promise.resolve();
  const url = new URL(old.href);
  const params = url.search.slice(1).split('&').filter((p) => p && !/^t=/.test(p));
  url.search = [...params, `t=${timestamp}`].join('&');

  return new Promise((resolve) => {
    const fresh = /** @type {HTMLLinkElement} */ (old.cloneNode());
    fresh.href = url.href;
    const removeOld = () => {
      old.remove();
      logger.debug(`css hot updated: ${path}`);
      resolve();
    };
    fresh.addEventListener('load', removeOld, { once: true });
    fresh.addEventListener('error', removeOld, { once: true });
    outdatedLinks.add(old);
    old.after(fresh);
  });
}

/**
 * Whether a `full-reload` for `path` reloads this page: `'*'` or no path always does; an HTML
 * path does when it is this page.
 * @param {string | undefined} path
 */
function reloadConcernsThisPage(path) {
  if (!path || !path.endsWith('.html')) return true;
  const pagePath = decodeURI(location.pathname);
  const payloadPath = withBase(path);
  return (
    pagePath === payloadPath ||
    path === '/index.html' ||
    (pagePath.endsWith('/') && `${pagePath}index.html` === payloadPath)
  );
}

let reloadTimer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);

/** Reload the page, debounced: a burst of reload requests reloads once. */
function pageReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => location.reload(), 20);
}

/** How long a page waits for its backend to answer again before reloading anyway (ms). */
const ORIGIN_TIMEOUT = 30000;

/**
 * Resolve once the page's own origin answers again, so a reload never lands on a backend that
 * is restarting (runserver after a Python file changed). For the first `grace` ms an answer
 * does not count yet: the backend may still go down (its reloader looks for changes once a
 * second); once a request fails, the first answer after it counts at once. Bounded by
 * `ORIGIN_TIMEOUT`: then the page reloads anyway.
 * @param {number} grace
 */
async function waitForOrigin(grace) {
  const start = Date.now();
  let wentDown = false;
  for (;;) {
    const up = await originAnswers();
    const elapsed = Date.now() - start;
    if (up && (wentDown || elapsed >= grace)) return;
    if (!up && !wentDown) {
      wentDown = true;
      logger.log(`waiting for ${location.origin} to answer again...`);
    }
    if (elapsed >= ORIGIN_TIMEOUT) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Whether the page's URL answers: any status but those of a gateway whose backend is down
 * (502-504: `shaker dev --proxy`, or any reverse proxy, while the backend restarts).
 * @returns {Promise<boolean>}
 */
async function originAnswers() {
  try {
    const response = await fetch(location.href, {
      method: 'HEAD',
      cache: 'no-store',
      signal: AbortSignal.timeout(5000),
    });
    return response.status < 502 || response.status > 504;
  } catch {
    return false;
  }
}

/** Whether an overlay shows an error met while the page loaded (not during an update). */
function hasLoadErrorOverlay() {
  if (!hasDocument) return false;
  const overlays = [...document.querySelectorAll(OVERLAY_TAG)];
  return overlays.some((el) => !el.hasAttribute('data-during-update'));
}

function clearErrorOverlay() {
  if (hasDocument) document.querySelectorAll(OVERLAY_TAG).forEach((el) => el.remove());
}

/**
 * @param {import('./overlay.js').OverlayError} err
 * @param {boolean} [duringUpdate] the error came with a hot update: the page itself is intact
 */
function showErrorOverlay(err, duringUpdate = false) {
  clearErrorOverlay();
  const overlay = new ErrorOverlay(err);
  if (duringUpdate) overlay.setAttribute('data-during-update', '');
  document.body.appendChild(overlay);
}

// ---------------------------------------------------------------------------------------------
// 4. The WebSocket
// ---------------------------------------------------------------------------------------------

/** Where the hot channel lives, without the token (the restart poll must not reuse it). */
const socketUrl = (() => {
  const url = new URL(config.wsPath || WS_PATH, import.meta.url);
  url.protocol = `${config.hmrProtocol || (url.protocol === 'https:' ? 'wss' : 'ws')}:`;
  if (config.hmrHost) url.hostname = config.hmrHost;
  if (config.hmrPort) url.port = String(config.hmrPort);
  return url.href;
})();

/** Messages sent before the socket opened, delivered in order on open. */
const pendingMessages = /** @type {string[]} */ ([]);
let socket = /** @type {WebSocket | undefined} */ (undefined);
/** `connecting` until the first socket opens or fails; `closed` once it is gone. */
let socketState = /** @type {'connecting' | 'open' | 'closed'} */ ('connecting');
let willUnload = false;

if (hasDocument) {
  window.addEventListener('beforeunload', () => {
    willUnload = true;
  });
}

/** @param {ClientMessage} message */
function sendMessage(message) {
  let text;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    logger.error(`cannot send "${message.event}": its data is not JSON`, err);
    return;
  }
  if (socketState === 'open' && socket) socket.send(text);
  else if (socketState === 'connecting') pendingMessages.push(text);
  else logger.error(`not connected to the server: dropped ${text.slice(0, 200)}`);
}

function connect() {
  logger.debug('connecting...');
  const url = new URL(socketUrl);
  url.searchParams.set('token', config.wsToken);
  const ws = new WebSocket(url.href, SUBPROTOCOL);
  socket = ws;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let keepalive;

  ws.addEventListener('open', () => {
    socketState = 'open';
    for (const text of pendingMessages.splice(0)) ws.send(text);
    keepalive = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping' }));
    }, config.timeout || 30000);
    hmr.enqueue(() => hmr.notifyListeners(EVENTS.wsConnect, { webSocket: ws }));
  });

  ws.addEventListener('message', ({ data }) => {
    /** @type {HotPayload} */
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      logger.error(`dropped a frame that is not JSON: ${String(data).slice(0, 200)}`);
      return;
    }
    hmr.enqueue(() => handlePayload(payload));
  });

  ws.addEventListener('close', () => {
    clearInterval(keepalive);
    const wasOpen = socketState === 'open';
    socketState = 'closed';
    if (!wasOpen) {
      logger.error(`failed to connect to websocket (${socketUrl}).`);
      for (const text of pendingMessages.splice(0)) {
        logger.error(`not connected to the server: dropped ${text.slice(0, 200)}`);
      }
      return;
    }
    hmr.enqueue(async () => {
      await hmr.notifyListeners(EVENTS.wsDisconnect, { webSocket: ws });
      if (!hasDocument || willUnload) return;
      logger.log(`server connection lost. Polling for restart...`);
      await waitForServer();
      location.reload();
    });
  });
}

/**
 * Resolve once the server answers a ping socket again; back off from 500 ms to 5 s between
 * attempts, and poll only while the page is visible.
 */
async function waitForServer() {
  let delay = 500;
  for (;;) {
    if (document.visibilityState !== 'visible') await pageVisible();
    if (await ping()) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

/** @returns {Promise<boolean>} whether a `shaker-ping` socket could open */
function ping() {
  return new Promise((resolve) => {
    const ws = new WebSocket(socketUrl, PING_SUBPROTOCOL);
    ws.addEventListener('open', () => {
      resolve(true);
      ws.close();
    });
    ws.addEventListener('error', () => resolve(false));
  });
}

/** @returns {Promise<void>} */
function pageVisible() {
  return new Promise((resolve) => {
    const onChange = () => {
      if (document.visibilityState !== 'visible') return;
      document.removeEventListener('visibilitychange', onChange);
      resolve();
    };
    document.addEventListener('visibilitychange', onChange);
  });
}

connect();

// ---------------------------------------------------------------------------------------------
// 5. CSS imported from JavaScript
// ---------------------------------------------------------------------------------------------

/** `<style>` element of each CSS module, by id (its URL). */
const styles = /** @type {Map<string, HTMLStyleElement>} */ (new Map());

if (hasDocument) {
  // Styles rendered into the HTML by the server are updated in place, too.
  for (const el of document.querySelectorAll('style[data-shaker-dev-id]')) {
    const style = /** @type {HTMLStyleElement} */ (el);
    styles.set(style.dataset.shakerDevId ?? '', style);
  }
}

/**
 * Create or update, in place, the `<style data-shaker-dev-id="id">` of a CSS module.
 * @param {string} id
 * @param {string} css
 */
export function updateStyle(id, css) {
  let style = styles.get(id);
  if (!style) {
    style = document.createElement('style');
    style.setAttribute('data-shaker-dev-id', id);
    const nonce = cspNonce();
    if (nonce) style.setAttribute('nonce', nonce);
    document.head.appendChild(style);
    styles.set(id, style);
  }
  style.textContent = css;
}

/**
 * Remove the `<style>` of a CSS module that is no longer imported.
 * @param {string} id
 */
export function removeStyle(id) {
  styles.get(id)?.remove();
  styles.delete(id);
}
