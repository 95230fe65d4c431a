// expect: ok preact 1
import { h, render } from "preact";
import { useEffect, useState } from "preact/hooks";

function Counter() {
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (count > 0) console.log("ok preact", document.querySelector("#root button").textContent);
  }, [count]);
  return h("button", { onClick: () => setCount((n) => n + 1) }, count);
}

render(h(Counter), document.getElementById("root"));
document.querySelector("#root button").click();
