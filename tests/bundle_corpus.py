# ruff: noqa: E501  (the cases are JavaScript, which reads best one statement per line)
"""A generated stress corpus of ES module graphs for the build (and the coming bundler).

Why: a scope-hoisting, tree-shaking linker has to keep every observable behaviour of the
modules it merges: evaluation order, cycles and the temporal dead zone, live bindings,
``export *`` resolution (ambiguous names included), namespace objects, every form of default
export, name collisions, top-level ``await`` and dynamic imports.  Each case here is one small
module graph whose entry ``main.js`` prints what it observes with ``console.log``; the test
(``test_bundle_corpus.py``) runs it under Node as written and as built, and compares.

Everything is deterministic: :data:`FIXED` is written by hand, :func:`random_case` draws a
graph of 3 to 12 modules from a seeded :class:`random.Random`.  Every file is plain ES module
JavaScript that runs in Node and in a browser (no Node built-ins, no ``process``, no CSS).
Nothing is written into the repository: :func:`write_corpus` takes the directory to fill.
"""

from __future__ import annotations

import json
import random
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

RANDOM_SEEDS = tuple(range(1, 31))


@dataclass(frozen=True)
class Case:
    """One module graph: file name -> source; ``main.js`` is the entry.

    ``expect``, when given, is what Node prints for the sources (checked too, so that a case
    states the semantics it is about and cannot drift); ``status`` is Node's exit status.
    """

    name: str
    files: dict[str, str]
    expect: str | None = None
    status: int = 0
    tags: tuple[str, ...] = field(default=())


def _case(name: str, expect: str | None = None, status: int = 0, **files: str) -> Case:
    """``a="..."`` becomes ``a.js``; ``sub__b`` becomes ``sub/b.js``."""
    sources = {
        key.replace("__", "/") + ".js": textwrap.dedent(text).lstrip("\n")
        for key, text in files.items()
    }
    assert "main.js" in sources, name
    if expect is not None:
        expect = textwrap.dedent(expect).lstrip("\n")
    return Case(name, sources, expect, status)


