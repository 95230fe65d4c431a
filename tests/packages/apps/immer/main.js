// expect: ok immer 1 2 true
import { produce } from "immer";

const before = { n: 1 };
const after = produce(before, (draft) => {
  draft.n = 2;
});
console.log("ok immer", before.n, after.n, Object.isFrozen(after));
