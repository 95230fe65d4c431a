// expect: ok marked <h1>hi</h1>
import { marked } from "marked";

console.log("ok marked", marked.parse("# hi").trim());