FIXED: list[Case] = [
    # ---- evaluation order ------------------------------------------------------------------
    _case(
        "order_side_effect_imports",
        expect="a\nc\nb\nmain\n",
        main="""
            import "./a.js";
            import "./b.js";
            import "./c.js";
            console.log("main");
        """,
        a='console.log("a");\n',
        b='import "./c.js";\nconsole.log("b");\n',
        c='console.log("c");\n',
    ),
    _case(
        "order_diamond",
        expect="base\nleft 2\nright 3\nmain 2 3 1\n",
        main="""
            import { left } from "./left.js";
            import { right } from "./right.js";
            import { base } from "./base.js";
            console.log("main", left, right, base);
        """,
        left='import { base } from "./base.js";\nexport const left = base + 1;\nconsole.log("left", left);\n',
        right='import { base } from "./base.js";\nexport const right = base + 2;\nconsole.log("right", right);\n',
        base='console.log("base");\nexport const base = 1;\n',
    ),
    _case(
        "order_imports_are_hoisted",
        expect="a\nb\nmain start\nmain end 1\n",
        main="""
            console.log("main start");
            import "./a.js";
            console.log("main end", b);
            import { b } from "./b.js";
        """,
        a='console.log("a");\n',
        b='console.log("b");\nexport const b = 1;\n',
    ),
    _case(
        "order_deep_chain",
        main="""
            import { v } from "./m1.js";
            console.log("main", v);
        """,
        m1='import { v as w } from "./m2.js";\nconsole.log("m1 before", w);\nexport const v = w + 1;\nconsole.log("m1 after", v);\n',
        m2='import { v as w } from "./m3.js";\nconsole.log("m2", w);\nexport const v = w * 2;\n',
        m3='import { v as w } from "./m4.js";\nconsole.log("m3", w);\nexport const v = w + 10;\n',
        m4='import "./m5.js";\nconsole.log("m4");\nexport const v = 4;\n',
        m5='console.log("m5");\n',
    ),
    _case(
        "order_static_and_dynamic_import",
        expect="first\nshared\nmain true\n",
        main="""
            import "./first.js";
            import { shared } from "./shared.js";
            const again = await import("./shared.js");
            console.log("main", again.shared === shared);
        """,
        first='console.log("first");\n',
        shared='console.log("shared");\nexport const shared = {};\n',
    ),
    _case(
        "order_same_module_two_specifiers",
        expect="shared 1\nmain 1 1 true\n",
        main="""
            import { n, get } from "./shared.js";
            import { n as n2 } from "./sub/../shared.js";
            import { get as get2 } from "./sub/reader.js";
            console.log("main", n, n2, get === get2);
        """,
        shared='export let n = 0;\nn += 1;\nexport function get() { return n; }\nconsole.log("shared", n);\n',
        sub__reader='export { get } from "../shared.js";\n',
    ),
    # ---- cycles ----------------------------------------------------------------------------
    _case(
        "cycle_hoisted_functions",
        expect="b calls a: hello from a\na calls b: hello from b\nmain\n",
        main="""
            import "./a.js";
            console.log("main");
        """,
        a="""
            import { fromB } from "./b.js";
            export function fromA() { return "hello from a"; }
            console.log("a calls b:", fromB());
        """,
        b="""
            import { fromA } from "./a.js";
            export function fromB() { return "hello from b"; }
            console.log("b calls a:", fromA());
        """,
    ),
    _case(
        "cycle_tdz",
        expect="""
            b: const ReferenceError
            b: let ReferenceError
            b: class ReferenceError
            b: var undefined
            b: function function
            a: 1 2 function 3
            main later: 1 2 function 3
        """,
        main="""
            import "./a.js";
            import { readLater } from "./b.js";
            console.log("main later:", readLater());
        """,
        a="""
            import "./b.js";
            export const k = 1;
            export let l = 2;
            export class C {}
            export var v = 3;
            export function f() {}
            console.log("a:", k, l, typeof C, v);
        """,
        b="""
            import { k, l, C, v, f } from "./a.js";
            function use(read, label) {
              try { console.log("b:", label, read()); } catch (e) { console.log("b:", label, e.constructor.name); }
            }
            use(() => k, "const");
            use(() => l, "let");
            use(() => C, "class");
            use(() => v, "var");
            use(() => typeof f, "function");
            export function readLater() { return [k, l, typeof C, v].join(" "); }
        """,
    ),
    _case(
        "cycle_entry_in_cycle",
        main="""
            import { fromA, aValue } from "./a.js";
            export const mainValue = "main value";
            export function mainFn() { return "main fn"; }
            console.log("main", aValue, fromA());
        """,
        a="""
            import { mainValue, mainFn } from "./main.js";
            export const aValue = "a value";
            let seen;
            try { seen = mainValue; } catch (e) { seen = e.constructor.name; }
            console.log("a", seen, mainFn());
            export function fromA() { return "fromA sees " + mainValue; }
        """,
    ),
    _case(
        "cycle_three_modules",
        main="""
            import { a, lateA } from "./a.js";
            console.log("main", a, lateA());
        """,
        a="""
            import { b, lateB } from "./b.js";
            export const a = "A";
            export function lateA() { return a + lateB(); }
            console.log("a", b);
        """,
        b="""
            import { c, lateC } from "./c.js";
            export const b = "B";
            export function lateB() { return b + lateC(); }
            console.log("b", c);
        """,
        c="""
            import { a, lateA } from "./a.js";
            export const c = "C";
            export function lateC() { return c + a; }
            let early;
            try { early = a; } catch (e) { early = e.constructor.name; }
            console.log("c", early, typeof lateA);
        """,
    ),
    _case(
        "cycle_live_after_init",
        main="""
            import { report } from "./b.js";
            import { grow } from "./a.js";
            console.log(report());
            grow();
            console.log(report());
        """,
        a="""
            import { report } from "./b.js";
            export let size = 10;
            export function grow() { size *= 2; }
            console.log("a sees", report());
        """,
        b="""
            import { size } from "./a.js";
            export function report() {
              try { return "size " + size; } catch (e) { return "size " + e.constructor.name; }
            }
            console.log("b sees", report());
        """,
    ),
    _case(
        "cycle_default_function_hoisted",
        main="""
            import "./a.js";
            console.log("main");
        """,
        a="""
            import { b } from "./b.js";
            export default function greet(who) { return "hi " + who; }
            console.log("a", b);
        """,
        b="""
            import greet from "./a.js";
            export const b = greet("b");
            console.log("b", b, typeof greet);
        """,
    ),
    _case(
        "cycle_default_expression_tdz",
        main="""
            import "./a.js";
            console.log("main");
        """,
        a="""
            import { early } from "./b.js";
            export default 40 + 2;
            console.log("a", early);
        """,
        b="""
            import d from "./a.js";
            let early;
            try { early = d; } catch (e) { early = e.constructor.name; }
            export { early };
            export function late() { return d; }
        """,
    ),
    # ---- live bindings ---------------------------------------------------------------------
    _case(
        "live_let_mutated",
        expect="0\n1\n2\n",
        main="""
            import { count, increment } from "./counter.js";
            console.log(count);
            increment();
            console.log(count);
            increment();
            console.log(count);
        """,
        counter="export let count = 0;\nexport function increment() { count++; }\n",
    ),
    _case(
        "live_alias_and_default",
        expect="1 1 1 1\n2 2 2 1\n",
        main="""
            import { x, y, z } from "./m.js";
            import d, { bump, snap } from "./m.js";
            console.log(x, y, d, snap);
            bump();
            console.log(x, y, d, snap);
        """,
        m="""
            let x = 1;
            const snap = x;
            export function bump() { x += 1; }
            export { x, x as y, x as z, x as default, snap };
        """,
    ),
    _case(
        "live_default_expression_not_live",
        expect="old old\nold new\n",
        main="""
            import value, { current, change } from "./m.js";
            console.log(value, current);
            change();
            console.log(value, current);
        """,
        m="""
            export let current = "old";
            export default current;
            export function change() { current = "new"; }
        """,
    ),
    _case(
        "live_default_identifier_reassigned",
        expect="first\nfirst second\n",
        main="""
            import d, { later } from "./m.js";
            console.log(d);
            console.log(d, later());
        """,
        m="""
            let name = "first";
            export default name;
            name = "second";
            export function later() { return name; }
        """,
    ),
    _case(
        "live_through_reexports",
        expect="0 0 0 0\n1 1 1 1\n",
        main="""
            import { count, total, add } from "./reexport.js";
            import * as ns from "./star.js";
            import { count as viaStar } from "./star.js";
            console.log(count, total, ns.count, viaStar);
            add();
            console.log(count, total, ns.count, viaStar);
        """,
        counter="export let count = 0;\nexport function add() { count += 1; }\n",
        reexport='export { count, count as total, add } from "./counter.js";\n',
        star='export * from "./counter.js";\n',
    ),
    _case(
        "live_function_rebound",
        expect="hi\nbye\n",
        main="""
            import { greet, swap } from "./m.js";
            console.log(greet());
            swap();
            console.log(greet());
        """,
        m="""
            export function greet() { return "hi"; }
            export function swap() { greet = () => "bye"; }
        """,
    ),
    _case(
        "live_update_expressions",
        main="""
            import { n, ops } from "./m.js";
            const seen = [n];
            for (const op of ops) { op(); seen.push(n); }
            console.log(seen.join(","));
        """,
        m="""
            export let n = 5;
            export const ops = [() => n++, () => ++n, () => { n -= 3; }, () => { n **= 2; }, () => { [n] = [7]; }, () => { ({ n } = { n: 9 }); }];
        """,
    ),
    _case(
        "live_var_and_destructured",
        main="""
            import { v, a, b, reset } from "./m.js";
            console.log(v, a, b);
            reset();
            console.log(v, a, b);
        """,
        m="""
            export var v = "v0";
            export let { a, inner: [b] } = { a: "a0", inner: ["b0"] };
            export function reset() { v = "v1"; a = "a1"; b = "b1"; }
        """,
    ),
    # ---- export * --------------------------------------------------------------------------
    _case(
        "star_plain",
        main="""
            import { a, b } from "./all.js";
            import * as ns from "./all.js";
            console.log(a, b, Object.keys(ns).sort().join(","));
        """,
        all='export * from "./lib.js";\n',
        lib='export const a = 1;\nexport const b = 2;\nexport default "not re-exported";\n',
    ),
    _case(
        "star_chained",
        main="""
            import * as ns from "./top.js";
            import { deep, mid, top } from "./top.js";
            console.log(Object.keys(ns).sort().join(","), deep, mid, top);
        """,
        top='export * from "./mid.js";\nexport const top = "top";\n',
        mid='export * from "./deep.js";\nexport const mid = "mid";\n',
        deep='export const deep = "deep";\nexport default "deep default";\n',
    ),
    _case(
        "star_conflict_ambiguous",
        expect="keys only,onlyA,onlyB\nin false\ntypeof undefined\n",
        main="""
            import * as ns from "./both.js";
            console.log("keys", Object.keys(ns).sort().join(","));
            console.log("in", "x" in ns);
            console.log("typeof", typeof ns.x);
        """,
        both='export * from "./a.js";\nexport * from "./b.js";\nexport const only = "only";\n',
        a='export const x = "from a";\nexport const onlyA = 1;\n',
        b='export const x = "from b";\nexport const onlyB = 2;\n',
    ),
    _case(
        "star_local_wins",
        expect="local keys x,y\n",
        main="""
            import { x } from "./m.js";
            import * as ns from "./m.js";
            console.log(x, "keys", Object.keys(ns).sort().join(","));
        """,
        m='export * from "./a.js";\nexport * from "./b.js";\nexport const x = "local";\n',
        a='export const x = "a";\nexport const y = "y";\n',
        b='export const x = "b";\n',
    ),
    _case(
        "star_explicit_reexport_wins",
        main="""
            import { x } from "./m.js";
            import * as ns from "./m.js";
            console.log(x, Object.keys(ns).sort().join(","));
        """,
        m='export * from "./a.js";\nexport { x } from "./b.js";\n',
        a='export const x = "a";\nexport const keep = 1;\n',
        b='export const x = "b";\n',
    ),
    _case(
        "star_same_binding_twice",
        expect="x shared shared\n",
        main="""
            import { x } from "./m.js";
            import * as ns from "./m.js";
            console.log(Object.keys(ns).sort().join(","), x, ns.x);
        """,
        m='export * from "./a.js";\nexport * from "./b.js";\n',
        a='export * from "./base.js";\n',
        b='export { x } from "./base.js";\n',
        base='export const x = "shared";\n',
    ),
    _case(
        "star_as_namespace",
        main="""
            import { util, plain } from "./index.js";
            import * as top from "./index.js";
            console.log(util.double(4), util.name, Object.keys(util).sort().join(","));
            console.log(Object.keys(top).sort().join(","), top.util === util, plain);
            console.log(util[Symbol.toStringTag], typeof util.missing);
        """,
        index='export * as util from "./util.js";\nexport const plain = "plain";\n',
        util='export function double(n) { return n * 2; }\nexport const name = "util";\nexport default "util default";\n',
    ),
    _case(
        "star_as_namespace_same_identity",
        main="""
            import { lib as one } from "./a.js";
            import { lib as two } from "./b.js";
            import * as direct from "./lib.js";
            console.log(one === two, one === direct, one.v);
        """,
        a='export * as lib from "./lib.js";\n',
        b='import * as lib from "./lib.js";\nexport { lib };\n',
        lib='export const v = "v";\n',
    ),
    _case(
        "star_cycle",
        main="""
            import * as ns from "./a.js";
            import { fromA, fromB } from "./b.js";
            console.log(Object.keys(ns).sort().join(","), fromA, fromB);
        """,
        a='export * from "./b.js";\nexport const fromA = "A";\n',
        b='export * from "./a.js";\nexport const fromB = "B";\n',
    ),
    _case(
        "star_through_module_with_effect",
        main="""
            import { v } from "./re.js";
            console.log("main", v);
        """,
        re='export * from "./lib.js";\nconsole.log("re evaluated");\n',
        lib='console.log("lib evaluated");\nexport const v = 1;\n',
    ),
    # ---- namespace objects -----------------------------------------------------------------
    _case(
        "ns_static_member",
        main="""
            import * as math from "./math.js";
            console.log(math.add(2, 3), math.PI, typeof math.add);
        """,
        math='export function add(a, b) { return a + b; }\nexport const PI = 3.14;\nexport const unused = "unused";\n',
    ),
    _case(
        "ns_dynamic_access",
        main="""
            import * as ns from "./m.js";
            const keys = ["b", "a", "c", "missing"];
            for (const key of keys) console.log(key, typeof ns[key], String(ns[key]));
            function pick(obj, k) { return obj[k]; }
            console.log(pick(ns, "a"), pick(ns, ["b"].join("")));
        """,
        m='export const a = "A";\nexport const b = "B";\nexport const c = "C";\n',
    ),
    _case(
        "ns_reflection",
        expect="""
            keys Z,_u,a,aa,b,default
            own Z,_u,a,aa,b,default,Symbol(Symbol.toStringTag)
            tag Module [object Module]
            proto null
            in true false
            typeof undefined
            json {"Z":3,"_u":5,"a":1,"aa":4,"b":2,"default":6}
            forin Z,_u,a,aa,b,default
            write TypeError
            delete TypeError
            define TypeError
        """,
        main="""
            import * as ns from "./m.js";
            console.log("keys", Object.keys(ns).join(","));
            console.log("own", Reflect.ownKeys(ns).map(String).join(","));
            console.log("tag", ns[Symbol.toStringTag], Object.prototype.toString.call(ns));
            console.log("proto", Object.getPrototypeOf(ns));
            console.log("in", "a" in ns, "missing" in ns);
            console.log("typeof", typeof ns.missing);
            console.log("json", JSON.stringify(ns));
            const seen = [];
            for (const k in ns) seen.push(k);
            console.log("forin", seen.join(","));
            try { ns.a = 0; console.log("write ok"); } catch (e) { console.log("write", e.constructor.name); }
            try { delete ns.a; console.log("delete ok"); } catch (e) { console.log("delete", e.constructor.name); }
            try { Object.defineProperty(ns, "z", { value: 1 }); console.log("define ok"); } catch (e) { console.log("define", e.constructor.name); }
        """,
        m="""
            export const b = 2;
            export const a = 1;
            export const Z = 3;
            export const aa = 4;
            export const _u = 5;
            export default 6;
        """,
    ),
    _case(
        "ns_passed_to_function",
        main="""
            import * as shapes from "./shapes.js";
            function describe(mod) {
              return Object.keys(mod).sort().map((k) => k + "=" + mod[k]()).join(" ");
            }
            console.log(describe(shapes));
            const copy = { ...shapes };
            console.log(Object.keys(copy).sort().join(","), copy.square === shapes.square);
            const { circle, ...rest } = shapes;
            console.log(circle(), Object.keys(rest).join(","));
        """,
        shapes='export function square() { return 4; }\nexport function circle() { return 0; }\nexport function triangle() { return 3; }\n',
    ),
    _case(
        "ns_live_member",
        main="""
            import * as ns from "./m.js";
            const { value: snapshot } = ns;
            console.log(ns.value, snapshot);
            ns.set(9);
            console.log(ns.value, snapshot, Object.entries(ns).map(([k, v]) => k + ":" + typeof v).join(","));
        """,
        m='export let value = 1;\nexport function set(v) { value = v; }\n',
    ),
    _case(
        "ns_with_default_and_same_module_twice",
        main="""
            import * as one from "./m.js";
            import * as two from "./m.js";
            import d from "./m.js";
            console.log(one === two, one.default === d, Object.keys(one).sort().join(","));
        """,
        m='export default { label: "obj" };\nexport const other = 1;\n',
    ),
    _case(
        "ns_unused_members_and_computed",
        main="""
            import * as ns from "./m.js";
            const which = Math.max(1, 2) === 2 ? "second" : "first";
            console.log(ns[which]);
            console.log(Object.getOwnPropertyNames(ns).join(","));
        """,
        m='export const first = "1st";\nexport const second = "2nd";\nexport const third = "3rd";\n',
    ),
    # ---- default exports -------------------------------------------------------------------
    _case(
        "default_expression",
        main="""
            import sum from "./sum.js";
            import obj from "./obj.js";
            import seq from "./seq.js";
            console.log(sum, obj.a, seq);
        """,
        sum="export default 1 + 2;\n",
        obj="export default { a: 'object' };\n",
        seq="let n = 0;\nexport default (n++, n++, n);\n",
    ),
    _case(
        "default_anonymous_function",
        expect="anon function\n",
        main="""
            import f from "./f.js";
            console.log(f(), typeof f);
        """,
        f='export default function () { return "anon"; }\n',
    ),
    _case(
        "default_anonymous_class",
        expect="class method\n",
        main="""
            import C from "./c.js";
            console.log(typeof C === "function" ? "class" : "?", new C().m());
        """,
        c='export default class { m() { return "method"; } }\n',
    ),
    _case(
        "default_named_function",
        main="""
            import f from "./f.js";
            import { rename, call } from "./f.js";
            console.log(f());
            rename();
            console.log(f(), call());
        """,
        f="""
            export default function named() { return "named"; }
            export function rename() { named = () => "renamed"; }
            export function call() { return named(); }
        """,
    ),
    _case(
        "default_named_class",
        main="""
            import Point, { origin } from "./point.js";
            const p = new Point(1, 2);
            console.log(p.sum(), origin.sum(), p instanceof Point);
        """,
        point="""
            export default class Point {
              constructor(x, y) { this.x = x; this.y = y; }
              sum() { return this.x + this.y; }
            }
            export const origin = new Point(0, 0);
        """,
    ),
    _case(
        "default_export_clause",
        main="""
            import d, { change } from "./m.js";
            console.log(d);
            change();
            console.log(d);
        """,
        m='let x = "before";\nexport { x as default };\nexport function change() { x = "after"; }\n',
    ),
    _case(
        "default_arrow",
        expect="42\nasync\n",
        main="""
            import f from "./f.js";
            import g from "./g.js";
            console.log(f());
            console.log(await g());
        """,
        f="export default () => 42;\n",
        g='export default async () => "async";\n',
    ),
    _case(
        "default_import_by_name",
        main="""
            import { default as d, other } from "./m.js";
            import d2, * as ns from "./m.js";
            import d3, { other as o } from "./m.js";
            console.log(d, d2, d3, ns.default, other, o, d === d2);
        """,
        m='export default "the default";\nexport const other = "other";\n',
    ),
    _case(
        "default_generator_and_async_function",
        main="""
            import gen from "./gen.js";
            import run from "./run.js";
            console.log([...gen()].join(","));
            console.log(await run());
        """,
        gen="export default function* () { yield 1; yield 2; }\n",
        run='export default async function run() { return "ran"; }\n',
    ),
    # ---- function and class names (`.name` is observable) ---------------------------------
    _case(
        "names_of_default_exports",
        expect="default default default default default named Named\n",
        main="""
            import f from "./f.js";
            import c from "./c.js";
            import a from "./a.js";
            import g from "./g.js";
            import e from "./e.js";
            import n from "./n.js";
            import k from "./k.js";
            console.log(f.name, c.name, a.name, g.name, e.name, n.name, k.name);
        """,
        f="export default function () {}\n",
        c="export default class {}\n",
        a="export default () => {};\n",
        g="export default async function* () {}\n",
        e="export default function () {}\nexport const unrelated = 1;\n",
        n="export default function named() {}\n",
        k="export default class Named {}\n",
    ),
    _case(
        "names_of_declarations",
        expect="helper Shape arrow method inner\n",
        main="""
            import { helper, Shape, arrow, obj, outer } from "./m.js";
            console.log(helper.name, Shape.name, arrow.name, obj.method.name, outer().name);
        """,
        m="""
            export function helper() {}
            export class Shape {}
            export const arrow = () => {};
            export const obj = { method() {} };
            export function outer() { return function inner() {}; }
        """,
    ),
    # ---- re-exports ------------------------------------------------------------------------
    _case(
        "reexport_renamed",
        main="""
            import { b, c } from "./re.js";
            import * as ns from "./re.js";
            console.log(b, c, Object.keys(ns).sort().join(","));
        """,
        re='export { a as b, a as c } from "./lib.js";\n',
        lib='export const a = "a";\n',
    ),
    _case(
        "reexport_default",
        main="""
            import d from "./re.js";
            import { x, y } from "./re2.js";
            console.log(d, x, y);
        """,
        re='export { default } from "./lib.js";\n',
        re2='export { default as x } from "./lib.js";\nexport { named as default, named as y } from "./lib.js";\n',
        lib='export default "lib default";\nexport const named = "lib named";\n',
    ),
    _case(
        "reexport_import_then_export",
        main="""
            import { a, a2, viaDefault } from "./re.js";
            import re from "./re.js";
            console.log(a, a2, viaDefault, re);
        """,
        re="""
            import { a } from "./lib.js";
            import libDefault from "./lib.js";
            export { a, a as a2, libDefault as viaDefault, a as default };
        """,
        lib='export const a = "a";\nexport default "lib default";\n',
    ),
    _case(
        "reexport_string_names",
        main="""
            import { "string name" as s, "üñí" as u } from "./m.js";
            import * as ns from "./m.js";
            console.log(s, u, ns["string name"], Object.keys(ns).sort().join("|"));
        """,
        m='const v = "value";\nexport { v as "string name", v as "üñí" };\n',
    ),
    # ---- name collisions -------------------------------------------------------------------
    _case(
        "collision_common_names",
        main="""
            import { value as v1, helper as h1 } from "./one.js";
            import { value as v2, helper as h2 } from "./two.js";
            import { count, x, x$1 } from "./three.js";
            const value = "main value";
            function helper() { return "main helper"; }
            let x$2 = "main x$2";
            console.log(value, helper(), v1, h1(), v2, h2(), count, x, x$1, x$2);
        """,
        one='const value = "one value";\nfunction helper() { return "one helper " + value; }\nconst count = 1;\nexport { value, helper };\n',
        two='export const value = "two value";\nexport function helper() { return "two helper " + value; }\nconst count = 2, x = 2, x$1 = 2;\nconsole.log("two", count, x, x$1);\n',
        three='import { value } from "./one.js";\nexport const count = 3;\nexport const x = "x " + value;\nexport const x$1 = "x$1";\nconst helper = () => "three";\nconsole.log(helper());\n',
    ),
    _case(
        "collision_parameter_shadows_renamed_import",
        main="""
            import { value } from "./a.js";
            import { use } from "./b.js";
            const value$1 = "main value$1";
            console.log(value, value$1, use("arg"));
        """,
        a='export const value = "a value";\n',
        b="""
            import { value } from "./other.js";
            export function use(value$1, value_1 = value, value1 = value$1) {
              const inner = (value$2) => value$2 + "|" + value;
              return [value$1, value_1, value1, inner("p")].join(" ");
            }
        """,
        other='export const value = "other value";\n',
    ),
    _case(
        "collision_shadowing_scopes",
        main="""
            import { count, label } from "./m.js";
            function f(count) { return count * 2; }
            { const label = "block"; console.log(label); }
            try { throw "thrown"; } catch (label) { console.log(label); }
            for (let count = 0; count < 1; count++) console.log("loop", count);
            const obj = { count, label() { return label; } };
            console.log(f(5), count, label, obj.count, obj.label());
            console.log(((label) => label)("arrow"), class { label() { return label; } }.name);
        """,
        m='export const count = 7;\nexport const label = "m label";\n',
    ),
    _case(
        "collision_globals_declared_locally",
        main="""
            import { name, Map as LocalMap, JSON as localJSON } from "./decls.js";
            import { useGlobals } from "./user.js";
            console.log(name, LocalMap, localJSON.stringify());
            console.log(useGlobals());
        """,
        decls='export const Map = "not a Map";\nexport const name = "decl name";\nconst JSON = { stringify() { return "fake JSON"; } };\nconst Object = "fake Object";\nexport { JSON };\nconsole.log("decls", Object, typeof Map);\n',
        user='export function useGlobals() {\n  const m = new Map([[1, 2]]);\n  return [m.size, JSON.stringify({ a: 1 }), typeof Object.keys, typeof globalThis.name === typeof name].join(" ");\n}\n',
    ),
    _case(
        "collision_import_named_like_global",
        main="""
            import { Symbol as S, undefinedish } from "./m.js";
            console.log(S, undefinedish, typeof Symbol.iterator);
        """,
        m='const Symbol = "my Symbol";\nexport const undefinedish = typeof undefined;\nexport { Symbol };\n',
    ),
    _case(
        "collision_arguments_and_this",
        main="""
            import { args, topThis, fnThis } from "./m.js";
            function arguments_user() { return arguments.length; }
            console.log(args(1, 2, 3), arguments_user(1), topThis, fnThis());
        """,
        m="""
            export function args() { return arguments.length; }
            export const topThis = typeof this;
            export function fnThis() { return typeof this; }
        """,
    ),
    # ---- top-level await -------------------------------------------------------------------
    _case(
        "tla_leaf",
        expect="leaf start\nleaf end\nmid 5\nmain 5\n",
        main="""
            import { v } from "./mid.js";
            console.log("main", v);
        """,
        mid='import { v } from "./leaf.js";\nconsole.log("mid", v);\nexport { v };\n',
        leaf='console.log("leaf start");\nexport const v = await Promise.resolve(5);\nconsole.log("leaf end");\n',
    ),
    _case(
        "tla_middle",
        main="""
            import { mid } from "./mid.js";
            console.log("main", mid);
        """,
        mid='import { leaf } from "./leaf.js";\nconsole.log("mid before", leaf);\nawait null;\nexport const mid = leaf + "+mid";\nconsole.log("mid after", mid);\n',
        leaf='console.log("leaf");\nexport const leaf = "leaf";\n',
    ),
    _case(
        "tla_siblings_interleave",
        expect="slow start\nfast\nslow end\nmain\n",
        main="""
            import "./slow.js";
            import "./fast.js";
            console.log("main");
        """,
        slow='console.log("slow start");\nawait Promise.resolve();\nconsole.log("slow end");\n',
        fast='console.log("fast");\n',
    ),
    _case(
        "tla_chain_with_microtasks",
        main="""
            import { a } from "./a.js";
            Promise.resolve().then(() => console.log("main microtask"));
            console.log("main", a);
            await null;
            console.log("main after await");
        """,
        a='import { b } from "./b.js";\nexport const a = b + 1;\nconsole.log("a", a);\n',
        b='let n = 0;\nfor (let i = 0; i < 3; i++) n += await Promise.resolve(i);\nexport const b = n;\nconsole.log("b", b);\n',
    ),
    # ---- dynamic imports -------------------------------------------------------------------
    _case(
        "dynamic_basic",
        main="""
            console.log("before");
            const lazy = await import("./lazy.js");
            console.log(lazy.value, lazy.default, Object.keys(lazy).sort().join(","), lazy[Symbol.toStringTag]);
        """,
        lazy='console.log("lazy evaluated");\nexport const value = "lazy value";\nexport default "lazy default";\n',
    ),
    _case(
        "dynamic_and_static_same_module",
        expect="shared\nstatic 1\ntrue true\ndynamic 2\n",
        main="""
            import { n, bump } from "./shared.js";
            console.log("static", n);
            const ns1 = await import("./shared.js");
            const ns2 = await import("./shared.js");
            console.log(ns1 === ns2, ns1.bump === bump);
            bump();
            console.log("dynamic", ns1.n);
        """,
        shared='console.log("shared");\nexport let n = 1;\nexport function bump() { n++; }\n',
    ),
    _case(
        "dynamic_from_middle_module",
        main="""
            import { load } from "./loader.js";
            console.log("main");
            console.log(await load(), await load());
        """,
        loader='let calls = 0;\nexport async function load() {\n  const m = await import("./lazy.js");\n  return m.hello(++calls);\n}\n',
        lazy='console.log("lazy once");\nexport function hello(n) { return "hello " + n; }\n',
    ),
    _case(
        "dynamic_then_and_order",
        main="""
            const p = import("./lazy.js").then((m) => { console.log("then", m.v); return m; });
            console.log("sync after import()");
            const m = await p;
            console.log("awaited", m.v);
        """,
        lazy='import "./dep.js";\nconsole.log("lazy");\nexport const v = 1;\n',
        dep='console.log("dep of lazy");\n',
    ),
    _case(
        "dynamic_failing_module",
        expect="caught TypeError\nagain TypeError\nmain done\n",
        main="""
            try { await import("./bad.js"); } catch (e) { console.log("caught", e.constructor.name); }
            try { await import("./bad.js"); } catch (e) { console.log("again", e.constructor.name); }
            console.log("main done");
        """,
        bad='const nothing = null;\nexport const unusedValue = nothing.property;\n',
    ),
    _case(
        "dynamic_shared_dependency",
        main="""
            import { state } from "./state.js";
            state.log.push("main");
            const a = await import("./a.js");
            const b = await import("./b.js");
            console.log(state.log.join(","), a.fromA, b.fromB);
        """,
        state='export const state = { log: ["state"] };\n',
        a='import { state } from "./state.js";\nstate.log.push("a");\nexport const fromA = state.log.length;\n',
        b='import { state } from "./state.js";\nimport "./a.js";\nstate.log.push("b");\nexport const fromB = state.log.length;\n',
    ),
    # ---- unused code and side effects ------------------------------------------------------
    _case(
        "unused_export_with_top_level_effect",
        expect="computing unused\neffect module\nmain used\n",
        main="""
            import { used } from "./m.js";
            import { nothing } from "./effect.js";
            console.log("main", used);
        """,
        m='export const unusedValue = (console.log("computing unused"), 42);\nexport const used = "used";\nexport function neverCalled() { console.log("never called"); }\n',
        effect='console.log("effect module");\nexport const nothing = 0;\n',
    ),
    _case(
        "unused_global_mutation",
        main="""
            import "./setter.js";
            import { unused } from "./other.js";
            console.log(globalThis.__corpusFlag, Array.prototype.__corpusExtra?.(), [].__corpusExtra());
        """,
        setter='globalThis.__corpusFlag = "set";\nexport const unused = 1;\n',
        other='Object.defineProperty(Array.prototype, "__corpusExtra", { value() { return "patched"; }, configurable: true });\nexport const unused = 2;\n',
    ),
    _case(
        "unused_class_with_effects",
        expect="static block\ncomputed key\nheritage\nmain\n",
        main="""
            import "./classes.js";
            console.log("main");
        """,
        classes="""
            export class A { static { console.log("static block"); } }
            export class B { [(console.log("computed key"), "m")]() {} }
            export class C extends (console.log("heritage"), Object) {}
            export class D { static field = 1; method() { console.log("never"); } }
        """,
    ),
    _case(
        "unused_getter_and_call_effects",
        main="""
            import { kept } from "./m.js";
            console.log("main", kept);
        """,
        m="""
            const o = { get g() { console.log("getter ran"); return 1; } };
            o.g;
            const arr = [];
            arr.push("pushed");
            export const unusedLength = arr.length;
            function pure() { return 1; }
            const unusedPure = pure();
            export const kept = arr[0];
            new (class { constructor() { console.log("constructed"); } })();
        """,
    ),
    _case(
        "unused_pure_module_and_import",
        main="""
            import { neverRead } from "./pure.js";
            import * as nsNeverRead from "./pure2.js";
            console.log("main only");
        """,
        pure="export const neverRead = 1;\nexport function f() { return 2; }\n",
        pure2="export const a = [1, 2, 3].map((x) => x * 2);\n",
    ),
    _case(
        "unused_throw_in_module_is_kept",
        status=1,
        main="""
            import "./ok.js";
            import "./boom.js";
            console.log("never printed");
        """,
        ok='console.log("ok module");\n',
        boom='export const unused = 1;\nthrow new RangeError("boom");\n',
    ),
    # ---- misc ------------------------------------------------------------------------------
    _case(
        "exit_status_after_logs",
        status=1,
        main="""
            import { v } from "./m.js";
            console.log("printed", v);
            throw new Error("uncaught");
        """,
        m='export const v = "v";\n',
    ),
    _case(
        "strict_mode_everywhere",
        main="""
            import { sloppyCheck } from "./m.js";
            console.log(typeof this, sloppyCheck());
            try { undeclared = 1; console.log("assigned"); } catch (e) { console.log(e.constructor.name); }
        """,
        m='export function sloppyCheck() { return (function () { return this === undefined; })(); }\n',
    ),
    _case(
        "export_declaration_forms",
        main="""
            import { a, b, c, gen, run, K, d, e } from "./m.js";
            console.log(a, b, c, [...gen()].join(""), await run(), new K().k, d, e);
        """,
        m="""
            export var a = 1, b = 2;
            export let c;
            c = 3;
            export function* gen() { yield "g"; yield "h"; }
            export async function run() { return "run"; }
            export class K { k = "k"; }
            export const { d, e = "e default" } = { d: "d" };
        """,
    ),
    _case(
        "import_hoisting_of_functions_and_classes",
        main="""
            import { make } from "./factory.js";
            console.log(make().kind, helper());
            function helper() { return "hoisted helper"; }
        """,
        factory="""
            export function make() { return new Thing(); }
            class Thing { kind = "thing"; }
        """,
    ),
]


