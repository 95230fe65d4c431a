// expect: ok clsx a b c
import clsx from "clsx";

console.log("ok clsx", clsx("a", { b: true, z: false }, ["c"]));
