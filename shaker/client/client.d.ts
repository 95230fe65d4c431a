/**
 * Types for shaker's `import.meta.hot` (the module served at `/@shaker/client`).
 *
 * Copy this file into your project (it ships inside the Python package, at
 * `shaker/client/client.d.ts`), or point a triple-slash reference at it:
 *
 *     /// <reference path="./types/shaker-client.d.ts" />
 *
 * Then `import.meta.hot` is typed. Type your custom events by augmenting the global map:
 *
 *     declare global {
 *       interface ShakerCustomEventMap { 'server-ready': { message: string } }
 *     }
 *
 * The names mirror `shaker/protocol.py`, which follows Vite's `hmrPayload.d.ts`. Only
 * `/@shaker/client` is public: the hot context is implemented in `hot.js` (the core, as Vite's
 * `hmr.ts`), which that module imports; these declarations describe what it exports.
 */

// ---------------------------------------------------------------------------------------------
// Payloads: server → client
// ---------------------------------------------------------------------------------------------

export type HotPayload =
  | ConnectedPayload
  | UpdatePayload
  | FullReloadPayload
  | PrunePayload
  | ErrorPayload
  | CustomPayload
  | PingPayload;

export interface ConnectedPayload {
  type: 'connected';
}

export interface Update {
  type: 'js-update' | 'css-update';
  /** Module URL of the boundary that accepts the update. */
  path: string;
  /** Module URL that is re-imported. */
  acceptedPath: string;
  timestamp: number;
  explicitImportRequired?: boolean;
  isWithinCircularImport?: boolean;
  /** Set when the update was caused by `import.meta.hot.invalidate()`. */
  firstInvalidatedBy?: string;
}

export interface UpdatePayload {
  type: 'update';
  updates: Update[];
}

export interface FullReloadPayload {
  type: 'full-reload';
  /** `'*'` (or absent) reloads every page; an `.html` path reloads only that page. */
  path?: string;
  /** Absolute path of the file whose change caused the reload. */
  triggeredBy?: string;
  /** Why the server could not hot-update (shaker's addition; logged by the client). */
  reason?: string;
  /**
   * Reload only once the page's origin answers again (shaker's addition, for pages a backend
   * renders): ms the backend may take to go down for a restart first.
   */
  waitForOrigin?: number;
}

export interface PrunePayload {
  type: 'prune';
  /** Module URLs that nothing imports any more. */
  paths: string[];
}

export interface ErrorPayload {
  type: 'error';
  err: {
    message: string;
    stack: string;
    id?: string;
    frame?: string;
    plugin?: string;
    loc?: { file?: string; line: number; column: number };
    [key: string]: unknown;
  };
  /** Found while checking a changed file: the page still runs the previous version. */
  duringUpdate?: boolean;
}

export interface CustomPayload {
  type: 'custom';
  event: string;
  data?: any;
}

export interface PingPayload {
  type: 'ping';
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export interface InvalidatePayload {
  path: string;
  message: string | undefined;
  firstInvalidatedBy: string;
}

/** Built-in events under their shaker names. */
export interface ShakerEventMap {
  'shaker:beforeUpdate': UpdatePayload;
  'shaker:afterUpdate': UpdatePayload;
  'shaker:beforeFullReload': FullReloadPayload;
  'shaker:beforePrune': PrunePayload;
  'shaker:invalidate': InvalidatePayload;
  'shaker:error': ErrorPayload;
  'shaker:ws:connect': { webSocket: WebSocket };
  'shaker:ws:disconnect': { webSocket: WebSocket };
}

/** The same events under Vite's names, for code ported from Vite. */
export type ViteAliasEventMap = {
  [K in keyof ShakerEventMap as K extends `shaker:${infer Rest}` ? `vite:${Rest}` : never]: ShakerEventMap[K];
};

export type HotEventMap = ShakerEventMap & ViteAliasEventMap & ShakerCustomEventMap;

/** Payload of `event`: typed for known events, `any` for the rest. */
export type InferEventPayload<E extends string> = E extends keyof HotEventMap
  ? HotEventMap[E]
  : any;

/** The wildcard listener: every built-in (under its shaker name) and custom event. */
export type WildcardListener = (event: string, data: any) => void;

// ---------------------------------------------------------------------------------------------
// import.meta.hot
// ---------------------------------------------------------------------------------------------

type ModuleNamespace = Record<string, any> & { [Symbol.toStringTag]: 'Module' };

export interface ShakerHotContext {
  /** Persists across re-executions of the module until it is pruned. Mutate it; do not assign. */
  readonly data: any;

  /** This module accepts its own updates. */
  accept(): void;
  /** This module accepts its own updates; `cb` receives the new module (undefined on failure). */
  accept(cb: (mod: ModuleNamespace | undefined) => void): void;
  /** Accept updates of one dependency. */
  accept(dep: string, cb: (mod: ModuleNamespace | undefined) => void): void;
  /** Accept updates of several dependencies: `mods[i]` is the new `deps[i]` or undefined. */
  accept(
    deps: readonly string[],
    cb: (mods: Array<ModuleNamespace | undefined>) => void,
  ): void;

  /** Accept updates that change only the named exports. */
  acceptExports(
    exportNames: string | readonly string[],
    cb?: (mod: ModuleNamespace | undefined) => void,
  ): void;

  /** Runs before this module is replaced; the last call wins. */
  dispose(cb: (data: any) => void | Promise<void>): void;
  /** Runs when nothing imports this module any more; the last call wins. */
  prune(cb: (data: any) => void | Promise<void>): void;
  /** Give up on hot-updating this module: its importers are updated instead. */
  invalidate(message?: string): void;
  /** @deprecated does nothing; use `invalidate()`. */
  decline(): void;

  /** Listen to every event: built-in ones under their `shaker:` names, and custom ones. */
  on(event: '*', cb: WildcardListener): void;
  on<E extends string>(event: E, cb: (payload: InferEventPayload<E>) => void): void;
  off(event: '*', cb: WildcardListener): void;
  off<E extends string>(event: E, cb: (payload: InferEventPayload<E>) => void): void;

  /** Send a custom event to the server; queued until the connection is open. Never throws. */
  send<E extends string>(event: E, data?: InferEventPayload<E>): void;
}

/** Used by the preamble the dev server injects; not meant to be called by hand. */
export function createHotContext(ownerPath: string): ShakerHotContext;

/** Create or update, in place, the `<style data-shaker-dev-id>` of a CSS module. */
export function updateStyle(id: string, css: string): void;
/** Remove the `<style>` of a CSS module that is no longer imported. */
export function removeStyle(id: string): void;

declare global {
  interface ImportMeta {
    readonly hot?: ShakerHotContext;
  }

  /**
   * Your custom events: augment this interface to type `on`, `off` and `send`.
   *
   *     declare global {
   *       interface ShakerCustomEventMap { 'server-pong': { echo: string } }
   *     }
   */
  interface ShakerCustomEventMap {}
}
