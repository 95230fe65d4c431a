// expect: ok valibot 1 false
import * as v from "valibot";

const Schema = v.object({ n: v.number(), note: v.union([v.string(), v.null()]) });
console.log("ok valibot", v.parse(Schema, { n: 1, note: null }).n,
  v.safeParse(Schema, { n: "x", note: null }).success);
