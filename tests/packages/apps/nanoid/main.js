// expect: ok nanoid 21
import { nanoid } from "nanoid";

console.log("ok nanoid", nanoid().length);
