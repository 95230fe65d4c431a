// expect: ok classnames a b
import classNames from "classnames";

console.log("ok classnames", classNames("a", { b: true, c: false }));
