// expect: ok react 1
import { createElement, useEffect, useState } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";

function Counter() {
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (count > 0) console.log("ok react", document.querySelector("#root button").textContent);
  }, [count]);
  return createElement("button", { onClick: () => setCount((n) => n + 1) }, count);
}

const root = createRoot(document.getElementById("root"));
flushSync(() => root.render(createElement(Counter)));
document.querySelector("#root button").click();
