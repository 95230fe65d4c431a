// @ts-check
/**
 * shaker's browser client, served at `/@shaker/client`: the runtime behind `import.meta.hot`.
 *
 * The dev server prepends one line to every module that uses `import.meta.hot`:
 *
 *     import { createHotContext as __shaker_hot } from "/@shaker/client";import.meta.hot = __shaker_hot("/src/main.js");
 *
 * so each module gets a hot context for its URL. This file holds, in order:
 *   1. the protocol vocabulary (mirrors `shaker/protocol.py`; a test checks that they agree);
 *   2. module state and the hot context (`createHotContext`), matching Vite's `import.meta.hot`;
 *   3. applying payloads from the server (updates, reloads, prunes, errors, custom events);
 *   4. the WebSocket: connect, queue early sends, keepalive, poll for a restart and reload;
 *   5. `updateStyle` / `removeStyle` for CSS imported from JavaScript.
 *
 * The server substitutes the config object below (JSON) when it serves this file.
 */
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
/**
 * Every server→client payload `type` (protocol.MESSAGE_TYPES).
 * @typedef {'connected' | 'update' | 'full-reload' | 'prune' | 'error' | 'custom' | 'ping'} PayloadType
 *
 * Every client→server message `type` (protocol.CLIENT_MESSAGE_TYPES).
 * @typedef {'custom' | 'ping'} ClientMessageType
 *
 * Every `Update.type` (protocol.UPDATE_TYPES).
 * @typedef {'js-update' | 'css-update'} UpdateType
 *
 * Built-in events dispatched through `hot.on`, each also under its `vite:` alias
 * (protocol.CLIENT_EVENTS).
 * @typedef {'shaker:beforeUpdate' | 'shaker:afterUpdate' | 'shaker:beforeFullReload' | 'shaker:beforePrune' | 'shaker:invalidate' | 'shaker:error' | 'shaker:ws:connect' | 'shaker:ws:disconnect'} BuiltinEvent
 *
 * URL of this module (protocol.CLIENT_PATH).
 * @typedef {'/@shaker/client'} ClientPath
 */
const WS_PATH = '/@shaker/ws'; // protocol.WS_PATH; the served config says where it really is
const SUBPROTOCOL = 'shaker-hmr'; // protocol.SUBPROTOCOL
const PING_SUBPROTOCOL = 'shaker-ping'; // protocol.PING_SUBPROTOCOL

/** @type {Readonly<Record<string, BuiltinEvent>>} */
const EVENTS = Object.freeze({
  beforeUpdate: 'shaker:beforeUpdate',
  afterUpdate: 'shaker:afterUpdate',
  beforeFullReload: 'shaker:beforeFullReload',
  beforePrune: 'shaker:beforePrune',
  invalidate: 'shaker:invalidate',
  error: 'shaker:error',
  wsConnect: 'shaker:ws:connect',
  wsDisconnect: 'shaker:ws:disconnect',
});

/**
 * @typedef {object} Update
 * @property {UpdateType} type
 * @property {string} path module URL of the boundary that accepts the update
 * @property {string} acceptedPath module URL to re-import
 * @property {number} timestamp
 * @property {boolean} [explicitImportRequired]
 * @property {boolean} [isWithinCircularImport]
 * @property {string} [firstInvalidatedBy]
 *
 * @typedef {{type: 'connected'}} ConnectedPayload
 * @typedef {{type: 'update', updates: Update[]}} UpdatePayload
 * @typedef {{type: 'full-reload', path?: string, triggeredBy?: string, reason?: string}} FullReloadPayload
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
// 2. Module state and the hot context
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {(data: any) => void | Promise<void>} DataCallback
 * @typedef {(...args: any[]) => void | Promise<void>} Listener
 * @typedef {{deps: string[], fn: (modules: Array<any>) => void | Promise<void>}} AcceptCallback
 */

