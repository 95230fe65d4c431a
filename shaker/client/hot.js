// @ts-check
/**
 * The core of `import.meta.hot`, served at `/@shaker/hot.js` and imported by the browser glue
 * (`client.js`), as Vite splits `hmr.ts` from `client.ts`.
 *
 * It keeps, per module URL, what the current instance of each module registered (accept,
 * dispose and prune callbacks, event listeners) and its `hot.data`; it runs payloads one at a
 * time in arrival order, and fetches and applies JavaScript updates. It never touches the page,
 * the location, the socket or the overlay: whoever creates an `HMRClient` hands it a `send`
 * function, an `importUpdatedModule(url, t)` function and a logger, so it runs anywhere an ES
 * module runs (a test imports it under Node with fakes).
 */

// #region protocol — mirrors shaker/protocol.py; tests/test_client_protocol.py compares them.
/**
 * Every client→server message `type` (protocol.CLIENT_MESSAGE_TYPES).
 * @typedef {'custom' | 'ping'} ClientMessageType
 *
 * Every `Update.type` (protocol.UPDATE_TYPES).
 * @typedef {'js-update' | 'css-update'} UpdateType
 *
 * Built-in events dispatched through `hot.on`, each also under its `vite:` alias
 * (protocol.CLIENT_EVENTS).
 * @typedef {'shaker:beforeUpdate' | 'shaker:afterUpdate' | 'shaker:beforeFullReload' | 'shaker:beforePrune' | 'shaker:invalidate' | 'shaker:error' | 'shaker:ws:connect' | 'shaker:ws:disconnect'} BuiltinEvent
 */

