// expect: ok lodash 1,2,3
import _ from "lodash";

console.log("ok lodash", _.uniq([1, 2, 2, 3]).join());