/** Accept callbacks of the current instance of each module, by module URL. */
const acceptMap = /** @type {Map<string, AcceptCallback[]>} */ (new Map());
/** `hot.dispose` callback of each module (last one wins). */
const disposeMap = /** @type {Map<string, DataCallback>} */ (new Map());
/** `hot.prune` callback of each module (last one wins). */
const pruneMap = /** @type {Map<string, DataCallback>} */ (new Map());
/** `hot.data` of each module: one object that survives re-execution, until a prune. */
const dataMap = /** @type {Map<string, Record<string, any>>} */ (new Map());
/** Every `hot.on` listener, by event name (`'*'` for the wildcard). */
const listenersMap = /** @type {Map<string, Listener[]>} */ (new Map());
/** The listeners each module's current instance registered, so re-execution can drop them. */
const ownListenersMap = /** @type {Map<string, Map<string, Listener[]>>} */ (new Map());

/** Set while the accept callbacks of an update caused by `invalidate()` run. */
let currentFirstInvalidatedBy = /** @type {string | undefined} */ (undefined);

/**
 * The `import.meta.hot` of one module instance. A module that runs again (after a hot update)
 * gets a new context: its accept callbacks, dispose/prune callbacks and listeners start empty,
 * while `data` is the same object as before.
 */
class HotContext {
  /** @param {string} ownerPath the module's URL, e.g. `/src/main.js` */
  constructor(ownerPath) {
    this.ownerPath = ownerPath;
    if (!dataMap.has(ownerPath)) dataMap.set(ownerPath, {});
    forgetModule(ownerPath, true);
    /** @type {Map<string, Listener[]>} */
    this.ownListeners = new Map();
    ownListenersMap.set(ownerPath, this.ownListeners);
  }

  /** Persists across re-executions of the module. Mutate it; assigning it throws. */
  get data() {
    return dataMap.get(this.ownerPath);
  }

  /**
   * `accept()`, `accept(cb)`, `accept(dep, cb)` or `accept([deps], cb)`.
   * @param {string | readonly string[] | ((mod: any) => void) | undefined} [deps]
   * @param {(mods: any) => void} [callback]
   */
  accept(deps, callback) {
    if (typeof deps === 'function' || !deps) {
      const self = /** @type {((mod: any) => void) | undefined} */ (deps);
      this.acceptDeps([this.ownerPath], ([mod]) => self?.(mod));
    } else if (typeof deps === 'string') {
      this.acceptDeps([moduleUrl(deps, this.ownerPath)], ([mod]) => callback?.(mod));
    } else if (Array.isArray(deps)) {
      const urls = deps.map((dep) => moduleUrl(dep, this.ownerPath));
      this.acceptDeps(urls, (mods) => callback?.(mods));
    } else {
      throw new Error('invalid hot.accept() usage.');
    }
  }

  /**
   * Partial accept: the server decides whether the named exports cover an update; at run time
   * it is a self-accept.
   * @param {string | readonly string[]} _exportNames
   * @param {(mod: any) => void} [callback]
   */
  acceptExports(_exportNames, callback) {
    this.acceptDeps([this.ownerPath], ([mod]) => callback?.(mod));
  }

  /** @param {DataCallback} cb runs with `data` before this module is replaced */
  dispose(cb) {
    disposeMap.set(this.ownerPath, cb);
  }

  /** @param {DataCallback} cb runs with `data` when no module imports this one any more */
  prune(cb) {
    pruneMap.set(this.ownerPath, cb);
  }

  /** Kept for code written for older Vite versions: does nothing. */
  decline() {}

  /**
   * Give up on hot-updating this module: the server propagates the update to its importers.
   * @param {string} [message]
   */
  invalidate(message) {
    const path = this.ownerPath;
    const data = { path, message, firstInvalidatedBy: currentFirstInvalidatedBy ?? path };
    notifyListeners(EVENTS.invalidate, data);
    this.send(EVENTS.invalidate, data);
    console.debug(`${LOG} invalidate ${path}${message ? `: ${message}` : ''}`);
  }