/** @type {Readonly<Record<string, BuiltinEvent>>} */
export const EVENTS = Object.freeze({
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
 * @typedef {{type: ClientMessageType, event?: string, data?: any}} ClientMessage
 */
// #endregion protocol

/**
 * @typedef {(data: any) => void | Promise<void>} DataCallback
 * @typedef {(...args: any[]) => void | Promise<void>} Listener
 * @typedef {{deps: string[], fn: (modules: Array<any>) => void | Promise<void>}} AcceptCallback
 *
 * Where the core writes: the glue prefixes `[shaker]`; a test collects the lines.
 * @typedef {object} HMRLogger
 * @property {(...args: any[]) => void} debug
 * @property {(...args: any[]) => void} log
 * @property {(...args: any[]) => void} warn
 * @property {(...args: any[]) => void} error
 *
 * @typedef {object} HMRClientOptions
 * @property {HMRLogger} logger
 * @property {(message: ClientMessage) => void} send deliver one message to the server; must
 *   not throw (the glue queues messages sent before the socket opens)
 * @property {(url: string, t: number) => Promise<any>} importUpdatedModule import `url` (base,
 *   `import` flag and `t=` already in it) as a new module instance; `t` is the update's
 *   timestamp, for importers that key modules by version
 * @property {string} [base] public base path, starting and ending with `/`
 * @property {(error: unknown, update: Update) => void} [onUpdateError] the new version of
 *   `update.acceptedPath` failed to import or run (after it was logged): the glue reloads or
 *   shows the overlay
 */

/** Built-in `shaker:*` names, for the `vite:` aliases. */
const BUILTIN_EVENTS = new Set(Object.values(EVENTS));

/**
 * The hot-update state of one page: its hot contexts, callbacks and listeners by module URL,
 * and the queue that applies payloads in order.
 */
export class HMRClient {
  /** @param {HMRClientOptions} options */
  constructor({ logger, send, importUpdatedModule, base = '/', onUpdateError }) {
    this.logger = logger;
    this.send = send;
    this.importUpdatedModule = importUpdatedModule;
    this.base = base;
    this.onUpdateError = onUpdateError;
    /** Accept callbacks of the current instance of each module, by module URL. */
    this.acceptMap = /** @type {Map<string, AcceptCallback[]>} */ (new Map());
    /** `hot.dispose` callback of each module (last one wins). */
    this.disposeMap = /** @type {Map<string, DataCallback>} */ (new Map());
    /** `hot.prune` callback of each module (last one wins). */
    this.pruneMap = /** @type {Map<string, DataCallback>} */ (new Map());
    /** `hot.data` of each module: one object that survives re-execution, until a prune. */
    this.dataMap = /** @type {Map<string, Record<string, any>>} */ (new Map());
    /** Every `hot.on` listener, by event name (`'*'` for the wildcard). */
    this.listenersMap = /** @type {Map<string, Listener[]>} */ (new Map());
    /** The listeners each module's current instance registered, so re-execution can drop them. */
    this.ownListenersMap = /** @type {Map<string, Map<string, Listener[]>>} */ (new Map());
    /** Set while the accept callbacks of an update caused by `invalidate()` run. */
    this.currentFirstInvalidatedBy = /** @type {string | undefined} */ (undefined);
    /** Tasks run one at a time, in the order they were queued: each waits for the previous. */
    this.queue = Promise.resolve();
  }

  /**
   * The hot context of a new instance of the module at `ownerPath`.
   * @param {string} ownerPath the module's URL, e.g. `/src/main.js`
   */
  createHotContext(ownerPath) {
    return new HotContext(this, ownerPath);
  }

  /**
   * Run `task` after every task queued before it; a failure is logged and does not stop the
   * queue. Resolves when `task` has run.
   * @param {() => unknown} task
   * @returns {Promise<void>}
   */
  enqueue(task) {
    const run = this.queue.then(task).then(
      () => {},
      (err) => this.logger.error(err),
    );
    this.queue = run;
    return run;
  }

  /**
   * Call every listener of `event` (and of its `vite:` alias for built-ins), then the wildcard
   * listeners with `(event, data)`. All run even when some throw or reject; failures are logged.
   * @param {string} event
   * @param {any} data
   */
  async notifyListeners(event, data) {
    const names = BUILTIN_EVENTS.has(/** @type {BuiltinEvent} */ (event))
      ? [event, `vite:${event.slice('shaker:'.length)}`]
      : [event];
    /** @type {Array<() => unknown>} */
    const calls = [];
    for (const name of names) {
      for (const cb of this.listenersMap.get(name) ?? []) calls.push(() => cb(data));
    }
    for (const cb of this.listenersMap.get('*') ?? []) calls.push(() => cb(event, data));
    const results = await Promise.allSettled(calls.map(async (call) => call()));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.logger.error(`a listener of "${event}" failed:`, result.reason);
      }
    }
  }

  /**
   * Fetch every module of one payload first, then run the accept callbacks in payload order, so
   * that no callback sees a half-updated graph.
   * @param {Update[]} updates `js-update`s
   */
  async applyJsUpdates(updates) {
    const appliers = await Promise.all(updates.map((update) => this.fetchUpdate(update)));
    for (const apply of appliers) if (apply) await apply();
  }

  /**
   * Dispose the old instance of `acceptedPath`, import the new one, and return what runs the
   * boundary's accept callbacks. Nothing happens when the boundary registered no matching
   * callback at run time (e.g. its `accept()` sits in a function that never ran).
   * @param {Update} update
   * @returns {Promise<(() => Promise<void>) | undefined>}
   */
  async fetchUpdate(update) {
    const { path, acceptedPath, firstInvalidatedBy } = update;
    const registered = this.acceptMap.get(path);
    if (!registered) return undefined;
    const isSelf = path === acceptedPath;
    const callbacks = registered.filter(({ deps }) => deps.includes(acceptedPath));
    if (!isSelf && callbacks.length === 0) return undefined;

    const disposer = this.disposeMap.get(acceptedPath);
    if (disposer) {
      try {
        await disposer(this.dataMap.get(acceptedPath));
      } catch (err) {
        this.logger.error(`dispose callback of ${acceptedPath} failed:`, err);
      }
    }
    /** @type {any} */
    let fetched;
    try {
      fetched = await this.importUpdatedModule(this.updateUrl(update), update.timestamp);
    } catch (err) {
      this.logger.error(err);
      this.logger.warn(
        `Failed to reload ${acceptedPath}. This could be due to syntax errors or ` +
          'importing non-existent modules. (see errors above)',
      );
      this.onUpdateError?.(err, update);
    }
    return async () => {
      this.currentFirstInvalidatedBy = firstInvalidatedBy;
      try {
        for (const { deps, fn } of callbacks) {
          try {
            await fn(deps.map((dep) => (dep === acceptedPath ? fetched : undefined)));
          } catch (err) {
            this.logger.error(`accept callback of ${path} failed:`, err);
          }
        }
      } finally {
        this.currentFirstInvalidatedBy = undefined;
      }
      this.logger.debug(`hot updated: ${isSelf ? path : `${acceptedPath} via ${path}`}`);
    };
  }

  /**
   * Run the dispose, then the prune callbacks of modules nothing imports any more, and forget
   * them: a later import of the same URL starts with fresh `data`.
   * @param {string[]} paths
   */
  async prunePaths(paths) {
    try {
      await Promise.all(paths.map((p) => this.disposeMap.get(p)?.(this.dataMap.get(p))));
      await Promise.all(paths.map((p) => this.pruneMap.get(p)?.(this.dataMap.get(p))));
    } finally {
      for (const path of paths) {
        this.forgetModule(path);
        this.dataMap.delete(path);
      }
    }
  }

  /**
   * Drop what the previous instance of a module registered (accept, dispose and prune
   * callbacks, listeners). Its `data` stays. A new instance of a module that accepted updates
   * before keeps an (empty) entry, so a self-update still re-imports it even if this instance
   * threw before it could call `accept()` again: that is how a fix reaches a module that failed.
   * @param {string} path
   * @param {boolean} [reexecuting]
   */
  forgetModule(path, reexecuting = false) {
    if (reexecuting && this.acceptMap.has(path)) this.acceptMap.set(path, []);
    else this.acceptMap.delete(path);
    this.disposeMap.delete(path);
    this.pruneMap.delete(path);
    for (const [event, stale] of this.ownListenersMap.get(path) ?? []) {
      for (const cb of stale) removeListener(this.listenersMap, event, cb);
    }
    this.ownListenersMap.delete(path);
  }

  /**
   * The URL that re-imports `update.acceptedPath` as a new module instance.
   * @param {Update} update
   */
  updateUrl({ acceptedPath, timestamp, explicitImportRequired }) {
    const [pathname, query] = acceptedPath.split('?', 2);
    const explicit = explicitImportRequired ? 'import&' : '';
    return `${this.withBase(pathname)}?${explicit}t=${timestamp}${query ? `&${query}` : ''}`;
  }

  /**
   * The module URL (as the server names modules in updates) of an accepted dependency, written
   * relative to its module or absolute: the server appends `?t=` and `?import` to it and the
   * public `base` may prefix it, none of which is part of the module's identity.
   * @param {string} dep e.g. `./dep.js?t=17`
   * @param {string} ownerPath the accepting module's URL, e.g. `/src/main.js`
   */
  moduleUrl(dep, ownerPath) {
    const origin = 'http://shaker.invalid';
    const url = new URL(dep, origin + this.withBase(ownerPath));
    if (url.origin !== origin) return dep;
    let path = decodeURI(url.pathname);
    if (this.base !== '/' && path.startsWith(this.base)) path = path.slice(this.base.length - 1);
    const params = [...url.searchParams].filter(([key]) => key !== 't' && key !== 'import');
    return params.length ? `${path}?${new URLSearchParams(params)}` : path;
  }

  /** @param {string} path a module URL starting with `/` */
  withBase(path) {
    return this.base + path.slice(1);
  }
}

