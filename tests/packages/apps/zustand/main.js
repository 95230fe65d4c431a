// expect: ok zustand 1
import { createStore } from "zustand/vanilla";

const store = createStore((set) => ({ n: 0, inc: () => set((s) => ({ n: s.n + 1 })) }));
store.getState().inc();
console.log("ok zustand", store.getState().n);