# ---- random graphs -------------------------------------------------------------------------

_PRELUDE = (
    'function t(f) { try { return String(f()); } catch (e) { return e.constructor.name; } }\n'
)


@dataclass
class _Export:
    """What an exported name holds, so importers know how to read it."""

    kind: str  # const, let, fn, class, ns
    origin: int  # the module whose binding it is (-1 for namespaces)


@dataclass
class _Module:
    index: int
    lines: list[str] = field(default_factory=list)
    top: list[str] = field(default_factory=list)  # expressions read at top level
    late: list[str] = field(default_factory=list)  # statements run once the graph is loaded
    exports: dict[str, _Export] = field(default_factory=dict)
    has_default: bool = False
    locals: set[str] = field(default_factory=set)  # names imported without an alias


def _read(local: str, kind: str) -> str:
    """An expression that shows a binding of ``kind`` deterministically."""
    return {
        "const": local,
        "let": local,
        "fn": f"{local}(3)",
        "class": f"new {local}().m()",
        "ns": f"typeof {local}",
    }[kind]


def random_case(seed: int) -> Case:
    """A random module graph (3 to 12 modules, a DAG or with cycles) drawn from ``seed``."""
    rng = random.Random(seed)
    n = rng.randint(3, 12)
    cycles = seed % 2 == 0
    dynamic_only = n - 1 if n > 3 and rng.random() < 0.4 else None
    forward: dict[int, list[int]] = {i: [] for i in range(n)}
    for i in range(1, n):
        if i == dynamic_only:
            continue
        forward[rng.randrange(0, i)].append(i)  # a parent, so every module is reachable
    for i in range(n):
        for j in range(i + 1, n):
            if j != dynamic_only and j not in forward[i] and rng.random() < 0.2:
                forward[i].append(j)
        rng.shuffle(forward[i])
    backward: dict[int, list[int]] = {i: [] for i in range(n)}
    if cycles:
        for i in range(1, n):
            if rng.random() < 0.35:
                backward[i].append(rng.randrange(0, i))
    modules = [_Module(i) for i in range(n)]
    # Own declarations first (importers need every module's export table), deepest first.
    for i in reversed(range(n)):
        m = modules[i]
        quiet = rng.random() < 0.15
        m.lines.append(_PRELUDE)
        m.lines.append(f"export const c{i} = {rng.randint(1, 99)};")
        m.exports[f"c{i}"] = _Export("const", i)
        m.lines.append(f'export function f{i}(n) {{ return "f{i}:" + n; }}')
        m.exports[f"f{i}"] = _Export("fn", i)
        if rng.random() < 0.5:
            m.lines.append(f"let l{i} = {rng.randint(0, 9)};")
            m.lines.append(f"export function bump{i}() {{ l{i} += 1; }}")
            m.lines.append(f"export {{ l{i} }};")
            m.exports[f"l{i}"] = _Export("let", i)
            m.exports[f"bump{i}"] = _Export("bump", i)
        if rng.random() < 0.3:
            m.lines.append(f"export class K{i} {{ m() {{ return \"K{i}\"; }} }}")
            m.exports[f"K{i}"] = _Export("class", i)
        if rng.random() < 0.4:
            m.lines.append("const value = " + str(i) + ";")
            m.lines.append("function helper(x$1, value$1 = value) { return x$1 + value$1; }")
            m.top.append("helper(100)")
        if rng.random() < 0.3:
            m.lines.append(f'export function unused{i}() {{ console.log("never m{i}"); }}')
        form = rng.choice(["none", "none", "expr", "fn", "anon", "class", "arrow", "ident"])
        m.has_default = form != "none"
        m.lines.append({
            "none": "",
            "expr": f"export default {i} * 11;",
            "fn": f'export default function def{i}() {{ return "def{i}"; }}',
            "anon": f'export default function () {{ return "anon{i}"; }}',
            "class": f'export default class {{ m() {{ return "dclass{i}"; }} }}',
            "arrow": f'export default () => "arrow{i}";',
            "ident": f"export default c{i};",
        }[form])
        default_kind = {"expr": "const", "ident": "const", "class": "class"}.get(form, "fn")
        # Imports along forward edges: any shape, the target's table is complete.
        for j in forward[i]:
            target = modules[j]
            names = [k for k, e in target.exports.items() if e.kind != "bump"]
            shape = rng.choice(["named", "named", "alias", "ns", "ns_dynamic", "default",
                                "reexport", "star", "star", "star_as", "bare"])
            if shape == "default" and not target.has_default:
                shape = "named"
            if shape in ("named", "alias"):
                picked = rng.sample(names, min(len(names), rng.randint(1, 2)))
                specs = []
                plain = {name for name in picked if shape == "named" and name != "default"
                         and name not in m.locals}
                m.locals.update(plain)
                for name in picked:
                    local = name if name in plain else f"{name}_{j}in{i}"
                    specs.append(name if local == name else f"{name} as {local}")
                    m.top.append(_read(local, target.exports[name].kind))
                bumps = [k for k, e in target.exports.items() if e.kind == "bump"]
                lets = [k for k in picked if target.exports[k].kind == "let"]
                if lets and bumps:
                    specs.append(f"{bumps[0]} as bump{j}_in{i}")
                    local = lets[0] if lets[0] in plain else f"{lets[0]}_{j}in{i}"
                    m.late.append(f'console.log("m{i} live", {local}); bump{j}_in{i}(); console.log("m{i} live", {local});')
                m.lines.insert(0, f'import {{ {", ".join(specs)} }} from "./m{j}.js";')
            elif shape in ("ns", "ns_dynamic"):
                local = f"ns{j}_in{i}"
                m.lines.insert(0, f'import * as {local} from "./m{j}.js";')
                member = rng.choice(names)
                m.top.append(_read(f"{local}.{member}", target.exports[member].kind))
                if shape == "ns_dynamic":
                    m.late.append(f'console.log("m{i} keys", Object.keys({local}).sort().join(","));')
                    m.late.append(f'const key{j} = ["{member}"][0]; console.log("m{i} dyn", typeof {local}[key{j}], typeof {local}.missing);')
            elif shape == "default":
                m.lines.insert(0, f'import d{j}_in{i} from "./m{j}.js";')
                kind = "fn" if target.exports.get("default") is None else target.exports["default"].kind
                m.top.append(_read(f"d{j}_in{i}", kind))
            elif shape == "reexport":
                name = rng.choice(names)
                alias = f"r{i}_{name}"
                m.lines.append(f'export {{ {name} as {alias} }} from "./m{j}.js";')
                m.exports[alias] = _Export(target.exports[name].kind, target.exports[name].origin)
                if target.has_default and rng.random() < 0.5:
                    m.lines.append(f'export {{ default as rd{i}_{j} }} from "./m{j}.js";')
                    m.exports[f"rd{i}_{j}"] = target.exports["default"]
            elif shape == "star":
                m.lines.append(f'export * from "./m{j}.js";')
                for name, export in target.exports.items():
                    if name != "default":
                        m.exports.setdefault(name, export)
            elif shape == "star_as":
                m.lines.append(f'export * as s{i}_{j} from "./m{j}.js";')
                m.exports[f"s{i}_{j}"] = _Export("ns", -1)
                m.late.append(f'console.log("m{i} star-as", Object.keys(s{i}_{j}_local).sort().join(","));')
                m.lines.insert(0, f'import {{ s{i}_{j} as s{i}_{j}_local }} from "./m{i}.js";')
            else:
                m.lines.insert(0, f'import "./m{j}.js";')
        if m.has_default:
            m.exports["default"] = _Export(default_kind, i)
        # Back edges make cycles: only the target's hoisted function and its const are read
        # (the const may be in its temporal dead zone: `t` prints ReferenceError then).
        for j in backward[i]:
            shape = rng.choice(["named", "ns"])
            if shape == "named":
                m.lines.insert(0, f'import {{ f{j} as back{j}, c{j} as backc{j} }} from "./m{j}.js";')
                m.top.extend([f"back{j}({i})", f"backc{j}"])
                m.late.append(f'console.log("m{i} back", backc{j});')
            else:
                m.lines.insert(0, f'import * as back{j} from "./m{j}.js";')
                m.top.extend([f"back{j}.f{j}({i})", f"back{j}.c{j}"])
                m.late.append(f'console.log("m{i} back keys", Object.keys(back{j}).sort().join(","));')
        if not quiet:
            reads = ", ".join(f"t(() => {expr})" for expr in m.top)
            m.lines.append(f'console.log("eval m{i}"{", " + reads if reads else ""});')
            body = " ".join(m.late) or f'console.log("m{i} late");'
            m.lines.append(f"(globalThis.__corpusLate ??= []).push(() => {{ {body} }});")
    main: list[str] = [_PRELUDE]
    roots = [j for j in range(n) if j != dynamic_only and rng.random() < 0.3]
    roots = list(dict.fromkeys([0, *roots]))
    rng.shuffle(roots)
    main_reads: list[str] = []
    for j in roots:
        target = modules[j]
        shape = rng.choice(["named", "ns", "bare"])
        if shape == "named":
            name = rng.choice([k for k, e in target.exports.items() if e.kind != "bump"])
            main.insert(0, f'import {{ {name} as main_{j} }} from "./m{j}.js";')
            main_reads.append(_read(f"main_{j}", target.exports[name].kind))
        elif shape == "ns":
            main.insert(0, f'import * as main_ns{j} from "./m{j}.js";')
            main_reads.append(f'Object.keys(main_ns{j}).sort().join(",")')
        else:
            main.insert(0, f'import "./m{j}.js";')
    main.append('console.log("main", ' + ", ".join([f"t(() => {r})" for r in main_reads] or ['""']) + ");")
    main.append("for (const late of (globalThis.__corpusLate ?? []).splice(0)) late();")
    if dynamic_only is not None:
        main.append(f'const lazy = await import("./m{dynamic_only}.js");')
        main.append('console.log("lazy", Object.keys(lazy).sort().join(","), lazy.c' + str(dynamic_only) + ");")
        main.append("for (const late of (globalThis.__corpusLate ?? []).splice(0)) late();")
    elif rng.random() < 0.5:
        j = rng.randrange(n)
        main.append(f'const again = await import("./m{j}.js");')
        main.append(f'console.log("again", Object.keys(again).sort().join(","), again.c{j});')
    files = {"main.js": "\n".join(main) + "\n"}
    for m in modules:
        files[f"m{m.index}.js"] = "\n".join(line for line in m.lines if line) + "\n"
    return Case(f"random_{seed:02d}", files, tags=("random",))


def all_cases() -> list[Case]:
    """The fixed cases, then one random graph per seed in :data:`RANDOM_SEEDS`."""
    cases = FIXED + [random_case(seed) for seed in RANDOM_SEEDS]
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def write_case(case: Case, directory: Path) -> Path:
    """Write ``case`` into ``directory`` (with a ``package.json`` saying ``"type": "module"``)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text(json.dumps({"type": "module"}) + "\n")
    for name, source in case.files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return directory


def write_corpus(directory: Path, cases: list[Case] | None = None) -> dict[str, Path]:
    """Write every case under ``directory/<name>``; returns name -> case directory."""
    return {case.name: write_case(case, directory / case.name)
            for case in (all_cases() if cases is None else cases)}


if __name__ == "__main__":  # python tests/bundle_corpus.py <dir>: write the corpus to look at
    import sys

    for name, path in write_corpus(Path(sys.argv[1])).items():
        print(name, path)
