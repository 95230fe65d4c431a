// expect: ok lodash-es [[1,2],[3]]
import { chunk } from "lodash-es";

console.log("ok lodash-es", JSON.stringify(chunk([1, 2, 3], 2)));
