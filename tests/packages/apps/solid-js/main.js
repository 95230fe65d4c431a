// expect: ok solid-js 1
import { createEffect, createSignal } from "solid-js";
import { render } from "solid-js/web";

const [count, setCount] = createSignal(0);
render(() => {
  const button = document.createElement("button");
  button.onclick = () => setCount(count() + 1);
  createEffect(() => (button.textContent = String(count())));
  return button;
}, document.getElementById("root"));
document.querySelector("#root button").click();
console.log("ok solid-js", document.querySelector("#root button").textContent);
