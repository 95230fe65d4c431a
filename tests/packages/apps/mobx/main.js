// expect: ok mobx 1,2
import { autorun, observable, runInAction } from "mobx";

const state = observable({ n: 1 });
const seen = [];
autorun(() => seen.push(state.n));
runInAction(() => (state.n = 2));
console.log("ok mobx", seen.join());
