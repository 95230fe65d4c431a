// expect: ok object-assign {"a":1,"b":2}
import objectAssign from "object-assign";

console.log("ok object-assign", JSON.stringify(objectAssign({ a: 1 }, { b: 2 })));
