// expect: ok zod 1 false
import { z } from "zod";

const Schema = z.object({ n: z.number(), tag: z.enum(["a", "b"]).catch("a") });
console.log("ok zod", Schema.parse({ n: 1 }).n, Schema.safeParse({ n: "x" }).success);
