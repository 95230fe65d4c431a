// expect: ok vue 1
import { createApp, h, nextTick, ref } from "vue";

const count = ref(0);
createApp({ render: () => h("button", { onClick: () => count.value++ }, count.value) })
  .mount("#root");
document.querySelector("#root button").click();
nextTick(() => console.log("ok vue", document.querySelector("#root button").textContent));
