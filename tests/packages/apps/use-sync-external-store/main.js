// expect: ok use-sync-external-store shim
import { createElement } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { useSyncExternalStore } from "use-sync-external-store/shim";

const subscribe = () => () => {};
function Value() {
  return createElement("p", null, useSyncExternalStore(subscribe, () => "shim"));
}

flushSync(() => createRoot(document.getElementById("root")).render(createElement(Value)));
console.log("ok use-sync-external-store", document.querySelector("#root p").textContent);
