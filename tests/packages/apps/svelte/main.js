// expect: ok svelte 2
import { derived, get, writable } from "svelte/store";

const count = writable(0);
const doubled = derived(count, (n) => n * 2);
count.update((n) => n + 1);
console.log("ok svelte", get(doubled));
