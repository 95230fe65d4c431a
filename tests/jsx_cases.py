# ruff: noqa: E501  (JSX inputs read best one per line)
"""JSX inputs for the differential test: each is an ES module whose exports hold elements.

Every case runs four ways (shaker and esbuild, each under the automatic runtime, its
development form and the classic runtime) against a recording runtime; see test_jsx.py.
Names a case uses are declared in it, so that every output runs on its own.
"""

from __future__ import annotations

PRELUDE = """\
const x = 1, y = "two", name = "Ada", k = "k1", n = 3;
const props = { a: 1, b: "b", key: "from-spread" };
const list = ["p", "q"];
function Foo(p) { return p; }
const ns = { Bar: function Bar() {}, deep: { Baz: function Baz() {} } };
"""

CASES: dict[str, str] = {
    "intrinsic": "export const a = <div/>; export const b = <div></div>;",
    "component": "export const a = <Foo/>; export const b = <Foo></Foo>;",
    "member tags": "export const a = <ns.Bar/>; export const b = <ns.deep.Baz>x</ns.deep.Baz>;",
    "underscore and digits": "const _a = () => 0; export const a = <_a/>; export const b = <a0/>;",
    "dash tag": "export const a = <my-element some-attr='1'/>;",
    "namespaced": "export const a = <svg:rect xlink:href='#x'/>; export const b = <a : b c : d={1}/>;",
    "boolean attribute": "export const a = <input disabled readOnly={false}/>;",
    "string attributes": """export const a = <a b="\\" c='it&apos;s' d="&lt;&gt;" e="&wrong;" f="🙂"/>;""",
    "multi-line attribute": 'export const a = <a b="c\n   d" e="\n  f\n"/>;',
    "expression attributes": "export const a = <a b={x} c={x + n} d={1, 2} e={[1, 2]} f={{ o: 1 }}/>;",
    "element attribute": "export const a = <a b=<c/> d=<>t</>/>;",
    "spread props": "export const a = <a {...props}/>; export const b = <a x={1} {...props} y={2}/>;",
    "key": "export const a = <a key={k}/>; export const b = <a key=\"s\" c={1}/>;",
    "key before spread": "export const a = <a key={k} {...props}/>;",
    "key after spread": "export const a = <a {...props} key={k}>child {x}</a>;",
    "key after spread no children": "export const a = <Foo {...props} key=\"z\"/>;",
    "two keys": "export const a = <a key=\"one\" key=\"two\"/>;",
    "single text child": "export const a = <p>hello</p>;",
    "two children": "export const a = <p>hello {name}</p>;",
    "expression child": "export const a = <p>{x}</p>;",
    "spread child": "export const a = <p>{...list}</p>; export const b = <p>{...list}<i/></p>;",
    "empty expressions": "export const a = <p>{}</p>; export const b = <p>b{/* c */}c</p>;",
    "comment children": "export const a = <p>{/* one */}{x /* two */}{// three\n}</p>;",
    "sequence child": "export const a = <p>{(0, x), y}</p>;",
    "fragment": "export const a = <></>; export const b = <><i/><b/></>; export const c = <>t</>;",
    "nested": """export const a = (
  <div className="app">
    <header>
      <h1>{name}</h1>
      <Foo title="t" onClick={() => x}>
        <span>{n > 2 ? <b>big</b> : <i>small</i>}</span>
      </Foo>
    </header>
    {list.map((item) => <li key={item}>{item}</li>)}
  </div>
);""",
    "whitespace": """export const a = [
  <a>   b</a>, <a>   \nb</a>, <a>\n   b</a>, <a>b   </a>, <a>b   \n</a>, <a>b\n   </a>,
  <a>b   c</a>, <a>b   \nc</a>, <a>b\n   c</a>, <a> {x}<b/> </a>, <a>{x} <b/></a>,
  <a>\n  {x}\n  <b/>\n</a>, <a>\n  one\n\n  two  \n   three\n</a>,
  <a>\t tabs\t\n\tmore\t</a>, <a>\r\n  crlf\r\n  lines\r\n</a>,
];""",
    "unicode whitespace": "export const a = [<a>\n\u00a0&quot;\n</a>, <a>\n\u2003x\u2003\n</a>, <a>\u00a0</a>];",
    "entities": """export const a = <p>&nbsp;&amp;&lt;&gt;&quot;&apos;&copy;&euro;&hellip;&#123;&#x1F600;&#xd83d;&#xde00;</p>;
export const b = <p>&wrong; &#X41; &#; &#x; &amp</p>;
export const c = <p>{"&amp;"} &amp;amp;</p>;""",
    "all named entities": "export const a = <p>" + "".join(
        f"&{n};" for n in ["Aacute", "aacute", "Acirc", "acirc", "acute", "AElig", "aelig", "Agrave", "agrave", "alefsym", "Alpha", "alpha", "amp", "and", "ang", "Aring", "aring", "asymp", "Atilde", "atilde", "Auml", "auml", "bdquo", "Beta", "beta", "brvbar", "bull", "cap", "Ccedil", "ccedil", "cedil", "cent", "Chi", "chi", "circ", "clubs", "cong", "copy", "crarr", "cup", "curren", "dagger", "Dagger", "darr", "dArr", "deg", "Delta", "delta", "diams", "divide", "Eacute", "eacute", "thetasym", "zwj", "zwnj", "yuml", "Yuml", "weierp", "upsih", "lowast", "lrm", "rlm", "sdot", "sube", "supe"]) + "</p>;",
    "unicode text": "export const a = <a>🙂   \n🍕 é</a>; export const b = <a>\u0008</a>;",
    "text with slashes": "export const a = <a>http://x.com // not a comment /* nor this */</a>;",
    "attribute name keywords": "export const a = <a class=\"c\" for=\"f\" default={1} aria-label=\"l\"/>;",
    "unicode attribute name": "export const a = <a \U00020000={0} é=\"e\"/>;",
    "this in function": """export function f() { return <a/>; }
export class C { render() { return <b>{this.constructor.name}</b>; } }
export const r = [f(), new C().render()];
class D extends C { constructor() { super(); this.el = <i/>; } }
export const d = new D().el;""",
    "arrow and ternary": "export const f = (p) => p ? <a/> : <b/>; export const r = [f(1), f(0)];",
    "jsx in jsx expression": "export const a = <a>{[1, 2].map((i) => <b key={i}>{i}</b>)}</a>;",
    "conditional children": "export const a = <a>{x && <b/>}{null}{undefined}{false}{0}</a>;",
    "comments in tags": """export const a = <a /* c1 */ b="1" // c2
  c={2} /* c3 */
/>;
export const b = <a>b</a /**/ >;""",
    "line breaks everywhere": """export const a = <
  div
  a={
    x
  }
  {
    ...props
  }
>
  text
  {
    y
  }
</
  div
>;""",
    "generic names": "const jsx = 1, _jsx = 2, jsxs = 3, Fragment = 4, _Fragment = 5;\nexport const a = [<><i/><i/></>, jsx, _jsx, jsxs, Fragment, _Fragment];",
    "createElement collision": "const createElement = 1, _createElement = 2;\nexport const a = [<a {...props} key=\"q\"/>, createElement, _createElement];",
    "directive": '"use client";\nexport const a = <a/>;',
    "directive without semicolon": "'use strict'\nexport const a = <a/>;",
    "pragma classic h": "/** @jsxRuntime classic */\n/** @jsx h */\nexport const a = <a b={1}>t</a>;",
    "pragma fragment": "/* @jsxRuntime classic @jsx h @jsxFrag Frag */\nexport const a = <>x<i/></>;",
    "pragma runtime automatic": "// @jsxRuntime automatic\nexport const a = <a/>;",
    "pragma import source": "/** @jsxImportSource my-lib */\nexport const a = <><a/></>;",
    "pragma at end": "export const a = <a/>;\n// @jsxRuntime classic",
    "deep nesting": "export const a = " + "<d>" * 30 + "x" + "</d>" * 30 + ";",
    "many siblings": "export const a = <ul>" + "".join(f"<li key=\"{i}\">{i}</li>" for i in range(40)) + "</ul>;",
    "self closing spacing": "export const a = <a  b='1'   />; export const b = <Foo\n/>;",
    "template literal attribute": "export const a = <a b={`t ${x}`}>{`c ${y}`}</a>;",
    "async generator context": "export async function* g() { yield <a>{await 1}</a>; }\nexport const r = (async () => { for await (const e of g()) return e; })();",
    "object spread child value": "export const a = <a>{...[<b/>, <c/>]}</a>;",
    "key with jsx value": "export const a = <a key={<b/>.type}/>;",
    "children prop and children": "export const a = <a children=\"prop\">real</a>; export const b = <a children=\"prop\"/>;",
    "ref prop": "const r = { current: null }; export const a = <a ref={r}/>;",
}

# Cases that must fail, with the start of shaker's message.
ERRORS: dict[str, tuple[str, str]] = {
    "mismatched tags": ("<a></b>", 'Unexpected closing "b" tag does not match opening "a" tag'),
    "fragment closed by tag": ("<></b>", 'Unexpected closing "b" tag does not match opening fragment'),
    "member tags differ": ("<a.b></a.c>", 'Unexpected closing "a.c" tag'),
    "key shorthand": ("<a key/>", 'Please provide an explicit value for "key"'),
    "empty attribute expression": ("<a b={}/>", "JSX attributes must only be assigned a non-empty"),
    "spread attribute value": ("<a b={...c}/>", 'Unexpected "..."'),
    "attribute without spread": ("<a {b}/>", 'Expected "..."'),
    "__self prop": ("<a __self={1}/>", 'Duplicate "__self" prop'),
}
