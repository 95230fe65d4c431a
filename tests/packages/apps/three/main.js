// expect: ok three 3
import { Vector3 } from "three";

console.log("ok three", new Vector3(1, 2, 2).length());