  /**
   * Listen to a custom event from the server, a built-in event, or `'*'` for all of them
   * (the wildcard listener receives `(event, data)`).
   * @param {string} event
   * @param {Listener} cb
   */
  on(event, cb) {
    addListener(listenersMap, event, cb);
    addListener(this.ownListeners, event, cb);
  }

  /**
   * @param {string} event
   * @param {Listener} cb
   */
  off(event, cb) {
    removeListener(listenersMap, event, cb);
    removeListener(this.ownListeners, event, cb);
  }

  /**
   * Send a custom event to the server. Never throws; sends made before the socket opens are
   * delivered, in order, once it does.
   * @param {string} event
   * @param {any} [data]
   */
  send(event, data) {
    sendMessage({ type: 'custom', event, data });
  }

  /**
   * @param {string[]} deps
   * @param {AcceptCallback['fn']} fn
   */
  acceptDeps(deps, fn) {
    const callbacks = acceptMap.get(this.ownerPath) ?? [];
    callbacks.push({ deps, fn });
    acceptMap.set(this.ownerPath, callbacks);
  }
}

/**
 * The module URL (as the server names modules in updates) of an accepted dependency, written
 * relative to its module or absolute: the server appends `?t=` and `?import` to it and the
 * public `base` may prefix it, none of which is part of the module's identity.
 * @param {string} dep e.g. `./dep.js?t=17`
 * @param {string} ownerPath the accepting module's URL, e.g. `/src/main.js`
 */
function moduleUrl(dep, ownerPath) {
  const origin = 'http://shaker.invalid';
  const url = new URL(dep, origin + withBase(ownerPath));
  if (url.origin !== origin) return dep;
  let path = decodeURI(url.pathname);
  if (base !== '/' && path.startsWith(base)) path = path.slice(base.length - 1);
  const params = [...url.searchParams].filter(([key]) => key !== 't' && key !== 'import');
  return params.length ? `${path}?${new URLSearchParams(params)}` : path;
}

/**
 * Create the hot context of the module at `ownerPath` (called by the injected preamble).
 * @param {string} ownerPath
 */
export function createHotContext(ownerPath) {
  return new HotContext(ownerPath);
}

/**
 * Drop what the previous instance of a module registered (accept, dispose and prune callbacks,
 * listeners). Its `data` stays. A new instance of a module that accepted updates before keeps an
 * (empty) entry, so a self-update still re-imports it even if this instance threw before it
 * could call `accept()` again: that is how a fix reaches a module that failed.
 * @param {string} path
 * @param {boolean} [reexecuting]
 */
function forgetModule(path, reexecuting = false) {
  if (reexecuting && acceptMap.has(path)) acceptMap.set(path, []);
  else acceptMap.delete(path);
  disposeMap.delete(path);
  pruneMap.delete(path);
  for (const [event, stale] of ownListenersMap.get(path) ?? []) {
    for (const cb of stale) removeListener(listenersMap, event, cb);
  }
  ownListenersMap.delete(path);
}

/**
 * @param {Map<string, Listener[]>} map
 * @param {string} event
 * @param {Listener} cb
 */
function addListener(map, event, cb) {
  const listeners = map.get(event) ?? [];
  listeners.push(cb);
  map.set(event, listeners);
}

/**
 * @param {Map<string, Listener[]>} map
 * @param {string} event
 * @param {Listener} cb
 */
function removeListener(map, event, cb) {
  const listeners = map.get(event);
  if (!listeners) return;
  const rest = listeners.filter((l) => l !== cb);
  if (rest.length) map.set(event, rest);
  else map.delete(event);
}

/** Built-in `shaker:*` names, for the `vite:` aliases. */
const BUILTIN_EVENTS = new Set(Object.values(EVENTS));

/**
 * Call every listener of `event` (and of its `vite:` alias for built-ins), then the wildcard
 * listeners with `(event, data)`. All run even when some throw or reject; failures are logged.
 * @param {string} event
 * @param {any} data
 */