/**
 * The `import.meta.hot` of one module instance. A module that runs again (after a hot update)
 * gets a new context: its accept callbacks, dispose/prune callbacks and listeners start empty,
 * while `data` is the same object as before.
 */
export class HotContext {
  /** The page's state: private, so `console.log(import.meta.hot)` shows only this module. */
  #hmr;

  /**
   * @param {HMRClient} hmr
   * @param {string} ownerPath the module's URL, e.g. `/src/main.js`
   */
  constructor(hmr, ownerPath) {
    this.#hmr = hmr;
    this.ownerPath = ownerPath;
    if (!hmr.dataMap.has(ownerPath)) hmr.dataMap.set(ownerPath, {});
    hmr.forgetModule(ownerPath, true);
    /** @type {Map<string, Listener[]>} */
    this.ownListeners = new Map();
    hmr.ownListenersMap.set(ownerPath, this.ownListeners);
  }

  /** Persists across re-executions of the module. Mutate it; assigning it throws. */
  get data() {
    return this.#hmr.dataMap.get(this.ownerPath);
  }

  /**
   * `accept()`, `accept(cb)`, `accept(dep, cb)` or `accept([deps], cb)`.
   * @param {string | readonly string[] | ((mod: any) => void) | undefined} [deps]
   * @param {(mods: any) => void} [callback]
   */
  accept(deps, callback) {
    if (typeof deps === 'function' || !deps) {
      const onSelf = /** @type {((mod: any) => void) | undefined} */ (deps);
      this.acceptDeps([this.ownerPath], ([mod]) => onSelf?.(mod));
    } else if (typeof deps === 'string') {
      this.acceptDeps([this.#hmr.moduleUrl(deps, this.ownerPath)], ([mod]) => callback?.(mod));
    } else if (Array.isArray(deps)) {
      const urls = deps.map((dep) => this.#hmr.moduleUrl(dep, this.ownerPath));
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
    this.#hmr.disposeMap.set(this.ownerPath, cb);
  }

  /** @param {DataCallback} cb runs with `data` when no module imports this one any more */
  prune(cb) {
    this.#hmr.pruneMap.set(this.ownerPath, cb);
  }

  /** Kept for code written for older Vite versions: does nothing. */
  decline() {}

  /**
   * Give up on hot-updating this module: the server propagates the update to its importers.
   * @param {string} [message]
   */
  invalidate(message) {
    const path = this.ownerPath;
    const hmr = this.#hmr;
    const data = { path, message, firstInvalidatedBy: hmr.currentFirstInvalidatedBy ?? path };
    hmr.notifyListeners(EVENTS.invalidate, data);
    this.send(EVENTS.invalidate, data);
    hmr.logger.debug(`invalidate ${path}${message ? `: ${message}` : ''}`);
  }

  /**
   * Listen to a custom event from the server, a built-in event, or `'*'` for all of them
   * (the wildcard listener receives `(event, data)`).
   * @param {string} event
   * @param {Listener} cb
   */
  on(event, cb) {
    addListener(this.#hmr.listenersMap, event, cb);
    addListener(this.ownListeners, event, cb);
  }

  /**
   * @param {string} event
   * @param {Listener} cb
   */
  off(event, cb) {
    removeListener(this.#hmr.listenersMap, event, cb);
    removeListener(this.ownListeners, event, cb);
  }

  /**
   * Send a custom event to the server. Never throws; sends made before the socket opens are
   * delivered, in order, once it does.
   * @param {string} event
   * @param {any} [data]
   */
  send(event, data) {
    this.#hmr.send({ type: 'custom', event, data });
  }

  /**
   * @param {string[]} deps
   * @param {AcceptCallback['fn']} fn
   */
  acceptDeps(deps, fn) {
    const acceptMap = this.#hmr.acceptMap;
    const callbacks = acceptMap.get(this.ownerPath) ?? [];
    callbacks.push({ deps, fn });
    acceptMap.set(this.ownerPath, callbacks);
  }
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
