// expect: ok d3-array 1,3 2
import { extent, mean } from "d3-array";

console.log("ok d3-array", extent([3, 1, 2]).join(), mean([3, 1, 2]));