async function notifyListeners(event, data) {
  const names = BUILTIN_EVENTS.has(/** @type {BuiltinEvent} */ (event))
    ? [event, `vite:${event.slice('shaker:'.length)}`]
    : [event];
  /** @type {Array<() => unknown>} */
  const calls = [];
  for (const name of names) {
    for (const cb of listenersMap.get(name) ?? []) calls.push(() => cb(data));
  }
  for (const cb of listenersMap.get('*') ?? []) calls.push(() => cb(event, data));
  const results = await Promise.allSettled(calls.map(async (call) => call()));
  for (const result of results) {
    if (result.status === 'rejected') {
      console.error(`${LOG} a listener of "${event}" failed:`, result.reason);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Applying payloads
// ---------------------------------------------------------------------------------------------

/** Payloads run one at a time, in arrival order: each waits for the previous one. */
let payloadQueue = Promise.resolve();

/** @param {() => Promise<void>} task */
function enqueue(task) {
  payloadQueue = payloadQueue.then(task).catch((err) => console.error(LOG, err));
}

let isFirstUpdate = true;

/** @type {{[K in PayloadType]: (payload: any) => Promise<void>}} */
const handlers = {
  async connected() {
    console.debug(`${LOG} connected.`);
  },

  /** @param {UpdatePayload} payload */
  async update(payload) {
    await notifyListeners(EVENTS.beforeUpdate, payload);
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
    await Promise.all([applyJsUpdates(js), ...css.map(updateLink)]);
    await notifyListeners(EVENTS.afterUpdate, payload);
  },

  /** @param {FullReloadPayload} payload */
  async 'full-reload'(payload) {
    await notifyListeners(EVENTS.beforeFullReload, payload);
    if (!hasDocument || !reloadConcernsThisPage(payload.path)) return;
    if (payload.reason) console.log(`${LOG} full reload: ${payload.reason}`);
    pageReload();
  },

  /** @param {PrunePayload} payload */
  async prune(payload) {
    await notifyListeners(EVENTS.beforePrune, payload);
    await prunePaths(payload.paths);
  },

  /** @param {ErrorPayload} payload */
  async error(payload) {
    await notifyListeners(EVENTS.error, payload);
    const err = payload.err;
    if (config.overlay && hasDocument) showErrorOverlay(err, Boolean(payload.duringUpdate));
    else console.error(`${LOG} Internal Server Error\n${err.message}\n${err.stack ?? ''}`);
  },

  /** @param {CustomPayload} payload */
  async custom(payload) {
    await notifyListeners(payload.event, payload.data);
  },

  async ping() {},
};

/** @param {HotPayload} payload */
async function handlePayload(payload) {
  const handler = handlers[payload.type];
  if (handler) await handler(payload);
  else console.debug(`${LOG} ignored a payload of unknown type "${payload.type}"`);
}

/**
 * Fetch every module of one payload first, then run the accept callbacks in payload order, so
 * that no callback sees a half-updated graph.
 * @param {Update[]} updates
 */
async function applyJsUpdates(updates) {
  const appliers = await Promise.all(updates.map(fetchUpdate));
  for (const apply of appliers) if (apply) await apply();
}

/**
 * Dispose the old instance of `acceptedPath`, import the new one, and return what runs the
 * boundary's accept callbacks. Nothing happens when the boundary registered no matching
 * callback at run time (e.g. its `accept()` sits in a function that never ran).
 * @param {Update} update
 * @returns {Promise<(() => Promise<void>) | undefined>}
 */
async function fetchUpdate(update) {
  const { path, acceptedPath, firstInvalidatedBy } = update;
  const registered = acceptMap.get(path);
  if (!registered) return undefined;
  const isSelf = path === acceptedPath;
  const callbacks = registered.filter(({ deps }) => deps.includes(acceptedPath));
  if (!isSelf && callbacks.length === 0) return undefined;

  const disposer = disposeMap.get(acceptedPath);
  if (disposer) {
    try {
      await disposer(dataMap.get(acceptedPath));
    } catch (err) {
      console.error(`${LOG} dispose callback of ${acceptedPath} failed:`, err);
    }
  }
  /** @type {any} */
  let fetched;
  try {
    fetched = await import(updateUrl(update));
  } catch (err) {
    console.error(err);
    console.warn(
      `${LOG} Failed to reload ${acceptedPath}. This could be due to syntax errors or ` +
        'importing non-existent modules. (see errors above)',
    );
    if (update.isWithinCircularImport) {
      console.log(`${LOG} ${acceptedPath} is within a circular import: reloading the page.`);
      pageReload();
    } else if (config.overlay && hasDocument) {
      // The new version threw while running (or could not be fetched): say so on the page.
      const error = /** @type {any} */ (err);
      showErrorOverlay(
        {
          message: `${acceptedPath} failed to run after a hot update: ${error?.message ?? error}`,
          stack: error?.stack,
          id: acceptedPath,
        },
        true,
      );
    }
  }
  return async () => {
    currentFirstInvalidatedBy = firstInvalidatedBy;
    try {
      for (const { deps, fn } of callbacks) {
        try {
          await fn(deps.map((dep) => (dep === acceptedPath ? fetched : undefined)));
        } catch (err) {
          console.error(`${LOG} accept callback of ${path} failed:`, err);
        }
      }
    } finally {
      currentFirstInvalidatedBy = undefined;
    }
    console.debug(`${LOG} hot updated: ${isSelf ? path : `${acceptedPath} via ${path}`}`);
  };
}

/**
 * The URL that re-imports `update.acceptedPath` as a new module instance.
 * @param {Update} update
 */
function updateUrl({ acceptedPath, timestamp, explicitImportRequired }) {
  const [pathname, query] = acceptedPath.split('?', 2);
  const explicit = explicitImportRequired ? 'import&' : '';
  return `${withBase(pathname)}?${explicit}t=${timestamp}${query ? `&${query}` : ''}`;
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
      console.debug(`${LOG} css hot updated: ${path}`);
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

/**
 * Run the dispose, then the prune callbacks of modules nothing imports any more, and forget
 * them: a later import of the same URL starts with fresh `data`.
 * @param {string[]} paths
 */
async function prunePaths(paths) {
  try {
    await Promise.all(paths.map((p) => disposeMap.get(p)?.(dataMap.get(p))));
    await Promise.all(paths.map((p) => pruneMap.get(p)?.(dataMap.get(p))));
  } finally {
    for (const path of paths) {
      forgetModule(path);
      dataMap.delete(path);
    }
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

/** @param {{type: ClientMessageType, event?: string, data?: any}} message */
function sendMessage(message) {
  let text;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    console.error(`${LOG} cannot send "${message.event}": its data is not JSON`, err);
    return;
  }
  if (socketState === 'open' && socket) socket.send(text);
  else if (socketState === 'connecting') pendingMessages.push(text);
  else console.error(`${LOG} not connected to the server: dropped ${text.slice(0, 200)}`);
}

function connect() {
  console.debug(`${LOG} connecting...`);
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
    enqueue(() => notifyListeners(EVENTS.wsConnect, { webSocket: ws }));
  });

  ws.addEventListener('message', ({ data }) => {
    /** @type {HotPayload} */
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      console.error(`${LOG} dropped a frame that is not JSON: ${String(data).slice(0, 200)}`);
      return;
    }
    enqueue(() => handlePayload(payload));
  });

  ws.addEventListener('close', () => {
    clearInterval(keepalive);
    const wasOpen = socketState === 'open';
    socketState = 'closed';
    if (!wasOpen) {
      console.error(`${LOG} failed to connect to websocket (${socketUrl}).`);
      for (const text of pendingMessages.splice(0)) {
        console.error(`${LOG} not connected to the server: dropped ${text.slice(0, 200)}`);
      }
      return;
    }
    enqueue(async () => {
      await notifyListeners(EVENTS.wsDisconnect, { webSocket: ws });
      if (!hasDocument || willUnload) return;
      console.log(`${LOG} server connection lost. Polling for restart...`);
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
